"""Returns rows are read and written through the portal's pages and services only: like the
other areas, nothing is registered in Django's admin, whose querysets bypass visibility."""
