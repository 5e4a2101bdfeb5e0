"""The portal's date formats, one per language (FORMAT_MODULE_PATH).

Every date and time a page, a print or an e-mail shows is in the Brussels time zone and says
which (CET or CEST)."""
