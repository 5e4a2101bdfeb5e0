"""Full-text search across every registered item type, through each type's `visible_to`.

Each item type declares the fields searched and their weights (`ItemType.search_fields`,
iconet.sharing.declarations). An item's vector is built with the text search configuration of its
language ("french" for items written in French, "english" otherwise), and the query is parsed with
both configurations (``websearch_to_tsquery``), so that either stemming finds the item. A type whose
searched fields are all its own columns stores that vector, GIN-indexed (`search_document`,
iconet.search.models); the others build it at query time.

Every row, count, facet and snippet is read from ``Model.objects.visible_to(user)``: an item
the user may not read is never counted, never listed and never quoted.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
)
from django.db.models import Case, CharField, Count, F, Func, Q, TextField, Value, When
from django.db.models.functions import Cast, Coalesce, ExtractYear, NullIf
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ..sharing.declarations import AreaConfig, ItemType
from ..sharing.models import Language, State
from ..sharing.registry import item_types
from .models import SEARCH_DOCUMENT

# ts_headline's markers around a match: characters no text of the portal holds, so that the
# snippet is escaped first and the markers then become <mark> elements.
_START, _STOP = "\x02", "\x03"
PAGE_SIZE = 20


def text_config() -> Case:
    """The text search configuration of an item's language (an SQL expression)."""
    return Case(
        When(language=Language.FRENCH, then=Value("french")),
        default=Value("english"),
        output_field=CharField(),
    )


@dataclass(frozen=True)
class SearchFilters:
    """What the user searched for: the words and the narrowing choices (all optional)."""

    text: str
    area: str = ""
    type_slug: str = ""
    country: str = ""
    marking: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    year: int | None = None
    # Archived items (iconet.retention.services) are found only when asked for.
    archived: bool = False


@dataclass
class SearchHit:
    item: Any
    rank: float
    area: AreaConfig
    type_label: str = ""
    snippet: SafeString = field(default_factory=lambda: mark_safe(""))


@dataclass
class SearchResults:
    total: int = 0
    hits: list[SearchHit] = field(default_factory=list)
    # (code, label, count) of the matches, per facet.
    by_type: list[tuple[str, str, str, int]] = field(default_factory=list)  # area, slug, label
    by_marking: list[tuple[str, int]] = field(default_factory=list)
    by_year: list[tuple[int, int]] = field(default_factory=list)


def searchable_types() -> list[tuple[AreaConfig, ItemType]]:
    return [(config, item_type) for config, item_type in item_types() if item_type.search_fields]


def _query(text: str) -> SearchQuery:
    return SearchQuery(text, search_type="websearch", config="english") | SearchQuery(
        text, search_type="websearch", config="french"
    )


def search_vector(item_type: ItemType) -> Any:
    """The type's stored vector, under its GIN index: every searched type has one
    (`iconet.search.models`), which tests/core/test_search.py checks of each registered type."""
    return F(SEARCH_DOCUMENT)


def _document(item_type: ItemType) -> Func:
    """The searched fields that hold text as one text, for the snippet (an empty field adds
    no "…": CONCAT_WS leaves out the NULLs)."""
    parts: list[Any] = [
        NullIf(Cast(F(name), TextField()), Value(""), output_field=TextField())
        for name, _weight in item_type.search_fields
    ]
    return Func(
        Value(" … ", output_field=TextField()),
        *parts,
        function="CONCAT_WS",
        output_field=TextField(),
    )


def _matches(config: AreaConfig, item_type: ItemType, user, filters: SearchFilters):
    """The items of one type the user may read that match the search, with their rank."""
    model = item_type.model
    query = _query(filters.text)
    queryset = (
        model.objects.visible_to(user)
        .annotate(
            search_vector=search_vector(item_type),
            search_date=Coalesce("published_at", "created_at"),
        )
        .filter(search_vector=query)
    )
    if filters.country:
        queryset = queryset.filter(
            pk__in=model.objects.visible_to(user)
            .filter(country_holds(model, item_type.country_fields, filters.country))
            .values("pk")
        )
    if not filters.archived:
        queryset = queryset.exclude(state=State.ARCHIVED)
    if filters.marking:
        queryset = queryset.filter(marking=filters.marking)
    if filters.date_from:
        queryset = queryset.filter(search_date__date__gte=filters.date_from)
    if filters.date_to:
        queryset = queryset.filter(search_date__date__lte=filters.date_to)
    if filters.year:
        queryset = queryset.filter(search_date__year=filters.year)
    return queryset.annotate(search_rank=SearchRank(F("search_vector"), query))


def country_holds(model, fields: tuple[str, ...], code: str) -> Q:
    """Any of the declared country fields holds `code` (the owner's country without any)."""
    found = Q()
    for name in fields or ("owner__country",):
        field = model._meta.get_field(name) if "__" not in name else None
        if isinstance(field, ArrayField):
            found |= Q(**{f"{name}__contains": [code]})
        else:
            found |= Q(**{name: code})
    return found


