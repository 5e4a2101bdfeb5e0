"""Retention: how long each item is kept, its review, and its deletion with every copy."""
