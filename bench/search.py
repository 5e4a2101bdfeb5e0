"""Benchmark of the search across areas on the visibility benchmark's network.

Reads the network of bench/visibility.py in its database (ICONET_BENCH_DB, iconet_bench by
default; seeded once if it is not there: 200,000 items), gives the items varied English and
French text (once), then prints for a typical user the time of the count of the matches and of
their first ranked page, each against the same query without the visibility filter, and the
time of the whole search page's work (counts, facets, ranked page and snippets) against the
same work with every item readable.

    .venv/bin/python bench/search.py [--items 200000] [--words "forged passport"]
"""

import os
import random
import sys
from pathlib import Path

os.environ.setdefault("ICONET_BENCH_DB", "iconet_bench")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import visibility  # noqa: E402  (sets the bench database up and Django with it)
from django.contrib.postgres.search import SearchRank  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, models  # noqa: E402

from iconet.search.services import SearchFilters, _query, search, search_vector  # noqa: E402
from iconet.sharing.declarations import item_type_for  # noqa: E402
from iconet.sharing.querysets import SharedItemQuerySet  # noqa: E402
from iconet.sharing.registry import shared_item_models  # noqa: E402

WORDS_EN = "smuggling route border lorry forged passport network crossing port ferry visa".split()
WORDS_FR = "passeurs camions frontière faux passeports réseau traversée ferry visas filière".split()


def texts_vary(model, fields) -> None:
    """Random sentences in the searched fields; one item in five written in French."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        for name in fields:
            column = model._meta.get_field(name).column
            cursor.execute(
                f"UPDATE {table} SET language = CASE WHEN id %% 5 = 0 THEN 'fr' ELSE 'en' END, "
                f"{column} = CASE WHEN id %% 5 = 0 THEN "
                f"(SELECT string_agg(w, ' ') FROM (SELECT w FROM unnest(%s::text[]) w "
                f"ORDER BY random() + id * 0 LIMIT 4) s) ELSE "
                f"(SELECT string_agg(w, ' ') FROM (SELECT w FROM unnest(%s::text[]) w "
                f"ORDER BY random() + id * 0 LIMIT 4) s) END",
                [WORDS_FR, WORDS_EN],
            )


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--type", default="alerts.alert")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--words", default="forged passport")
    args = parser.parse_args()

    visibility.ensure_database()
    call_command("migrate", verbosity=0)
    model = shared_item_models()[args.type]
    item_type = item_type_for(model)
    if args.reseed or model.objects.count() < args.items:
        print(f"Seeding {args.items} items of {args.type} (once; --reseed to redo)...")
        if model.objects.exists():  # an empty database needs no flush
            call_command("flush", "--noinput", verbosity=0)
        visibility.seed(model, args.items, random.Random(2005))
    if not model.objects.filter(language="fr").exists():  # the texts are not varied yet
        local = [
            name
            for name, _w in item_type.search_fields
            if "__" not in name and isinstance(model._meta.get_field(name), models.TextField)
        ]
        texts_vary(model, local[:2])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    user, org = visibility.typical_user()
    query = _query(args.words)

    def matches(queryset):
        return queryset.annotate(search_vector=search_vector(item_type)).filter(search_vector=query)

    def ranked(queryset):
        return list(
            matches(queryset)
            .annotate(rank=SearchRank(models.F("search_vector"), query))
            .order_by("-rank", "-pk")
            .values_list("pk", flat=True)[:20]
        )

    visible = lambda: model.objects.visible_to(user)  # noqa: E731
    timed = visibility.timed
    count_filtered = timed(lambda: matches(visible()).count(), repeat=10)
    count_plain = timed(lambda: matches(model.objects.all()).count(), repeat=10)
    page_filtered = timed(lambda: ranked(visible()), repeat=10)
    page_plain = timed(lambda: ranked(model.objects.all()), repeat=10)
    whole = timed(lambda: search(user, SearchFilters(text=args.words)), repeat=10)
    # The same work without the rule: every item counts as readable.
    rule = SharedItemQuerySet.visible_to
    SharedItemQuerySet.visible_to = lambda self, user: self.all()  # type: ignore[method-assign]
    try:
        whole_plain = timed(lambda: search(user, SearchFilters(text=args.words)), repeat=10)
    finally:
        SharedItemQuerySet.visible_to = rule  # type: ignore[method-assign]

    total = model.objects.count()
    print(
        f"{total} items ({args.type}); {user.username} of {org} reads {visible().count()}; "
        f"'{args.words}' matches {matches(model.objects.all()).count()} items, "
        f"{matches(visible()).count()} of them readable"
    )
    print(f"{'measure':<32}{'filtered':>12}{'unfiltered':>12}{'ratio':>8}")
    for label, filtered, plain in (
        ("count of the matches", count_filtered, count_plain),
        ("first ranked page (20)", page_filtered, page_plain),
        ("whole search (facets, snippets)", whole, whole_plain),
    ):
        print(
            f"{label:<32}{filtered * 1000:>10.1f}ms{plain * 1000:>10.1f}ms{filtered / plain:>7.2f}x"
        )


if __name__ == "__main__":
    main()
