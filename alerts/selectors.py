"""Reads of the alerts area; alerts only ever come through `visible_to` (or, for the jobs run
by beat, from the published ones)."""

import datetime

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django_countries import countries

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
    return queryset.with_list_columns().annotate(
        is_recipient=Exists(mine),
        acknowledged_by_me=Exists(mine.filter(acknowledged_at__isnull=False)),
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


def _since(months) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(months[0], datetime.time.min))


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


def _trend(user, dimension, label):
    """Visible published alerts of the last months counted by `dimension` (a lookup from the
    alert) and month: the TREND_TOP most frequent values, one row each, one query."""
    months = _months(timezone.localdate())
    counts = (
        Alert.objects.visible_to(user)
        .filter(published_at__gte=_since(months))
        .exclude(**{f"{dimension}__isnull": True})
        .exclude(**{dimension: ""})
        .annotate(month=TruncMonth("published_at"))
        .values("month", dimension)
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    return _trend_table(months, counts, dimension, label)


def trend_by_route(user):
    """Alerts by country on the route after the origin: the transit countries and the
    destination Member States, an alert counted once per country and month. One query over
    the visible alerts (the list's "country on the route" filter reads the same two fields)."""
    months = _months(timezone.localdate())
    visible = (
        Alert.objects.visible_to(user)
        .filter(published_at__gte=_since(months))
        .annotate(month=TruncMonth("published_at"))
        .order_by()
    )
    transit = visible.exclude(transit_countries=[]).values(
        "month", alert=F("pk"), codes=F("transit_countries")
    )
    destination = visible.filter(destination_states__isnull=False).values(
        "month", alert=F("pk"), code=F("destination_states__code")
    )
    transit_sql, transit_params = transit.query.sql_with_params()
    destination_sql, destination_params = destination.query.sql_with_params()
    sql = (
        "SELECT month, code, COUNT(DISTINCT alert) FROM ("
        f"SELECT t.month, t.alert, unnest(t.codes) AS code FROM ({transit_sql}) t "
        f"UNION ALL SELECT d.month, d.alert, d.code FROM ({destination_sql}) d"
        ") route GROUP BY month, code"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*transit_params, *destination_params))
        counts = [{"month": m, "route": code, "n": n} for m, code, n in cursor.fetchall()]
    return _trend_table(months, counts, "route", lambda code: countries.name(code) or code)


def trend_by_nationality(user):
    return _trend(user, "nationalities__nationality", lambda code: countries.name(code) or code)


def trend_by_border_type(user):
    labels = dict(BorderType.choices)
    return _trend(user, "border_type", lambda value: str(labels.get(value, value)))
