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
from .querysets import NETWORK_GROUP, OPEN_GROUPS, PUBLIC_GROUP


def special_group_id(name: str) -> int:
    group, _ = Group.objects.get_or_create(name=name)
    return group.pk


def open_groups_completed(found: dict[str, int]) -> dict[str, int]:
    """The open groups read from the database ({name: id}), with any missing made again: both
    come from a migration, and one missing (an emptied database) is made here, so that
    principals read before the first grant to it still include it."""
    for name in set(OPEN_GROUPS) - found.keys():
        found[name] = special_group_id(name)
    return found


def open_group_ids() -> dict[str, int]:
    """The guardian groups of the two open audiences, by name."""
    return open_groups_completed(
        dict(Group.objects.filter(name__in=OPEN_GROUPS).values_list("name", "pk"))
    )


def principals_for(users) -> dict[int, list[int]]:
    """The guardian groups through which each user holds grants, in one query for any number:
    the users' active organisations, the two open groups, and the current memberships of
    active access groups held by the users or by their organisations."""
    from django.db.models import CharField, F, IntegerField, Value

    from ..models import AccessGroup, Organisation

    users = [
        u
        for u in users
        if getattr(u, "is_authenticated", False) and u.is_active and u.organisation_id
    ]
    if not users:
        return {}
    organisation_ids = sorted({u.organisation_id for u in users})

    def rows(queryset, source, key, group):
        # (what the row is, whose it is, the guardian group): the same three columns in every
        # part of the UNION, all annotations so that they keep this order.
        return (
            queryset.annotate(
                principal_source=source,
                principal_key=key,
                principal_group=group,
            )
            .values_list("principal_source", "principal_key", "principal_group")
            .order_by()
        )

    # A deactivated organisation grants nothing to anyone: not through itself, not through the
    # access groups it belongs to, not through "the network" or "public".
    organisations = rows(
        Organisation.objects.filter(pk__in=organisation_ids, is_active=True),
        F("kind"),
        F("pk"),
        F("group_id"),
    )
    open_groups = rows(
        Group.objects.filter(name__in=OPEN_GROUPS),
        F("name"),
        Value(0, output_field=IntegerField()),
        F("pk"),
    )
    # Memberships whose end date has come give nothing, even before the beat task removes them.
    memberships = rows(
        AccessGroup.members.through.objects.current().filter(
            user_id__any_of=[u.pk for u in users], accessgroup__is_active=True
        ),
        Value("user", output_field=CharField()),
        F("user_id"),
        F("accessgroup__group_id"),
    )
    organisation_memberships = rows(
        AccessGroup.organisations.through.objects.current().filter(
            organisation_id__in=organisation_ids, accessgroup__is_active=True
        ),
        Value("organisation", output_field=CharField()),
        F("organisation_id"),
        F("accessgroup__group_id"),
    )
    found = list(organisations.union(open_groups, memberships, organisation_memberships, all=True))
    open_found = open_groups_completed(
        {source: group for source, _key, group in found if source in OPEN_GROUPS}
    )
    active: dict[int, tuple[str, int]] = {}
    by_user: dict[int, set[int]] = {}
    by_organisation: dict[int, set[int]] = {}
    for source, key, group in found:
        if source == "user":
            by_user.setdefault(key, set()).add(group)
        elif source == "organisation":
            by_organisation.setdefault(key, set()).add(group)
        elif source not in OPEN_GROUPS:
            active[key] = (source, group)
    result: dict[int, list[int]] = {}
    for user in users:
        if user.organisation_id not in active:
            continue
        kind, organisation_group = active[user.organisation_id]
        groups = {organisation_group, open_found[PUBLIC_GROUP]}
        if kind in Organisation.NETWORK_KINDS:
            groups.add(open_found[NETWORK_GROUP])
        groups |= by_user.get(user.pk, set())
        groups |= by_organisation.get(user.organisation_id, set())
        result[user.pk] = sorted(groups)
    return result


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
