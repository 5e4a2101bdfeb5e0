"""API keys: made by the organisation's administrator only, shown once and kept hashed; a key
that expired, was revoked, was rotated away or comes from a network not allowed is refused."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from iconet.api.models import ApiClient
from iconet.api.services import api_client_create, api_client_revoke, api_client_rotate
from tests.api.conftest import api, api_key_make, national_admin_of

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def test_a_key_reaches_the_api_and_is_kept_only_as_a_digest(cast):
    client, key = api_key_make(cast.fr_officer.organisation)
    response = api(key).get(ME)
    assert response.status_code == 200, response.content
    assert response.json()["organisation"] == "BP-FR"
    stored = ApiClient.objects.get(pk=client.pk)
    assert key.split("_")[-1] not in stored.secret_hash
    assert stored.last_used_at is not None


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer icn_x_y", "Bearer nonsense", "Basic a"])
def test_no_key_or_a_wrong_key_is_401_in_json(cast, header):
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=header) if header else Client()
    response = client.get(ME)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_an_expired_key_is_refused(cast):
    client, key = api_key_make(cast.fr_officer.organisation)
    ApiClient.objects.filter(pk=client.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api(key).get(ME)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_a_revoked_key_is_refused(cast):
    client, key = api_key_make(cast.fr_officer.organisation)
    api_client_revoke(actor=cast.fr_admin, client=client)
    response = api(key).get(ME)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_a_rotated_key_stops_and_the_new_one_works(cast):
    client, old = api_key_make(cast.fr_officer.organisation)
    new = api_client_rotate(actor=cast.fr_admin, client=client)
    assert api(old).get(ME).status_code == 401
    assert api(new).get(ME).status_code == 200


def test_a_key_from_a_network_not_allowed_is_refused(cast):
    _client, key = api_key_make(cast.fr_officer.organisation, networks=["192.0.2.0/24"])
    assert api(key, REMOTE_ADDR="198.51.100.7").get(ME).status_code == 403
    assert api(key, REMOTE_ADDR="192.0.2.15").get(ME).status_code == 200


def test_only_the_organisations_national_administrator_makes_or_revokes_a_client(cast):
    fr = cast.fr_officer.organisation
    kwargs = dict(
        organisation_id=fr.pk,
        name="x",
        areas=["alerts"],
        actions=["read"],
        expires_at=timezone.now() + timedelta(days=1),
    )
    for outsider in (cast.fr_officer, cast.fr_ncp, cast.commission_admin, cast.de_ncp):
        with pytest.raises(PermissionDenied):
            api_client_create(actor=outsider, **kwargs)
    de_admin = national_admin_of(cast.de_officer.organisation)
    client, _key = api_key_make(fr)
    with pytest.raises(PermissionDenied):
        api_client_revoke(actor=de_admin, client=client)
    with pytest.raises(PermissionDenied):
        api_client_rotate(actor=de_admin, client=client)


def test_the_clients_account_cannot_sign_in_to_the_portal(cast):
    client, _key = api_key_make(cast.fr_officer.organisation)
    assert not client.user.has_usable_password()
    assert client.user.ncp_areas == []


def test_a_new_client_reads_nothing_until_a_second_administrator_approves_it(cast, client_for):
    """Making a client is a change of access: its key is refused until another administrator
    than its maker approves the request, which neither the maker nor the client may decide."""
    from django.urls import reverse

    from iconet.directory.services.access_changes import access_change_decide, approvers_of
    from iconet.models import AccessChangeRequest, Notification
    from tests.api.conftest import api_client_pending

    client, key = api_client_pending(cast.fr_officer.organisation)
    assert api(key).get(ME).status_code == 401
    request = AccessChangeRequest.objects.get(user=client.user, kind="api_client")
    maker = request.requested_by
    assert maker.pk not in set(approvers_of(request).values_list("pk", flat=True))
    with pytest.raises(PermissionDenied):
        access_change_decide(actor=maker, request=request, approve=True)
    # Refused by the page too (a crafted POST).
    page = reverse("administration:access_change", args=[request.pk])
    assert client_for(maker).post(page, {"decision": "approve"}).status_code in (403, 404)
    assert api(key).get(ME).status_code == 401
    approver = approvers_of(request).first()
    assert Notification.objects.filter(recipient=approver, url=page).exists()
    access_change_decide(actor=approver, request=request, approve=True)
    assert api(key).get(ME).status_code == 200
