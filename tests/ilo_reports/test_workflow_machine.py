"""The report's one state machine: `status`, moved by the transition table of IloReport
through the core's `transition_apply`; its publication is the core's publication."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from iconet.limits import PERSONAL_DATA_WARNING
from iconet.models import Action, Notification, State
from iconet.sharing.services import transition_apply
from ilo_reports import services
from ilo_reports.models import IloAction, IloReport, ReportStatus
from tests.ilo_reports.conftest import named

pytestmark = pytest.mark.django_db


def test_the_core_publish_page_publishes_a_reviewed_report_and_its_workflow_follows(
    cast,
    client_for,
    report,
):
    report = services.report_submit(actor=cast.ilo_fr_tr, report=report)
    report = services.report_review(actor=cast.commission_admin, report=report)
    response = client_for(cast.commission_admin).post(
        reverse("sharing:publish", args=[IloReport.type_slug(), report.pk]),
        {"audience": "network", "marking": "GREEN"},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.state) == (ReportStatus.PUBLISHED, State.PUBLISHED)
    assert list(report.events.values_list("status", flat=True))[-1] == ReportStatus.PUBLISHED
    assert Notification.objects.filter(
        recipient=cast.ilo_de_tr, title=f"{report.reference}: {named(report)} was published"
    ).exists()


def test_a_step_the_table_does_not_hold_is_refused_and_changes_nothing(cast, report):
    # A draft is never reviewed without being submitted, whoever asks.
    assert (ReportStatus.DRAFT, ReportStatus.REVIEWED) not in IloReport.TRANSITIONS
    with pytest.raises(ValidationError):
        transition_apply(actor=cast.commission_admin, item=report, to=ReportStatus.REVIEWED)
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT


def test_the_workflow_actions_are_one_enum_with_the_strings_of_before(cast, report):
    assert IloAction.RETURN_FOR_CORRECTION == "return" and Action.PUBLISH == "publish"
    assert report.allows(cast.ilo_fr_tr, IloAction.SUBMIT)
    # A plain string is refused: a mistyped action would otherwise quietly answer no.
    with pytest.raises(TypeError):
        report.allows(cast.ilo_fr_tr, "submit")
    assert not report.allows(cast.commission_admin, Action.PUBLISH)


def test_both_areas_warn_against_personal_data_in_the_same_words(cast, client_for, report):
    page = client_for(cast.ilo_de_tr).get(reverse("ilo_reports:contribute", args=[report.pk]))
    alert_form = client_for(cast.fr_ncp).get(reverse("alerts:create"))
    assert str(PERSONAL_DATA_WARNING) in page.content.decode()
    assert str(PERSONAL_DATA_WARNING) in alert_form.content.decode()
