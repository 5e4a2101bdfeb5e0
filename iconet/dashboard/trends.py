"""The home page's trends kept as monthly counts per audience (iconet.dashboard.models).

A trend that declares what each item adds (`DashboardTrend.counted`) is not counted over a
year of visible items on every home page: every write that can move an item's figures (the
item itself, its grants, the relations the trend reads) marks the item stale in the same
transaction, and the next reading first counts the stale items again, taking back what their
marks had added. A reader's figure is then the sum over the audiences that share a group with
the reader's principals, which is what the visibility filter would count.
"""

from __future__ import annotations

import datetime
import functools
import uuid
from collections import Counter, defaultdict
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Sum
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from ..models import (
    TrendAudience,
    TrendCount,
    TrendMark,
    TrendStale,
    TrendState,
    grant_model_of,
)
from ..sharing.counts import principals_key

BATCH = 5000


def counted_trends(model) -> list[Any]:
    """The trends of monthly counts declared for an item type."""
    from ..sharing.declarations import registered_areas

    label = model._meta.label_lower
    return [
        trend
        for config in registered_areas()
        for trend in config.dashboard_trends
        if trend.counted is not None and trend.model.lower() == label
    ]


def counted_trend(key: str) -> Any:
    """The counted trend of that key."""
    from ..sharing.declarations import registered_areas

    return next(
        trend
        for config in registered_areas()
        for trend in config.dashboard_trends
        if trend.key == key and trend.counted is not None
    )


def counted_models() -> list[Any]:
    from ..sharing.declarations import registered_areas

    labels = {
        trend.model.lower()
        for config in registered_areas()
        for trend in config.dashboard_trends
        if trend.counted is not None
    }
    return [apps.get_model(label) for label in sorted(labels)]


def items_stale(model, pks) -> None:
    """Mark items of `model` to be counted again before the next reading."""
    pks = [pk for pk in pks if pk is not None]
    if not pks or not counted_trends(model):
        return
    content_type = ContentType.objects.get_for_model(model)
    TrendStale.objects.bulk_create(
        [TrendStale(content_type=content_type, object_id=pk) for pk in pks],
        ignore_conflicts=True,
    )


def item_stale(item) -> None:
    items_stale(type(item), [item.pk])


@functools.cache
def _watched() -> dict[Any, list[tuple[Any, str]]]:
    """{written model: [(counted item model, how to find the item)]}: the counted models
    themselves ("self"), the rows pointing at them that a trend reads (the name of their
    foreign key) and the many-to-many tables it reads ("m2m")."""
    from ..sharing.declarations import registered_areas

    watched: dict[Any, list[tuple[Any, str]]] = defaultdict(list)
    for config in registered_areas():
        for trend in config.dashboard_trends:
            if trend.counted is None:
                continue
            model = apps.get_model(trend.model)
            watched[model].append((model, "self"))
            for name in trend.depends_on:
                field = model._meta.get_field(name)
                if field.many_to_many:
                    watched[getattr(model, name).through].append((model, "m2m"))
                elif field.one_to_many:
                    watched[field.related_model].append((model, field.field.attname))
                else:
                    raise ValueError(f"{trend.key}: {name} is not a relation of {model.__name__}")
    return {written: list(dict.fromkeys(found)) for written, found in watched.items()}


def _written(sender, instance, **kwargs) -> None:
    for model, found in _watched().get(sender, ()):
        if found == "self":
            items_stale(model, [instance.pk])
        elif found != "m2m":
            items_stale(model, [getattr(instance, found)])


