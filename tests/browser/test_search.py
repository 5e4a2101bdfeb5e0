"""The search page in Chromium: a user types words, reads ranked results with the matches
highlighted, narrows them by area and by country, with and without JavaScript, and never meets
an item that is not for them, whether in the results, the snippets or the counts. The page is
used with the keyboard alone and passes the accessibility rules."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from iconet.models import Audience
from tests.browser.test_accessibility import sign_in_browser, violations
from tests.items import item_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COUNT = re.compile(r"\((\d+)\)\s*$")


@pytest.fixture
def items(cast):
    """Three readable items holding the word, and one of another organisation's owner only."""
    return {
        # The word in the headline and the summary: it ranks first.
        "route": item_make(
            "alerts.alert",
            author=cast.fr_officer,
            headline="Zorblatt route through the Balkans",
            summary="Facilitators call it the zorblatt: lorries from Türkiye.",
            origin_country="TR",
            marking="GREEN",
        ),
        # The word once, in the summary only.
        "lorry": item_make(
            "alerts.alert",
            author=cast.de_ncp,
            headline="Refrigerated lorries at the port",
            summary="A zorblatt was seen once.",
            origin_country="MA",
            marking="AMBER",
        ),
        "note": item_make(
            "documents.documentnote",
            author=cast.de_ncp,
            title_text="Forged zorblatt stamps",
            marking="AMBER",
        ),
        "hidden": item_make(
            "alerts.alert",
            author=cast.es_ncp,
            audience=Audience.OWNER,
            headline="Zorblatt quixotrel secret remark",
            summary="Zorblatt zorblatt zorblatt.",
            origin_country="TR",
            marking="RED",
        ),
    }


def shown(page) -> list[str]:
    """The titles of the results, in their order."""
    return page.locator(".search-results__item h3").all_inner_texts()


def facet_counts(page, heading: str) -> dict[str, int]:
    group = page.locator(".facets h3", has_text=heading).locator("xpath=following-sibling::ul[1]")
    counts = {}
    for text in group.locator("li").all_inner_texts():
        found = COUNT.search(text)
        if found:
            counts[text[: found.start()].strip()] = int(found.group(1))
    return counts


def total(page) -> int:
    return int(page.locator("#results-title").inner_text().split()[0])


def assert_nothing_hidden(page, items):
    html = page.content()
    assert "quixotrel" not in html.lower()
    assert items["hidden"].get_absolute_url() not in html
    assert "RED" not in facet_counts(page, "Handling marking")
    assert "marking=RED" not in html


def facet_links(page, heading: str) -> dict[str, int]:
    """A facet's counts by the query of its link."""
    group = page.locator(".facets h3", has_text=heading).locator("xpath=following-sibling::ul[1]")
    counts = {}
    for entry in group.locator("li").all():
        found = COUNT.search(entry.inner_text())
        if found:
            counts[entry.locator("a").get_attribute("href")] = int(found.group(1))
    return counts


