"""Search across areas: what a user finds is what the user may read, nothing more.

Generated over every registered item type that declares searched fields: an item the reader
may not read never shows in the results, the snippets, the total or the facets, whether it
shares the searched word with a readable item or is the only match.
"""

import pytest
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.urls import reverse
from django.utils import timezone

from iconet.models import Audience, Country, Language
from iconet.search.models import SEARCH_DOCUMENT
from iconet.search.services import SearchFilters, search
from iconet.sharing.registry import item_types
from tests.items import item_make

pytestmark = pytest.mark.django_db

SEARCHED = [
    (item_type.model.type_slug(), item_type)
    for _config, item_type in item_types()
    if item_type.search_fields
]


def test_every_item_type_declares_what_search_reads():
    assert {slug for slug, _ in SEARCHED} == {it.model.type_slug() for _config, it in item_types()}


def test_every_searched_type_reads_a_stored_vector_under_a_gin_index():
    for _slug, item_type in SEARCHED:
        model = item_type.model
        assert any(f.name == SEARCH_DOCUMENT for f in model._meta.concrete_fields), model
        indexed = [
            index
            for index in model._meta.indexes
            if isinstance(index, GinIndex) and index.fields == [SEARCH_DOCUMENT]
        ]
        assert indexed, f"{model._meta.label} has no GIN index on its search vector"


def text_field(item_type) -> str:
    """A searched field of the type's own table that holds free text."""
    model = item_type.model
    for name, _weight in item_type.search_fields:
        field = next((f for f in model._meta.concrete_fields if f.name == name), None)
        if isinstance(field, models.TextField) or (
            isinstance(field, models.CharField)
            and not field.choices
            and (field.max_length or 0) >= 60
        ):
            return name
    raise AssertionError(f"{model} has no searched free-text field")


def facets(results):
    return (results.total, results.by_type, results.by_marking, results.by_year)


@pytest.fixture(params=[slug for slug, _ in SEARCHED])
def searched(request, cast):
    slug = request.param
    item_type = dict(SEARCHED)[slug]
    field = text_field(item_type)

    def make(text, **kwargs):
        return item_make(slug, **{field: text, **kwargs})

    return slug, make


def test_an_unreadable_item_never_shows_beside_a_readable_one(searched, cast, client_for):
    slug, make = searched
    reader = cast.fr_ncp
    visible = make("Zorblatt smuggling route seen", author=cast.fr_officer, marking="GREEN")
    assert visible in type(visible).objects.visible_to(reader)
    before = search(reader, SearchFilters(text="zorblatt"))
    assert before.total == 1 and [hit.item for hit in before.hits] == [visible]

    hidden = make(
        "Zorblatt quixotrel secret remark",
        author=cast.de_ncp,
        audience=Audience.OWNER,
        marking="RED",
    )
    assert hidden not in type(hidden).objects.visible_to(reader)
    after = search(reader, SearchFilters(text="zorblatt"))
    assert facets(after) == facets(before)
    assert [hit.item for hit in after.hits] == [visible]
    assert "RED" not in dict(after.by_marking)
    # The owner's own search finds both: the word is there to be found.
    assert search(cast.de_ncp, SearchFilters(text="zorblatt")).total >= 1

    page = client_for(reader).get(reverse("search"), {"q": "zorblatt"})
    html = page.content.decode()
    assert page.status_code == 200
    assert visible.get_absolute_url() in html and "<mark>" in html
    assert "quixotrel" not in html.lower() and hidden.get_absolute_url() not in html
    assert "marking=RED" not in html  # no facet link for the hidden marking


