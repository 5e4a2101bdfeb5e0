"""Keyboard shortcuts: "?" opens their help in an accessible dialog, "/" focuses the search,
j and k walk the rows of a list, "a" acknowledges the alert shown, "f" follows the item; a key
typed in a field is left to the field."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from iconet.models import ItemFollow
from iconet.sharing.services import item_publish
from tests.alerts.conftest import alert_draft
from tests.browser.test_accessibility import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_shortcuts_act_and_never_fire_inside_a_field(browser, live_server, cast):
    alerts = []
    for headline in ("First route", "Second route"):
        alert = alert_draft(cast.fr_ncp, destinations=["DE"], headline=headline)
        item_publish(actor=cast.fr_ncp, item=alert, audience="network", marking="AMBER")
        alerts.append(alert)
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    page = context.new_page()
    sign_in_browser(page, live_server, cast.de_ncp)
    page.goto(reverse("alerts:list"))
    # The help, as a modal dialog with its heading; Escape closes it.
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Raccourcis clavier")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    # j and k move from row to row of the list.
    page.keyboard.press("j")
    page.keyboard.press("j")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == alerts[0].reference  # the list shows the newest first
    page.keyboard.press("k")
    assert page.evaluate("document.activeElement.textContent") == alerts[1].reference
    # "/" goes to the search; typed there, "?" and "j" are text, not shortcuts.
    page.keyboard.press("/")
    expect(page.locator("#site-search")).to_be_focused()
    page.keyboard.type("j?")
    expect(page.locator("#site-search")).to_have_value("j?")
    expect(dialog).to_be_hidden()
    # On the alert: "a" acknowledges it, "f" follows it.
    page.goto(alerts[0].get_absolute_url())
    page.keyboard.press("a")
    expect(page.locator("#acknowledge")).to_contain_text("Vous avez accusé réception")
    assert alerts[0].recipients.get(user=cast.de_ncp).acknowledged_at is not None
    page.keyboard.press("f")
    expect(page.get_by_role("button", name="Ne plus suivre")).to_be_visible()
    assert ItemFollow.objects.of_item(alerts[0]).filter(user=cast.de_ncp).exists()
    context.close()
