"""The home page's dashboard: what waits for the signed-in user, and the network's trends.

The core's own panels (drafts, disclosure requests to decide, failed deliveries) span every
registered item type; the areas add theirs (`AreaConfig.dashboard_panels`, `dashboard_trends`).
Every row and count is read through `visible_to(user)`. Each queryset costs two queries (its
count and its first rows), so the page costs a fixed number of queries for any number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, IntegerField, OuterRef, Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ..models import DisclosureRequest, EmailDelivery, ItemRecipient, State
from ..sharing.declarations import DashboardPanel, DashboardTrend, item_type_for, registered_areas
from ..sharing.registry import item_types
from .charts import bar_chart


def types_of(user) -> list[Any]:
    """The registered item models of the areas the user has."""
    return [item_type.model for config, item_type in item_types() if user.has_area(config.code)]


def types_holding(types: list[Any], candidates) -> list[Any]:
    """The types of `types` of which `candidates(model)` (a queryset of the model, without the
    visibility filter) holds a row, asked in one query: a superset of the types a panel shows
    rows of, so that a type with nothing to show costs no queryset through the filter, whose
    building and counting take most of a panel's time."""
    if len(types) < 2:
        return list(types)
    probes = [
        candidates(model).order_by().values_list(Value(index, output_field=IntegerField()))[:1]
        for index, model in enumerate(types)
    ]
    held = {index for (index,) in probes[0].union(*probes[1:], all=True)}
    return [model for index, model in enumerate(types) if index in held]


def drafts_of(user, types: list[Any] | None = None) -> list[Any]:
    """The user's own drafts, in every area the user has (or in those of `types` only)."""

    def drafts(model):
        return model.objects.filter(state=State.DRAFT, author=user)

    return [
        drafts(model).visible_to(user).with_list_columns().order_by("-updated_at")
        for model in types_holding(types_of(user) if types is None else types, drafts)
    ]


class NewestFirst:
    """The rows of several item querysets as one sequence, newest `updated_at` first, for a
    `Paginator`: the count is one query, and a page costs one query for its keys (a UNION of
    the types) and one per type present on it, whatever the number of rows."""

    def __init__(self, querysets: list[Any]):
        self.querysets = list(querysets)
        self._count: int | None = None

    def _keys(self):
        parts = [
            queryset.order_by().values_list(
                Value(index, output_field=IntegerField()), "pk", "updated_at"
            )
            for index, queryset in enumerate(self.querysets)
        ]
        return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]

    def count(self) -> int:
        if self._count is None:
            self._count = self._keys().count() if self.querysets else 0
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        """Every row in order, read a few hundred at a time (an export of the rows)."""
        chunk, start = 500, 0
        while rows := self[start : start + chunk]:
            yield from rows
            start += chunk

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        if not self.querysets:
            return []
        keys = list(self._keys().order_by("-updated_at", "-pk")[index])
        wanted: dict[int, list[int]] = {}
        for position, pk, _updated in keys:
            wanted.setdefault(position, []).append(pk)
        rows = {}
        for position, pks in wanted.items():
            for row in self.querysets[position].filter(pk__in=pks):
                rows[(position, row.pk)] = row
        return [rows[(position, pk)] for position, pk, _updated in keys if (position, pk) in rows]


def disclosure_requests_to_decide(user):
    """Pending requests on the items the user may decide on (`Action.DECIDE_DISCLOSURE`: the
    owner's contact points of the area and its national administrators)."""
    condition = Q()
    decided = False
    for model in types_of(user):
        if not (user.is_ncp(model.area) or user.is_national_admin):
            continue
        items = model.objects.visible_to(user).filter(owner_id=user.organisation_id)
        condition |= Q(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=items.values("pk"),
        )
        decided = True
    if not decided:
        return None
    return (
        DisclosureRequest.objects.filter(condition, status=DisclosureRequest.Status.PENDING)
        .select_related("requester_organisation", "target_organisation", "target_group")
        .order_by("-created_at")
    )


def items_with_failed_deliveries(user) -> list[Any]:
    """Items of the user's organisation (`Action.DELIVERIES`) of which an e-mail failed, or
    went out without the mail server's confirmation (its outcome unknown)."""

    def failed(model):
        undelivered = ItemRecipient.objects.of_type(model).filter(
            object_id=OuterRef("pk"),
            email__status__in=[EmailDelivery.Status.FAILED, EmailDelivery.Status.UNKNOWN],
        )
        return model.objects.filter(Exists(undelivered), owner_id=user.organisation_id)

    return [
        failed(model).visible_to(user).with_list_columns().order_by("-updated_at")
        for model in types_holding(types_of(user), failed)
    ]


def items_to_release(user) -> list[Any] | None:
    """Drafts of the user's organisation whose author asked for their release under four
    eyes, which the user may release (never one of the user's own)."""
    types = [model for model in types_of(user) if user.is_ncp(model.area) or user.is_national_admin]
    if not types:
        return None

    def asked(model):
        return model.objects.filter(
            state=State.DRAFT,
            release_requested_by__isnull=False,
            owner_id=user.organisation_id,
        ).exclude(author=user)

    return [
        asked(model)
        .visible_to(user)
        .with_list_columns()
        .select_related("release_requested_by")
        .order_by("-updated_at")
        for model in types_holding(types, asked)
    ]


