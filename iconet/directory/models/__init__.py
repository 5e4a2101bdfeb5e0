"""Models of the directory: organisations, users, groups, second factors, access changes."""
