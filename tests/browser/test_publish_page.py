"""The publish page in the browser, without JavaScript: who will be told follows the audience
the user chooses, and publishing to nobody is only done after an explicit confirmation."""

import pytest
from playwright.sync_api import expect

from alerts.models import Alert
from tests.alerts.conftest import alert_draft
from tests.browser.test_accessibility import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def preview_names(page) -> list[str]:
    return page.locator("#preview li").all_inner_texts()


def test_the_preview_follows_the_audience_and_nobody_needs_a_confirmation(
    browser, live_server, cast
):
    draft = alert_draft(cast.fr_officer, destinations=["NL"], transit=["BE"])
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    sign_in_browser(page, live_server, cast.fr_ncp)

    page.goto(f"/alerts/{draft.pk}/")
    page.get_by_role("link", name="Publish").first.click()
    # Proposed: the whole network, which lets the destination and transit contact points read.
    expect(page.get_by_label("The whole network")).to_be_checked()
    page.wait_for_load_state()  # the whole preview, before its names are read
    names = preview_names(page)
    assert any(str(cast.nl_ncp) in n for n in names) and any(str(cast.be_ncp) in n for n in names)

    # Owner only: the preview says nobody will be told.
    page.get_by_label("Owner organisation only").check()
    page.get_by_role("button", name="Show who will be told").click()
    expect(page.locator("body")).to_contain_text("nobody will be told")
    page.wait_for_load_state()  # the whole page, before what it must no longer hold is counted
    expect(page.locator("#preview li")).to_have_count(0)
    expect(page.get_by_label("Owner organisation only")).to_be_checked()

    # Publishing so is stopped once, with a box to confirm.
    page.get_by_role("button", name="Publish and notify").click()
    expect(page.locator("body")).to_contain_text("There is a problem")
    assert Alert.objects.get(pk=draft.pk).state == "draft"
    page.get_by_label("Owner organisation only").check()
    page.get_by_label("Keep it for my organisation only").check()
    page.get_by_role("button", name="Publish and notify").click()
    # Nobody outside the organisation reads it: never called a publication.
    expect(page.locator("body")).to_contain_text("is kept for your organisation only")
    page.wait_for_load_state()  # the whole page, before what it must not hold is read
    assert "notice--success" not in page.content()
    assert Alert.objects.get(pk=draft.pk).state == "published"
    context.close()
