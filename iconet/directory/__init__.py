"""The directory and its administration: organisations, users, groups, access changes."""
