"""The home page's dashboard: a fixed number of queries whatever the number of rows, and nothing
of an item the reader may not see in any panel, count or chart."""

from __future__ import annotations

import datetime
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from iconet.dashboard.panels import dashboard_panels, dashboard_trends
from iconet.dashboard.trends import trend_counts, trend_counts_live
from iconet.models import (
    DisclosureRequest,
    EmailDelivery,
    ItemRecipient,
    Notification,
    State,
)
from iconet.sharing.access import forget_principals
from iconet.sharing.declarations import registered_areas
from iconet.sharing.registry import shared_item_models
from iconet.sharing.services import grants_sync
from tests.conftest import verified_client
from tests.core.test_permission_matrix import CAST_ROLES
from tests.factories import AccessGroupFactory
from tests.items import disclosure_approve, item_make

pytestmark = pytest.mark.django_db

HOME = "/"


def roles(cast) -> list[str]:
    """The roles of the permission matrix that the cast fixture has."""
    return [role for role in CAST_ROLES if hasattr(cast, role)]


def receipt_make(item, person, *, failed: bool) -> ItemRecipient:
    """`person` told of `item` by an e-mail that failed or was sent."""
    email = EmailDelivery.objects.create(
        key=f"dashboard:{item.type_slug()}:{item.pk}:{person.pk}",
        recipient=person,
        to_email=f"{person.username}@example.org",
        subject="Subject",
        body="Body",
        status=EmailDelivery.Status.FAILED if failed else EmailDelivery.Status.SENT,
    )
    return ItemRecipient.objects.create(
        content_type=ContentType.objects.get_for_model(type(item)),
        object_id=item.pk,
        user=person,
        organisation_id=person.organisation_id,
        reason="destination",
        email=email,
    )


def disclosure_pending(item, *, owner_id, by) -> DisclosureRequest:
    return DisclosureRequest.objects.create(
        content_type=ContentType.objects.get_for_model(type(item)),
        object_id=item.pk,
        owner_id=owner_id,
        requested_by=by,
        requester_organisation_id=by.organisation_id,
        target_kind=DisclosureRequest.TargetKind.THIRD_PARTY,
        third_party="Border police of a third country",
        purpose="Joint analysis",
    )


def network_add(cast, n: int) -> None:
    """`n` more of everything the home page shows: items of every registered type (published
    and drafts), alerts told to other services, failed deliveries, disclosure requests to
    decide, seat offers and notifications for every member of the cast."""
    from iconet.models import Country

    author = cast.fr_ncp
    people = [getattr(cast, role) for role in roles(cast)]
    for slug, model in shared_item_models().items():
        for i in range(n):
            item = item_make(slug, author=author, audience="network")
            item_make(slug, author=author, state=State.DRAFT)
            content_type = ContentType.objects.get_for_model(model)
            for person in (cast.de_ncp, cast.be_ncp):
                receipt_make(item, person, failed=bool(i % 2))
            disclosure_pending(item, owner_id=item.owner_id, by=cast.de_ncp)
            if hasattr(model, "offered_to"):
                item.status = "offer_open"
                item.save()
                item.offered_to.set(Country.objects.filter(code__in=["DE", "BE"]))
            if hasattr(model, "destination_states"):
                item.destination_states.set(Country.objects.filter(code__in=["DE"]))
            for person in people:
                Notification.objects.create(
                    recipient=person,
                    title=f"About {item.reference}",
                    url=item.get_absolute_url(),
                    content_type=content_type,
                    object_id=item.pk,
                )


def home_queries(user) -> tuple[int, str]:
    client = verified_client(user)
    client.get(HOME)  # the session and the caches of a signed-in user, as on every page
    with CaptureQueriesContext(connection) as captured:
        response = client.get(HOME)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


def test_the_home_page_costs_the_same_queries_for_2_and_for_20_of_each(cast):
    network_add(cast, 2)
    small = {role: home_queries(getattr(cast, role)) for role in roles(cast)}
    network_add(cast, 18)
    large = {role: home_queries(getattr(cast, role)) for role in roles(cast)}
    for role in roles(cast):
        assert large[role][0] == small[role][0], (role, small[role][0], large[role][0])
    # The panels did have rows to show: the owner's side sees its drafts, its requests to
    # decide and its failed deliveries; Germany the seat offers and the alerts to acknowledge.
    fr = large["fr_ncp"][1]
    assert "My drafts" in fr and "Disclosure requests to decide" in fr
    assert 'id="panel-failed_deliveries"' in fr
    de = large["de_ncp"][1]
    assert 'id="panel-seat_offers"' in de and 'id="panel-alerts_to_acknowledge"' in de
    # The trends count the alerts Germany reads, in a table (its rows named) under the charts.
    assert "Alerts by country on the route" in de and '<th scope="row">Germany</th>' in de
    assert '<th scope="col">Country</th>' in de and '<th scope="col">Border type</th>' in de
    # All of them in one month: twelve charts of one bar each would say less than the table.
    assert 'role="img"' not in de and "Few months hold any item" in de
    de_panels = {entry.key: entry for entry in dashboard_panels(cast.de_ncp)}
    assert de_panels["seat_offers"].count == 20
    assert de_panels["alerts_to_acknowledge"].count == 20


