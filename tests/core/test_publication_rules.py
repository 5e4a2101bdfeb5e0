"""Oversharing made impossible, for every registered item type: the marking caps the audience,
a RED item needs a second person, and the publish page says who will read before anything is
written. Each test goes through the publish page users use (crafted posts included) or the
core's publish service that every page calls."""

from types import SimpleNamespace

import pytest
from auditlog.models import LogEntry
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from iconet.dashboard.panels import items_to_release
from iconet.models import MARKING_AUDIENCES, Audience, Marking, State
from iconet.sharing.registry import declaration_of, shared_item_models
from iconet.sharing.services import item_publish
from tests.factories import AccessGroupFactory
from tests.items import ilo_network_chaired, ilo_report_in_stage, item_make

pytestmark = pytest.mark.django_db

TYPES = sorted(shared_item_models())
ILO = "ilo_reports.iloreport"

# Every (marking, audience) pair the caps refuse, read from the one table: a marking added
# to it, or an audience let through, changes what these tests try.
REFUSED = [
    (marking, audience)
    for marking, allowed in MARKING_AUDIENCES.items()
    for audience in Audience.values
    if audience not in allowed
]


def test_the_caps_are_those_of_tlp():
    assert set(REFUSED) == {
        ("RED", "network"),
        ("RED", "public"),
        ("AMBER+STRICT", "network"),
        ("AMBER+STRICT", "public"),
        ("AMBER", "public"),
    }


def draft_of(type_slug: str, cast) -> SimpleNamespace:
    """A draft of the type ready for publication, its author, and a second person who may
    publish it (for an ILO network report: the reviewed report and its Commission reviewer)."""
    if type_slug == ILO:
        network = ilo_network_chaired(chairs={"2026-S1": cast.ilo_fr_tr})
        report = ilo_report_in_stage(
            network=network,
            semester="2026-S1",
            chair=cast.ilo_fr_tr,
            member=cast.ilo_de_tr,
            reviewer=cast.commission_admin,
            manager=cast.fr_ncp,
            stage="reviewed",
        )
        return SimpleNamespace(item=report, author=cast.ilo_fr_tr, publisher=cast.commission_admin)
    item = item_make(type_slug, author=cast.fr_ncp, state=State.DRAFT, audience=Audience.OWNER)
    return SimpleNamespace(item=item, author=cast.fr_ncp, publisher=cast.fr_admin)


def page_url(item) -> str:
    """The publish page of the item's type: its area's own where it has one."""
    own = {"alerts.alert": "alerts:publish", ILO: "ilo_reports:publish"}.get(item.type_slug())
    if own:
        return reverse(own, args=[item.pk])
    return reverse("sharing:publish", args=[item.type_slug(), item.pk])


def readable_by(user, item) -> bool:
    return type(item).objects.visible_to(user).filter(pk=item.pk).exists()


@pytest.mark.parametrize("type_slug", TYPES)
@pytest.mark.parametrize(("marking", "audience"), REFUSED)
def test_the_publish_service_refuses_an_audience_the_marking_caps(
    cast, type_slug, marking, audience
):
    case = draft_of(type_slug, cast)
    with pytest.raises(ValidationError) as refused:
        item_publish(actor=case.publisher, item=case.item, audience=audience, marking=marking)
    assert "audience" in refused.value.message_dict
    case.item.refresh_from_db()
    assert case.item.state == State.DRAFT
    assert not readable_by(cast.de_ncp, case.item)


@pytest.mark.parametrize("type_slug", TYPES)
@pytest.mark.parametrize(("marking", "audience"), REFUSED)
def test_a_crafted_post_cannot_publish_wider_than_the_marking_allows(
    cast, client_for, type_slug, marking, audience
):
    case = draft_of(type_slug, cast)
    client = client_for(case.publisher)
    for extra in ({}, {"owner_only_confirmed": "1", "nobody_confirmed": "1"}):
        response = client.post(
            page_url(case.item), {"audience": audience, "marking": marking, **extra}
        )
        assert response.status_code == 200
        assert "may only be published to" in response.content.decode()
        assert response.context["form"].errors["audience"]
    case.item.refresh_from_db()
    assert case.item.state == State.DRAFT
    assert not readable_by(cast.de_ncp, case.item)


