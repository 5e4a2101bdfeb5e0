"""Reads of the ILO area; shared reports only ever come through `visible_to`."""

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import (
    EDITABLE_STATUSES,
    IloReport,
    Network,
    Posting,
    ReportStatus,
    Semester,
    TemplateQuestion,
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
