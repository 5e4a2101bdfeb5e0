"""Search across every item type a user may read, and saved searches that tell of new matches."""
