"""A joint return operation in the browser, without JavaScript: France opens a seat offer to
Germany and the Netherlands, both request seats with their escort, France allocates and
confirms, and each participant sees its own allocation."""

import pytest
from playwright.sync_api import expect

from returns.models import Participation
from tests.browser.test_accessibility import sign_in_browser
from tests.returns.conftest import operation_published

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_seat_offer_from_opening_to_confirmed_allocation(browser, live_server, cast):
    operation = operation_published(cast.fr_ncp, capacity=10, code="JRO-LAGOS-BROWSER")
    contexts = {
        name: browser.new_context(base_url=live_server.url, java_script_enabled=False)
        for name in ("fr", "de", "nl")
    }
    pages = {name: context.new_page() for name, context in contexts.items()}
    for name, user in (("fr", cast.fr_ncp), ("de", cast.de_ncp), ("nl", cast.nl_ncp)):
        sign_in_browser(pages[name], live_server, user)
    url = operation.get_absolute_url()
    fr, de, nl = pages["fr"], pages["de"], pages["nl"]

    # Before the offer, Germany cannot see the operation at all.
    assert de.goto(url).status == 404

    # France opens the seat offer to Germany and the Netherlands.
    fr.goto(url)
    fr.get_by_role("link", name="Open the seat offer").click()
    fr.get_by_label("Germany (DE)").check()
    fr.get_by_label("Netherlands (NL)").check()
    fr.get_by_label("Offer deadline").fill("2099-01-31")
    fr.get_by_role("button", name="Open the seat offer").click()
    expect(fr.locator("body")).to_contain_text("Seat offer open; 2 contact points told.")

    # Each state replies with its seats and escort composition (counts only).
    for page, seats in ((de, "6"), (nl, "5")):
        assert page.goto(url).status == 200
        page.get_by_role("link", name="Reply to the seat offer").click()
        page.get_by_label("Interested", exact=True).check()
        page.get_by_label("Seats requested").fill(seats)
        page.get_by_label("Escort leaders").fill("1")
        page.get_by_label("Escorts", exact=True).fill("2")
        page.get_by_role("button", name="Send the reply").click()
        expect(page.locator("body")).to_contain_text("Your reply to the seat offer was sent.")

    # France allocates within the capacity of 10 (a request beyond it is refused) and confirms.
    rows = {
        p.organisation.country_id: p.pk
        for p in Participation.objects.select_related("organisation")
    }
    fr.goto(url)
    # Each allocation's page is waited for before the next one is typed into it.
    for country, seats, outcome in (
        ("DE", "6", "Seats allocated."),
        ("NL", "5", "Not enough free seats"),
    ):
        fr.fill(f"#seats-{rows[country]}", seats)
        fr.locator(f"form:has(#seats-{rows[country]}) button").click()
        expect(fr.locator("body")).to_contain_text(outcome)
    fr.fill(f"#seats-{rows['NL']}", "4")
    fr.locator(f"form:has(#seats-{rows['NL']}) button").click()
    expect(fr.locator("body")).to_contain_text("10 of 10 seats allocated; 0 free.")
    fr.get_by_label("Move the operation to").select_option("confirmed")
    fr.get_by_role("button", name="Change status").click()
    expect(fr.locator("body")).to_contain_text("The operation is now confirmed.")

    # Each participant sees its own allocation, and the confirmed operation.
    de.goto(url)
    assert "Your organisation requested 6 seats; 6 allocated." in de.content()
    assert "Confirmed" in de.locator("#operation-status").text_content()
    nl.goto(url)
    assert "Your organisation requested 5 seats; 4 allocated." in nl.content()
    for context in contexts.values():
        context.close()
