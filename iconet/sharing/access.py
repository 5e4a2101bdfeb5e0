"""The one visibility filter and the one object check.

Visible = the user has the item's area AND one of the user's principals holds a grant on it.
The principals of a user are the guardian groups of their organisation, of the access groups
they or their organisation belong to, of "the whole network" (national services and the
Commission) and of "public" (every signed-in user). `iconet.sharing.services.grants_sync` keeps
the grant rows in step with ownership, audience and approved disclosures; nothing else decides.

Every view, list, search, export, notification and admin page reads shared items through
`Model.objects.visible_to(user)` and checks actions with `can(user, action, item)`. An item
that is not visible answers 404 exactly like one that does not exist.
"""

from __future__ import annotations

from enum import Enum

from django.contrib.auth.models import Group
from django.http import Http404

from .models import Action, action_check
from .querysets import NETWORK_GROUP, PUBLIC_GROUP


def special_group_id(name: str) -> int:
    group, _ = Group.objects.get_or_create(name=name)
    return group.pk


def open_group_ids() -> dict[str, int]:
    """The guardian groups of the two open audiences, by name."""
    special = dict(
        Group.objects.filter(name__in=[PUBLIC_GROUP, NETWORK_GROUP]).values_list("name", "pk")
    )
    # Both groups come from a migration; one missing (an emptied database) is made again here,
    # so that principals read before the first grant to it still include it.
    for name in {PUBLIC_GROUP, NETWORK_GROUP} - special.keys():
        special[name] = special_group_id(name)
    return special


def principals_for(users) -> dict[int, list[int]]:
    """The guardian groups through which each user holds grants, in four queries for any number."""
    from ..models import AccessGroup, Organisation, User

    users = [
        u
        for u in users
        if getattr(u, "is_authenticated", False) and u.is_active and u.organisation_id
    ]
    if not users:
        return {}
    # A deactivated organisation grants nothing to anyone: not through itself, not through the
    # access groups it belongs to, not through "the network" or "public".
    active = Organisation.objects.filter(is_active=True).select_related("country")
    organisations = active.in_bulk({u.organisation_id for u in users})
    users = [u for u in users if u.organisation_id in organisations]
    for user in users:
        # The page header shows the organisation and its country: read once, here.
        if not User.organisation.is_cached(user):
            user.organisation = organisations[user.organisation_id]
    result: dict[int, set[int]] = {u.pk: set() for u in users}
    if not users:
        return {}
    special = open_group_ids()
    by_org: dict[int, list[int]] = {}
    for user in users:
        org = organisations[user.organisation_id]
        result[user.pk].add(org.group_id)
        result[user.pk].add(special[PUBLIC_GROUP])
        if org.is_network_member:
            result[user.pk].add(special[NETWORK_GROUP])
        by_org.setdefault(user.organisation_id, []).append(user.pk)
    # Memberships whose end date has come give nothing, even before the beat task removes them.
    members = AccessGroup.members.through.objects.current().filter(
        user_id__any_of=list(result),
        accessgroup__is_active=True,
    )
    for user_id, group_id in members.values_list("user_id", "accessgroup__group_id"):
        result[user_id].add(group_id)
    orgs = AccessGroup.organisations.through.objects.current().filter(
        organisation_id__in=by_org,
        accessgroup__is_active=True,
    )
    for org_id, group_id in orgs.values_list("organisation_id", "accessgroup__group_id"):
        for user_id in by_org[org_id]:
            result[user_id].add(group_id)
    return {user_id: sorted(groups) for user_id, groups in result.items()}


def principal_group_ids(user) -> list[int]:
    """The user's principals, computed once and kept on the user object (one request)."""
    cached = getattr(user, "_iconet_principals", None)
    if cached is None:
        cached = principals_for([user]).get(user.pk, [])
        user._iconet_principals = cached
    return cached


def open_principals(user) -> dict[int, str]:
    """Those of the user's principals that are open audiences ({group id: name}), kept on the
    user object like the principals."""
    cached = getattr(user, "_iconet_open_principals", None)
    if cached is None:
        principals = set(principal_group_ids(user))
        cached = {pk: name for name, pk in open_group_ids().items() if pk in principals}
        user._iconet_open_principals = cached
    return cached


def readers_among(item, users) -> list:
    """Those of `users` who may read `item`: the same rule as `visible_to`, for many users at once
    (who to notify). A fixed number of queries whatever the number of users."""
    users = [u for u in users if u.has_area(item.area)]
    if not users or item.pk is None:
        return []
    from ..models import grant_model_of

    grants = grant_model_of(item).objects.filter(content_object=item)
    granted = set(grants.values_list("group_id", flat=True))
    principals = principals_for(users)
    return [u for u in users if granted.intersection(principals.get(u.pk, ()))]


def forget_principals(user) -> None:
    """Drop the cached principals (after a change of organisation or group membership)."""
    # and the home page's figures read for them (iconet.trends.FIGURES_KEPT)
    for cached in ("_iconet_principals", "_iconet_open_principals", "_iconet_trend_figures"):
        if hasattr(user, cached):
            delattr(user, cached)


def is_visible(user, item) -> bool:
    return type(item).objects.visible_one(user, item.pk)


def can(user, action: Enum, item) -> bool:
    """May the user perform `action` on `item`? Visibility first, then the item's own policy.
    `action` is a member of the core's `Action` or of the type's own enum, never a string."""
    action_check(action)
    if not getattr(user, "is_authenticated", False) or item.pk is None:
        return False
    if not is_visible(user, item):
        return False
    return item.allows(user, action)


def require(actor, action: Enum, item) -> None:
    """For services: refuse (PermissionDenied) an action `can` does not allow."""
    from django.core.exceptions import PermissionDenied

    if not can(actor, action, item):
        raise PermissionDenied


def get_item_for_action(queryset_or_model, user, pk, action: Enum = Action.READ):
    """The item a view acts on: 404 if it is not visible, 403 if visible but not the user's to act
    on."""
    from django.core.exceptions import PermissionDenied

    item = get_visible_or_404(queryset_or_model, user, pk=pk)
    if not item.allows(user, action):
        raise PermissionDenied
    return item


def get_visible_or_404(queryset_or_model, user, **lookup):
    """The item the user may see, or 404 for one that is missing or out of their scope."""
    queryset = queryset_or_model
    if isinstance(queryset_or_model, type):
        queryset = queryset_or_model.objects.all()
    try:
        return queryset.visible_to(user).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc
