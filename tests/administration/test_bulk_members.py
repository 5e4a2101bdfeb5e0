"""Access-group members are added several at once, from a list of boxes that works without
JavaScript; one user who cannot be added stops the whole addition and is named. A national
administrator invites people with the roles of a national service only."""

import re

import pytest
from django.urls import reverse

from iconet.directory.services.access_changes import access_change_decide, approvers_of
from iconet.models import AccessChangeRequest, AccessGroupMember
from tests.factories import UserFactory

from .conftest import REASON

pytestmark = pytest.mark.django_db


def test_an_administrator_adds_several_members_at_once(cast, admin_objects, client_for):
    group = admin_objects.fr_group
    url = reverse("administration:group_member_add", args=[group.pk])
    client = client_for(cast.commission_admin)
    page = client.get(url).content.decode()
    assert 'type="checkbox" name="user"' in page  # boxes, not a single drop-down
    response = client.post(
        url, {"user": [cast.it_ncp.pk, cast.nl_ncp.pk, cast.es_ncp.pk], "reason": REASON}
    )
    assert response.status_code == 302
    added = {cast.it_ncp.pk, cast.nl_ncp.pk, cast.es_ncp.pk}
    # One request per user, each waiting for a second administrator.
    requests = AccessChangeRequest.objects.filter(
        kind="group_member", group=group, status="pending"
    )
    assert {request.user_id for request in requests} == added

    def members():
        return set(
            AccessGroupMember.objects.filter(accessgroup=group).values_list("user", flat=True)
        )

    assert not added & members()
    # These states have no national administrator: a second Commission administrator approves.
    UserFactory(
        username="ec_admin2",
        organisation=cast.commission_admin.organisation,
        role="commission_admin",
    )
    for request in requests:
        access_change_decide(actor=approvers_of(request).get(), request=request, approve=True)
    assert added <= members()


def test_one_user_who_cannot_be_added_stops_all_and_is_named(cast, admin_objects, client_for):
    group = admin_objects.fr_group
    url = reverse("administration:group_member_add", args=[group.pk])
    before = AccessGroupMember.objects.filter(accessgroup=group).count()
    response = client_for(cast.commission_admin).post(
        url, {"user": [cast.be_ncp.pk, cast.commission_admin.pk], "reason": REASON}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "You cannot add yourself to an access group" in page
    assert str(cast.commission_admin) in page
    assert AccessGroupMember.objects.filter(accessgroup=group).count() == before


def test_a_national_administrator_is_offered_the_roles_of_a_national_service_only(cast, client_for):
    page = client_for(cast.fr_admin).get(reverse("administration:user_invite")).content.decode()
    assert 'value="officer"' in page and 'value="national_admin"' in page
    assert 'value="agency_user"' not in page and 'value="commission_admin"' not in page
    commission = client_for(cast.commission_admin).get(reverse("administration:user_invite"))
    assert 'value="agency_user"' in commission.content.decode()


def test_an_administrator_sees_his_own_access_read_only_and_saves_the_rest(cast, client_for):
    url = reverse("administration:user", args=[cast.fr_admin.pk])
    client = client_for(cast.fr_admin)
    page = client.get(url).content.decode()
    for name in ("organisation", "role", "areas", "ncp_areas"):
        tags = re.findall(rf'<(?:select|input)[^>]*name="{name}"[^>]*>', page)
        assert tags and all("disabled" in tag for tag in tags), (name, tags)
    assert "You cannot change your own access" in page
    response = client.post(
        url,
        {
            "first_name": "Anne",
            "last_name": "Martin",
            "email": cast.fr_admin.email,  # a new address would be a request of its own
            "role": "officer",  # a forged value: ignored, the field is read-only
        },
    )
    assert response.status_code == 302
    cast.fr_admin.refresh_from_db()
    assert cast.fr_admin.first_name == "Anne" and cast.fr_admin.role == "national_admin"
