"""The publish page in the browser, without JavaScript: who will be told follows the audience
the user chooses, and publishing to nobody is only done after an explicit confirmation."""

import pytest

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
    assert page.get_by_label("The whole network").is_checked()
    names = preview_names(page)
    assert any(str(cast.nl_ncp) in n for n in names) and any(str(cast.be_ncp) in n for n in names)

    # Owner only: the preview says nobody will be told.
    page.get_by_label("Owner organisation only").check()
    page.get_by_role("button", name="Show who will be told").click()
    assert preview_names(page) == []
    assert "nobody will be told" in page.content()
    assert page.get_by_label("Owner organisation only").is_checked()

    # Publishing so is stopped once, with a box to confirm.
    page.get_by_role("button", name="Publish and notify").click()
    assert "There is a problem" in page.content()
    assert Alert.objects.get(pk=draft.pk).state == "draft"
    page.get_by_label("Owner organisation only").check()
    page.get_by_label("Publish without telling anyone").check()
    page.get_by_role("button", name="Publish and notify").click()
    assert "Nobody was told of it." in page.content()
    assert "notice--success" not in page.content()
    assert Alert.objects.get(pk=draft.pk).state == "published"
    context.close()
