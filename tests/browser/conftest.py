"""Browser tests: Playwright driving Debian's headless Chromium against the live portal."""

import io
import os
import shutil

import pytest
from django.core.management import call_command

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
# Playwright's sync API runs an event loop in the test thread; Django must allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Chromium is needed for the browser tests: {CHROMIUM} is missing "
            "(make chromium installs it)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


# Who looks at a page in the generated walks: the first of these demo users who may open it.
DEMO_VIEWERS = ("fr.ncp", "fr.admin", "ec.admin", "ilo.fr.tr")


# The demo network is made by its seed commands once per test process, then copied into a
# schema of the test database; each test that asks for it gets that copy back (the flush at the
# end of the previous transactional test emptied the tables).
DEMO_SCHEMA = "iconet_test_demo"
demo_tables: list[tuple[str, str]] = []


@pytest.fixture(scope="session")
def demo_media(tmp_path_factory):
    """The files of the demo network (images of fraud notes, attachments), kept for the session
    like its rows."""
    return tmp_path_factory.mktemp("demo_media")


def demo_network_build() -> None:
    from iconet.models import User
    from iconet.search.saved_searches import saved_search_create
    from tests.items import item_make

    out = io.StringIO()
    for command in (
        "seed_demo",
        "seed_alerts_demo",
        "seed_documents_demo",
        "seed_ilo_demo",
        "seed_returns_demo",
        "seed_workspaces_demo",
    ):
        call_command(command, stdout=out)
    fr_ncp = User.objects.get(username="fr.ncp")
    saved_search_create(
        user=fr_ncp, name="Routes through the Balkans", query="route", frequency="daily", filters={}
    )
    item_make("alerts.alert", author=fr_ncp, audience="owner")


@pytest.fixture
def demo_network(transactional_db, settings, demo_media):
    """The demo network that `make run` loads, with a saved search and a fresh draft: the demo
    viewers by username."""
    from iconet.models import User
    from tests.conftest import snapshot_copy, snapshot_load

    settings.MEDIA_ROOT = demo_media
    if demo_tables:
        snapshot_load(DEMO_SCHEMA, demo_tables, empty_first=True)
    else:
        demo_network_build()
        demo_tables[:] = snapshot_copy(DEMO_SCHEMA)
    return {username: User.objects.get(username=username) for username in DEMO_VIEWERS}
