"""Around any shared item: its discussion (replies), its followers, and its links to other items."""
