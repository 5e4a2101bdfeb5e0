"""The sharing kernel: the shared item, its grants and visibility, its type's declaration, pages.

Every area's item type builds on it: the models (`models`, `querysets`, `lookups`), the one
visibility filter and object check (`access`), the item types' and areas' declaration
(`declarations`) and their registry (`registry`), the items around an item (`related`), the
write services (`services`, `references`) and the pages every item type has (`views`).
"""
