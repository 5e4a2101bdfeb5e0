"""The outbox: in-portal notifications, an item's recipients, and e-mails the worker sends."""
