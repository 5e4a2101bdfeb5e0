"""The demo ILO networks and reports that `make run` loads."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from ilo_reports.models import IloReport, Network

pytestmark = pytest.mark.django_db


def test_demo_networks_come_with_two_published_semesters_to_compare(client_for):
    from iconet.models import User

    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_ilo_demo", stdout=out)
    call_command("seed_ilo_demo", stdout=out)
    turkey = Network.objects.get(host_country="TR")
    published = IloReport.objects.filter(network=turkey, state="published")
    assert published.count() == 2
    page = client_for(User.objects.get(username="de.ncp")).get(
        reverse("ilo_reports:compare", args=[turkey.pk])
    )
    content = page.content.decode()
    for report in published:
        assert report.semester in content
    assert "9100" in content.replace(",", "").replace("\u202f", "").replace(" ", "")
