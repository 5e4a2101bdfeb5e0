"""Reads of the ILO area; shared reports only ever come through `visible_to`."""

from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from iconet.models import Area

from .models import (
    EDITABLE_STATUSES,
    IloReport,
    Network,
    Posting,
    ReportStatus,
    Semester,
    TemplateQuestion,
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
    if not user.organisation_id:
        return None
    semester = str(Semester.reporting())
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
