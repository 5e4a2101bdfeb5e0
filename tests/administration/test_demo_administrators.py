"""The demo network lets every path of a change of access be tried in a browser: two national
administrators in France and Germany, one in the Netherlands, two at the Commission."""

import io

import pytest
from django.core.management import call_command

from iconet.directory.services import access_changes
from iconet.models import Organisation, User

pytestmark = pytest.mark.django_db


def _request(actor, user):
    return access_changes.access_change_request(
        actor=actor,
        kind="role",
        organisation=user.organisation,
        user=user,
        payload={"changes": {"role": "ilo"}},
        reason="Demo",
    )


def test_the_demo_network_has_second_administrators_to_approve_each_other():
    call_command("seed_demo", stdout=io.StringIO())
    admins = User.objects.filter(role="national_admin", is_active=True)
    per_state = {
        code: admins.filter(organisation__country_id=code).count() for code in ("FR", "DE", "NL")
    }
    assert per_state == {"FR": 2, "DE": 2, "NL": 1}
    assert (
        User.objects.filter(
            role="commission_admin", organisation__kind=Organisation.Kind.COMMISSION
        ).count()
        == 2
    )
    users = {u.username: u for u in User.objects.all()}
    # In France the second French administrator decides, not the Commission...
    french = _request(users["fr.admin"], users["fr.officer"])
    assert access_changes.may_approve(users["fr.admin2"], french)
    assert not access_changes.may_approve(users["ec.admin"], french)
    # ...in the Netherlands, whose one administrator asks, the Commission decides...
    dutch = _request(users["nl.admin"], users["nl.ncp"])
    assert access_changes.may_approve(users["ec.admin"], dutch)
    # ...and at the Commission, the other Commission administrator.
    commission = _request(users["ec.admin"], users["ec.admin2"])
    assert not access_changes.may_approve(users["ec.admin2"], commission)
    german = _request(users["ec.admin"], users["de.ncp"])
    assert {u.username for u in access_changes.approvers_of(german)} == {"de.admin", "de.admin2"}