def test_an_unreadable_item_alone_matching_gives_nothing(searched, cast, client_for):
    slug, make = searched
    reader = cast.fr_ncp
    make("Zorblatt smuggling route seen", author=cast.fr_officer)
    hidden = make(
        "Quixotrel secret remark", author=cast.de_ncp, audience=Audience.OWNER, marking="RED"
    )
    results = search(reader, SearchFilters(text="quixotrel"))
    assert facets(results) == (0, [], [], []) and results.hits == []
    # Narrowing by the hidden item's own marking or year tells nothing either.
    year = hidden.published_at.year
    assert search(reader, SearchFilters(text="quixotrel", marking="RED", year=year)).total == 0
    page = client_for(reader).get(reverse("search"), {"q": "quixotrel"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "0 results" in html or "No information you may read" in html
    assert hidden.get_absolute_url() not in html and "secret remark" not in html


def test_the_language_of_an_item_chooses_its_stemming(searched, cast):
    slug, make = searched
    reader = cast.fr_ncp
    french = make(
        "Les passeurs falsifiaient des passeports", author=cast.fr_officer, language=Language.FRENCH
    )
    english = make(
        "The smugglers were forging documents", author=cast.fr_officer, language=Language.ENGLISH
    )
    assert [hit.item for hit in search(reader, SearchFilters(text="falsifier")).hits] == [french]
    assert [hit.item for hit in search(reader, SearchFilters(text="forged")).hits] == [english]
    # The same French text written down as English is not stemmed as French.
    make(
        "Les passeurs falsifiaient des passeports",
        author=cast.fr_officer,
        language=Language.ENGLISH,
    )
    assert search(reader, SearchFilters(text="falsifier")).total == 1


def test_filters_narrow_the_results(searched, cast, client_for):
    slug, make = searched
    reader = cast.fr_ncp
    green = make("Zorblatt green case", author=cast.fr_officer, marking="GREEN")
    make("Zorblatt amber case", author=cast.fr_officer, marking="AMBER")
    results = search(reader, SearchFilters(text="zorblatt", marking="GREEN"))
    assert [hit.item for hit in results.hits] == [green]
    assert dict(search(reader, SearchFilters(text="zorblatt")).by_marking) == {
        "AMBER": 1,
        "GREEN": 1,
    }
    # The day a reader sees it published: in the portal's time zone (near midnight UTC, the
    # day in Brussels is already the next one).
    day = timezone.localdate(green.published_at)
    assert search(reader, SearchFilters(text="zorblatt", date_from=day, date_to=day)).total == 2
    later = day.replace(year=day.year + 1)
    assert search(reader, SearchFilters(text="zorblatt", date_from=later)).total == 0
    page = client_for(reader).get(reverse("search"), {"q": "zorblatt", "marking": "GREEN"})
    assert page.status_code == 200 and "1 result" in page.content.decode()


def test_a_snippet_is_escaped(cast):
    slug, item_type = SEARCHED[0]
    item = item_make(
        slug,
        author=cast.fr_officer,
        **{text_field(item_type): "Zorblatt Smith & Sons <script>alert(1)</script>"},
    )
    hit = search(cast.fr_ncp, SearchFilters(text="zorblatt")).hits[0]
    assert hit.item == item
    assert "<script>" not in hit.snippet and "Smith &amp; Sons" in hit.snippet
    assert "<mark>Zorblatt</mark>" in hit.snippet


def test_the_header_offers_search_to_a_signed_in_user(cast, client_for):
    html = client_for(cast.fr_officer).get(reverse("home")).content.decode()
    assert 'role="search"' in html and f'action="{reverse("search")}"' in html


COUNTRY_FIELDS = [
    (slug, name)
    for slug, item_type in SEARCHED
    for name in item_type.country_fields or ("owner__country",)
]


@pytest.mark.parametrize("slug,name", COUNTRY_FIELDS, ids=[f"{s}-{n}" for s, n in COUNTRY_FIELDS])
def test_the_country_filter_reads_each_declared_field_or_the_owners_country(slug, name, cast):
    """An item whose country is in this field alone is found by that country, not another."""
    item_type = dict(SEARCHED)[slug]
    model = item_type.model
    item = item_make(slug, author=cast.fr_officer, **{text_field(item_type): "Zorblatt route"})
    local = [n for n in item_type.country_fields if "__" not in n]
    for other in local:  # the country is nowhere else
        field = model._meta.get_field(other)
        if field.many_to_many:
            getattr(item, other).clear()
        else:
            setattr(item, other, [] if isinstance(field, ArrayField) else "")
    code = "MA"
    if name in local:
        field = model._meta.get_field(name)
        if field.many_to_many:
            code = "NL"
            getattr(item, name).set([Country.objects.get(pk=code)])
        else:
            setattr(item, name, [code] if isinstance(field, ArrayField) else code)
    item.save()
    if name not in local:  # the owner's country, or one read through a relation
        code = str(model.objects.filter(pk=item.pk).values_list(name, flat=True).first())
    found = search(cast.fr_ncp, SearchFilters(text="zorblatt", country=code))
    assert [hit.item for hit in found.hits] == [item]
    assert search(cast.fr_ncp, SearchFilters(text="zorblatt", country="IS")).total == 0


@pytest.mark.parametrize(
    "params, error",
    [
        ({"date_from": "2026-13-01"}, "Enter a valid date."),
        ({"date_from": "2026-05-01", "date_to": "2026-01-01"}, "comes before its start"),
        ({"country": "ZZ"}, "Select a valid choice."),
        ({"marking": "PURPLE"}, "Select a valid choice."),
        ({"year": "99999999999999999999"}, "less than or equal to 9999"),
        ({"q": "route " * 50}, "at most 200 characters"),
        ({"page": "-5"}, None),
        ({"page": "99999999999999999999999"}, None),
        ({"q": "!!! & | <-> :* ()"}, None),
        ({"type": "no-such-type"}, None),
    ],
)
def test_a_hostile_or_wrong_search_says_what_is_wrong(params, error, cast, client_for):
    response = client_for(cast.fr_ncp).get(reverse("search"), {"q": "route", **params})
    assert response.status_code == 200
    main = response.content.decode().split("<main", 1)[1]
    if error:
        assert error in main
        # The words searched are checked by the search box alone, not again by the filters.
        assert "Q:" not in main
    else:
        assert "No information you may read matches this search." in main
