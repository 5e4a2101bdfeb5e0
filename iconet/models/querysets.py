"""The queryset of every shared item type: `visible_to(user)` is the only way views read items.

Whose grants count for a user (the user's principals) is decided by `iconet.access`, which
reads the models; the models never import it. IconetConfig.ready hands its function over with
`principals_source_set`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models

# The attribute of a query that holds the grants queryset while the query is exactly the
# visibility filter. It lives on the query, not on the queryset, because Django copies a
# query's attributes into every queryset derived from it (order_by, select_related, ...).
GRANTS_ONLY = "iconet_visibility_grants"


_principals_source: Callable[[Any], list[int]] | None = None


def principals_source_set(function: Callable[[Any], list[int]]) -> None:
    """Set the function that gives a user's principal group ids (iconet.access's)."""
    global _principals_source
    _principals_source = function


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
        if _principals_source is None:
            raise RuntimeError("visible_to is used before the iconet app is ready")
        groups = _principals_source(user)
        if not groups:
            return self.none()
        # Grant tables hold read grants only (see iconet.services.sharing), one per reason.
        granted = grant_model_of(model).objects.filter(group_id__in=groups)
        unfiltered = self.grants_only is None and not self.query.has_filters()
        visible = self.filter(pk__in=granted.values("content_object_id"))
        if unfiltered:
            setattr(visible.query, GRANTS_ONLY, granted)
        return visible

    def with_list_columns(self) -> SharedItemQuerySet:
        """The rows with what a list of them shows (reference, title, owner) read in the same
        query; item types whose title names a related row extend it."""
        return self.select_related("owner")

    @property
    def grants_only(self) -> models.QuerySet | None:
        """The grants queryset while this queryset is exactly the visibility filter."""
        return getattr(self.query, GRANTS_ONLY, None)

    @staticmethod
    def _unmarked(queryset: Any) -> Any:
        # `queryset` is a new one, with its own copy of the query: the original keeps its mark.
        if getattr(queryset.query, GRANTS_ONLY, None) is not None:
            setattr(queryset.query, GRANTS_ONLY, None)
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
        if grants is not None and not query.is_sliced and not query.combinator:
            return grants.values("content_object_id").distinct().count()
        return super().count()