def release_url(item) -> str:
    return reverse("sharing:publish", args=[item.type_slug(), item.pk])


def release_note(item) -> str:
    return _("%(marking)s, release asked by %(name)s") % {
        "marking": item.get_marking_display(),
        "name": item.release_requested_by,
    }


def deliveries_url(item) -> str:
    return reverse("sharing:recipients", args=[item.type_slug(), item.pk])


def disclosure_url(request) -> str:
    return reverse("sharing:disclosure", args=[request.pk])


def disclosure_note(request) -> str:
    return _("from %(organisation)s, requested %(date)s") % {
        "organisation": request.requester_organisation,
        "date": timezone.localdate(request.created_at),
    }


CORE_PANELS = (
    DashboardPanel(
        key="drafts",
        title=_("My drafts"),
        empty=_("You have no draft."),
        rows=drafts_of,
        list_url="drafts",
        list_label=_("All my drafts"),
        order=10,
    ),
    DashboardPanel(
        key="releases",
        title=_("Items waiting for your release"),
        empty=_("No item of your organisation waits for a second person's release."),
        rows=items_to_release,
        row_note=release_note,
        row_url=release_url,
        order=20,
    ),
    DashboardPanel(
        key="disclosures",
        title=_("Disclosure requests to decide"),
        empty=_("No disclosure request waits for your decision."),
        rows=disclosure_requests_to_decide,
        list_url="sharing:disclosures?status=pending",
        list_label=_("All disclosure requests"),
        row_note=disclosure_note,
        row_url=disclosure_url,
        order=30,
    ),
    DashboardPanel(
        key="failed_deliveries",
        title=_("Deliveries that failed"),
        empty=_("Every e-mail about your organisation's items was delivered."),
        rows=items_with_failed_deliveries,
        row_url=deliveries_url,
        order=90,
    ),
)


@dataclass
class PanelShown:
    panel: DashboardPanel
    count: int
    rows: list[Any]
    note: Any = None
    list_url: str = ""
    by_type: list[dict] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.panel.key


def _url(name: str) -> str:
    name, _sep, query = name.partition("?")
    url = reverse(name)
    return f"{url}?{query}" if query else url


def _type_link(model) -> dict:
    item_type = item_type_for(model)
    return {
        "label": capfirst(model._meta.verbose_name_plural),
        "url": reverse(item_type.list_url) if item_type else "",
    }


def panel_show(panel: DashboardPanel, user) -> PanelShown | None:
    found = panel.rows(user)
    if found is None:
        return None
    querysets = found if isinstance(found, list | tuple) else [found]
    count = 0
    rows: list[Any] = []
    by_type = []
    for queryset in querysets:
        n = queryset.count()
        count += n
        if n:
            first = list(queryset[: panel.limit])
            rows.extend(first)
            by_type.append({**_type_link(queryset.model), "count": n})
    if len(querysets) > 1:  # newest first across types
        rows.sort(key=lambda row: getattr(row, "updated_at", None) or 0, reverse=True)
        rows = rows[: panel.limit]
    for row in rows:
        row.dashboard_title = getattr(row, "title", None) or str(row)
        row.dashboard_url = panel.row_url(row) if panel.row_url else row.get_absolute_url()
        row.dashboard_note = panel.row_note(row) if panel.row_note else ""
    return PanelShown(
        panel=panel,
        count=count,
        rows=rows,
        note=panel.note(user) if panel.note else None,
        list_url=_url(panel.list_url) if panel.list_url else "",
        by_type=by_type,
    )


def dashboard_panels(user) -> list[PanelShown]:
    """The core's panels and the areas' (of the areas the user has), in order."""
    panels = list(CORE_PANELS)
    for config in registered_areas():
        if user.has_area(config.code):
            panels.extend(config.dashboard_panels)
    shown = [panel_show(panel, user) for panel in sorted(panels, key=lambda p: p.order)]
    return [entry for entry in shown if entry is not None]


SPARSE_MONTHS = 2


def trend_show(trend: DashboardTrend, user) -> dict | None:
    data = trend.data(user)
    if data is None:
        return None
    columns = data["columns"]
    months = {i for row in data["rows"] for i, cell in enumerate(row["cells"]) if cell}
    # Charts of twelve months with one or two that hold anything say less than the table
    # and push the rest of the page down: such a trend is shown as its table alone.
    sparse = len(months) <= SPARSE_MONTHS
    return {
        "trend": trend,
        "columns": columns,
        "rows": data["rows"],
        "sparse": sparse,
        "charts": []
        if sparse
        else [
            {"row": row, "chart": bar_chart(row, columns, width=480, height=190)}
            for row in data["rows"]
        ],
    }


def dashboard_trends(user) -> list[dict]:
    trends: list[DashboardTrend] = []
    for config in registered_areas():
        if user.has_area(config.code):
            trends.extend(config.dashboard_trends)
    shown = [trend_show(trend, user) for trend in sorted(trends, key=lambda t: t.order)]
    return [entry for entry in shown if entry is not None]
