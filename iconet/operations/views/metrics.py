"""The Prometheus endpoint: outside the portal's sign-in (Prometheus has no second factor),
behind a bearer token (`METRICS_TOKEN`) and, where set, a list of allowed networks
(`METRICS_ALLOWED_NETWORKS`). With no token configured the endpoint does not exist (404)."""

import hmac
import ipaddress

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from ..metrics_scrape import exposition


def address_allowed(request) -> bool:
    networks = settings.METRICS_ALLOWED_NETWORKS
    if not networks:
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network, strict=False) for network in networks)


def token_given(request) -> bool:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), settings.METRICS_TOKEN.encode()
    )


@require_GET
def metrics(request):
    """Every figure of `iconet.operations.metrics`, to a scraper holding the token."""
    if not settings.METRICS_TOKEN:
        raise Http404
    if not address_allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    if not token_given(request):
        response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    from prometheus_client import CONTENT_TYPE_LATEST

    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
