"""Reads of the alerts area; alerts only ever come through `visible_to` (or, for the jobs run
by beat, from the published ones)."""

import datetime

from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django_countries import countries

from iconet.dashboard.trends import trend_counts
from iconet.models import ItemRecipient, State

from .models import Alert, BorderType

# The orders the alert list offers, by the value of its "sort" filter.
SORTS = {
    "-published": (F("published_at").desc(nulls_last=True), "-created_at"),
    "published": (F("published_at").asc(nulls_last=True), "created_at"),
    "urgency": ("urgency", "-published_at"),
    "reference": ("reference_code",),
}


def alerts_listed(queryset, user):
    """Alerts already visible to the user, with the list's columns and their own receipt."""
    mine = ItemRecipient.objects.of_type(Alert).filter(object_id=OuterRef("pk"), user=user)
    told = ItemRecipient.objects.of_type(Alert).filter(object_id=OuterRef("pk"))
    return queryset.with_list_columns().annotate(
        is_recipient=Exists(mine),
        acknowledged_by_me=Exists(mine.filter(acknowledged_at__isnull=False)),
        # For the owner organisation's rows only: how many of those told acknowledged.
        recipients_told=_owner_count(told, user),
        recipients_acknowledged=_owner_count(told.filter(acknowledged_at__isnull=False), user),
    )


def _owner_count(rows, user):
    """The number of `rows` (recipients of the outer alert) on the rows of the user's own
    organisation; None on the others (the recipients are the owner's to see)."""
    counted = rows.order_by().values("object_id").annotate(n=Count("pk")).values("n")[:1]
    return Case(
        When(
            owner_id=user.organisation_id,
            then=Coalesce(Subquery(counted, output_field=IntegerField()), 0),
        ),
        default=None,
        output_field=IntegerField(),
    )


def alerts_filtered(queryset, user, data: dict):
    """The alert list's filters (cleaned data of AlertFilterForm) on rows already visible."""
    for name in ("alert_type", "urgency", "origin_country", "border_type", "marking"):
        if data.get(name):
            queryset = queryset.filter(**{name: data[name]})
    if data.get("route_country"):
        code = data["route_country"]
        queryset = queryset.filter(
            Q(transit_countries__contains=[code]) | Q(destination_states__code=code)
        ).distinct()
    # Periods that overlap the one asked for.
    if data.get("period_from"):
        queryset = queryset.filter(
            Q(period_to__gte=data["period_from"])
            | Q(period_to__isnull=True, period_from__gte=data["period_from"])
        )
    if data.get("period_to"):
        queryset = queryset.filter(period_from__lte=data["period_to"])
    if data.get("owner_country"):
        queryset = queryset.filter(owner__country=data["owner_country"])
    if data.get("acknowledged"):
        mine = ItemRecipient.objects.of_type(Alert).filter(
            object_id=OuterRef("pk"),
            user=user,
            acknowledged_at__isnull=False,
        )
        queryset = (
            queryset.filter(Exists(mine))
            if data["acknowledged"] == "yes"
            else queryset.exclude(Exists(mine))
        )
    return queryset.order_by(*SORTS.get(data.get("sort") or "-published", SORTS["-published"]))


# --- the home page's panel and trends (declared in apps.py) -------------------------------


def awaiting_acknowledgement(user):
    """Published alerts told to the user's organisation that none of its recipients has
    acknowledged yet."""
    if not user.organisation_id:
        return None
    told = ItemRecipient.objects.of_type(Alert).filter(
        object_id=OuterRef("pk"), organisation_id=user.organisation_id
    )
    return (
        Alert.objects.visible_to(user)
        .exclude(state=State.DRAFT)
        .filter(Exists(told))
        .exclude(Exists(told.filter(acknowledged_at__isnull=False)))
        .with_list_columns()
        .order_by(F("published_at").desc(nulls_last=True), "-pk")
    )


def alert_urgency_note(alert) -> str:
    return alert.get_urgency_display()


TREND_MONTHS = 12
TREND_TOP = 5


def _months(today) -> list[datetime.date]:
    """The first day of each of the last TREND_MONTHS months, oldest first."""
    first = today.replace(day=1)
    months = []
    for _i in range(TREND_MONTHS):
        months.append(first)
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return months[::-1]


def _trend_table(months, entries, dimension, label) -> dict:
    """`entries` ({"month", dimension, "n"}) as one row per value of the TREND_TOP most
    frequent, one cell per month."""
    table: dict[str, dict[datetime.date, int]] = {}
    for entry in entries:
        month = entry["month"]
        month = month.date() if isinstance(month, datetime.datetime) else month
        table.setdefault(entry[dimension], {})[month] = entry["n"]
    top = sorted(table, key=lambda value: (-sum(table[value].values()), value))[:TREND_TOP]
    return {
        "columns": [date_format(month, "M") for month in months],
        "column_titles": [date_format(month, "F Y") for month in months],
        "rows": [
            {
                "key": f"{dimension}-{value}",
                "label": label(value),
                "cells": [table[value].get(month, 0) for month in months],
            }
            for value in top
        ],
    }


def _published(alerts):
    """Published alerts with the month of their publication (in the current time zone)."""
    return alerts.filter(published_at__isnull=False).annotate(
        month=TruncMonth("published_at", output_field=DateField())
    )


def counted_by_route(alerts):
    """Each alert once per country on its route after the origin (its transit countries and
    destination Member States) and month: the list's "country on the route" filter reads the
    same two fields."""
    published = _published(alerts).order_by()
    for pk, month, codes in published.exclude(transit_countries=[]).values_list(
        "pk", "month", "transit_countries"
    ):
        for code in codes:
            yield pk, month, code
    yield from published.filter(destination_states__isnull=False).values_list(
        "pk", "month", "destination_states__code"
    )


def counted_by_nationality(alerts):
    return (
        _published(alerts)
        .filter(nationalities__isnull=False)
        .values_list("pk", "month", "nationalities__nationality")
        .order_by()
        .distinct()
    )


def counted_by_border_type(alerts):
    return (
        _published(alerts)
        .exclude(border_type="")
        .values_list("pk", "month", "border_type")
        .order_by()
    )


def _trend(user, key, dimension, label):
    """The visible published alerts of the last months counted by `dimension` and month (from
    the kept counts, iconet.dashboard.trends): the TREND_TOP most frequent values, one row each."""
    months = _months(timezone.localdate())
    counts = [
        {"month": entry["month"], dimension: entry["value"], "n": entry["n"]}
        for entry in trend_counts(user, key, months[0])
    ]
    return _trend_table(months, counts, dimension, label)


def trend_by_route(user):
    return _trend(user, "alerts_by_route", "route", lambda code: countries.name(code) or code)


def trend_by_nationality(user):
    return _trend(
        user,
        "alerts_by_nationality",
        "nationalities__nationality",
        lambda code: countries.name(code) or code,
    )


def trend_by_border_type(user):
    labels = dict(BorderType.choices)
    return _trend(
        user, "alerts_by_border_type", "border_type", lambda value: str(labels.get(value, value))
    )
