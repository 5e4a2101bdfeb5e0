"""The pages on a phone, in English and in French: nothing scrolls sideways, a table's rows are
readable without scrolling the table either (they stack into labelled rows), and the results
come first while the filters wait in a block behind a "Filter" link; on a wide screen they stand
beside the results.

Generated over the walk of tests/browser/walk.py (every page without an argument, every item
page of the policy for one item of each registered type, a user's own saved search and
export), so that a new page is covered the day it exists.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from iconet.models import User
from tests.browser.test_accessibility import sign_in_browser
from tests.browser.walk import PAGES, walk
from tests.items import item_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}
# Tables of figures (a month to a column) scroll inside their own frame, like a spreadsheet;
# they are not lists of rows.
FIGURE_PAGES = {"home", "documents:statistics"}


def test_the_generated_pages_hold_every_list():
    lists = {"alerts:list", "documents:list", "documents:gallery", "returns:list"}
    lists |= {"returns:operation_list", "ilo_reports:list", "ilo_reports:networks"}
    lists |= {"ilo_reports:postings", "ilo_reports:templates", "notifications", "search"}
    lists |= {"administration:users", "administration:groups", "administration:organisations"}
    lists |= {"sharing:disclosures", "exports:list", "accounts:saved_searches"}
    assert lists <= set(PAGES)


def top(page, selector) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box["y"]


PAGE_CHECK = """() => {
  const doc = document.scrollingElement;
  const tables = Array.from(document.querySelectorAll("main table"))
    .filter(table => !table.closest("form"))
    .filter(table => table.scrollWidth > table.parentElement.clientWidth + 1)
    .map(table => (table.caption ? table.caption.textContent.trim() : table.className));
  return {scroll: doc.scrollWidth, width: window.innerWidth, wideTables: tables};
}"""


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_list_on_a_phone(browser, live_server, demo_network, language):
    User.objects.update(language=language)  # the viewers and the items' authors alike
    users, pages_seen = walk(demo_network)
    contexts = {}
    failures: dict[str, list[str]] = {}
    checked = []
    for name, url, username in pages_seen:
        if username not in contexts:
            context = browser.new_context(
                base_url=live_server.url,
                viewport=PHONE,
                locale="fr-FR" if language == "fr" else "en-GB",
                java_script_enabled=False,
            )
            contexts[username] = context.new_page()
            sign_in_browser(contexts[username], live_server, users[username])
        page = contexts[username]
        page.goto(url)
        checked.append(name)
        found = []
        if page.locator("html").get_attribute("lang") != language:
            found.append(f"not in {language}")
        measure = page.evaluate(PAGE_CHECK)
        if measure["scroll"] > measure["width"]:
            found.append(f"the page scrolls sideways: {measure['scroll']} > {measure['width']}")
        if measure["wideTables"] and name not in FIGURE_PAGES:
            found.append(f"tables wider than the screen: {measure['wideTables']}")
        if page.locator("#filters").count():
            if top(page, ".list-layout__results") >= top(page, "#filters"):
                found.append("the filters come before the results")
            if page.locator("#filters-fields").is_visible():
                found.append("the filters are open before the user asks for them")
        if found:
            failures[f"{name} ({username})"] = found
    for page in contexts.values():
        page.context.close()
    assert "alerts:list" in checked and "administration:organisations" in checked
    assert not failures, "\n".join(f"{page}: {found}" for page, found in failures.items())


def test_the_filter_link_opens_the_filters_without_javascript(browser, live_server, cast):
    for _ in range(3):
        item_make("alerts.alert", author=cast.fr_officer, audience="network")
    User.objects.filter(pk=cast.fr_ncp.pk).update(language="fr")
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, locale="fr-FR", java_script_enabled=False
    )
    page = context.new_page()
    sign_in_browser(page, live_server, cast.fr_ncp)
    page.goto(reverse("alerts:list"))
    assert top(page, ".list-layout__results tbody tr") < top(page, "#filters")
    assert not page.locator("#filters-fields").is_visible()
    page.get_by_role("link", name="Filtrer").click()
    expect(page.locator("#filters-fields")).to_be_visible()
    page.locator("#filters-fields").get_by_role("button", name="Appliquer").click()
    # The filters are sent in the address; the page measured is the one they open, loaded.
    expect(page).to_have_url(re.compile(r"/alerts/\?"))
    page.wait_for_load_state("load")
    expect(page.locator(".list-layout__results")).to_be_visible()
    width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page scrolls sideways: {width}"
    context.close()


def test_on_a_wide_screen_the_filters_stand_beside_the_results(browser, live_server, cast):
    item_make("alerts.alert", author=cast.fr_officer, audience="network")
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_in_browser(page, live_server, cast.fr_ncp)
    page.goto(reverse("alerts:list"))
    assert page.locator("#filters-fields").is_visible()
    results = page.locator(".list-layout__results").bounding_box()
    filters = page.locator("#filters").bounding_box()
    assert filters["x"] > results["x"] + results["width"] - 1
    assert abs(filters["y"] - results["y"]) < 5
    context.close()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_at_1280_px_the_alert_list_is_not_cut(browser, live_server, cast, language):
    """Beside the filters, every column of the alert list shows without scrolling the table,
    for a recipient (with the acknowledgement boxes) and for the owner (with the counts)."""
    from iconet.sharing.services import item_publish
    from tests.alerts.conftest import alert_draft

    User.objects.filter(pk__in=[cast.de_ncp.pk, cast.fr_ncp.pk]).update(language=language)
    alert = alert_draft(
        cast.fr_ncp, destinations=["DE"], transit=["TR", "IT"], headline="Route change " * 6
    )
    item_publish(actor=cast.fr_ncp, item=alert, audience="network", marking="AMBER")
    for user in (cast.de_ncp, cast.fr_ncp):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 800}
        )
        page = context.new_page()
        sign_in_browser(page, live_server, user)
        page.goto(reverse("alerts:list"))
        sizes = page.evaluate(
            "(() => { const w = document.querySelector('.list-layout__results .table-wrap');"
            " return [w.scrollWidth, w.clientWidth]; })()"
        )
        assert sizes[0] <= sizes[1], f"{user.username}: the table is cut: {sizes}"
        context.close()
