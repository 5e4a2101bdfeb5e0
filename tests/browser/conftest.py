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


@pytest.fixture
def demo_network(settings, tmp_path):
    """The demo network that `make run` loads, with a saved search and a fresh draft: the demo
    viewers by username."""
    from iconet.models import User
    from iconet.search.saved_searches import saved_search_create
    from tests.items import item_make

    settings.MEDIA_ROOT = tmp_path
    out = io.StringIO()
    for command in (
        "seed_demo",
        "seed_alerts_demo",
        "seed_documents_demo",
        "seed_ilo_demo",
        "seed_returns_demo",
    ):
        call_command(command, stdout=out)
    fr_ncp = User.objects.get(username="fr.ncp")
    saved_search_create(
        user=fr_ncp, name="Routes through the Balkans", query="route", frequency="daily", filters={}
    )
    item_make("alerts.alert", author=fr_ncp, audience="owner")
    return {username: User.objects.get(username=username) for username in DEMO_VIEWERS}