@pytest.mark.parametrize("type_slug", TYPES)
def test_a_published_item_cannot_be_remarked_above_its_audience(cast, client_for, type_slug):
    case = draft_of(type_slug, cast)
    item_publish(actor=case.publisher, item=case.item, audience="network", marking="GREEN")
    response = client_for(case.publisher).post(
        reverse("sharing:publish", args=[case.item.type_slug(), case.item.pk]),
        {"audience": "network", "marking": "AMBER+STRICT"},
    )
    assert response.status_code == 200
    case.item.refresh_from_db()
    assert (case.item.audience, case.item.marking) == ("network", "GREEN")


@pytest.mark.parametrize("type_slug", TYPES)
def test_the_page_explains_the_caps_and_who_may_publish_before_trying(cast, client_for, type_slug):
    case = draft_of(type_slug, cast)
    page = client_for(case.publisher).get(page_url(case.item)).content.decode()
    assert "How wide each handling marking may be published" in page
    assert "Who may publish how wide" in page
    assert "Drafts only: a contact point or the national administrator publishes them" in page
    assert "(you)" in page
    assert "released by a second person of the owner organisation" in page


@pytest.mark.parametrize("type_slug", TYPES)
def test_the_publish_page_proposes_the_declared_audience_and_names_who_will_read(
    cast, client_for, type_slug
):
    case = draft_of(type_slug, cast)
    response = client_for(case.publisher).get(page_url(case.item))
    proposed = declaration_of(type(case.item)).publish_audience or Audience.NETWORK
    assert response.context["form"]["audience"].value() == proposed
    page = response.content.decode()
    assert "Who will be able to read it" in page
    if proposed == Audience.NETWORK:
        assert "organisations will be able to read the item" in page
        assert "Border police DE" in page and "Germany" in page
        assert "Frontex" not in page  # an agency is not in the network
    else:  # no group chosen yet: the page says nobody outside reads it
        assert "nobody outside your organisation will be able to read the item" in page
        assert "Border police DE" not in page

    group = AccessGroupFactory(name="Franco-Belgian desk", organisations=[cast.be_ncp.organisation])
    narrowed = client_for(case.publisher).post(
        page_url(case.item),
        {"audience": "groups", "audience_groups": [group.pk], "marking": "AMBER", "preview": "1"},
    )
    shown = narrowed.context["effect"]
    assert {o.short_name for o in shown["outside"]} == {"BP-BE"}
    assert shown["states"] == sorted({"Belgium", case.item.owner.country.name})


# An ILO network report is published by a Commission reviewer, outside the owner organisation:
# kept for its owner only it would no longer be the reviewer's to publish.
@pytest.mark.parametrize("type_slug", [t for t in TYPES if t != ILO])
def test_an_owner_only_first_publication_is_never_called_published_unless_chosen(
    cast, client_for, type_slug
):
    case = draft_of(type_slug, cast)
    client = client_for(case.publisher)
    asked = client.post(page_url(case.item), {"audience": "owner", "marking": "AMBER"})
    assert asked.status_code == 200 and asked.context["confirm_owner_only"]
    case.item.refresh_from_db()
    assert case.item.state == State.DRAFT
    confirmed = client.post(
        page_url(case.item),
        {
            "audience": "owner",
            "marking": "AMBER",
            "owner_only_confirmed": "1",
            "nobody_confirmed": "1",
        },
    )
    assert confirmed.status_code == 302
    [message] = list(get_messages(confirmed.wsgi_request))
    assert "is published" not in message.message
    assert "for your organisation only" in message.message


# --- four eyes for RED ------------------------------------------------------------------------


