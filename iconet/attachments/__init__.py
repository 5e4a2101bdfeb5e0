"""Files attached to any shared item: stored through the safe-file pipeline, served by the item."""
