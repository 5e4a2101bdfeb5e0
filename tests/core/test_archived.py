"""Archived items, for every registered item type: read-only and out of the lists and the search
by default, shown again when asked for, and still readable by their audience."""

import pytest
from django.db import models
from django.urls import reverse

from iconet.models import State
from iconet.sharing.registry import item_types
from tests.items import item_make

TYPES = [(item_type.model.type_slug(), item_type) for _config, item_type in item_types()]
CANARY = "zebrawordarchived"


def searched_text_field(item_type) -> str | None:
    """A searched column of the type's own that can hold a distinctive word."""
    for name, _weight in item_type.search_fields:
        if "__" in name:
            continue
        field = item_type.model._meta.get_field(name)
        if (
            isinstance(field, (models.CharField, models.TextField))
            and not field.choices
            and (field.max_length or 200) >= 40
        ):
            return name
    return None


def archived_and_current(cast, type_slug, item_type):
    """An archived item and a current one of the type, both shared with the network, and a
    user who reads both."""
    word_field = searched_text_field(item_type)
    words = {word_field: f"Seen at the border {CANARY}"} if word_field else {}
    archived = item_make(
        type_slug, author=cast.fr_ncp, audience="network", state=State.ARCHIVED, **words
    )
    current = item_make(type_slug, author=cast.fr_ncp, audience="network", **words)
    model = item_type.model
    for reader in (cast.de_ncp, cast.fr_ncp):
        visible = model.objects.visible_to(reader).filter(pk__in=[archived.pk, current.pk])
        if visible.count() == 2:
            return archived, current, reader, word_field
    pytest.fail(f"nobody of the cast reads both {type_slug} items")


@pytest.mark.parametrize(("type_slug", "item_type"), TYPES, ids=[slug for slug, _t in TYPES])
def test_an_archived_item_leaves_the_list_unless_asked_for(cast, client_for, type_slug, item_type):
    archived, current, reader, _word_field = archived_and_current(cast, type_slug, item_type)
    client = client_for(reader)
    listed = client.get(reverse(item_type.list_url)).content.decode()
    assert current.reference in listed
    assert archived.reference not in listed
    assert "Show archived items too" in listed
    with_archived = client.get(reverse(item_type.list_url), {"archived": "1"}).content.decode()
    assert archived.reference in with_archived and current.reference in with_archived
    assert "Hide archived items" in with_archived
    # Still readable by its audience, one by one.
    assert client.get(archived.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(("type_slug", "item_type"), TYPES, ids=[slug for slug, _t in TYPES])
def test_an_archived_item_is_found_only_when_the_search_asks_for_archived_items(
    cast, client_for, type_slug, item_type
):
    archived, current, reader, word_field = archived_and_current(cast, type_slug, item_type)
    if word_field is None:
        pytest.skip("the type has no searched text of its own")
    client = client_for(reader)
    found = client.get(reverse("search"), {"q": CANARY}).content.decode()
    assert current.get_absolute_url() in found
    assert archived.get_absolute_url() not in found
    found = client.get(reverse("search"), {"q": CANARY, "archived": "on"}).content.decode()
    assert archived.get_absolute_url() in found and current.get_absolute_url() in found
