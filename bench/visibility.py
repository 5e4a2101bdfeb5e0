"""Benchmark of the visibility filter on a realistic large network.

Seeds (once, in a database of its own: iconet_bench) 31 countries, their services, 2,000
users, 300 access groups and 200,000 shared items with grants as the sharing services would
write them, then prints for a typical user the time of the first page of the visible list
(25 rows), its count and one detail check, each against the same query without the filter,
and the number of SQL queries per page for several page sizes.

    .venv/bin/python bench/visibility.py [--items 200000] [--type alerts.alert] [--reseed]
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iconet.settings")


def bench_database_url() -> str:
    """The bench's own database on the same server as the portal's (ICONET_BENCH_DB names it,
    iconet_bench by default)."""
    import environ

    if "ICONET_ENV" not in os.environ:
        environ.Env.read_env(ROOT / "var" / "services.env", overwrite=False)
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/iconet")
    base, _, query = url.partition("?")
    base = base.rsplit("/", 1)[0] + "/" + os.environ.get("ICONET_BENCH_DB", "iconet_bench")
    return f"{base}?{query}" if query else base


os.environ["DATABASE_URL"] = bench_database_url()

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Permission  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, models, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from iconet.directory.data import countries_ensure  # noqa: E402
from iconet.models import (  # noqa: E402
    AccessGroup,
    Action,
    Area,
    Audience,
    Country,
    Grant,
    Marking,
    Organisation,
    Role,
    State,
    User,
)
from iconet.sharing.access import (  # noqa: E402
    NETWORK_GROUP,
    PUBLIC_GROUP,
    can,
    forget_principals,
    special_group_id,
)
from iconet.sharing.registry import shared_item_models  # noqa: E402
from tests.items import required_values  # noqa: E402


def ensure_database(*, fresh: bool = False) -> None:
    """Create the bench's database if it is missing; `fresh`: drop it first (its audit tables
    refuse the TRUNCATE of a flush, by design)."""
    import psycopg

    connection.close()

    name = settings.DATABASES["default"]["NAME"]
    params = {
        k: v
        for k, v in {
            "host": settings.DATABASES["default"].get("HOST")
            or settings.DATABASES["default"].get("OPTIONS", {}).get("host"),
            "port": settings.DATABASES["default"].get("PORT") or None,
            "user": settings.DATABASES["default"].get("USER") or None,
        }.items()
        if v
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


# `Grant.open_to` of the grant rows of an item published to an open audience.
OPEN_AUDIENCES = {Audience.PUBLIC: Grant.OpenTo.PUBLIC, Audience.NETWORK: Grant.OpenTo.NETWORK}


def seed(model, items: int, rng: random.Random) -> None:
    countries_ensure()
    codes = list(Country.objects.values_list("code", flat=True))
    orgs = []
    for code in codes:
        for n in range(2):
            orgs.append(
                Organisation(
                    name=f"Service {n} of {code}", short_name=f"S{n}-{code}", country_id=code
                )
            )
    for org in orgs:
        org.save()  # creates the organisation's guardian group
    commission = Organisation.objects.create(
        name="Commission", short_name="EC", kind=Organisation.Kind.COMMISSION
    )
    agency = Organisation.objects.create(
        name="Agency", short_name="AG", kind=Organisation.Kind.AGENCY
    )
    all_orgs = orgs + [commission, agency]
    password = make_password("bench")
    users = [
        User(
            username=f"user{i}",
            password=password,
            organisation=rng.choice(all_orgs),
            role=Role.OFFICER,
            areas=list(Area.values),
            ncp_areas=[Area.ALERTS] if i % 10 == 0 else [],
        )
        for i in range(2000)
    ]
    User.objects.bulk_create(users, batch_size=1000)
    users = list(User.objects.all())
    groups = []
    for i in range(300):
        group = AccessGroup(name=f"Access group {i}")
        group.save()
        group.organisations.set(rng.sample(all_orgs, rng.randint(2, 12)))
        group.members.set(rng.sample(users, rng.randint(0, 20)))
        groups.append(group)

    grant_model = model.grants.rel.related_model
    permission = Permission.objects.get(
        content_type=ContentType.objects.get_for_model(model),
        codename=f"view_{model._meta.model_name}",
    )
    public_id, network_id = special_group_id(PUBLIC_GROUP), special_group_id(NETWORK_GROUP)
    base = required_values(model)
    batch = 5000
    now = timezone.now()
    for start in range(0, items, batch):
        rows = []
        for i in range(start, min(items, start + batch)):
            owner = rng.choice(orgs)
            state = State.DRAFT if rng.random() < 0.1 else State.PUBLISHED
            audience = rng.choices(
                [Audience.OWNER, Audience.GROUPS, Audience.NETWORK, Audience.PUBLIC],
                weights=[10, 35, 45, 10],
            )[0]
            rows.append(
                model(
                    **base,
                    owner=owner,
                    author=rng.choice(users),
                    state=state,
                    audience=audience,
                    marking=rng.choice(Marking.values),
                    published_at=None
                    if state == State.DRAFT
                    else now - timezone.timedelta(minutes=i),
                )
            )
        created = model.objects.bulk_create(rows)
        grants = []
        through = model.audience_groups.through
        links = []
        for item in created:
            first = len(grants)
            grants.append(
                grant_model(
                    group_id=item.owner.group_id,
                    permission=permission,
                    content_object=item,
                    reason=Grant.Reason.OWNERSHIP,
                )
            )
            if item.state == State.DRAFT:
                continue
            if item.audience == Audience.PUBLIC:
                grants.append(
                    grant_model(
                        group_id=public_id,
                        permission=permission,
                        content_object=item,
                        reason=Grant.Reason.AUDIENCE,
                    )
                )
            elif item.audience == Audience.NETWORK:
                grants.append(
                    grant_model(
                        group_id=network_id,
                        permission=permission,
                        content_object=item,
                        reason=Grant.Reason.AUDIENCE,
                    )
                )
            elif item.audience == Audience.GROUPS:
                for group in rng.sample(groups, rng.randint(1, 3)):
                    links.append(
                        through(
                            **{f"{model._meta.model_name}_id": item.pk, "accessgroup_id": group.pk}
                        )
                    )
                    grants.append(
                        grant_model(
                            group_id=group.group_id,
                            permission=permission,
                            content_object=item,
                            reason=Grant.Reason.AUDIENCE,
                        )
                    )
            if item.state != State.DRAFT and item.audience in OPEN_AUDIENCES:
                for grant in grants[first:]:
                    grant.open_to = OPEN_AUDIENCES[item.audience]
        grant_model.objects.bulk_create(grants, batch_size=5000, ignore_conflicts=True)
        through.objects.bulk_create(links, batch_size=5000, ignore_conflicts=True)
        print(f"  seeded {min(items, start + batch):>7} items", end="\r", flush=True)
    print()


def home_queries(user) -> int:
    """The SQL queries of the home page for `user`, rendered as a request after sign-in."""
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory

    from iconet.dashboard.views import home

    request = RequestFactory().get("/")
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    home(request)  # principals and caches of the request, as after the middleware
    with CaptureQueriesContext(connection) as captured:
        response = home(request)
    assert response.status_code == 200
    return len(captured.captured_queries)


def timed(fn, repeat: int = 40) -> float:
    fn()  # warm the plan and the caches
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def typical_user():
    """A typical user: an officer of a national service that belongs to several access groups,
    with no principals cached yet; and that service."""
    org = (
        Organisation.objects.filter(kind=Organisation.Kind.NATIONAL)
        .annotate(n=models.Count("access_groups"))
        .order_by("-n", "pk")[5]
    )
    user = User.objects.filter(organisation=org).first() or User.objects.create(
        username="typical",
        organisation=org,
        areas=list(Area.values),
    )
    forget_principals(user)
    return user, org


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--type", default="alerts.alert")
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()

    ensure_database()
    call_command("migrate", verbosity=0)
    model = shared_item_models()[args.type]
    if args.reseed or model.objects.count() < args.items:
        print(f"Seeding {args.items} items of {args.type} (once; --reseed to redo)...")
        ensure_database(fresh=True)
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        seed(model, args.items, random.Random(2005))
        print(f"Seeded in {time.perf_counter() - started:.0f} s")

    # What autovacuum does on a live database: visibility map and statistics up to date.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    user, org = typical_user()
    order = list(model._meta.ordering)  # the list pages' default order
    visible = lambda: model.objects.visible_to(user)  # noqa: E731

    page_filtered = timed(lambda: list(visible().select_related("owner").order_by(*order)[:25]))
    page_plain = timed(lambda: list(model.objects.select_related("owner").order_by(*order)[:25]))
    count_filtered = timed(lambda: visible().count())
    count_plain = timed(lambda: model.objects.count())
    sample = visible().order_by("?").first()
    detail_filtered = timed(lambda: can(user, Action.READ, sample), repeat=50)
    detail_plain = timed(lambda: model.objects.filter(pk=sample.pk).exists(), repeat=50)

    list_filtered = timed(
        lambda: (list(visible().select_related("owner").order_by(*order)[:25]), visible().count())
    )
    list_plain = timed(
        lambda: (
            list(model.objects.select_related("owner").order_by(*order)[:25]),
            model.objects.count(),
        )
    )

    # The home page (dashboard) for users who see very different numbers of items: its number
    # of queries must not depend on that number.
    agency_user = User.objects.filter(organisation__kind=Organisation.Kind.AGENCY).first()
    dashboard = {}
    for reader in (user, agency_user):
        if reader is not None:
            fresh = User.objects.get(pk=reader.pk)
            dashboard[fresh.username] = (
                model.objects.visible_to(fresh).count(),
                home_queries(fresh),
            )

    queries = {}
    for size in (25, 100):
        reset_queries()
        fresh = User.objects.get(pk=user.pk)  # principals not yet cached, as on a new request
        with CaptureQueriesContext(connection) as captured:
            rows = list(
                model.objects.visible_to(fresh).select_related("owner").order_by(*order)[:size]
            )
            [row.owner.name for row in rows]
        queries[size] = len(captured.captured_queries)

    total = model.objects.count()
    print(
        f"Network: {Country.objects.count()} countries, "
        f"{Organisation.objects.count()} organisations, "
        f"{User.objects.count()} users, {AccessGroup.objects.count()} access groups, "
        f"{total} items ({args.type})"
    )
    print(f"Typical user: {user.username} of {org}, sees {visible().count()} of {total} items")
    print(f"{'measure':<28}{'filtered':>12}{'unfiltered':>12}{'ratio':>8}")
    for label, filtered, plain in (
        ("first page (25 rows)", page_filtered, page_plain),
        ("count of the list", count_filtered, count_plain),
        ("one detail check", detail_filtered, detail_plain),
        ("list page with its count", list_filtered, list_plain),
    ):
        print(
            f"{label:<28}{filtered * 1000:>10.2f}ms{plain * 1000:>10.2f}ms{filtered / plain:>7.2f}x"
        )
    print("SQL queries per page: " + ", ".join(f"{size} rows: {n}" for size, n in queries.items()))
    print(
        "SQL queries of the home page (dashboard): "
        + ", ".join(f"{name} (sees {seen} items): {n}" for name, (seen, n) in dashboard.items())
    )


if __name__ == "__main__":
    main()
