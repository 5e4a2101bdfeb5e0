"""Background work of the document-fraud area: none yet (images are processed on upload,
within the request, since the author waits for the redacted preview)."""
