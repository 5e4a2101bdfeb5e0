"""Models of the outbox: notifications, e-mail deliveries, an item's recipients."""