def _counts(user) -> dict:
    forget_principals(user)
    panels = {
        entry.key: (entry.count, [row.pk for row in entry.rows]) for entry in dashboard_panels(user)
    }
    trends = {
        entry["trend"].key: {row["key"]: row["cells"] for row in entry["rows"]}
        for entry in dashboard_trends(user)
    }
    return {"panels": panels, "trends": trends}


@pytest.mark.parametrize("slug", sorted(shared_item_models()))
def test_an_item_the_reader_may_not_see_moves_no_panel_count_or_chart(cast, slug):
    """An item of every registered type that only its owner may read: for every other member
    of the cast, the panels, their counts and the trends are the same with and without it."""
    from iconet.models import Country

    model = shared_item_models()[slug]
    network_add(cast, 1)
    french = ("fr_ncp", "fr_officer", "fr_colleague", "fr_admin", "fr_no_area", "ilo_fr_tr")
    others = [getattr(cast, role) for role in roles(cast) if role not in french]
    before = {user.pk: _counts(user) for user in others}
    hidden = item_make(slug, author=cast.fr_ncp, audience="owner")
    for person in others:
        receipt_make(hidden, person, failed=True)
        # even a request that names the reader's own service as the owner
        disclosure_pending(hidden, owner_id=person.organisation_id, by=person)
    if hasattr(model, "offered_to"):
        hidden.status = "offer_open"
        hidden.save()
        hidden.offered_to.set(Country.objects.all())
    if hasattr(model, "destination_states"):
        hidden.destination_states.set(Country.objects.filter(code__in=["DE", "NL", "IT"]))
        hidden.border_type = "sea"
        hidden.transit_countries = ["TR", "GR"]
        hidden.save()
        hidden.nationalities.create(nationality="SY", count=4)
    after = {user.pk: _counts(user) for user in others}
    for user in others:
        assert after[user.pk] == before[user.pk], user.username
    # and its owner does see it on the page (the test could tell)
    owner_panels = {e.key: e for e in dashboard_panels(cast.fr_ncp)}
    assert owner_panels["failed_deliveries"].count >= 1


def test_the_route_trend_counts_transit_countries_and_destinations_once_per_alert(cast):
    from iconet.models import Country

    for transit, destinations in ((["TR", "GR"], ["DE"]), (["TR"], ["DE", "IT"]), (["IT"], ["IT"])):
        alert = item_make("alerts.alert", author=cast.fr_ncp, transit_countries=transit)
        alert.destination_states.set(Country.objects.filter(code__in=destinations))
    item_make("alerts.alert", author=cast.fr_ncp, audience="owner", transit_countries=["GR"])
    trends = {entry["trend"].key: entry for entry in dashboard_trends(cast.de_ncp)}
    rows = {row["label"]: sum(row["cells"]) for row in trends["alerts_by_route"]["rows"]}
    assert rows == {"Türkiye": 2, "Greece": 1, "Germany": 2, "Italy": 2}


def test_the_home_page_says_when_nothing_waits(cast):
    response = verified_client(cast.frontex_user).get(reverse("home"))
    page = response.content.decode()
    assert "You have no draft." in page
    assert "<h2" in page and 'aria-labelledby="work-heading"' in page


# --- the trends kept as monthly counts (iconet.dashboard.trends) ---------------------------------

SINCE = datetime.date(2000, 1, 1)


def counted_trends() -> list:
    return [
        trend
        for config in registered_areas()
        for trend in config.dashboard_trends
        if trend.counted is not None
    ]


def slug_of(key: str) -> str:
    """The item type a counted trend counts."""
    trend = next(trend for trend in counted_trends() if trend.key == key)
    return next(
        slug
        for slug, model in shared_item_models().items()
        if model._meta.label_lower == trend.model.lower()
    )


def figures_give(item) -> None:
    """A value for every counted trend of the item's type (alerts: the route, the persons'
    nationalities and the border type)."""
    from iconet.models import Country

    if isinstance(item, shared_item_models()["alerts.alert"]):
        item.border_type = "sea"
        item.transit_countries = ["TR", "GR"]
        item.save()
        item.destination_states.set(Country.objects.filter(code__in=["DE", "IT"]))
        item.nationalities.create(nationality="SY", count=4)


def kept(user, key) -> dict:
    forget_principals(user)
    return {(e["month"], e["value"]): e["n"] for e in trend_counts(user, key, SINCE)}


def live(user, key) -> dict:
    forget_principals(user)
    return {(e["month"], e["value"]): e["n"] for e in trend_counts_live(user, key, SINCE)}


def everyone(cast) -> list:
    return [getattr(cast, role) for role in roles(cast)]


