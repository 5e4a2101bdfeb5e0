"""Organisations (Commission administrators): create, see users and contact points, deactivate."""

from auditlog.models import LogEntry
from django.urls import reverse

from iconet.models import Organisation

from .conftest import REASON


def test_the_commission_creates_sees_and_deactivates_an_organisation(cast, client_for):
    client = client_for(cast.commission_admin)
    response = client.post(
        reverse("administration:organisation_create"),
        {
            "name": "Police aux frontières de Luxembourg",
            "short_name": "PF-LU",
            "kind": "national",
            "country": "LU",
            "email": "",
        },
    )
    organisation = Organisation.objects.get(short_name="PF-LU")
    assert response.status_code == 302 and organisation.group_id and organisation.is_active
    de = Organisation.objects.get(short_name="BP-DE")
    page = client.get(reverse("administration:organisation", args=[de.pk])).content.decode()
    assert str(cast.de_officer) in page and str(cast.de_ncp) in page  # users, and the contact point
    assert "Contact points" in page
    client.post(
        reverse("administration:organisation_deactivate", args=[organisation.pk]),
        {"reason": REASON},
    )
    organisation.refresh_from_db()
    assert not organisation.is_active
    entry = LogEntry.objects.get_for_object(organisation).latest("timestamp")
    assert entry.actor == cast.commission_admin and entry.additional_data == {"reason": REASON}


def test_the_commission_cannot_deactivate_its_own_organisation(cast, client_for):
    own = cast.commission_admin.organisation
    response = client_for(cast.commission_admin).post(
        reverse("administration:organisation_deactivate", args=[own.pk]),
        {"reason": REASON},
    )
    assert "another administrator must make this change" in response.content.decode()
    own.refresh_from_db()
    assert own.is_active


def test_a_managing_organisations_administrator_describes_but_does_not_hand_over_the_group(
    cast,
    admin_objects,
    client_for,
):
    group = admin_objects.fr_group
    client = client_for(cast.fr_admin)
    assert (
        'name="managing_organisation"'
        not in client.get(reverse("administration:group", args=[group.pk])).content.decode()
    )
    client.post(
        reverse("administration:group", args=[group.pk]),
        {
            "name": group.name,
            "description": "Bilateral cooperation on the Channel",
            "purpose": "Joint analysis",
            "managing_organisation": admin_objects.de.pk,
        },
    )
    group.refresh_from_db()
    assert (
        group.description == "Bilateral cooperation on the Channel"
        and group.purpose == "Joint analysis"
    )
    assert group.managing_organisation == admin_objects.fr
