"""The REST API (/api/v1/): keys of API clients per organisation, and every registered item type
read and written through the same visibility filter and services as the pages."""
