"""Every page of the portal passes axe-core's WCAG 2.1 A and AA rules, generated over the URL
patterns so that a new page is checked the day it exists:

- every page that takes no argument (the walk of test_list_on_a_phone);
- every page of an item (tests/policy.py's ITEM_PAGES that answer GET), for one item of each
  registered type in the demo network;
- the personal pages of a user's own saved search and export.

Each page is seen, with the demo network's data, by the first demo user who may open it.
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from iconet.models import ExportJob, SavedSearch, State
from iconet.registry import shared_item_models
from tests import policy
from tests.browser.test_accessibility import sign_in_browser, violations
from tests.browser.test_list_on_a_phone import PAGES, QUERIES, viewer_of
from tests.conftest import verified_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def item_page_urls(item) -> list[tuple[str, str]]:
    """(URL name, address) of every item page the policy lists that answers GET for `item`
    and needs nothing beyond the item."""
    slug = item.type_slug()
    urls = []
    for name, page in sorted(policy.ITEM_PAGES.items()):
        if not page.get or page.needs or page.pdf or page.action == "download":
            continue
        if page.item_type and page.item_type != slug:
            continue
        namespace = name.partition(":")[0]
        try:
            if namespace == "sharing":
                url = reverse(name, args=[slug, item.pk])
            elif namespace == item._meta.app_label:
                url = reverse(name, args=[item.pk])
            else:
                continue
        except NoReverseMatch:
            continue
        urls.append((name, url))
    return urls


def demo_items() -> list:
    """One published item of each registered type (the newest), and one draft where the demo
    holds one."""
    items = []
    for model in shared_item_models().values():
        rows = model.objects.order_by("-pk")
        for state in (State.PUBLISHED, State.DRAFT):
            item = rows.filter(state=state).first()
            if item is not None:
                items.append(item)
    return items


def personal_urls(users) -> list[tuple[str, str]]:
    fr_ncp = users["fr.ncp"]
    saved = SavedSearch.objects.filter(user=fr_ncp).first()
    job = ExportJob.objects.create(
        owner=fr_ncp,
        source="alerts:list",
        format="csv",
        state=ExportJob.State.DONE,
        total=0,
        finished_at=timezone.now(),
    )
    job.file.save("export.csv", ContentFile(b"TLP:CLEAR\n"), save=True)
    return [
        ("accounts:saved_search_edit", reverse("accounts:saved_search_edit", args=[saved.pk])),
        ("exports:detail", reverse("exports:detail", args=[job.pk])),
    ]


def test_every_page_passes_axe(browser, live_server, demo_network):
    users = dict(demo_network)
    for item in demo_items():
        author = item.author
        users.setdefault(author.username, author)
    clients = {name: verified_client(user) for name, user in users.items()}
    targets = [(name, reverse(name) + QUERIES.get(name, "")) for name in PAGES]
    for item in demo_items():
        targets += item_page_urls(item)
    targets += personal_urls(users)

    pages = {}
    failures: dict[str, list[str]] = {}
    checked: dict[str, str] = {}
    for name, url in targets:
        username = viewer_of(url, clients)
        if username is None:
            continue  # a POST action, a download, a probe, or a page of another stage
        if username not in pages:
            context = browser.new_context(base_url=live_server.url, locale="en-GB")
            pages[username] = context.new_page()
            sign_in_browser(pages[username], live_server, users[username])
        page = pages[username]
        page.goto(url)
        checked[url] = name
        found = violations(page)
        if found:
            failures[f"{name} {url} ({username})"] = found
    for page in pages.values():
        page.context.close()

    seen = set(checked.values())
    # Every type's own page was reached, and the generated walk held the pages users live on.
    for model in shared_item_models().values():
        assert any(
            url_name.endswith("detail") and url_name.partition(":")[0] == model._meta.app_label
            for url_name in seen
        ), f"no detail page of {ContentType.objects.get_for_model(model)} was checked"
    assert {"home", "search", "alerts:list", "sharing:history", "exports:detail"} <= seen
    assert {"accounts:saved_search_edit", "administration:users"} <= seen
    assert failures == {}
