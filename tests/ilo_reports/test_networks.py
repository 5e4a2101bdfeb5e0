"""Postings and networks, the comparison of semesters, and the reminders to chairs."""

import datetime
import re

import pytest
from django.urls import reverse

from iconet.models import EmailDelivery, Notification, Organisation
from ilo_reports.models import (
    IloReport,
    NetworkChair,
    Posting,
    ReminderSent,
    Semester,
    TemplateQuestion,
)
from ilo_reports.services import report_open, report_submit
from ilo_reports.tasks import report_reminders_send
from tests.administration.conftest import approved
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def posting_data(officer, organisation, **extra):
    return {
        "deploying_organisation": organisation.pk,
        "deploying_authority": "Police aux frontières",
        "officer": officer.pk,
        "officer_type": "ilo",
        "host_country": "MA",
        "posted_at": "embassy",
        "start_date": "2024-09-01",
        "languages": "fr, ar",
        **extra,
    }


def test_national_administrators_record_their_own_postings_and_networks_follow(
    cast, client_for, network
):
    fr = Organisation.objects.get(short_name="BP-FR")
    de = Organisation.objects.get(short_name="BP-DE")
    new_ilo = UserFactory(username="ilo_fr_new", organisation=fr, role="ilo", areas=["ilo"])
    admin = client_for(cast.fr_admin)
    assert client_for(cast.fr_officer).get(reverse("ilo_reports:postings")).status_code == 403
    # Another Member State's officer cannot be posted by France's administrator.
    response = admin.post(reverse("ilo_reports:posting_add"), posting_data(cast.de_officer, de))
    assert (
        response.status_code == 200 and not Posting.objects.filter(officer=cast.de_officer).exists()
    )
    response = admin.post(
        reverse("ilo_reports:posting_add"), posting_data(new_ilo, fr, host_country="TR")
    )
    assert response.status_code == 302
    # A posting makes a network member: recorded only once a second administrator approves.
    assert not network.has_member(new_ilo)
    approved(cast.commission_admin, user=new_ilo)
    assert network.has_member(new_ilo)
    # The German posting of the fixture is out of France's reach, and ending a posting ends
    # membership.
    german = Posting.objects.get(officer=cast.ilo_de_tr)
    assert admin.get(reverse("ilo_reports:posting_edit", args=[german.pk])).status_code == 404
    mine = Posting.objects.get(officer=new_ilo)
    data = posting_data(new_ilo, fr, host_country="TR", end_date="2024-12-31")
    assert admin.post(reverse("ilo_reports:posting_edit", args=[mine.pk]), data).status_code == 302
    approved(cast.commission_admin, user=new_ilo)
    assert not network.has_member(new_ilo)
    # The Commission records any posting.
    response = client_for(cast.commission_admin).post(
        reverse("ilo_reports:posting_add"),
        posting_data(cast.de_officer, de, host_country="TR"),
    )
    assert response.status_code == 302 and not network.has_member(cast.de_officer)
    # ...which Germany's national administrator approves.
    de_admin = UserFactory(username="de_admin", organisation=de, role="national_admin")
    approved(de_admin, user=cast.de_officer)
    assert network.has_member(cast.de_officer)


def test_members_see_their_network_directory_and_record_meetings(cast, client_for, network):
    page = client_for(cast.ilo_de_tr).get(network.get_absolute_url())
    assert page.status_code == 200 and str(cast.ilo_fr_tr) in page.content.decode()
    assert client_for(cast.de_officer).get(network.get_absolute_url()).status_code == 404
    url = reverse("ilo_reports:meeting_add", args=[network.pk])
    data = {
        "date": "2026-03-12",
        "place": "Ankara",
        "participants": "FR, DE",
        "agenda": "Routes",
        "decisions": "Joint brief",
    }
    assert client_for(cast.ilo_de_tr).post(url, data).status_code == 302
    assert (
        "Joint brief" in client_for(cast.ilo_fr_tr).get(network.get_absolute_url()).content.decode()
    )
    assert client_for(cast.fr_ncp).post(url, data).status_code == 403


def _report_with_statistics(cast, network, semester, refusals_air):
    NetworkChair.objects.get_or_create(
        network=network,
        semester=str(semester),
        defaults={
            "organisation": cast.ilo_fr_tr.organisation,
            "officer": cast.ilo_fr_tr,
        },
    )
    report = report_open(actor=cast.ilo_fr_tr, network=network, semester=semester)
    statistics = TemplateQuestion.objects.get(section__version=report.template, key="statistics")
    report.answers = {str(statistics.pk): {"refusals_air": {"number": refusals_air}}}
    report.save()
    return report


def test_semesters_compare_in_a_table_and_a_chart(cast, client_for, network, semester):
    _report_with_statistics(cast, network, semester.previous(), 80)
    _report_with_statistics(cast, network, semester, 120)
    page = (
        client_for(cast.ilo_de_tr)
        .get(reverse("ilo_reports:compare", args=[network.pk]))
        .content.decode()
    )
    assert str(semester.previous()) in page and str(semester) in page
    assert "Refusals of entry – air borders" in page and ">80<" in page and ">120<" in page
    assert "<svg" in page and "<caption" in page and 'scope="row"' in page
    # In the narrowest card (16rem, 256 px) the labels still read at 12 px or more.
    width = int(re.search(r'viewBox="0 0 (\d+) \d+"', page).group(1))
    sizes = {int(size) for size in re.findall(r'<text [^>]*font-size="(\d+)"', page)}
    assert sizes and min(sizes) * min(256, width) / width >= 12
    # What the reader may not see is not compared.
    assert (
        client_for(cast.de_officer)
        .get(reverse("ilo_reports:compare", args=[network.pk]))
        .status_code
        == 404
    )


