"""An item's footprint and its retention review in the browser, without JavaScript: the owner
opens the footprint from the item's page and sees every way it went; a due review's mail
reaches the contact point through the real worker and SMTP server, who answers it from the
link."""

import re

import pytest
from playwright.sync_api import expect

from iconet.models import ItemRetention
from iconet.retention import services as retention
from tests.browser.test_accessibility import sign_in_browser
from tests.core.test_footprint import item_shared_every_way
from tests.core.test_retention import item_due

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_owner_follows_the_footprint_from_the_item(browser, live_server, cast):
    item, group, _disclosure = item_shared_every_way(cast, "alerts.alert")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in_browser(page, live_server, cast.fr_ncp)
        page.goto(item.get_absolute_url())
        page.get_by_role("link", name="Footprint").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            f"Footprint of {item.reference}", use_inner_text=True
        )
        readers = page.locator("section:has(#readers-title)")
        expect(readers).to_contain_text(f"Access group: {group.name}")
        expect(readers).to_contain_text(str(cast.es_ncp.organisation))
        expect(page.get_by_role("heading", name="Who read it")).to_be_visible()
        expect(page.get_by_role("button", name=re.compile("Narrow"))).to_be_visible()
        page.get_by_role("link", name="Retention and review").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(item.reference)
    finally:
        context.close()


def test_a_review_is_answered_from_its_mail(
    browser, live_server, cast, smtp_server, celery_worker, settings
):
    settings.SITE_URL = live_server.url
    item = item_due(cast, "alerts.alert")
    assert retention.reviews_ask() == 1
    mails = [m for m in smtp_server.wait_for(1, timeout=30) if m["To"] == cast.fr_ncp.email]
    assert mails, "no review mail reached the owner's contact point"
    assert item.reference in mails[0]["Subject"]
    body = mails[0].get_payload(decode=True).decode()
    assert item.title not in body  # the mail names the item by its reference only
    link = re.search(r"https?://\S+", body).group(0)

    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in_browser(page, live_server, cast.fr_ncp)
        page.goto(link)
        expect(page.get_by_role("heading", level=1)).to_contain_text(item.reference)
        # Keeping needs a reason: the page says so and keeps the choice.
        page.get_by_label("Keep it for another period").check()
        page.get_by_role("button", name="Send the decision").click()
        expect(page.locator("body")).to_contain_text("Say why the item is kept")
        expect(page.get_by_label("Keep it for another period")).to_be_checked()
        page.get_by_label("Reason").fill("Still under investigation by the joint unit.")
        page.get_by_role("button", name="Send the decision").click()
        expect(page.locator("body")).to_contain_text("Saved.")
    finally:
        context.close()
    record = ItemRetention.objects.get(object_id=item.pk)
    assert record.status == ItemRetention.Status.KEPT and record.decided_by == cast.fr_ncp
