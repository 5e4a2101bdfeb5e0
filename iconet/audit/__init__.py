"""The audit trail: the change log, the access log, and an item's footprint."""
