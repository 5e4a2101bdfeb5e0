"""Every page of the portal passes axe-core's WCAG 2.1 A and AA rules: the generated walk of
tests/browser/walk.py (each page without an argument, every item page of the policy for one
item of each registered type, a user's own saved search and export), so that a new page is
checked the day it exists.
"""

import pytest

from iconet.sharing.registry import shared_item_models
from tests.browser.test_accessibility import sign_in_browser, violations
from tests.browser.walk import walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_every_page_passes_axe(browser, live_server, demo_network):
    users, pages_seen = walk(demo_network)
    pages = {}
    failures: dict[str, list[str]] = {}
    for name, url, username in pages_seen:
        if username not in pages:
            context = browser.new_context(base_url=live_server.url, locale="en-GB")
            pages[username] = context.new_page()
            sign_in_browser(pages[username], live_server, users[username])
        page = pages[username]
        page.goto(url)
        found = violations(page)
        if found:
            failures[f"{name} {url} ({username})"] = found
    for page in pages.values():
        page.context.close()

    seen = {name for name, _url, _username in pages_seen}
    # Every type's own page was reached, and the walk held the pages users live on.
    for model in shared_item_models().values():
        # The type's own page is the one its declaration names (workspaces:document, …).
        assert model.declaration.detail_url in seen, (
            f"no detail page of {model._meta.label} was checked"
        )
    assert {"home", "search", "alerts:list", "sharing:history", "exports:detail"} <= seen
    assert {"accounts:saved_search_edit", "administration:users"} <= seen
    assert not failures, "\n".join(f"{page}: {found}" for page, found in failures.items())
