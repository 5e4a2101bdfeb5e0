"""Reads of the returns area, always through each model's `visible_to(user)`."""

import statistics
from collections import defaultdict

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_countries import countries

from iconet.dashboard.charts import bar_chart_horizontal
from iconet.models import Organisation, State
from iconet.sharing.registry import shared_item_models

from .models import OperationStatus, ProblemCategory, ReturnOperation, ReturnProblem

# How an item of another area names a country, by field: items of other areas are found
# through the app registry and these fields, never by importing those areas.
COUNTRY_FIELDS = (
    ("origin_country", "exact"),
    ("transit_countries", "contains"),
    ("issuing_country", "exact"),
    ("country", "exact"),
    ("host_country", "exact"),
    ("network__host_country", "exact"),
)


def _has_path(model, path: str) -> bool:
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        model = field.related_model
    return True


def country_condition(model, code: str) -> Q | None:
    """Items of `model` that are about the country, or None if it has no country field."""
    condition = None
    for path, lookup in COUNTRY_FIELDS:
        if _has_path(model, path):
            value = [code] if lookup == "contains" else code
            term = Q(**{f"{path}__{lookup}": value})
            condition = term if condition is None else condition | term
    return condition


def delays_over_time(problems) -> list[dict]:
    """Average delay per month of observation, oldest first."""
    by_month: dict[str, list[int]] = defaultdict(list)
    for problem in problems:
        if problem.average_delay_days is not None:
            by_month[problem.observed_on.strftime("%Y-%m")].append(problem.average_delay_days)
    return [
        {"month": month, "average": round(statistics.fmean(values), 1), "count": len(values)}
        for month, values in sorted(by_month.items())
    ]


def country_overview(*, user, code: str) -> dict:
    """The country page: the user's visible problems about it and other areas' items."""
    problems = list(
        ReturnProblem.objects.visible_to(user)
        .filter(country_of_return=code)
        .select_related("owner")
        .order_by("category", "-observed_on"),
    )
    labels = dict(ProblemCategory.choices)
    groups: dict[str, list] = defaultdict(list)
    for problem in problems:
        groups[problem.category].append(problem)
    delays = [p.average_delay_days for p in problems if p.average_delay_days is not None]
    points = delays_over_time(problems)
    others = []
    for slug, model in sorted(shared_item_models().items()):
        if model._meta.app_label == "returns":
            continue
        condition = country_condition(model, code)
        if condition is None:
            continue
        items = list(
            model.objects.visible_to(user)
            .filter(condition)
            .exclude(state="draft")
            .order_by("-published_at")[:5]
        )
        others.append({"label": model._meta.verbose_name_plural, "slug": slug, "items": items})
    return {
        "code": code,
        "country_name": countries.name(code),
        "categories": [(labels[key], rows) for key, rows in groups.items()],
        "problems_count": len(problems),
        "delay_average": round(statistics.fmean(delays), 1) if delays else None,
        "delay_median": statistics.median(delays) if delays else None,
        "delay_points": points,
        # The latest two years of months, one bar each.
        "chart": bar_chart_horizontal(
            [(p["month"], p["average"]) for p in points[-24:]], label_width=96, limit=24
        ),
        "agreements": sorted(
            {p.readmission_agreement for p in problems if p.readmission_agreement}
        ),
        "good_practices": [p for p in problems if p.good_practice],
        "others": others,
        "heading": _("Returns to %(country)s") % {"country": countries.name(code)},
    }


def incidents_visible(*, operation: ReturnOperation, user):
    """Incidents of an operation the user already sees: the organiser's members see all,
    another organisation sees its own."""
    incidents = operation.incidents.select_related("organisation", "author")
    if operation.is_owner_member(user):
        return incidents
    return incidents.filter(organisation_id=user.organisation_id)


def operations_by_month(*, user) -> list[tuple[str, list]]:
    """The operations the user may see, grouped by month of departure, soonest first."""
    months: dict[str, list] = defaultdict(list)
    operations = (
        ReturnOperation.objects.visible_to(user)
        .select_related("owner")
        .order_by(
            "departure_date",
            "pk",
        )
    )
    for operation in operations:
        months[operation.departure_date.strftime("%Y-%m")].append(operation)
    return sorted(months.items())


# --- the home page's panel (declared in apps.py) -------------------------------------------


def seat_offers_open(user):
    """Published operations of other Member States whose seat offer is open to the user's
    national service (`ReturnOperation.is_offered_to`)."""
    organisation = user.organisation if user.organisation_id else None
    if organisation is None or organisation.kind != Organisation.Kind.NATIONAL:
        return None
    return (
        ReturnOperation.objects.visible_to(user)
        .filter(
            state=State.PUBLISHED,
            status=OperationStatus.OFFER_OPEN,
            offered_to=organisation.country_id,
        )
        .exclude(owner_id=organisation.pk)
        .with_list_columns()
        .order_by(F("offer_deadline").asc(nulls_last=True), "-pk")
    )


def offer_deadline_note(operation) -> str:
    if operation.offer_deadline is None:
        return _("no offer deadline")
    return _("reply by %(date)s") % {"date": date_format(operation.offer_deadline)}


def operations_on_calendar(user, start, end):
    """The joint return operations the user may see that fly between two dates (the portal's
    calendar, iconet.calendar)."""
    from iconet.calendar import CalendarEvent

    operations = ReturnOperation.objects.visible_to(user).filter(departure_date__range=(start, end))
    return [
        CalendarEvent(
            title=f"{operation.reference} {operation.code}",
            starts=operation.departure_date,
            url=operation.get_absolute_url(),
            kind=_("Joint return operation"),
        )
        for operation in operations.exclude(status=OperationStatus.CANCELLED)
    ]
