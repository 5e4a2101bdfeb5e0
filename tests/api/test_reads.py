"""Reads through the API, generated over every registered item type: the same visibility
filter as the pages, 404 alike for what one may not see, reads of restricted content in the
owner's access log, and RED items listed by reference and marking only."""

import pytest
from django.db import models
from django.urls import reverse
from django_countries.fields import CountryField

from iconet.api.declaration import api_types, sections_of
from iconet.models import AccessGroup, AccessLog
from tests.api.conftest import api, api_key_make
from tests.items import item_make, required_values

pytestmark = pytest.mark.django_db

TYPES = [t.slug for t in api_types()]
CANARY = "CANARY-7f3a"


def canary_item(slug, author, **kwargs):
    """An item of the type whose every free text holds the canary."""
    from iconet.sharing.registry import shared_item_models

    model = shared_item_models()[slug]
    texts = {}
    for name in required_values(model):
        field = model._meta.get_field(name)
        long_text = (field.max_length or 1000) >= 60 and not isinstance(field, CountryField)
        if isinstance(field, (models.CharField, models.TextField)) and long_text:
            texts[name] = f"{CANARY} {name}"

    item = item_make(slug, author=author, **{**texts, **kwargs})
    # Where the canary shows on the item's own page (a type may hold its content elsewhere).
    item.holds_canary = CANARY in str(sections_of(item))
    return item


def listed(client, slug, **params):
    response = client.get(reverse(f"api:{slug}-list"), params)
    assert response.status_code == 200, response.content
    return response


@pytest.mark.parametrize("slug", TYPES)
def test_the_owner_reads_what_another_organisation_cannot_even_find(cast, slug):
    item = canary_item(slug, cast.fr_ncp, audience="owner")
    _c, fr_key = api_key_make(cast.fr_officer.organisation)
    _c, de_key = api_key_make(cast.de_officer.organisation)
    detail = reverse(f"api:{slug}-detail", args=[item.pk])

    mine = api(fr_key).get(detail)
    assert mine.status_code == 200
    assert CANARY in mine.content.decode() or not item.holds_canary
    assert item.pk in [row["id"] for row in listed(api(fr_key), slug).json()["results"]]

    theirs = api(de_key).get(detail)
    missing = api(de_key).get(reverse(f"api:{slug}-detail", args=[item.pk + 100000]))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    other = listed(api(de_key), slug)
    assert CANARY not in other.content.decode()
    assert item.pk not in [row["id"] for row in other.json()["results"]]


@pytest.mark.parametrize("slug", TYPES)
def test_a_client_without_the_area_finds_nothing(cast, slug):
    item = item_make(slug, author=cast.fr_ncp, audience="network")
    other_areas = [a for a in cast.fr_ncp.areas if a != item.area]
    _c, key = api_key_make(cast.fr_officer.organisation, areas=other_areas)
    assert api(key).get(reverse(f"api:{slug}-detail", args=[item.pk])).status_code == 404
    assert listed(api(key), slug).json()["results"] == []


@pytest.mark.parametrize("slug", TYPES)
def test_a_client_never_reads_what_only_a_persons_own_membership_opens(cast, slug):
    """An access group that a French officer belongs to in person gives the French client
    nothing: the client is a user of the organisation, not that officer."""
    group = AccessGroup.objects.create(name="Joint analysis cell")
    group.members.add(cast.fr_officer)
    item = canary_item(slug, cast.de_ncp, audience="groups", groups=[group])
    client, key = api_key_make(cast.fr_officer.organisation)
    assert api(key).get(reverse(f"api:{slug}-detail", args=[item.pk])).status_code == 404
    # Nor does a membership given to the client's own account.
    group.members.add(client.user)
    assert api(key).get(reverse(f"api:{slug}-detail", args=[item.pk])).status_code == 404
    group.organisations.add(cast.fr_officer.organisation)
    assert api(key).get(reverse(f"api:{slug}-detail", args=[item.pk])).status_code == 200


@pytest.mark.parametrize("slug", TYPES)
def test_a_restricted_read_is_in_the_owners_access_log_as_an_api_read(cast, slug):
    item = item_make(slug, author=cast.fr_ncp, audience="network", marking="AMBER")
    client, key = api_key_make(cast.de_officer.organisation, name="DE case system")
    assert api(key).get(reverse(f"api:{slug}-detail", args=[item.pk])).status_code == 200
    entry = AccessLog.objects.get(event=AccessLog.Event.READ, object_id=item.pk)
    assert entry.owner_id == item.owner_id
    assert entry.actor == client.user
    assert entry.detail == "API: DE case system"


@pytest.mark.parametrize("slug", TYPES)
def test_a_red_item_is_listed_by_reference_and_marking_only(cast, slug):
    item = canary_item(slug, cast.fr_ncp, audience="network", marking="RED")
    _c, key = api_key_make(cast.de_officer.organisation)
    rows = listed(api(key), slug).json()["results"]
    (row,) = [r for r in rows if r["id"] == item.pk]
    assert row["reference"] == item.reference and row["marking"] == "RED"
    assert row["title"] is None and row["owner"] is None
    assert CANARY not in str(rows)
    detail = api(key).get(row["url"])
    assert detail.status_code == 200
    assert CANARY in detail.content.decode() or not item.holds_canary
    assert AccessLog.objects.filter(object_id=item.pk, event="read").count() == 1


def test_the_list_pages_by_cursor_and_filters_by_update(cast):
    slug = "alerts.alert"
    items = [item_make(slug, author=cast.fr_ncp, audience="network") for _ in range(5)]
    _c, key = api_key_make(cast.de_officer.organisation)
    client = api(key)
    seen = []
    page = listed(client, slug, page_size=2).json()
    while True:
        seen += [row["id"] for row in page["results"]]
        if not page["next"]:
            break
        page = client.get(page["next"]).json()
    assert sorted(seen) == sorted(i.pk for i in items)
    middle = sorted(items, key=lambda i: i.updated_at)[2]
    since = listed(client, slug, updated_since=middle.updated_at.isoformat()).json()["results"]
    assert {row["id"] for row in since} == {i.pk for i in items if i.updated_at > middle.updated_at}
    bad = client.get(reverse(f"api:{slug}-list"), {"updated_since": "yesterday"})
    assert bad.status_code == 400 and "updated_since" in bad.json()["errors"]


def test_the_list_takes_the_list_pages_filters(cast):
    slug = "alerts.alert"
    routine = item_make(slug, author=cast.fr_ncp, audience="network", urgency="routine")
    immediate = item_make(slug, author=cast.fr_ncp, audience="network", urgency="immediate")
    _c, key = api_key_make(cast.de_officer.organisation)
    rows = listed(api(key), slug, urgency="immediate").json()["results"]
    assert [r["id"] for r in rows] == [immediate.pk]
    assert routine.pk not in [r["id"] for r in rows]
    unknown = api(key).get(reverse(f"api:{slug}-list"), {"colour": "red"})
    assert unknown.status_code == 400 and "colour" in unknown.json()["errors"]


def test_an_unchanged_read_answers_304_to_its_etag(cast):
    item = item_make("alerts.alert", author=cast.fr_ncp, audience="network", marking="GREEN")
    _c, key = api_key_make(cast.de_officer.organisation)
    url = reverse("api:alerts.alert-detail", args=[item.pk])
    first = api(key).get(url)
    etag = first["ETag"]
    assert api(key).get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    item.headline = "Changed"
    item.save()
    assert api(key).get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200
