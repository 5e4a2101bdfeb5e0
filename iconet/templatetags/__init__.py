"""Template tags and filters of the core (`{% load iconet_tags %}`)."""
