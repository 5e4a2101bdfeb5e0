"""Exports of the lists a user may see, as CSV or PDF, at once or later by the worker."""
