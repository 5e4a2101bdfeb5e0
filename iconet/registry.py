"""The shared item types installed in the portal, by their slug ("alerts.alert")."""

from functools import cache

from django.apps import apps
from django.http import Http404

from .models.sharing import SharedItem


@cache
def shared_item_models() -> dict[str, type[SharedItem]]:
    return {m.type_slug(): m for m in apps.get_models() if issubclass(m, SharedItem)}


def item_model_or_404(slug: str) -> type[SharedItem]:
    try:
        return shared_item_models()[slug]
    except KeyError as exc:
        raise Http404 from exc
