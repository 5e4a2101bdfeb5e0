"""The publish page of an alert: it proposes the audience that reaches the alert's addressees,
shows who will be told for the audience actually chosen (a step that needs no JavaScript), and
never publishes to nobody without a confirmation, nor calls such a publication a success.

France (fr_ncp) publishes; the Netherlands and Belgium are the destination states, Germany is
not concerned."""

import pytest
from auditlog.models import LogEntry
from django.contrib.messages import constants, get_messages
from django.urls import reverse

from iconet.models import Notification, State, grant_model_of
from tests.factories import AccessGroupFactory

from .conftest import alert_draft

pytestmark = pytest.mark.django_db

PAGES = ["alerts:publish", "sharing:publish"]


def page_url(name, alert):
    if name == "sharing:publish":
        return reverse(name, args=[alert.type_slug(), alert.pk])
    return reverse(name, args=[alert.pk])


def told(response) -> set[str]:
    return {user.username for user in response.context["preview"]}


@pytest.fixture
def draft(cast):
    return alert_draft(cast.fr_officer, destinations=["NL", "BE"])


@pytest.mark.parametrize("name", PAGES)
def test_the_first_view_proposes_the_network_and_names_the_destination_contact_points(
    cast, client_for, draft, name
):
    response = client_for(cast.fr_ncp).get(page_url(name, draft))
    assert response.context["form"]["audience"].value() == "network"
    assert told(response) == {"nl_ncp", "be_ncp"}
    page = response.content.decode()
    assert str(cast.nl_ncp) in page and str(cast.de_ncp) not in page


@pytest.mark.parametrize("name", PAGES)
def test_the_preview_follows_the_audience_chosen_and_changes_nothing(cast, client_for, draft, name):
    client = client_for(cast.fr_ncp)
    belgium = AccessGroupFactory(name="Benelux desk", organisations=[cast.be_ncp.organisation])
    grants = grant_model_of(draft)
    grants_before = sorted(
        grants.objects.filter(content_object=draft).values_list("group_id", "reason")
    )
    log_before = LogEntry.objects.count()
    owner_only = client.post(
        page_url(name, draft), {"audience": "owner", "marking": "RED", "preview": "1"}
    )
    assert owner_only.status_code == 200
    assert told(owner_only) == set()
    assert "nobody will be told" in owner_only.content.decode()
    # What the user chose is kept on the page.
    assert owner_only.context["form"]["audience"].value() == "owner"
    assert owner_only.context["form"]["marking"].value() == "RED"

    groups = client.post(
        page_url(name, draft),
        {"audience": "groups", "audience_groups": [belgium.pk], "marking": "AMBER", "preview": "1"},
    )
    # The Netherlands is not in the group: it cannot read the alert, so it is not told.
    assert told(groups) == {"be_ncp"}

    draft.refresh_from_db()
    assert draft.state == State.DRAFT and draft.audience == "owner"
    assert list(draft.audience_groups.all()) == []
    assert (
        sorted(grants.objects.filter(content_object=draft).values_list("group_id", "reason"))
        == grants_before
    )
    assert not draft.recipients.exists()
    assert not Notification.objects.filter(recipient__in=[cast.nl_ncp, cast.be_ncp]).exists()
    assert LogEntry.objects.count() == log_before


@pytest.mark.parametrize("name", PAGES)
def test_publishing_to_nobody_needs_a_confirmation_and_is_not_called_a_success(
    cast, client_for, draft, name
):
    client = client_for(cast.fr_ncp)
    refused = client.post(page_url(name, draft), {"audience": "owner", "marking": "AMBER"})
    assert refused.status_code == 200
    assert refused.context["confirm_owner_only"]
    assert "Keep it for my organisation only" in refused.content.decode()
    draft.refresh_from_db()
    assert draft.state == State.DRAFT

    confirmed = client.post(
        page_url(name, draft),
        {"audience": "owner", "marking": "AMBER", "owner_only_confirmed": "1"},
    )
    assert confirmed.status_code == 302
    draft.refresh_from_db()
    assert draft.state == State.PUBLISHED and draft.audience == "owner"
    [message] = list(get_messages(confirmed.wsgi_request))
    assert message.level == constants.WARNING
    assert "for your organisation only" in message.message
    assert not draft.recipients.exists()


def test_publishing_to_the_people_previewed_tells_exactly_them(cast, client_for, draft):
    client = client_for(cast.fr_ncp)
    url = page_url("alerts:publish", draft)
    previewed = told(client.get(url))
    response = client.post(url, {"audience": "network", "marking": "GREEN"})
    assert response.status_code == 302
    assert set(draft.recipients.values_list("user__username", flat=True)) == previewed
    [message] = list(get_messages(response.wsgi_request))
    assert message.level == constants.SUCCESS


def test_a_re_share_previews_only_those_not_told_before(cast, client_for, draft):
    client = client_for(cast.fr_ncp)
    url = page_url("alerts:publish", draft)
    belgium = AccessGroupFactory(name="Belgian desk", organisations=[cast.be_ncp.organisation])
    client.post(url, {"audience": "groups", "audience_groups": [belgium.pk], "marking": "AMBER"})
    draft.refresh_from_db()
    assert set(draft.recipients.values_list("user__username", flat=True)) == {"be_ncp"}
    widened = client.get(url)
    assert widened.context["form"]["audience"].value() == "groups"
    wider = client.post(url, {"audience": "network", "marking": "AMBER", "preview": "1"})
    assert told(wider) == {"nl_ncp"}
