"""Reads of the ILO area; shared reports only ever come through `visible_to`."""

from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_countries import countries

from iconet.exports.sources import highest_marking
from iconet.models import Area, Marking

from .models import (
    EDITABLE_STATUSES,
    FollowUpTask,
    IloReport,
    Network,
    NetworkChair,
    Posting,
    ReportStatus,
    Semester,
    TemplateQuestion,
    Trend,
    country_codes,
    is_reviewer,
)

STATISTICS_KEY = "statistics"
SUBMITTED_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.REVIEWED, ReportStatus.PUBLISHED)


def reports_visible_to(user):
    return IloReport.objects.visible_to(user).select_related("network", "owner", "template")


def networks_visible_to(user):
    return Network.objects.visible_to(user)


def current_postings(network: Network):
    today = timezone.localdate()
    condition = Q(host_country__in=network.countries)
    for code in network.countries:
        condition |= Q(accredited_countries__contains=code)
    return (
        Posting.objects.filter(condition, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("officer", "deploying_organisation__country")
    )


def postings_manageable_by(user):
    return Posting.objects.manageable_by(user)


def latest_by_semester(reports) -> dict[str, IloReport]:
    """The highest revision of each semester among the given reports."""
    latest: dict[str, IloReport] = {}
    for report in reports:
        if report.semester not in latest or report.revision > latest[report.semester].revision:
            latest[report.semester] = report
    return latest


def statistics_comparison(user, network: Network) -> dict:
    """The statistics table of each semester the user may read, side by side (oldest first)."""
    reports = latest_by_semester(reports_visible_to(user).filter(network=network))
    semesters = sorted(reports)
    questions = {
        q.section.version_id: q
        for q in TemplateQuestion.objects.filter(
            key=STATISTICS_KEY,
            section__version__in={r.template_id for r in reports.values()},
        ).select_related("section")
    }
    rows: dict[str, dict] = {}
    column_key = None
    for semester in reversed(semesters):  # the newest template names the rows
        question = questions.get(reports[semester].template_id)
        if question is None:
            continue
        column_key = column_key or question.table["columns"][0]["key"]
        for row in question.shown_table.get("rows", []):
            rows.setdefault(row["key"], {"key": row["key"], "label": row["label"], "values": {}})
        answer = reports[semester].answer_for(question) or {}
        for row_key, cells in answer.items():
            if row_key in rows:
                rows[row_key]["values"][semester] = cells.get(column_key)
    ordered = list(rows.values())
    for row in ordered:
        row["cells"] = [row["values"].get(s) for s in semesters]
    return {"semesters": semesters, "rows": ordered, "reports": reports}


def networks_without_submission(user, semester: Semester):
    """Active networks whose report on the semester has not reached the reviewers."""
    done = reports_visible_to(user).filter(semester=str(semester), status__in=SUBMITTED_STATUSES)
    return (
        Network.objects.filter(is_active=True)
        .exclude(pk__in=done.values("network_id"))
        .prefetch_related("chairs")
    )


# --- the home page's panel (declared in apps.py) -------------------------------------------


def reports_due(user):
    """The reports the user may read on the semester due next that are not yet submitted."""
    semester = Semester.reporting()
    return (
        IloReport.objects.visible_to(user)
        .filter(semester=str(semester), status__in=EDITABLE_STATUSES)
        .with_list_columns()
        .order_by("network__name", "-revision")
    )


def reports_due_note(user) -> str:
    semester = Semester.reporting()
    return _("Reports on %(semester)s are due by %(deadline)s.") % {
        "semester": semester,
        "deadline": date_format(semester.deadline),
    }


def report_status_note(report) -> str:
    return report.get_status_display()


def reports_to_review(user):
    """For a reviewer: the submitted reports they may read, the longest waiting first."""
    if not is_reviewer(user):
        return None
    return (
        IloReport.objects.visible_to(user)
        .filter(status=ReportStatus.SUBMITTED)
        .with_list_columns()
        .order_by("submitted_at", "pk")
    )


def report_to_review_note(report) -> str:
    return _("submitted on %(date)s; due by %(deadline)s") % {
        "date": date_format(timezone.localtime(report.submitted_at).date())
        if report.submitted_at
        else "—",
        "deadline": date_format(Semester.parse(report.semester).deadline),
    }


def late_semester(today=None) -> Semester:
    """The latest semester whose report deadline has passed."""
    today = today or timezone.localdate()
    semester = Semester.of(today).previous()
    return semester if semester.deadline < today else semester.previous()


def networks_late(user):
    """For the Commission: the active networks whose report on the latest semester past its
    deadline has not reached the reviewers."""
    if not user.is_commission_admin:
        return None
    return networks_without_submission(user, late_semester()).order_by("name")


def networks_late_note(user) -> str:
    semester = late_semester()
    return _("Reports on %(semester)s were due by %(deadline)s.") % {
        "semester": semester,
        "deadline": date_format(semester.deadline),
    }


def network_late_note(network) -> str:
    return _("late since %(deadline)s") % {"deadline": date_format(late_semester().deadline)}


def reports_to_open(user):
    """For a chair: the networks whose report on the semester due next the user's service
    opens (services.may_open_report) and that is not opened yet."""
    semester = str(Semester.reporting())
    chairing = NetworkChair.objects.filter(semester=semester, organisation_id=user.organisation_id)
    if not user.organisation_id or not chairing.exists():
        return None  # not a chair's service this semester: no such queue
    opener = Q(chairs__officer=user) | Q(access_group__members=user)
    if user.is_ncp(Area.ILO):
        opener = Q()
    networks = (
        Network.objects.visible_to(user)
        .filter(is_active=True)
        .filter(chairs__semester=semester, chairs__organisation_id=user.organisation_id)
        .filter(opener)
        .exclude(reports__semester=semester)
        .distinct()
        .order_by("name")
    )
    return networks


def report_to_open_url(network) -> str:
    semester = Semester.reporting()
    return (
        f"{reverse('ilo_reports:open')}?{urlencode({'network': network.pk, 'semester': semester})}"
    )


def report_to_open_note(network) -> str:
    semester = Semester.reporting()
    return _("%(semester)s, due by %(deadline)s") % {
        "semester": semester,
        "deadline": date_format(semester.deadline),
    }


# --- the semester's synthesis across networks ---------------------------------------------

FOLLOW_UP_KEY = "follow_up"
TOP_NATIONALITIES = 5


def _number(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _statistics_totals(reports: dict, questions: dict) -> dict[str, dict]:
    """For each statistics row: the total of its figures and the reports each comes from."""
    rows: dict[str, dict] = {}
    for report in reports.values():
        question = questions.get((report.template_id, STATISTICS_KEY))
        if question is None:
            continue
        columns = question.table.get("columns", [])
        number_key = columns[0]["key"] if columns else None
        countries_keys = [c["key"] for c in columns if c.get("type") == "countries"]
        trend_keys = [c["key"] for c in columns if c.get("type") == "trend"]
        answer = report.answer_for(question) or {}
        for row in question.shown_table.get("rows", []):
            entry = rows.setdefault(
                row["key"],
                {
                    "key": row["key"],
                    "label": row["label"],
                    "total": None,
                    "sources": [],
                    "nationalities": {},
                    "trends": {},
                },
            )
            cells = answer.get(row["key"], {})
            value = _number(cells.get(number_key))
            if value is None:
                continue
            entry["total"] = (entry["total"] or 0) + value
            entry["sources"].append({"report": report, "value": value})
            for key in countries_keys:
                for code in country_codes(cells.get(key)):
                    entry["nationalities"].setdefault(code, []).append(report)
            for key in trend_keys:
                if cells.get(key):
                    entry["trends"].setdefault(cells[key], []).append(report)
    return rows


def _readable_reports(user, semester: Semester) -> dict[int, IloReport]:
    """The latest readable revision of each network's report that reached the reviewers."""
    latest: dict[int, IloReport] = {}
    found = reports_visible_to(user).filter(semester=str(semester), status__in=SUBMITTED_STATUSES)
    for report in found:
        held = latest.get(report.network_id)
        if held is None or report.revision > held.revision:
            latest[report.network_id] = report
    return latest


def semester_synthesis(user, semester: Semester) -> dict:
    """Per semester, across the reports the user may read: the statistics added up by row
    with the top nationalities and the trend against the previous semester, the networks
    without a report the user may read, and the Part III follow-up actions."""
    reports = _readable_reports(user, semester)
    previous_reports = _readable_reports(user, semester.previous())
    templates = {r.template_id for r in [*reports.values(), *previous_reports.values()]}
    questions = {
        (q.section.version_id, q.key): q
        for q in TemplateQuestion.objects.filter(
            key__in=[STATISTICS_KEY, FOLLOW_UP_KEY], section__version__in=templates
        ).select_related("section")
    }
    rows = _statistics_totals(reports, questions)
    previous = _statistics_totals(previous_reports, questions)
    for key, row in rows.items():
        before = previous.get(key, {}).get("total")
        row["previous"] = before
        row["previous_sources"] = previous.get(key, {}).get("sources", [])
        if row["total"] is None or before is None:
            row["trend"] = ""
        else:
            row["trend"] = Trend.UP if row["total"] > before else Trend.STABLE
            row["trend"] = Trend.DOWN if row["total"] < before else row["trend"]
        row["trend_label"] = str(Trend(row["trend"]).label) if row["trend"] else ""
        ranked = sorted(row["nationalities"].items(), key=lambda item: (-len(item[1]), item[0]))
        row["top"] = [
            {"code": code, "name": countries.name(code) or code, "reports": found}
            for code, found in ranked[:TOP_NATIONALITIES]
        ]
        row["reported_trends"] = [
            {"label": str(Trend(value).label), "reports": found}
            for value, found in sorted(row["trends"].items())
            if value in Trend.values
        ]
    actions = []
    tasks = {
        (task.report_id, task.row_key): task
        for task in FollowUpTask.objects.visible_to(user)
        .filter(report__in=[r.pk for r in reports.values()])
        .select_related("owner")
    }
    for report in sorted(reports.values(), key=lambda r: r.network.name):
        question = questions.get((report.template_id, FOLLOW_UP_KEY))
        if question is None:
            continue
        answer = report.answer_for(question) or {}
        for row in question.table.get("rows", []):
            cells = answer.get(row["key"], {})
            if not cells.get("action"):
                continue
            actions.append(
                {
                    "report": report,
                    "row_key": row["key"],
                    "action": cells.get("action", ""),
                    "owner": cells.get("owner", ""),
                    "deadline": cells.get("deadline", ""),
                    "task": tasks.get((report.pk, row["key"])),
                }
            )
    missing = list(
        networks_without_submission(user, semester)
        .filter(pk__in=Network.objects.visible_to(user).values("pk"))
        .order_by("name")
    )
    today = timezone.localdate()
    return {
        "semester": semester,
        "reports": sorted(reports.values(), key=lambda r: r.network.name),
        "rows": list(rows.values()),
        "networks_without_report": missing,
        "late": today > semester.deadline,
        "actions": actions,
        "tasks": list(
            FollowUpTask.objects.visible_to(user)
            .filter(report__semester=str(semester))
            .select_related("owner", "report__network")
        ),
    }


def synthesis_export_rows(user, params):
    """The reports a semester's synthesis adds up, for the core's CSV and PDF exports (the
    annex that names each report the figures come from)."""
    try:
        semester = Semester.parse(params.get("semester") or "")
    except ValueError:
        semester = late_semester()
    pks = [report.pk for report in _readable_reports(user, semester).values()]
    return reports_visible_to(user).filter(pk__in=pks).order_by("network__name")


def synthesis_marking(reports) -> str:
    """The strictest handling marking of the reports a synthesis adds up (it carries them all)."""
    return highest_marking(report.marking for report in reports) or Marking.CLEAR


def meetings_on_calendar(user, start, end):
    """The meetings of the ILO networks the user sees, between two dates (the portal's
    calendar, iconet.calendar)."""
    from iconet.calendar import CalendarEvent

    from .models import Meeting, Network

    meetings = Meeting.objects.filter(
        network__in=Network.objects.visible_to(user), date__range=(start, end)
    ).select_related("network")
    return [
        CalendarEvent(
            title=str(meeting.network),
            starts=meeting.date,
            url=meeting.network.get_absolute_url(),
            kind=_("ILO network meeting"),
            place=meeting.place,
        )
        for meeting in meetings
    ]
