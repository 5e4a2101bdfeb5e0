"""Who may call an API view: a client whose key allows the view's action, at its rate."""

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiClient


class IsApiClient(BasePermission):
    """Signed by a key; the view names the client's action it needs (`api_action`)."""

    def has_permission(self, request, view) -> bool:
        client = request.auth
        if not isinstance(client, ApiClient):
            return False
        method = "GET" if request.method in ("HEAD", "OPTIONS") else request.method
        needed = getattr(view, "api_actions", {}).get(method)
        if needed is None:
            return True  # a method the view does not answer: 405 follows
        if not client.may(needed):
            raise exceptions.PermissionDenied(_("This API client may not do that."))
        return True


class ClientRateThrottle(SimpleRateThrottle):
    """Requests per API client (settings.API_RATE_LIMIT); over it, 429 with Retry-After."""

    scope = "api_client"

    def get_cache_key(self, request, view):
        client = request.auth
        ident = client.pk if isinstance(client, ApiClient) else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
