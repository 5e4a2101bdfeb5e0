"""Webhook events beside publications: an item that awaits the organisation's acknowledgement,
and a change of access concerning the organisation. Each goes only to the endpoints of the
organisations concerned, holding only what they may read (for RED: the reference)."""

import pytest

from iconet.api.declaration import api_types
from iconet.api.models import WebhookDelivery
from iconet.directory.services.access_changes import (
    access_change_decide,
    approvers_of,
    user_change_request,
)
from tests.api.conftest import api_key_make, national_admin_of, webhook_endpoint_make
from tests.api.test_item_actions import tell
from tests.factories import AccessGroupFactory
from tests.items import item_make

pytestmark = pytest.mark.django_db

ACKNOWLEDGED = [t.slug for t in api_types() if t.acknowledged]


def endpoint_for(organisation, event, url="http://127.0.0.1:9/hook"):
    return webhook_endpoint_make(organisation, url, events=[event])[0]


def payloads(endpoint) -> list[dict]:
    return [d.payload for d in WebhookDelivery.objects.filter(endpoint=endpoint).order_by("pk")]


@pytest.mark.parametrize("slug", ACKNOWLEDGED)
def test_an_item_told_to_the_organisation_awaits_its_acknowledgement(cast, slug):
    de = endpoint_for(cast.de_officer.organisation, "item.awaiting_acknowledgement")
    nl = endpoint_for(cast.nl_ncp.organisation, "item.awaiting_acknowledgement")
    de_published = endpoint_for(cast.de_officer.organisation, "item.published")
    item = item_make(slug, author=cast.fr_ncp, audience="network")
    tell(item, [cast.de_ncp])

    (event,) = payloads(de)
    assert event["event"] == "item.awaiting_acknowledgement"
    assert event["item"]["reference"] == item.reference and event["item"]["title"]
    assert payloads(nl) == [] and payloads(de_published) == []
    # Told again (another contact point, an escalation): the organisation waited already.
    tell(item, [cast.de_officer])
    assert len(payloads(de)) == 1


@pytest.mark.parametrize("slug", ACKNOWLEDGED)
def test_a_red_item_awaiting_acknowledgement_is_told_by_its_reference(cast, slug):
    de = endpoint_for(cast.de_officer.organisation, "item.awaiting_acknowledgement")
    bilateral = AccessGroupFactory(
        name="Bilateral FR-DE",
        organisations=[cast.fr_ncp.organisation, cast.de_officer.organisation],
    )
    item = item_make(
        slug,
        author=cast.fr_ncp,
        audience="groups",
        groups=[bilateral],
        marking="RED",
        state="published",
    )
    tell(item, [cast.de_ncp])
    (event,) = payloads(de)
    assert event["item"] == {
        "type": slug,
        "id": item.pk,
        "reference": item.reference,
        "marking": "RED",
    }


def test_an_endpoint_whose_client_lacks_the_area_is_not_told(cast):
    slug = ACKNOWLEDGED[0]
    item = item_make(slug, author=cast.fr_ncp, audience="network")
    other_areas = [a for a in ("alerts", "ilo", "documents", "returns") if a != item.area]
    client, _key = api_key_make(cast.de_officer.organisation, areas=other_areas)
    endpoint, _secret = webhook_endpoint_make(
        cast.de_officer.organisation,
        "http://127.0.0.1:9/hook",
        events=["item.awaiting_acknowledgement"],
        client=client,
    )
    tell(item, [cast.de_ncp])
    assert payloads(endpoint) == []


def test_a_change_of_access_is_told_to_the_organisations_it_concerns(cast):
    de_org = cast.de_officer.organisation
    de = endpoint_for(de_org, "access_change")
    fr = endpoint_for(cast.fr_officer.organisation, "access_change")
    # The endpoints' own approvals were told to them: what follows comes after.
    WebhookDelivery.objects.all().delete()
    reason = "Joins the risk-analysis unit"
    _user, (request,) = user_change_request(
        actor=national_admin_of(de_org),
        user=cast.de_officer,
        changes={"areas": ["alerts"]},
        reason=reason,
    )
    (asked,) = payloads(de)
    assert asked["event"] == "access_change"
    assert asked["access_change"]["status"] == "pending"
    assert asked["access_change"]["kind"] == "areas"
    assert asked["access_change"]["user"] == cast.de_officer.username
    assert reason not in str(asked) and "summary" not in asked["access_change"]

    approver = approvers_of(request).first()
    access_change_decide(actor=approver, request=request, approve=True)
    decided = payloads(de)[-1]
    assert decided["access_change"]["status"] == "approved"
    assert decided["access_change"]["id"] == request.pk
    # The French endpoint heard only of its own organisation's changes (its client's approval).
    assert all(p["access_change"]["organisation"] != de_org.short_name for p in payloads(fr))
