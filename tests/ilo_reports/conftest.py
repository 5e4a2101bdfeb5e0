"""Fixtures of the ILO area: the Türkiye network, chaired by France, with its two posted ILOs."""

import datetime

import pytest

from iconet.models import Organisation
from ilo_reports.models import Network, NetworkChair, Posting, Semester
from ilo_reports.services import network_members_sync, report_open


def network_make(code: str = "TR", name: str = "Türkiye") -> Network:
    """A network whose members are the cast's ILOs posted in its host country."""
    from iconet.models import User

    network, _created = Network.objects.get_or_create(name=name, defaults={"host_country": code})
    for officer in User.objects.filter(role="ilo", host_country=code):
        Posting.objects.get_or_create(
            officer=officer,
            host_country=code,
            defaults={
                "deploying_organisation": officer.organisation,
                "deploying_authority": "Border police",
                "posted_at": Posting.Place.EMBASSY,
                "start_date": datetime.date(2020, 1, 1),
            },
        )
    network_members_sync(network)
    return network


@pytest.fixture
def semester():
    return Semester.reporting()


@pytest.fixture
def network(cast, semester):
    network = network_make()
    fr = Organisation.objects.get(short_name="BP-FR")
    NetworkChair.objects.create(
        network=network, semester=str(semester), organisation=fr, officer=cast.ilo_fr_tr
    )
    return network


@pytest.fixture
def report(cast, network, semester):
    """A draft opened by the chair's ILO."""
    return report_open(actor=cast.ilo_fr_tr, network=network, semester=semester)
