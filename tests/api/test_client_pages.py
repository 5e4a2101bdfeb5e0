"""The pages where a national administrator makes, rotates and revokes the organisation's API
clients: the key is shown once and works; nobody else reaches them."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from iconet.api.models import ApiClient
from iconet.directory.services.access_changes import access_change_decide, approvers_of
from iconet.models import AccessChangeRequest
from tests.api.conftest import api, api_key_make

pytestmark = pytest.mark.django_db


def key_on(page) -> str:
    return re.search(r'value="(icn_[^"]+)"', page.content.decode()).group(1)


def test_a_national_administrator_makes_rotates_and_revokes_a_client(cast, client_for):
    browser = client_for(cast.fr_admin)
    assert browser.get(reverse("api_clients")).status_code == 200
    tomorrow = (timezone.localdate() + timedelta(days=30)).isoformat()
    made = browser.post(
        reverse("api_client_new"),
        {
            "name": "Coordination centre",
            "areas": ["alerts"],
            "actions": ["read"],
            "expires_on": tomorrow,
            "allowed_networks": "",
        },
    )
    assert made.status_code == 200
    assert "The key works once a second administrator approves the client" in made.content.decode()
    key = key_on(made)
    assert api(key).get("/api/v1/me/").status_code == 401  # not before the approval
    client = ApiClient.objects.get(name="Coordination centre")
    assert "Waiting for approval" in browser.get(reverse("api_clients")).content.decode()
    request = AccessChangeRequest.objects.get(user=client.user, kind="api_client")
    access_change_decide(actor=approvers_of(request).first(), request=request, approve=True)
    assert api(key).get("/api/v1/me/").json()["name"] == "Coordination centre"
    assert key not in browser.get(reverse("api_clients")).content.decode()

    new_key = key_on(browser.post(reverse("api_client_rotate", args=[client.pk])))
    assert api(key).get("/api/v1/me/").status_code == 401
    assert api(new_key).get("/api/v1/me/").status_code == 200
    assert browser.post(reverse("api_client_revoke", args=[client.pk])).status_code == 302
    assert api(new_key).get("/api/v1/me/").status_code == 401


def test_a_refused_form_says_what_is_wrong_and_keeps_what_was_typed(cast, client_for):
    page = client_for(cast.fr_admin).post(
        reverse("api_client_new"),
        {
            "name": "Risk analysis",
            "areas": ["alerts"],
            "actions": ["read"],
            "expires_on": "2001-01-01",
            "allowed_networks": "not-a-network",
        },
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "The expiry must be in the future." in html
    assert 'value="Risk analysis"' in html
    assert not ApiClient.objects.exists()


@pytest.mark.parametrize("who", ["fr_officer", "fr_ncp", "commission_admin", "de_ncp"])
def test_nobody_else_reaches_the_pages(cast, client_for, who):
    browser = client_for(getattr(cast, who))
    assert browser.get(reverse("api_clients")).status_code == 403
    assert browser.get(reverse("api_client_new")).status_code == 403
    _client, _key = api_key_make(cast.fr_officer.organisation)
    page = browser.get(reverse("webhook_endpoint_new", args=[_client.pk]))
    assert page.status_code in (403, 404)


def test_an_endpoint_is_registered_on_a_page_and_delivers_only_once_approved(cast, client_for):
    from iconet.api.models import WebhookDelivery, WebhookEndpoint
    from tests.items import item_make

    client, _key = api_key_make(cast.fr_officer.organisation)
    browser = client_for(cast.fr_admin)
    assert "New webhook endpoint" in browser.get(reverse("api_clients")).content.decode()
    url = reverse("webhook_endpoint_new", args=[client.pk])
    assert 'type="checkbox"' in browser.get(url).content.decode()
    refused = browser.post(url, {"url": "not an address", "events": ["item.published"]})
    assert refused.status_code == 200 and not WebhookEndpoint.objects.exists()
    made = browser.post(
        url, {"url": "https://cases.example.test/hook", "events": ["item.published"]}
    )
    assert made.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in made.content.decode() and not endpoint.is_active
    assert endpoint.secret not in browser.get(reverse("api_clients")).content.decode()
    # No event leaves before a second administrator approves it.
    item_make("alerts.alert", author=cast.de_ncp, audience="network")
    from iconet.sharing.services import item_publish

    draft = item_make("alerts.alert", author=cast.de_ncp, state="draft")
    item_publish(actor=cast.de_ncp, item=draft, audience="network", marking="GREEN")
    assert not WebhookDelivery.objects.exists()
    request = AccessChangeRequest.objects.get(kind="webhook_endpoint")
    assert request.requested_by == cast.fr_admin
    assert not approvers_of(request).filter(pk=cast.fr_admin.pk).exists()
    access_change_decide(actor=approvers_of(request).first(), request=request, approve=True)
    endpoint.refresh_from_db()
    assert endpoint.is_active
    second = item_make("alerts.alert", author=cast.de_ncp, state="draft")
    item_publish(actor=cast.de_ncp, item=second, audience="network", marking="GREEN")
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 1


def test_another_organisations_client_has_no_endpoint_page(cast, client_for):
    client, _key = api_key_make(cast.de_officer.organisation)
    browser = client_for(cast.fr_admin)
    assert browser.get(reverse("webhook_endpoint_new", args=[client.pk])).status_code == 404


def test_an_administrator_turns_an_endpoint_off_alone_and_no_approval_turns_it_on(cast, client_for):
    from iconet.api.models import WebhookDelivery, WebhookEndpoint
    from iconet.sharing.services import item_publish
    from tests.items import item_make

    client, _key = api_key_make(cast.fr_officer.organisation)
    browser = client_for(cast.fr_admin)
    browser.post(
        reverse("webhook_endpoint_new", args=[client.pk]),
        {"url": "https://cases.example.test/hook", "events": ["item.published"]},
    )
    endpoint = WebhookEndpoint.objects.get()
    request = AccessChangeRequest.objects.get(kind="webhook_endpoint")
    access_change_decide(actor=approvers_of(request).first(), request=request, approve=True)
    listing = browser.get(reverse("api_clients")).content.decode()
    assert "Active" in listing and "Turn off" in listing
    # Another organisation's administrator does not find it.
    from iconet.models import Role
    from tests.factories import UserFactory

    de_admin = UserFactory(organisation=cast.de_officer.organisation, role=Role.NATIONAL_ADMIN)
    url = reverse("webhook_endpoint_turn_off", args=[endpoint.pk])
    assert client_for(de_admin).post(url).status_code == 404
    endpoint.refresh_from_db()
    assert endpoint.is_active
    browser.post(reverse("webhook_endpoint_turn_off", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.turned_off_at is not None
    assert "Turned off" in browser.get(reverse("api_clients")).content.decode()
    draft = item_make("alerts.alert", author=cast.de_ncp, state="draft")
    item_publish(actor=cast.de_ncp, item=draft, audience="network", marking="GREEN")
    assert not WebhookDelivery.objects.filter(endpoint=endpoint).exists()


def test_a_refused_endpoint_reads_refused(cast, client_for):
    from iconet.directory.services.access_changes import access_change_decide as decide

    client, _key = api_key_make(cast.fr_officer.organisation)
    browser = client_for(cast.fr_admin)
    browser.post(
        reverse("webhook_endpoint_new", args=[client.pk]),
        {"url": "https://cases.example.test/hook", "events": ["item.published"]},
    )
    assert "Waiting for approval" in browser.get(reverse("api_clients")).content.decode()
    request = AccessChangeRequest.objects.get(kind="webhook_endpoint")
    decide(actor=approvers_of(request).first(), request=request, approve=False, reason="No.")
    listing = browser.get(reverse("api_clients")).content.decode()
    assert "Refused" in listing and "Turn off" not in listing
