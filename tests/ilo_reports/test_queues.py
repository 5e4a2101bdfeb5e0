"""The home page's queues of the ILO area: the reports waiting for review, the networks late
with their report, and for a chair the semester's report to open, each with its deadline."""

import re

import pytest
from django.urls import reverse
from django.utils.formats import date_format

from iconet.models import Organisation
from ilo_reports.models import NetworkChair, Semester
from ilo_reports.selectors import late_semester
from ilo_reports.services import report_open, report_submit
from tests.ilo_reports.conftest import required_answered

pytestmark = pytest.mark.django_db


def panel(client, key) -> str:
    """The panel's card on the home page, or "" when it is not shown."""
    page = client.get(reverse("home")).content.decode()
    found = re.search(
        rf'<li class="card" id="panel-{key}">(.*?)</li>\s*(<li class="card"|</ul>)', page, re.S
    )
    return found[1] if found else ""


def test_a_submitted_report_waits_in_the_reviewers_queue(cast, client_for, report):
    admin = client_for(cast.commission_admin)
    assert "No submitted report waits for review." in panel(admin, "reports_to_review")
    report_submit(actor=cast.ilo_fr_tr, report=required_answered(report))
    card = panel(admin, "reports_to_review")
    assert f'href="{report.get_absolute_url()}">{report.reference}</a>' in card
    deadline = date_format(Semester.parse(report.semester).deadline)
    assert f"due by {deadline}" in card and '<span class="card__number">1</span>' in card
    # Not a reviewer: no such queue.
    assert panel(client_for(cast.ilo_fr_tr), "reports_to_review") == ""


def test_a_network_without_its_report_after_the_deadline_is_late(cast, client_for, network):
    admin = client_for(cast.commission_admin)
    late = late_semester()
    card = panel(admin, "networks_late")
    assert f'href="{network.get_absolute_url()}">{network.name}</a>' in card
    assert f"Reports on {late} were due by {date_format(late.deadline)}." in card
    assert panel(client_for(cast.ilo_fr_tr), "networks_late") == ""
    fr = Organisation.objects.get(short_name="BP-FR")
    NetworkChair.objects.create(
        network=network, semester=str(late), organisation=fr, officer=cast.ilo_fr_tr
    )
    report = report_open(actor=cast.ilo_fr_tr, network=network, semester=late)
    assert network.name in panel(admin, "networks_late")  # opened is not submitted
    report_submit(actor=cast.ilo_fr_tr, report=required_answered(report))
    assert network.name not in panel(admin, "networks_late")


def test_the_chair_is_prompted_to_open_the_semesters_report(cast, client_for, network, semester):
    chair = client_for(cast.ilo_fr_tr)
    card = panel(chair, "reports_to_open")
    url = f"{reverse('ilo_reports:open')}?network={network.pk}&amp;semester={semester}"
    assert f'href="{url}">{network.name}</a>' in card
    assert f"{semester}, due by {date_format(semester.deadline)}" in card
    form = chair.get(url.replace("&amp;", "&")).content.decode()
    assert f'<option value="{network.pk}" selected>' in form and f'value="{semester}"' in form
    # Another Member State's officer in the network does not open it, nor sees the queue.
    assert panel(client_for(cast.ilo_de_tr), "reports_to_open") == ""
    report_open(actor=cast.ilo_fr_tr, network=network, semester=semester)
    assert network.name not in panel(chair, "reports_to_open")
