"""The queryset of every shared item type: `visible_to(user)` is the only way views read items.

Whose grants count for a user (the user's principals) is decided by `iconet.sharing.access`, which
reads the models; the models never import it. IconetConfig.ready hands its function over with
`principals_source_set`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections, models

# The attribute of a query that holds the user's grants while the query is exactly the
# visibility filter. It lives on the query, not on the queryset, because Django copies a
# query's attributes into every queryset derived from it (order_by, select_related, ...).
GRANTS_ONLY = "iconet_visibility_grants"
# The attribute of a query that is the visibility filter less the archived items: it holds the
# unfiltered visible queryset, whose count and archived part make the count (`count`).
GRANTS_LESS_ARCHIVED = "iconet_visibility_less_archived"
# `State.ARCHIVED` (iconet.sharing.models imports this module, not the reverse).
ARCHIVED = "archived"

# The guardian groups of the two open audiences: every signed-in user ("public") and every
# Member State service with the Commission ("the network"). An item's audience is one of them at
# most, so an item holds at most one grant to an open group (iconet.sharing.services).
PUBLIC_GROUP = "iconet:public"
NETWORK_GROUP = "iconet:network"
OPEN_GROUPS = (PUBLIC_GROUP, NETWORK_GROUP)
# The value of `Grant.open_to` on the grants of an item open to each of them.
OPEN_TO = {PUBLIC_GROUP: "public", NETWORK_GROUP: "network"}


@dataclass(frozen=True)
class VisibleGrants:
    """The grants through which `user` sees items of one type: those of the user's groups."""

    model: Any
    groups: tuple[int, ...]
    user: Any

    @property
    def open_groups(self) -> dict[int, str]:
        """The user's groups that are open audiences ({group id: name})."""
        assert _open_principals_source is not None
        return _open_principals_source(self.user)

    def item_count(self) -> int:
        """The number of distinct items granted, kept while the grant table is unchanged
        (`iconet.sharing.counts`), else read from the grant index alone (one query).

        How it is read:

        Most visible items are usually open to the network or to everyone: each such item has
        exactly one grant to an open group, so those grants are counted without removing
        duplicates. The items granted to the user's own organisation and access groups are
        counted distinct, leaving out those open to one of the user's open groups (their
        grants say so in `open_to`).
        """
        from .counts import kept_count

        return kept_count(self.model._meta.db_table, self.groups, self._grants_count)

    def _grants_count(self) -> int:
        grants = self.model.objects
        open_groups = self.open_groups
        parts = []
        if open_groups:
            parts.append(grants.filter(group_id__any_of=list(open_groups)).values("pk"))
        closed = [g for g in self.groups if g not in open_groups]
        if closed:
            rest = grants.filter(group_id__any_of=closed).exclude(
                open_to__in=[OPEN_TO[name] for name in open_groups.values()]
            )
            parts.append(rest.values("content_object_id").distinct())
        if not parts:
            return 0
        sql, params = [], []
        for part in parts:
            part_sql, part_params = part.query.sql_with_params()
            sql.append(f"(SELECT COUNT(*) FROM ({part_sql}) AS part)")
            params.extend(part_params)
        with connections[grants.db].cursor() as cursor:
            cursor.execute("SELECT " + " + ".join(sql), params)
            return int(cursor.fetchone()[0])


_principals_source: Callable[[Any], list[int]] | None = None
_open_principals_source: Callable[[Any], dict[int, str]] | None = None


def principals_source_set(
    function: Callable[[Any], list[int]], open_function: Callable[[Any], dict[int, str]]
) -> None:
    """Set the functions that give a user's principal group ids and, among them, the open
    audiences' ({id: name}) (iconet.sharing.access's)."""
    global _principals_source, _open_principals_source
    _principals_source = function
    _open_principals_source = open_function


def grant_model_of(item_model) -> Any:
    """The grant table that `grant_model_for` declared for an item type (or an item)."""
    if not isinstance(item_model, type):
        item_model = type(item_model)
    return item_model.grants.rel.related_model


