"""The REST API (/api/v1/): API clients' keys, and every item type read and written.

Keys belong to API clients of an organisation; every registered item type is read and written
through the same visibility filter and services as the pages."""
