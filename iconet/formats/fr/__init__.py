"""Date formats in French."""
