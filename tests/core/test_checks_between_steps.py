"""Checks that only matter when something changes between two steps: an item narrowed after a
search ranked it or after a saved search found it, a membership whose end date has come before
the beat task removes it. Each test makes the change in between, so that the check it relies
on is what keeps the item from a reader who may no longer read it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from iconet.audit.footprint import item_narrow
from iconet.models import (
    AccessGroupMember,
    AccessGroupOrganisation,
    Action,
    EmailDelivery,
    Notification,
    SavedSearch,
)
from iconet.search import saved_searches
from iconet.search import services as search_service
from iconet.search.services import SearchFilters, ranked_matches, search
from iconet.sharing.access import can
from tests.core.test_search import SEARCHED, text_field
from tests.factories import AccessGroupFactory
from tests.items import item_make

pytestmark = pytest.mark.django_db

# The types whose published items their owner narrows from the footprint page (an ILO
# report's audience follows the Commission's review, its own workflow).
SLUGS = [slug for slug, _ in SEARCHED if slug != "ilo_reports.iloreport"]


def two_found(slug, cast, word="Zorblatt"):
    """Two GREEN items of France, read by the whole network, that a search for `word` finds."""
    field = text_field(dict(SEARCHED)[slug])
    kept = item_make(
        slug, author=cast.fr_officer, marking="GREEN", **{field: f"{word} route kept open"}
    )
    narrowed = item_make(
        slug, author=cast.fr_officer, marking="GREEN", **{field: f"{word} route narrowed later"}
    )
    return kept, narrowed


def narrow_to_owner(cast, item):
    """Narrowed by the first of the cast whom the item's type lets publish it."""
    item.refresh_from_db()
    actor = next(user for user in vars(cast).values() if can(user, Action.PUBLISH, item))
    item_narrow(actor=actor, item=item, audience="owner")


@pytest.fixture
def narrowed_after_ranking(cast, monkeypatch):
    """Two items found by a search for "zorblatt"; the second is narrowed to its owner right
    after the search ranked the matches, before it reads the shown rows and their snippets."""

    def make(slug):
        kept, narrowed = two_found(slug, cast)
        ranked_sort = search_service._rank_sort

        def rank_then_narrow(ranked):
            ranked_sort(ranked)
            if any(pk == narrowed.pk for *_rest, pk in ranked):
                narrow_to_owner(cast, narrowed)

        monkeypatch.setattr(search_service, "_rank_sort", rank_then_narrow)
        return kept, narrowed

    return make


@pytest.mark.parametrize("slug", SLUGS)
def test_an_item_narrowed_after_the_ranking_is_not_among_the_results(
    slug, cast, narrowed_after_ranking
):
    kept, narrowed = narrowed_after_ranking(slug)
    results = search(cast.de_ncp, SearchFilters(text="zorblatt"))
    assert [hit.item.pk for hit in results.hits] == [kept.pk]
    assert [str(hit.snippet) for hit in results.hits if "narrowed" in hit.snippet] == []


@pytest.mark.parametrize("slug", SLUGS)
def test_an_item_narrowed_after_the_ranking_is_not_on_the_search_page(
    slug, cast, client_for, narrowed_after_ranking
):
    kept, narrowed = narrowed_after_ranking(slug)
    page = client_for(cast.de_ncp).get(reverse("search"), {"q": "zorblatt"}).content.decode()
    assert "kept open" in page
    assert "narrowed later" not in page and narrowed.get_absolute_url() not in page


@pytest.mark.parametrize("slug", SLUGS[:1])
def test_an_export_of_a_search_leaves_out_an_item_narrowed_after_the_search(slug, cast):
    kept, narrowed = two_found(slug, cast)
    matches = ranked_matches(cast.de_ncp, SearchFilters(text="zorblatt"))
    assert len(matches) == 2
    narrow_to_owner(cast, narrowed)
    assert [item.pk for item in matches] == [kept.pk]


@pytest.mark.parametrize("slug", SLUGS)
def test_the_daily_digest_leaves_out_an_item_narrowed_after_it_was_found(slug, cast):
    reader = cast.de_ncp
    SavedSearch.objects.create(
        user=reader, name="Routes", query="zorblatt", frequency=SavedSearch.Frequency.DAILY
    )
    kept, narrowed = two_found(slug, cast)
    for item in (kept, narrowed):
        saved_searches.item_check(type(item), item.pk)
    assert SavedSearch.objects.get().matches.count() == 2
    narrow_to_owner(cast, narrowed)
    assert saved_searches.digest_send() == 1
    mail = EmailDelivery.objects.get(recipient=reader)
    assert kept.get_absolute_url() in mail.body
    assert narrowed.get_absolute_url() not in mail.body
    assert "1" in Notification.objects.get(recipient=reader).title


@pytest.mark.parametrize(
    ("ends_on", "reads"),
    [(timedelta(days=1), True), (timedelta(0), False), (timedelta(days=-3), False)],
    ids=["ends-tomorrow", "ends-today", "ended-3-days-ago"],
)
@pytest.mark.parametrize("through", ["member", "organisation"])
def test_a_membership_whose_end_date_has_come_gives_nothing_before_the_beat_task_runs(
    cast, client_for, through, ends_on, reads
):
    """The beat task deletes the memberships whose end date has come, once a day: until it
    runs, the end date alone keeps the former member out."""
    group = AccessGroupFactory(name="Aegean route")
    reader = cast.it_ncp
    if through == "member":
        AccessGroupMember.objects.create(
            accessgroup=group, user=reader, ends_on=timezone.localdate() + ends_on
        )
    else:
        AccessGroupOrganisation.objects.create(
            accessgroup=group,
            organisation=reader.organisation,
            ends_on=timezone.localdate() + ends_on,
        )
    alert = item_make(
        "alerts.alert", author=cast.nl_ncp, audience="groups", groups=[group], marking="AMBER"
    )
    assert type(alert).objects.visible_to(reader).filter(pk=alert.pk).exists() is reads
    answer = client_for(reader).get(alert.get_absolute_url())
    assert answer.status_code == (200 if reads else 404)
