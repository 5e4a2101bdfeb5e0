"""Pages of the sharing kernel: every item type's list, detail, forms, sharing and files."""
