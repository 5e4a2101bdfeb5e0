"""Health endpoints for the load balancer and docker: up or down, per component, no data."""

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from ..health import background, readiness


@require_GET
def health_live(request):
    """The process answers."""
    return JsonResponse({"status": "up"})


def checks_answer(checks: dict[str, str]) -> JsonResponse:
    """200 when every check is up, 503 otherwise, with which one is down."""
    up = all(state == "up" for state in checks.values())
    return JsonResponse(
        {"status": "up" if up else "down", "checks": checks}, status=200 if up else 503
    )


@require_GET
def health_ready(request):
    """This replica can serve pages: the database answers, migrated (for the load balancer)."""
    return checks_answer(readiness())


@require_GET
def health_background(request):
    """Redis, a worker, beat and the outbox are well (for operators' alerts, not for routing)."""
    return checks_answer(background())