def search(
    user, filters: SearchFilters, page: int = 1, page_size: int = PAGE_SIZE
) -> SearchResults:
    """The page `page` of the items `user` may read that match `filters`, best first."""
    results = SearchResults()
    if not filters.text.strip():
        return results
    markings: Counter[str] = Counter()
    years: Counter[int] = Counter()
    ranked: list[tuple[float, Any, str, AreaConfig, ItemType, int]] = []
    wanted = page * page_size
    for config, item_type in _searched(filters):
        model = item_type.model
        matches = _matches(config, item_type, user, filters)
        # One grouped scan gives the type's count and its marking and year facets.
        groups = (
            matches.order_by()
            .annotate(year=ExtractYear("search_date"))
            .values("marking", "year")
            .annotate(n=Count("pk"))
        )
        count = 0
        for row in groups:
            count += row["n"]
            markings[row["marking"]] += row["n"]
            years[row["year"]] += row["n"]
        if not count:
            continue
        results.total += count
        results.by_type.append(
            (config.code, model.type_slug(), str(model._meta.verbose_name_plural), count)
        )
        ranked += _ranked(config, item_type, matches, limit=wanted)
    _rank_sort(ranked)
    shown = ranked[(page - 1) * page_size : wanted]
    results.by_marking = sorted(markings.items())
    results.by_year = sorted(years.items(), reverse=True)
    results.hits = _hits(user, filters, shown)
    return results


def _ranked(config: AreaConfig, item_type: ItemType, matches, limit: int | None = None):
    """(rank, date, slug, config, item type, pk) of a type's matches, best first."""
    slug = item_type.model.type_slug()
    rows = matches.order_by("-search_rank", "-search_date", "-pk").values_list(
        "pk", "search_rank", "search_date"
    )
    if limit is not None:
        rows = rows[:limit]
    return [(rank, date, slug, config, item_type, pk) for pk, rank, date in rows]


def _rank_sort(ranked: list) -> None:
    """The matches of every type in one order: rank, then newest, then type and number."""
    ranked.sort(key=lambda row: (row[0], row[1], row[2], row[5]), reverse=True)


class RankedMatches:
    """Every item a user may read that matches a search, in the order of its pages: what an
    export of the search holds. Its length is known at once; its items are read when iterated,
    a few hundred at a time and through `visible_to` again, so an item no longer readable by
    then is left out."""

    CHUNK = 500

    def __init__(self, user, ranked: list) -> None:
        self.user = user
        self.ranked = ranked

    def __len__(self) -> int:
        return len(self.ranked)

    def __iter__(self):
        for start in range(0, len(self.ranked), self.CHUNK):
            chunk = self.ranked[start : start + self.CHUNK]
            loaded = _read_again(
                self.user, chunk, lambda _item_type, rows: rows.select_related("owner")
            )
            for _rank, _date, slug, _config, _item_type, pk in chunk:
                item = loaded.get((slug, pk))
                if item is not None:
                    yield item


def ranked_matches(user, filters: SearchFilters) -> RankedMatches:
    """Every match of the search that `user` may read, best first (`RankedMatches`)."""
    ranked: list = []
    if filters.text.strip():
        for config, item_type in _searched(filters):
            ranked += _ranked(config, item_type, _matches(config, item_type, user, filters))
    _rank_sort(ranked)
    return RankedMatches(user, ranked)


def _searched(filters: SearchFilters) -> list[tuple[AreaConfig, ItemType]]:
    """The searchable types the filters' area and type leave."""
    return [
        (config, item_type)
        for config, item_type in searchable_types()
        if (not filters.area or filters.area == config.code)
        and (not filters.type_slug or filters.type_slug == item_type.model.type_slug())
    ]


def _read_again(user, ranked: list, prepare) -> dict[tuple[str, int], Any]:
    """The items of `ranked` rows that `user` may still read, by (slug, pk): one query per
    type, each queryset shaped by `prepare(item_type, rows)`."""
    wanted: dict[str, tuple[ItemType, list[int]]] = {}
    for _rank, _date, slug, _config, item_type, pk in ranked:
        wanted.setdefault(slug, (item_type, []))[1].append(pk)
    return {
        (slug, item.pk): item
        for slug, (item_type, pks) in wanted.items()
        for item in prepare(item_type, item_type.model.objects.visible_to(user).filter(pk__in=pks))
    }


def _hits(user, filters: SearchFilters, shown) -> list[SearchHit]:
    """The shown rows, read again through `visible_to`, with their highlighted snippets."""

    def with_snippet(item_type: ItemType, rows):
        return rows.annotate(
            search_headline=SearchHeadline(
                _document(item_type),
                _query(filters.text),
                config=text_config(),
                start_sel=_START,
                stop_sel=_STOP,
                max_words=30,
                min_words=10,
                max_fragments=2,
                fragment_delimiter=" … ",
            )
        )

    loaded = _read_again(user, shown, with_snippet)
    hits = []
    for rank, _date, slug, config, _item_type, pk in shown:
        item = loaded.get((slug, pk))
        if item is None:  # no longer readable since it was counted
            continue
        hits.append(
            SearchHit(
                item=item,
                rank=rank,
                area=config,
                type_label=str(item._meta.verbose_name),
                snippet=highlighted(item.search_headline),
            )
        )
    return hits


def highlighted(headline: str | None) -> SafeString:
    """A ts_headline snippet, escaped, with its matches in <mark> elements."""
    text = re.sub(r"(?:\s*…)+\s*", " … ", escape(headline or "")).strip(" …")
    return mark_safe(text.replace(_START, "<mark>").replace(_STOP, "</mark>"))  # noqa: S308


def matching_pks(user, filters: SearchFilters, *, model=None, pks=None, published_since=None):
    """(model, pk) of the items `user` may read that match `filters`: the page's own search,
    narrowed to one type and some items, or to those published since a moment."""
    found = []
    for config, item_type in _searched(filters):
        if model is not None and item_type.model is not model:
            continue
        matches = _matches(config, item_type, user, filters)
        if pks is not None:
            matches = matches.filter(pk__in=list(pks))
        if published_since is not None:
            matches = matches.filter(published_at__gte=published_since)
        found += [(item_type.model, pk) for pk in matches.values_list("pk", flat=True)]
    return found