@pytest.mark.parametrize("type_slug", TYPES)
def test_a_red_item_is_never_released_by_its_author_alone(cast, client_for, type_slug):
    case = draft_of(type_slug, cast)
    group = AccessGroupFactory(name="German desk", organisations=[cast.de_ncp.organisation])
    choice = {"audience": "groups", "audience_groups": [group.pk], "marking": "RED"}
    author = client_for(case.author)
    for extra in ({}, {"owner_only_confirmed": "1", "nobody_confirmed": "1"}):
        author.post(page_url(case.item), {**choice, **extra})
    case.item.refresh_from_db()
    assert case.item.state == State.DRAFT
    assert not readable_by(cast.de_ncp, case.item)
    with pytest.raises((ValidationError, PermissionDenied)):
        item_publish(
            actor=case.author, item=case.item, audience="groups", marking="RED", groups=[group]
        )
    case.item.refresh_from_db()
    assert case.item.state == State.DRAFT and case.item.released_by_id is None


@pytest.mark.parametrize("type_slug", [t for t in TYPES if t != ILO])
def test_a_red_draft_waits_for_a_second_person_who_releases_it(cast, client_for, type_slug):
    case = draft_of(type_slug, cast)
    group = AccessGroupFactory(name="German desk", organisations=[cast.de_ncp.organisation])
    choice = {"audience": "groups", "audience_groups": [group.pk], "marking": "RED"}
    asked = client_for(case.author).post(page_url(case.item), choice)
    assert asked.status_code == 302
    [message] = list(get_messages(asked.wsgi_request))
    assert "waits for its release" in message.message and "is published" not in message.message
    case.item.refresh_from_db()
    assert case.item.state == State.DRAFT
    assert case.item.release_requested_by == case.author
    assert not readable_by(cast.de_ncp, case.item)

    # The author's own home page does not offer it for release; the releaser's does.
    assert not any(rows.exists() for rows in items_to_release(case.author))
    releaser = client_for(case.publisher)
    home = releaser.get(reverse("home")).content.decode()
    assert "Items waiting for your release" in home and case.item.reference in home

    page = releaser.get(page_url(case.item))
    assert page.context["form"]["audience"].value() == "groups"
    released = releaser.post(page_url(case.item), choice)
    assert released.status_code == 302
    case.item.refresh_from_db()
    assert case.item.state == State.PUBLISHED and case.item.marking == Marking.RED
    assert case.item.released_by == case.publisher
    assert readable_by(cast.de_ncp, case.item)
    assert not readable_by(cast.nl_ncp, case.item)

    # Both names on the item and in its change log.
    detail = releaser.get(case.item.get_absolute_url()).content.decode()
    assert f"Written by {case.author}; released by {case.publisher}" in detail
    entries = LogEntry.objects.get_for_object(case.item)
    assert entries.filter(actor=case.author, changes__has_key="release_requested_by").exists()
    assert entries.filter(actor=case.publisher, changes__has_key="released_by").exists()


@pytest.mark.parametrize("type_slug", [t for t in TYPES if t != ILO])
def test_a_red_item_widened_later_by_its_author_is_refused(cast, client_for, type_slug):
    case = draft_of(type_slug, cast)
    german = AccessGroupFactory(name="German desk", organisations=[cast.de_ncp.organisation])
    dutch = AccessGroupFactory(name="Dutch desk", organisations=[cast.nl_ncp.organisation])
    item_publish(
        actor=case.publisher, item=case.item, audience="groups", marking="RED", groups=[german]
    )
    response = client_for(case.author).post(
        reverse("sharing:publish", args=[case.item.type_slug(), case.item.pk]),
        {"audience": "groups", "audience_groups": [german.pk, dutch.pk], "marking": "RED"},
    )
    assert response.status_code == 200
    assert not readable_by(cast.nl_ncp, case.item)
    # Narrowing needs nobody else.
    item_publish(actor=case.author, item=case.item, audience="owner", marking="RED")
    assert not readable_by(cast.de_ncp, case.item)


def test_the_publish_page_names_the_states_concerned_that_have_no_contact_point(cast, client_for):
    from iconet.models import Country

    case = draft_of("alerts.alert", cast)
    case.item.destination_states.set(Country.objects.filter(code__in=["DE", "GR"]))
    page = client_for(case.publisher).get(page_url(case.item)).content.decode()
    notice = page.split('id="no-contact-point"')[1].split("</div>")[0]
    assert "Greece" in notice  # nobody there is told
    assert "Germany" not in notice  # de_ncp is the alerts contact point of Germany
