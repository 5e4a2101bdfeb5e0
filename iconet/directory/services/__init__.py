"""Write services of the directory: users, organisations, groups, access changes."""