def assert_counts_match(page, items):
    """Every facet counts the results shown, no more."""
    hits = page.locator(".search-results__item")
    assert total(page) == hits.count()  # one page of results here
    by_url = {item.get_absolute_url(): item for item in items.values()}
    shown_items = [
        by_url[href]
        for href in hits.locator("h3 a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
    ]
    by_type: dict[str, int] = {}
    for href, n in facet_links(page, "Type of information").items():
        slug = re.search(r"type=([\w.]+)", href).group(1)
        by_type[slug] = n
    assert by_type == {
        item.type_slug(): sum(other.type_slug() == item.type_slug() for other in shown_items)
        for item in shown_items
    }
    assert facet_counts(page, "Handling marking") == {
        f"TLP:{item.marking}": sum(other.marking == item.marking for other in shown_items)
        for item in shown_items
    }
    assert sum(facet_counts(page, "Year").values()) == hits.count()


@pytest.mark.parametrize("javascript", [False, True], ids=["without-js", "with-js"])
def test_a_user_searches_and_narrows_the_results(browser, live_server, cast, items, javascript):
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", java_script_enabled=javascript
    )
    page = context.new_page()
    sign_in_browser(page, live_server, cast.fr_ncp)
    page.goto(reverse("search"))

    page.get_by_label("Search for").fill("zorblatt")
    page.get_by_label("Search for").press("Enter")
    page.wait_for_url("**/search/?q=zorblatt*")
    assert total(page) == 3
    titles = shown(page)
    assert set(titles) == {
        "Zorblatt route through the Balkans",
        "Refrigerated lorries at the port",
        "Forged zorblatt stamps",
    }
    assert titles.index("Zorblatt route through the Balkans") < titles.index(
        "Refrigerated lorries at the port"
    )
    first = page.locator(".search-results__item").first
    assert first.locator(".search-results__snippet mark").first.inner_text().lower() == "zorblatt"
    assert_counts_match(page, items)
    assert_nothing_hidden(page, items)

    # Narrowing by area: the type's facet keeps the words searched.
    page.locator(".facets a[href*='type=alerts.alert']").click()
    expect(page).to_have_url(re.compile(r"[?&]type=alerts\.alert(&|$)"))
    page.wait_for_load_state()  # the whole page, before its results and facets are read
    assert page.get_by_label("Search for").input_value() == "zorblatt"
    assert total(page) == 2 and "Forged zorblatt stamps" not in shown(page)
    assert_counts_match(page, items)
    assert_nothing_hidden(page, items)

    # Narrowing by country: the origin of the alert, in the filters after the results.
    page.locator("#filters-fields").get_by_label("Country").select_option("TR")
    page.locator("#filters-fields").get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"[?&]country=TR(&|$)"))
    page.wait_for_load_state()
    assert shown(page) == ["Zorblatt route through the Balkans"]
    assert_counts_match(page, items)
    assert_nothing_hidden(page, items)

    # Clearing the filters keeps the words; the area's filter narrows to the documents.
    page.locator("#filters-fields").get_by_role("link", name="Clear filters").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=zorblatt$"))
    page.wait_for_load_state()
    assert total(page) == 3
    page.locator("#filters-fields").get_by_label("Area").select_option("documents")
    page.locator("#filters-fields").get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"[?&]area=documents(&|$)"))
    page.wait_for_load_state()
    assert shown(page) == ["Forged zorblatt stamps"]
    assert_counts_match(page, items)
    context.close()


def test_the_owner_only_item_alone_gives_nothing(page, live_server, cast, items):
    sign_in_browser(page, live_server, cast.fr_ncp)
    page.goto(reverse("search") + "?q=quixotrel")
    assert "No information you may read matches this search." in page.inner_text("main")
    assert page.locator(".search-results__item").count() == 0
    assert "quixotrel" not in page.inner_text("main").replace("quixotrel", "", 1).lower()
    assert page.locator(".facets").count() == 0
    # Its owner finds it: the word is there to be found.
    sign_in_browser(page, live_server, cast.es_ncp)
    page.goto(reverse("search") + "?q=quixotrel")
    assert shown(page) == ["Zorblatt quixotrel secret remark"]


def test_the_search_page_with_the_keyboard(page, live_server, cast, items):
    sign_in_browser(page, live_server, cast.fr_ncp)
    page.goto(reverse("search"))
    field = page.get_by_label("Search for")
    assert field.get_attribute("type") == "search"
    field.focus()
    page.keyboard.type("zorblatt")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=zorblatt*")

    # From the search field, Tab reaches the first result before the facets and the filters.
    page.get_by_label("Search for").focus()
    reached = []
    for _ in range(10):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.textContent.trim()"))
        if page.evaluate("!!document.activeElement.closest('.search-results__item')"):
            break
    else:
        pytest.fail(f"Tab never reached a result: {reached}")
    assert page.evaluate("!document.activeElement.closest('.facets, #filters')")

    # Landmarks: the header, the navigation, the page's search, its main part, the footer.
    for role, name in [
        ("banner", None),
        ("navigation", None),
        ("search", "Search"),
        ("main", None),
        ("contentinfo", None),
    ]:
        landmark = page.get_by_role(role, name=name, exact=True) if name else page.get_by_role(role)
        assert landmark.count() >= 1, f"no {role} landmark"
    assert page.locator("main").get_by_role("search").count() == 1
    assert violations(page) == []
