"""The lists on a phone, in French: nothing scrolls sideways, the results come first and the
filters wait in a block behind a "Filtrer" link; on a wide screen they stand beside the
results. Checked on every area's list that has filters."""

import pytest
from django.urls import reverse

from iconet.areas import item_types
from iconet.models import User
from tests.browser.test_accessibility import sign_in_browser
from tests.items import item_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 800}
LISTS = [(item_type.model, item_type.list_url) for _area, item_type in item_types()]


def top(page, selector) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box["y"]


@pytest.mark.parametrize("model,url_name", LISTS, ids=[url for _model, url in LISTS])
def test_a_list_on_a_phone_in_french(browser, live_server, cast, model, url_name):
    for _ in range(3):
        item_make(model.type_slug(), author=cast.fr_officer, audience="network")
    User.objects.filter(pk=cast.fr_ncp.pk).update(language="fr")
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, locale="fr-FR", java_script_enabled=False
    )
    page = context.new_page()
    sign_in_browser(page, live_server, cast.fr_ncp)
    page.goto(reverse(url_name))
    assert page.locator("html").get_attribute("lang") == "fr"

    width = page.evaluate(
        "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    assert width[0] <= width[1], f"the page scrolls sideways: {width}"
    if not page.locator("#filters").count():
        context.close()
        return  # a list without filters
    assert top(page, ".list-layout__results tbody tr") < top(page, "#filters")
    assert not page.locator("#filters-fields").is_visible()

    # The "Filtrer" link at the top opens the filters, without JavaScript.
    page.get_by_role("link", name="Filtrer").click()
    assert page.locator("#filters-fields").is_visible()
    page.locator("#filters-fields").get_by_role("button", name="Appliquer").click()
    width = page.evaluate(
        "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
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
