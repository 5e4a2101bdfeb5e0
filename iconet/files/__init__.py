"""Files: the one safe-file pipeline every file goes in and out through, and marked downloads."""
