"""My drafts: every draft the user wrote, in every area they have, newest first, on one
paginated page with a filter by kind of item; nobody else's draft, and nothing published."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from iconet.models import State
from iconet.sharing.registry import shared_item_models
from tests.items import item_make

pytestmark = pytest.mark.django_db

TYPES = sorted(shared_item_models())


def drafts_page(client, **params):
    response = client.get(reverse("drafts"), params)
    assert response.status_code == 200
    return response


def shown_references(response) -> list[str]:
    return [item.reference for item in response.context["drafts"]]


def test_my_drafts_lists_my_drafts_of_every_type_newest_first(cast, client_for):
    mine = []
    now = timezone.now()
    for age, type_slug in enumerate(TYPES * 2):
        item = item_make(type_slug, author=cast.fr_ncp, state=State.DRAFT)
        # Distinct change times, older with each one made.
        type(item).objects.filter(pk=item.pk).update(updated_at=now - timedelta(hours=age))
        mine.append(item)
    for type_slug in TYPES:
        item_make(type_slug, author=cast.fr_ncp)  # published: not a draft
        item_make(type_slug, author=cast.fr_officer, state=State.DRAFT)  # a colleague's draft
    response = drafts_page(client_for(cast.fr_ncp))
    assert shown_references(response) == [item.reference for item in mine]
    page = response.content.decode()
    assert f"{len(mine)} drafts" in page
    for item in mine:
        assert item.get_absolute_url() in page
    assert f'<span class="tlp-label tlp-amber">{mine[0].get_marking_display()}</span>' in page
    # The colleague sees only their own.
    colleague = shown_references(drafts_page(client_for(cast.fr_officer)))
    assert len(colleague) == len(TYPES) and not set(colleague) & {i.reference for i in mine}


@pytest.mark.parametrize("type_slug", TYPES)
def test_the_kind_filter_keeps_one_type(cast, client_for, type_slug):
    drafts = {slug: item_make(slug, author=cast.fr_ncp, state=State.DRAFT) for slug in TYPES}
    response = drafts_page(client_for(cast.fr_ncp), type=type_slug)
    assert shown_references(response) == [drafts[type_slug].reference]
    assert f'<option value="{type_slug}" selected>' in response.content.decode()


def test_an_unknown_kind_shows_everything_and_a_kind_without_draft_says_so(cast, client_for):
    item_make(TYPES[0], author=cast.fr_ncp, state=State.DRAFT)
    client = client_for(cast.fr_ncp)
    assert shown_references(drafts_page(client, type="nope.nope"))
    empty = drafts_page(client, type=TYPES[-1]).content.decode()
    assert "You have no draft of this kind." in empty


def test_a_draft_of_an_area_i_lost_or_of_my_former_organisation_is_not_listed(cast, client_for):
    item_make(TYPES[0], author=cast.fr_no_area, state=State.DRAFT)
    assert shown_references(drafts_page(client_for(cast.fr_no_area))) == []
    assert "You have no draft." in drafts_page(client_for(cast.fr_no_area)).content.decode()
    item_make(TYPES[0], author=cast.fr_officer, state=State.DRAFT)
    cast.fr_officer.organisation = cast.de_officer.organisation
    cast.fr_officer.save()
    assert shown_references(drafts_page(client_for(cast.fr_officer))) == []


def test_pages_of_drafts_cost_the_same_queries_for_any_number(cast, client_for):
    client = client_for(cast.fr_ncp)

    def queries_for_page(page: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            drafts_page(client, page=page)
        return len(captured)

    for type_slug in TYPES:
        item_make(type_slug, author=cast.fr_ncp, state=State.DRAFT)
    drafts_page(client)  # the session's first request records the sign-in's activity
    few = queries_for_page(1)
    for _ in range(8):
        for type_slug in TYPES:
            item_make(type_slug, author=cast.fr_ncp, state=State.DRAFT)
    assert len(TYPES) * 9 > 25  # more than a page
    assert queries_for_page(1) == few
    second = drafts_page(client, page=2)
    first_refs = shown_references(drafts_page(client, page=1))
    assert len(first_refs) == 25
    assert not set(first_refs) & set(shown_references(second))
    assert 'rel="prev"' in second.content.decode()


def test_the_dashboard_panel_leads_to_all_my_drafts(cast, client_for):
    item_make(TYPES[0], author=cast.fr_ncp, state=State.DRAFT)
    home = client_for(cast.fr_ncp).get(reverse("home")).content.decode()
    assert f'<a href="{reverse("drafts")}">All my drafts</a>' in home


def test_my_drafts_export_holds_my_drafts_only_newest_first(cast, client_for, settings):
    import csv
    import io

    settings.EXPORT_CHUNK_ROWS = 2
    now = timezone.now()
    mine = []
    for age, type_slug in enumerate(TYPES):
        item = item_make(type_slug, author=cast.fr_ncp, state=State.DRAFT)
        type(item).objects.filter(pk=item.pk).update(updated_at=now - timedelta(hours=age))
        mine.append(item)
    item_make(TYPES[0], author=cast.fr_officer, state=State.DRAFT)  # a colleague's
    client = client_for(cast.fr_ncp)
    page = drafts_page(client).content.decode()
    assert 'name="source" value="drafts"' in page
    response = client.post(
        reverse("exports:start"), {"source": "drafts", "format": "csv", "query": ""}
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    headings = rows[0]
    assert [row[headings.index("Reference")] for row in rows[1:-3]] == [i.reference for i in mine]
    kind = client.post(
        reverse("exports:start"),
        {"source": "drafts", "format": "csv", "query": f"type={TYPES[0]}"},
    ).content.decode("utf-8-sig")
    assert mine[0].reference in kind and mine[1].reference not in kind
    # Nothing to export is not offered.
    assert 'value="drafts"' not in drafts_page(client_for(cast.de_ncp)).content.decode()
