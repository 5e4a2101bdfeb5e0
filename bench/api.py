"""Benchmark of the API's list: a page of 100 items through /api/v1/ with the visibility filter,
against the same request whose view reads the same rows without it.

Uses the visibility benchmark's database and network (bench/visibility.py seeds it once), an
API client of the typical user's organisation, and the whole request (key check, rate limit,
filter, cursor page, serializer, JSON, ETag), timed in this process.

    .venv/bin/python bench/api.py [--items 200000] [--type alerts.alert]
"""

import argparse
import random
import sys
import time
from datetime import timedelta

import visibility  # noqa: F401 - sets up Django on the bench's database
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from iconet.api.declaration import api_types
from iconet.api.models import ApiClient
from iconet.api.services import api_client_create
from iconet.api.views import views_for
from iconet.directory.services.access_changes import access_change_decide
from iconet.models import AccessChangeRequest, Area, Role, User
from iconet.sharing.registry import shared_item_models


def client_key(org) -> str:
    admin = User.objects.filter(organisation=org, role=Role.NATIONAL_ADMIN).first()
    if admin is None:
        admin = User.objects.create(
            username=f"bench_admin_{org.pk}", organisation=org, role=Role.NATIONAL_ADMIN
        )
    ApiClient.objects.filter(organisation=org, name="bench").update(revoked_at=timezone.now())
    client, key = api_client_create(
        actor=admin,
        organisation_id=org.pk,
        name="bench",
        areas=list(Area.values),
        actions=["read"],
        expires_at=timezone.now() + timedelta(hours=1),
    )
    # The key works once a second administrator of the state approves the client.
    second = User.objects.filter(organisation=org, role=Role.NATIONAL_ADMIN).exclude(pk=admin.pk)
    approver = second.first() or User.objects.create(
        username=f"bench_admin2_{org.pk}", organisation=org, role=Role.NATIONAL_ADMIN
    )
    request = AccessChangeRequest.objects.get(user=client.user, kind="api_client")
    access_change_decide(actor=approver, request=request, approve=True)
    return key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--type", default="alerts.alert")
    args = parser.parse_args()

    visibility.ensure_database()
    call_command("migrate", verbosity=0)
    model = shared_item_models()[args.type]
    if model.objects.count() < args.items:
        print(f"Seeding {args.items} items of {args.type} (once)...")
        visibility.ensure_database(fresh=True)
        call_command("migrate", verbosity=0)
        visibility.seed(model, args.items, random.Random(2005))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    _user, org = visibility.typical_user()
    key = client_key(org)
    api_type = next(t for t in api_types() if t.slug == args.type)
    ruled = views_for(api_type)["list"]
    # The same view, reading the same rows without the visibility filter.
    plain = type(
        "PlainList",
        (ruled,),
        {"get_queryset": lambda self: self.api_type.model.objects.all()},
    )
    # The requests are made in this process, for the test client's host name.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    factory = RequestFactory()

    def page(view) -> int:
        request = factory.get("/api/v1/", {"page_size": 100}, HTTP_AUTHORIZATION=f"Bearer {key}")
        response = view.as_view()(request)
        response.render()
        assert response.status_code == 200, response.content[:300]
        return len(response.content)

    results = {}
    for label, view in (("with the rule", ruled), ("without the rule", plain)):
        with CaptureQueriesContext(connection) as queries:
            size = page(view)
        results[label] = (visibility.timed(lambda v=view: page(v), repeat=30), len(queries), size)
    with_rule, without_rule = results["with the rule"], results["without the rule"]
    print(f"API list of 100 {args.type} for an organisation's client ({args.items} items):")
    for label, (seconds, queries, size) in results.items():
        print(f"  {label:17} {seconds * 1000:7.1f} ms  {queries} queries  {size} bytes")
    ratio = with_rule[0] / without_rule[0]
    print(f"  ratio             {ratio:7.2f}x (goal <= 1.5x)")
    sys.stdout.flush()


if __name__ == "__main__":
    started = time.perf_counter()
    main()