def _linked(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    for model, _found in _watched().get(sender, ()):
        if not reverse:
            items_stale(model, [instance.pk])
        elif pk_set:
            items_stale(model, pk_set)


def trends_watch() -> None:
    """Mark an item stale on every write its area's counted trends depend on: the item, and
    the relations they name (iconet.sharing.services.grants_sync marks it for its grants)."""
    post_save.connect(_written, dispatch_uid="iconet.dashboard.trends.save")
    post_delete.connect(_written, dispatch_uid="iconet.dashboard.trends.delete")
    m2m_changed.connect(_linked, dispatch_uid="iconet.dashboard.trends.m2m")


def _audiences(groups_of: dict[int, set[int]]) -> dict[tuple[int, ...], int]:
    wanted = {tuple(sorted(groups)) for groups in groups_of.values() if groups}
    if not wanted:
        return {}
    TrendAudience.objects.bulk_create(
        [TrendAudience(groups=list(groups)) for groups in wanted], ignore_conflicts=True
    )
    found = TrendAudience.objects.filter(groups__in=[list(groups) for groups in wanted])
    return {tuple(groups): pk for pk, groups in found.values_list("pk", "groups")}


def _token_renew() -> None:
    """Figures kept in the cache under the old token are read no more."""
    TrendState.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


def _counts_apply(deltas: Counter) -> None:
    rows = sorted((key, n) for key, n in deltas.items() if n)
    if not rows:
        return
    _token_renew()
    table = TrendCount._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            part = rows[start : start + 1000]
            cursor.execute(
                f"INSERT INTO {table} (trend, audience_id, month, value, n) VALUES "
                + ", ".join(["(%s, %s, %s, %s, %s)"] * len(part))
                + " ON CONFLICT (trend, month, audience_id, value)"
                f" DO UPDATE SET n = {table}.n + EXCLUDED.n",
                [value for key, n in part for value in (*key, n)],
            )


def _recount(model, content_type_id: int, pks: list[int]) -> None:
    """Take back what the items' marks added and add what they count now."""
    deltas: Counter = Counter()
    old = TrendMark.objects.filter(content_type_id=content_type_id, object_id__in=pks)
    for key in old.values_list("trend", "audience_id", "month", "value"):
        deltas[key] -= 1
    old._raw_delete(old.db)
    groups_of: dict[int, set[int]] = defaultdict(set)
    grants = grant_model_of(model).objects.filter(content_object_id__in=pks)
    for pk, group_id in grants.values_list("content_object_id", "group_id"):
        groups_of[pk].add(group_id)
    audiences = _audiences(groups_of)
    marks = []
    items = model._base_manager.filter(pk__in=pks)
    for trend in counted_trends(model):
        for pk, month, value in set(trend.counted(items)):
            if not groups_of.get(pk) or value in (None, ""):
                continue  # an item nobody may read counts for nobody
            if isinstance(month, datetime.datetime):
                month = timezone.localtime(month).date()
            audience = audiences[tuple(sorted(groups_of[pk]))]
            key = (trend.key, audience, month, str(value))
            marks.append(
                TrendMark(
                    content_type_id=content_type_id,
                    object_id=pk,
                    trend=trend.key,
                    audience_id=audience,
                    month=month,
                    value=str(value),
                )
            )
            deltas[key] += 1
    TrendMark.objects.bulk_create(marks, batch_size=BATCH)
    _counts_apply(deltas)


def trends_refresh() -> int:
    """Count the stale items again (one query when there is none); how many there were."""
    if not TrendStale.objects.exists():
        return 0
    with transaction.atomic(), timezone.override(timezone.get_default_timezone()):
        # Locked in one order: a second reader waits here, then finds them gone.
        stale = list(
            TrendStale.objects.select_for_update()
            .order_by("pk")
            .values_list("pk", "content_type_id", "object_id")
        )
        by_type: dict[int, list[int]] = defaultdict(list)
        for _pk, content_type_id, object_id in stale:
            by_type[content_type_id].append(object_id)
        for content_type_id, pks in by_type.items():
            model = ContentType.objects.get_for_id(content_type_id).model_class()
            for start in range(0, len(pks), BATCH):
                _recount(model, content_type_id, pks[start : start + BATCH])
        TrendStale.objects.filter(pk__in=[row[0] for row in stale]).delete()
    return len(stale)


def trends_rebuild() -> int:
    """Count every item of every counted type again from nothing (after items were written
    around the services, e.g. loaded in bulk); how many items were counted."""
    total = 0
    with transaction.atomic(), timezone.override(timezone.get_default_timezone()):
        TrendStale.objects.select_for_update().order_by("pk").exists()
        TrendCount.objects.all()._raw_delete(TrendCount.objects.db)
        TrendMark.objects.all()._raw_delete(TrendMark.objects.db)
        TrendStale.objects.all()._raw_delete(TrendStale.objects.db)
        _token_renew()
        for model in counted_models():
            content_type = ContentType.objects.get_for_model(model)
            pks = list(model._base_manager.order_by("pk").values_list("pk", flat=True))
            for start in range(0, len(pks), BATCH):
                _recount(model, content_type.pk, pks[start : start + BATCH])
            total += len(pks)
    return total


def trend_counts(user, key: str, since: datetime.date) -> list[dict]:
    """The counts of a trend the user reads, from `since` on: [{"month", "value", "n"}], each
    visible item counted once, no other item."""
    from ..sharing.access import principal_group_ids

    trend = counted_trend(key)
    model = apps.get_model(trend.model)
    if not getattr(user, "is_authenticated", False) or not user.has_area(model.area):
        return []
    groups = principal_group_ids(user)
    if not groups:
        return []
    kept = getattr(user, FIGURES_KEPT, None)
    if kept is None or kept[0] != since:
        kept = (since, _figures(groups, since))
        setattr(user, FIGURES_KEPT, kept)
    return kept[1].get(key, [])


# The attribute of a user object holding the figures read for it (one request, like its
# principals: iconet.sharing.access.forget_principals drops both).
FIGURES_KEPT = "_iconet_trend_figures"


def _figures(groups: list[int], since: datetime.date) -> dict[str, list[dict]]:
    """Every counted trend for these principals (three queries, then none while no count
    changes: the figures are kept in the cache under the state's token, which every change of a
    count replaces in the same transaction)."""
    trends_refresh()
    token = TrendState.objects.values_list("token", flat=True).first() or ""
    cache_key = f"iconet:trends:{token}:{since.isoformat()}:{principals_key(groups)}"
    figures = cache.get(cache_key)
    if figures is None:
        rows = (
            TrendCount.objects.filter(month__gte=since, audience__groups__overlap=groups)
            .values("trend", "month", "value")
            .annotate(total=Sum("n"))
            .filter(total__gt=0)
            .order_by()
        )
        figures = {}
        for row in rows:
            figures.setdefault(row["trend"], []).append(
                {"month": row["month"], "value": row["value"], "n": row["total"]}
            )
        cache.set(cache_key, figures, timeout=3600)
    return figures


def trend_counts_live(user, key: str, since: datetime.date) -> list[dict]:
    """The same figures counted over the visible items themselves (what the kept counts must
    always equal; the tests compare them)."""
    trend = counted_trend(key)
    model, counted = apps.get_model(trend.model), trend.counted
    assert counted is not None
    counts: Counter = Counter()
    with timezone.override(timezone.get_default_timezone()):
        for _pk, month, value in set(counted(model.objects.visible_to(user))):
            if value in (None, ""):
                continue
            if isinstance(month, datetime.datetime):
                month = timezone.localtime(month).date()
            if month >= since:
                counts[(month, str(value))] += 1
    return [{"month": month, "value": value, "n": n} for (month, value), n in counts.items()]
