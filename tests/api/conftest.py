"""API clients for the cast: a key per organisation, with the areas and actions a test needs."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from iconet.api.models import ApiAction
from iconet.api.services import api_client_create
from iconet.directory.services.access_changes import access_change_decide, approvers_of
from iconet.models import AccessChangeRequest, Area
from tests.factories import UserFactory

ALL_ACTIONS = list(ApiAction.values)


def national_admin_of(organisation):
    admin = organisation.users.filter(role="national_admin", is_active=True).first()
    return admin or UserFactory(
        username=f"admin_{organisation.pk}", organisation=organisation, role="national_admin"
    )


def api_key_make(organisation, *, areas=None, actions=None, networks=(), expires_in=30, name=""):
    """A client of `organisation` made by its national administrator and approved by the second
    administrator the rule names; returns (client, key)."""
    client, key = api_client_pending(
        organisation,
        areas=areas,
        actions=actions,
        networks=networks,
        expires_in=expires_in,
        name=name,
    )
    request = AccessChangeRequest.objects.get(user=client.user, kind="api_client")
    approver = approvers_of(request).first()
    assert approver is not None, "nobody may approve the client"
    access_change_decide(actor=approver, request=request, approve=True)
    client.refresh_from_db()
    client.user.refresh_from_db()
    return client, key


def api_client_pending(
    organisation, *, areas=None, actions=None, networks=(), expires_in=30, name=""
):
    """A client of `organisation` as its national administrator makes it: waiting for approval."""
    return api_client_create(
        actor=national_admin_of(organisation),
        organisation_id=organisation.pk,
        name=name or f"Case system {organisation.short_name}",
        areas=list(Area.values) if areas is None else areas,
        actions=ALL_ACTIONS if actions is None else actions,
        expires_at=timezone.now() + timedelta(days=expires_in),
        allowed_networks=list(networks),
    )


def api(key: str, **extra) -> Client:
    """An HTTP client that sends the key with every request."""
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}", **extra)


@pytest.fixture
def api_key(cast):
    """A function making a key for an organisation of the cast."""
    return api_key_make


def webhook_endpoint_make(organisation, url: str, events=("item.published",), client=None):
    """An endpoint of a client of `organisation`, registered by its national administrator and
    approved by the second administrator the rule names; returns (endpoint, secret)."""
    from iconet.api.webhooks import webhook_endpoint_create

    if client is None:
        client, _key = api_key_make(organisation)
    endpoint, secret = webhook_endpoint_create(
        actor=national_admin_of(organisation), client=client, url=url, events=list(events)
    )
    request = AccessChangeRequest.objects.get(
        kind="webhook_endpoint", payload__endpoint=endpoint.pk
    )
    access_change_decide(actor=approvers_of(request).first(), request=request, approve=True)
    endpoint.refresh_from_db()
    assert endpoint.is_active
    return endpoint, secret
