"""Health endpoints for the load balancer and docker: up or down, per component, no data."""

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from ..health import readiness


@require_GET
def health_live(request):
    """The process answers."""
    return JsonResponse({"status": "up"})


@require_GET
def health_ready(request):
    """Every component the portal needs is up (200), or not (503, with which one is down)."""
    checks = readiness()
    ready = all(state == "up" for state in checks.values())
    return JsonResponse(
        {"status": "up" if ready else "down", "checks": checks}, status=200 if ready else 503
    )
