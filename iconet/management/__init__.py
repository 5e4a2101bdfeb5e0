"""Management commands of the core, and their errors."""
