"""The alert form in collapsible sections, without JavaScript: the contents list tells where a
required field is missing, the section with the error opens by itself and says what to do,
what was typed stays, and the saved draft offers Publish in the first screen."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.test_accessibility import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORT = {"width": 1280, "height": 720}


def section_open(page, number: int) -> bool:
    return page.locator(f"details#section-{number}").evaluate("d => d.open")


def test_an_alert_is_drafted_section_by_section(browser, live_server, cast):
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport=VIEWPORT
    )
    page = context.new_page()
    sign_in_browser(page, live_server, cast.fr_ncp)
    page.goto(reverse("alerts:create"))

    # The contents list says where required fields wait; only that section is open.
    contents = page.get_by_role("navigation", name="Sections of the alert")
    assert re.search(r"The alert\s+\d required fields to fill in", contents.inner_text(), re.I)
    assert re.search(r"Geography\s+optional", contents.inner_text(), re.I)
    assert section_open(page, 1) and not section_open(page, 2)
    assert "(required)" in page.locator("label[for=id_headline]").inner_text()
    required_part = page.locator("details#section-1").inner_text().split("Observed until")[0]
    assert "(optional)" not in required_part

    page.get_by_label("Immediate").check()
    page.get_by_label("Change of route").check()
    page.get_by_label("Headline").fill("Forged visas sold on the Balkan route")
    page.get_by_label("Summary").fill("Groups of 10 to 15 travel with forged Schengen visas.")
    # A closed section opens from its summary; what is typed there is kept too.
    page.locator("details#section-2 > summary").click()
    page.get_by_label("Germany (DE)").check()
    page.get_by_label("Crossing point, airport or port").fill("Sofia airport")
    page.get_by_role("button", name="Save draft").click()

    # The period is missing: its section is open, the others closed, and the error says what to do.
    expect(page.locator("body")).to_contain_text("There is a problem")
    page.wait_for_load_state()  # the whole page, before what it must not hold is read
    assert section_open(page, 1)
    assert not section_open(page, 2) and not section_open(page, 4)
    expect(contents).to_contain_text(
        re.compile(r"The alert\s+1 error\b", re.I), use_inner_text=True
    )
    expect(page.locator("#id_period_from_error")).to_contain_text(
        "Enter the first day the phenomenon was observed", use_inner_text=True
    )
    assert "This field is required" not in page.content()
    expect(page.get_by_label("Headline")).to_have_value("Forged visas sold on the Balkan route")
    expect(page.get_by_label("Crossing point, airport or port")).to_have_value("Sofia airport")
    expect(page.get_by_label("Germany (DE)")).to_be_checked()

    page.get_by_label("Observed from").fill("2026-11-02")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("body")).to_contain_text(re.compile(r"Draft EWS-\d{4}-FR-\d{4} saved"))

    # Publish is in the first screen of the saved draft, without scrolling.
    page.wait_for_load_state()
    publish = page.get_by_role("link", name="Publish", exact=True).first
    box = publish.bounding_box()
    assert box is not None and box["y"] + box["height"] <= VIEWPORT["height"], box
    assert page.evaluate("window.scrollY") == 0
    context.close()
