"""Data typed in the portal's languages, one scheme for every app: a text is kept in English in
its field (`label`) and, where it is given, in French in a twin field named with the suffix
`_fr` (`label_fr`); a `Translated` attribute of the model reads it in the reader's language.
(The interface's own words are translated by gettext; this is for data that administrators
type, such as the fraud notes' vocabularies or the ILO report template.) A JSON entry follows
the same scheme with its keys (`"label"`, `"label_fr"`)."""

from typing import Any

from django.utils.translation import get_language

# The suffix of the French twin of a field or a JSON key.
FRENCH = "_fr"


def in_reader_language(english: str, french: str) -> str:
    """The French when the reader reads French and the French is written, else the English."""
    if french and (get_language() or "").startswith("fr"):
        return french
    return english


class Translated:
    """A read-only attribute of a model: the text of its field `field` in the reader's
    language, read from `field` (English) and `field` + `_fr` (French)."""

    def __init__(self, field: str) -> None:
        self.field = field

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        return in_reader_language(
            getattr(instance, self.field), getattr(instance, self.field + FRENCH)
        )
