"""An early warning from one Member State to another, end to end, in the browser and without
JavaScript: France drafts and publishes, the e-mail reaches Germany's contact point through
the real worker and SMTP server, Germany acknowledges from the link, France sees it."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_alert_from_draft_to_acknowledgement(
    browser, live_server, cast, smtp_server, celery_worker, settings
):
    settings.SITE_URL = live_server.url
    france = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    germany = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    fr_page, de_page = france.new_page(), germany.new_page()
    sign_in_browser(fr_page, live_server, cast.fr_ncp)
    sign_in_browser(de_page, live_server, cast.de_ncp)

    # France drafts the alert; a mistake is reported and what was typed stays.
    fr_page.goto("/alerts/new/")
    fr_page.get_by_label("Headline").fill("Forged visas sold on the Balkan route")
    fr_page.get_by_role("button", name="Save draft").click()
    expect(fr_page.locator("body")).to_contain_text("There is a problem")
    expect(fr_page.get_by_label("Headline")).to_have_value("Forged visas sold on the Balkan route")
    fr_page.get_by_label("Summary").fill(
        "Groups of 10 to 15 travel with forged Schengen visas bought in transit."
    )
    fr_page.get_by_label("Observed from").fill("2026-11-02")
    fr_page.get_by_label("Immediate").check()
    # The destination states stand in a section of their own, opened from its summary.
    germany_box = fr_page.get_by_label("Germany (DE)")
    if not germany_box.is_visible():
        fr_page.locator("details:has(#id_destination_states_10) > summary").click()
    germany_box.check()
    fr_page.get_by_role("button", name="Save draft").click()
    # The saved draft's own page, with its reference, before the reference and the address are read.
    expect(fr_page).to_have_url(re.compile(r"/alerts/\d+/$"))
    expect(fr_page.locator("body")).to_contain_text(re.compile(r"EWS-\d{4}-FR-\d{4}"))
    reference = re.search(r"EWS-\d{4}-FR-\d{4}", fr_page.content()).group(0)

    # Germany cannot see the draft.
    alert_url = fr_page.url
    assert de_page.goto(alert_url).status == 404

    # France publishes to the whole network; Germany's contact point is the recipient.
    fr_page.get_by_role("link", name="Publish").first.click()
    expect(fr_page).to_have_url(re.compile(r"/alerts/\d+/publish/$"))
    fr_page.wait_for_load_state()
    assert "de_ncp" in fr_page.content() or str(cast.de_ncp) in fr_page.content()
    fr_page.get_by_label("The whole network").check()
    fr_page.get_by_label("TLP:AMBER", exact=True).check()
    fr_page.get_by_role("button", name="Publish and notify").click()
    expect(fr_page.locator("body")).to_contain_text(
        f"{reference} is published; 1 recipient notified."
    )

    # The e-mail arrives through the worker and the SMTP server, with the marking and a link.
    mails = [m for m in smtp_server.wait_for(1, timeout=30) if m["To"] == cast.de_ncp.email]
    assert mails, "no e-mail reached Germany's contact point"
    body = mails[0].get_payload(decode=True).decode()
    assert "TLP:AMBER" in mails[0]["Subject"] and reference in mails[0]["Subject"]
    link = re.search(r"https?://\S+", body).group(0)

    # Germany follows the link and acknowledges with one click.
    de_page.goto(link)
    de_page.get_by_role("button", name="Acknowledge receipt").click()
    expect(de_page.locator("body")).to_contain_text("You acknowledged")

    # France sees who acknowledged.
    fr_page.goto(alert_url + "deliveries/")
    cells = (
        fr_page.get_by_role("row", name=re.compile(str(cast.de_ncp)))
        .get_by_role("cell")
        .all_inner_texts()
    )
    assert re.fullmatch(r"\d{1,2} \w{3} \d{4}, \d{2}:\d{2} CES?T", cells[-1].strip()), cells
    france.close()
    germany.close()