@pytest.mark.parametrize("key", [trend.key for trend in counted_trends()])
def test_a_kept_trend_counts_what_each_reader_sees_after_every_change(cast, key):
    """Each kept figure equals the same figure counted over the items the reader sees, for
    every member of the cast, as items are published, narrowed, widened by a disclosure,
    shared with an access group and changed."""
    from iconet.models import Country

    slug = slug_of(key)
    group = AccessGroupFactory(organisations=[cast.be_ncp.organisation])
    network = item_make(slug, author=cast.fr_ncp, audience="network")
    own = item_make(slug, author=cast.fr_ncp, audience="owner")
    shared = item_make(slug, author=cast.nl_ncp, audience="groups", groups=[group])
    draft = item_make(slug, author=cast.fr_ncp, state=State.DRAFT)
    for item in (network, own, shared, draft):
        figures_give(item)

    def same_for_everyone():
        for person in everyone(cast):
            assert kept(person, key) == live(person, key), person.username

    same_for_everyone()
    assert kept(cast.de_ncp, key) and kept(cast.be_ncp, key) != kept(cast.de_ncp, key)
    # narrowed to its owner
    network.audience = "owner"
    network.save()
    grants_sync(network)
    same_for_everyone()
    # widened to one organisation by an approved disclosure
    disclosure_approve(
        own,
        decided_by=cast.fr_ncp,
        requested_by=cast.de_ncp,
        target_kind=DisclosureRequest.TargetKind.ORGANISATION,
        target_organisation=cast.de_ncp.organisation,
    )
    same_for_everyone()
    assert kept(cast.de_ncp, key)
    # its figures changed
    if hasattr(own, "destination_states"):
        own.border_type = "land"
        own.transit_countries = ["RS"]
        own.save()
        own.destination_states.set(Country.objects.filter(code__in=["AT"]))
        own.nationalities.all().delete()
        own.nationalities.create(nationality="AF", count=2)
    same_for_everyone()


@pytest.mark.parametrize("key", [trend.key for trend in counted_trends()])
def test_an_item_the_reader_may_not_see_moves_no_kept_trend_count(cast, key):
    slug = slug_of(key)
    item_make(slug, author=cast.fr_ncp, audience="network")
    others = [p for p in everyone(cast) if p.organisation_id != cast.fr_ncp.organisation_id]
    before = {person.pk: kept(person, key) for person in others}
    owner_before = kept(cast.fr_ncp, key)
    hidden = item_make(slug, author=cast.fr_ncp, audience="owner")
    figures_give(hidden)
    for person in others:
        assert kept(person, key) == before[person.pk], person.username
    # and its owner's figure did move (the test could tell)
    assert kept(cast.fr_ncp, key) != owner_before


def test_trends_rebuild_counts_items_loaded_around_the_services(cast):
    """Items whose figures were changed by a bulk update (no write through the services, no
    mark) are counted by `manage.py trends_rebuild`, after which every figure is exact again."""
    from django.core.management import call_command

    for trend in counted_trends():
        item = item_make(slug_of(trend.key), author=cast.fr_ncp, audience="network")
        figures_give(item)
    key = counted_trends()[0].key
    model = shared_item_models()[slug_of(key)]
    assert kept(cast.de_ncp, key)  # counted
    model.objects.filter(audience="network").update(published_at=None)  # around the services
    assert kept(cast.de_ncp, key) != live(cast.de_ncp, key)
    call_command("trends_rebuild", stdout=io.StringIO())
    for person in everyone(cast):
        for trend in counted_trends():
            assert kept(person, trend.key) == live(person, trend.key), person.username


def test_a_type_with_nothing_for_a_panel_costs_no_query_through_the_filter(cast):
    """The drafts, release and failed-delivery panels first ask, in one query, which types hold
    a candidate row: a user with drafts of one type pays that type's count and rows, not every
    type's, and the candidates found are still read through the visibility filter."""
    from iconet.dashboard.panels import drafts_of, types_of

    author = cast.fr_ncp
    empty, _page = home_queries(author)
    slug, model = sorted(shared_item_models().items())[0]
    item_make(slug, author=author, state=State.DRAFT)
    one, page = home_queries(author)
    assert "My drafts" in page
    # the count and the first rows of the one type, and nothing per other type
    assert one - empty == 2, (empty, one)
    assert [queryset.model for queryset in drafts_of(author)] == [model]
    assert len(types_of(author)) > 2
    # a draft its author may no longer read (moved to another service) is a candidate only
    author.organisation = cast.de_ncp.organisation
    author.save()
    forget_principals(author)
    assert [queryset.count() for queryset in drafts_of(author)] == [0]


def test_a_disclosure_request_shows_the_day_it_was_asked_where_the_portal_is():
    """A request made at 23:30 UTC on 7 December was made on 8 December in Brussels."""
    from types import SimpleNamespace

    from iconet.dashboard.panels import disclosure_note

    asked = SimpleNamespace(
        requester_organisation="BP-DE",
        created_at=datetime.datetime(2026, 12, 7, 23, 30, tzinfo=datetime.UTC),
    )
    assert "2026-12-08" in str(disclosure_note(asked))
