"""Reads of the alerts area; alerts only ever come through `visible_to` (or, for the jobs run
by beat, from the published ones)."""

from django.db.models import Exists, F, OuterRef, Q

from iconet.models import ItemRecipient

from .models import Alert

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
