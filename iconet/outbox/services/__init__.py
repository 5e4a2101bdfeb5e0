"""Write services of the outbox: notifying users, and an item's recipients."""
