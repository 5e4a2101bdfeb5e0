"""Pages of the sharing kernel: every item type's list, detail, forms, publication and history."""
