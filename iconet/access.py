"""The one visibility filter and the one object check.

Visible = the user has the item's area AND one of the user's principals holds a grant on it.
The principals of a user are the guardian groups of their organisation, of the access groups
they or their organisation belong to, of "the whole network" (national services and the
Commission) and of "public" (every signed-in user). `iconet.services.sharing.grants_sync` keeps
the grant rows in step with ownership, audience and approved disclosures; nothing else decides.

Every view, list, search, export, notification and admin page reads shared items through
`Model.objects.visible_to(user)` and checks actions with `can(user, action, item)`. An item
that is not visible answers 404 exactly like one that does not exist.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from django.http import Http404

PUBLIC_GROUP = "iconet:public"
NETWORK_GROUP = "iconet:network"


def special_group_id(name: str) -> int:
    group, _ = Group.objects.get_or_create(name=name)
    return group.pk


def principal_group_ids(user) -> list[int]:
    """Guardian groups through which the user holds grants (one query, kept on the user object)."""
    cached = getattr(user, "_iconet_principals", None)
    if cached is not None:
        return cached
    if not getattr(user, "is_authenticated", False) or not user.is_active or not user.organisation_id:
        ids: list[int] = []
    else:
        org = user.organisation
        condition = Q(name=PUBLIC_GROUP) | Q(pk=org.group_id)
        if org.is_network_member:
            condition |= Q(name=NETWORK_GROUP)
        condition |= Q(access_group__is_active=True, access_group__members=user)
        condition |= Q(access_group__is_active=True, access_group__organisations=org)
        ids = sorted(set(Group.objects.filter(condition).values_list("pk", flat=True)))
    user._iconet_principals = ids
    return ids


def forget_principals(user) -> None:
    """Drop the cached principals (after a change of organisation or group membership)."""
    if hasattr(user, "_iconet_principals"):
        del user._iconet_principals


class SharedItemQuerySet(models.QuerySet):
    """Queryset of a shared item type; `visible_to` is the only way views read such rows."""

    def visible_to(self, user) -> SharedItemQuerySet:
        model = self.model
        if not getattr(user, "is_authenticated", False) or not user.has_area(model.area):
            return self.none()
        groups = principal_group_ids(user)
        if not groups:
            return self.none()
        # Grant tables hold read grants only (see iconet.services.sharing), one per reason.
        granted = model.grants.rel.related_model.objects.filter(group_id__in=groups)
        return self.filter(pk__in=granted.values("content_object_id"))


def is_visible(user, item) -> bool:
    return type(item).objects.visible_to(user).filter(pk=item.pk).exists()


def can(user, action: str, item) -> bool:
    """May the user perform `action` on `item`? Visibility first, then the item's own policy."""
    if not getattr(user, "is_authenticated", False) or item.pk is None:
        return False
    if not is_visible(user, item):
        return False
    return item.allows(user, action)


def get_visible_or_404(queryset_or_model, user, **lookup):
    """The item the user may see, or 404 for one that is missing or out of their scope."""
    queryset = queryset_or_model
    if isinstance(queryset_or_model, type):
        queryset = queryset_or_model.objects.all()
    try:
        return queryset.visible_to(user).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc
