"""Endpoints for the platform: health for load balancers, metrics for Prometheus."""