class SharedItemQuerySet(models.QuerySet):
    """Queryset of a shared item type; `visible_to` is the only way views read such rows.

    While a queryset is exactly the visibility filter (nothing filtered before or after it),
    its count is the number of distinct granted items, read from the grant index alone instead
    of joining every item row: `visible_to` marks it so, and every method that narrows or
    widens the rows (`filter`, `exclude`, `distinct`, `none`, `&`, `|`) removes the mark, and
    a sliced or combined (`union`, ...) queryset is counted the ordinary way.
    """

    def visible_to(self, user) -> SharedItemQuerySet:
        model = self.model
        if not getattr(user, "is_authenticated", False) or not user.has_area(model.area):
            return self.none()
        if _principals_source is None or _open_principals_source is None:
            raise RuntimeError("visible_to is used before the iconet app is ready")
        groups = _principals_source(user)
        if not groups:
            return self.none()
        # Grant tables hold read grants only (see iconet.sharing.services), one per reason.
        granted = VisibleGrants(grant_model_of(model), tuple(groups), user)
        unfiltered = self.grants_only is None and not self.query.has_filters()
        visible = self.filter(pk__granted_through=(granted.model, granted.groups))
        if unfiltered:
            setattr(visible.query, GRANTS_ONLY, granted)
        return visible

    def visible_one(self, user, pk) -> bool:
        """Whether the item `pk` is in `visible_to(user)`, read from the grant index alone (the
        object check of one item: a few grant rows instead of a join with the item table)."""
        model = self.model
        if not getattr(user, "is_authenticated", False) or not user.has_area(model.area):
            return False
        if _principals_source is None:
            raise RuntimeError("visible_one is used before the iconet app is ready")
        groups = _principals_source(user)
        if not groups or pk is None:
            return False
        grants = grant_model_of(model).objects
        # The principals as one array parameter (`__any_of`): cheaper to build than `__in`.
        return grants.filter(content_object_id=pk, group_id__any_of=groups).exists()

    def without_archived(self) -> SharedItemQuerySet:
        """The rows less the archived items (what lists show unless asked). While the queryset
        is exactly the visibility filter, its count is the grant index's count less the visible
        archived items (few, read through the state's index), instead of joining every
        visible row to read its state."""
        rows = self.exclude(state=ARCHIVED)
        if self.grants_only is not None:
            setattr(rows.query, GRANTS_LESS_ARCHIVED, self)
        return rows

    def with_list_columns(self) -> SharedItemQuerySet:
        """The rows with what a list of them shows (reference, title, owner) read in the same
        query; item types whose title names a related row extend it."""
        return self.select_related("owner")

    @property
    def grants_only(self) -> VisibleGrants | None:
        """The user's grants while this queryset is exactly the visibility filter."""
        return getattr(self.query, GRANTS_ONLY, None)

    @staticmethod
    def _unmarked(queryset: Any) -> Any:
        # `queryset` is a new one, with its own copy of the query: the original keeps its mark.
        for mark in (GRANTS_ONLY, GRANTS_LESS_ARCHIVED):
            if getattr(queryset.query, mark, None) is not None:
                setattr(queryset.query, mark, None)
        return queryset

    def filter(self, *args: Any, **kwargs: Any) -> SharedItemQuerySet:
        return self._unmarked(super().filter(*args, **kwargs))

    def exclude(self, *args: Any, **kwargs: Any) -> SharedItemQuerySet:
        return self._unmarked(super().exclude(*args, **kwargs))

    def complex_filter(self, filter_obj: Any) -> SharedItemQuerySet:
        return self._unmarked(super().complex_filter(filter_obj))

    def extra(self, *args: Any, **kwargs: Any) -> SharedItemQuerySet:
        return self._unmarked(super().extra(*args, **kwargs))

    def distinct(self, *field_names: str) -> SharedItemQuerySet:
        return self._unmarked(super().distinct(*field_names))

    def none(self) -> SharedItemQuerySet:
        return self._unmarked(super().none())

    def __and__(self, other: Any) -> Any:
        return self._unmarked(super().__and__(other))

    def __or__(self, other: Any) -> Any:
        return self._unmarked(super().__or__(other))

    def __xor__(self, other: Any) -> Any:
        # QuerySet.__xor__ is Django's (4.2+) but missing from django-stubs 5.2.
        return self._unmarked(super().__xor__(other))  # type: ignore[misc]

    def count(self) -> int:
        grants = self.grants_only
        query = self.query
        if query.is_sliced or query.combinator:
            return super().count()
        if grants is not None:
            return grants.item_count()
        visible = getattr(query, GRANTS_LESS_ARCHIVED, None)
        if visible is not None:
            return visible.count() - visible.filter(state=ARCHIVED).count()
        return super().count()
