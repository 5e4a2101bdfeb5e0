"""Operations: health endpoints, metrics, structured logging, backup and restore."""