def test_reminders_go_to_the_chair_once_before_the_deadline(cast, network, semester):
    ilo_notes = Notification.objects.filter(recipient=cast.ilo_fr_tr)
    too_early = semester.deadline - datetime.timedelta(days=40)
    assert report_reminders_send(too_early.isoformat()) == 0
    three_days = (semester.deadline - datetime.timedelta(days=3)).isoformat()
    assert report_reminders_send(three_days) == 1
    assert report_reminders_send(three_days) == 0  # idempotent per network, semester and kind
    assert ilo_notes.count() == 1 and ReminderSent.objects.count() == 1
    assert (
        EmailDelivery.objects.filter(
            recipient=cast.ilo_fr_tr, key__startswith="ilo:reminder:"
        ).count()
        == 1
    )


def test_reminder_days_and_due_days_are_read_from_the_settings_when_used(
    cast,
    network,
    semester,
    settings,
):
    settings.ILO_REPORT_REMINDER_DAYS = (40,)
    forty_days = semester.deadline - datetime.timedelta(days=40)
    assert report_reminders_send(forty_days.isoformat()) == 1
    assert ReminderSent.objects.get().kind == "due-in-40-days"
    settings.ILO_REPORT_DUE_DAYS = 45
    assert semester.deadline == semester.end + datetime.timedelta(days=45)


def test_no_reminder_once_submitted(cast, network, semester):
    report = report_open(actor=cast.ilo_fr_tr, network=network, semester=semester)
    report_submit(actor=cast.ilo_fr_tr, report=report)
    assert report_reminders_send((semester.deadline - datetime.timedelta(days=3)).isoformat()) == 0


def test_the_commission_sees_which_networks_have_not_submitted(cast, client_for, network, semester):
    url = reverse("ilo_reports:missing")
    assert client_for(cast.fr_ncp).get(url).status_code == 403
    commission = client_for(cast.commission_admin)
    assert network.name in commission.get(url).content.decode()
    report = report_open(actor=cast.ilo_fr_tr, network=network, semester=semester)
    assert network.name in commission.get(url).content.decode()  # a draft is not a submission
    report_submit(actor=cast.ilo_fr_tr, report=report)
    assert "Every network has submitted." in commission.get(url).content.decode()


def test_semester_arithmetic():
    assert str(Semester.parse("2026-S2").next()) == "2027-S1"
    assert str(Semester.parse("2026-S1").previous()) == "2025-S2"
    assert Semester.parse("2026-S1").end == datetime.date(2026, 6, 30)
    assert str(Semester.reporting(datetime.date(2026, 7, 10))) == "2026-S1"
    assert str(Semester.reporting(datetime.date(2026, 9, 10))) == "2026-S2"
    with pytest.raises(ValueError):
        Semester.parse("2026-S3")


def test_an_old_report_keeps_rendering_with_its_template_version(cast, client_for, network, report):
    from ilo_reports.models import TemplateSection, TemplateVersion

    number = TemplateVersion.objects.order_by("-number").first().number + 1
    TemplateVersion.objects.update(active=False)
    newer = TemplateVersion.objects.create(number=number, title="R1240 format", active=True)
    section = TemplateSection.objects.create(
        version=newer, part="I", order=1, heading="Steering board priorities"
    )
    TemplateQuestion.objects.create(section=section, order=1, key="priorities", label="Priorities")
    page = client_for(cast.ilo_fr_tr).get(report.get_absolute_url()).content.decode()
    assert "Meetings held" in page and "Steering board priorities" not in page
    assert IloReport.objects.get(pk=report.pk).template.number == report.template.number


def test_every_page_renders_for_those_it_serves(cast, client_for, network, report):
    pages = {
        "ilo_fr_tr": ["ilo_reports:list", "ilo_reports:open", "ilo_reports:networks"],
        "commission_admin": [
            "ilo_reports:list",
            "ilo_reports:networks",
            "ilo_reports:missing",
            "ilo_reports:postings",
            "ilo_reports:posting_add",
        ],
        "fr_admin": ["ilo_reports:postings", "ilo_reports:posting_add"],
    }
    for role, names in pages.items():
        client = client_for(getattr(cast, role))
        for name in names:
            assert client.get(reverse(name)).status_code == 200, (role, name)
    member = client_for(cast.ilo_de_tr)
    for name in ("ilo_reports:network", "ilo_reports:compare", "ilo_reports:meeting_add"):
        assert member.get(reverse(name, args=[network.pk])).status_code == 200, name
    assert member.get(reverse("ilo_reports:contribute", args=[report.pk])).status_code == 200
    # Areas are a precondition: without the ILO area there is no ILO page at all.
    assert client_for(cast.fr_no_area).get(reverse("ilo_reports:list")).status_code == 403


def test_the_report_list_costs_the_same_for_one_or_many_reports(
    cast, client_for, network, semester, django_assert_max_num_queries
):
    client = client_for(cast.ilo_fr_tr)
    _report_with_statistics(cast, network, semester, 1)
    client.get(reverse("ilo_reports:list"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(reverse("ilo_reports:list"))
    queries_for_one = len(one)  # read now: each request empties the connection's query log
    for back in range(1, 6):
        earlier = semester
        for _ in range(back):
            earlier = earlier.previous()
        _report_with_statistics(cast, network, earlier, back)
    client.get(reverse("ilo_reports:list"))  # the kept counts of the new grants, as for `one`
    with django_assert_max_num_queries(queries_for_one):
        client.get(reverse("ilo_reports:list"))
