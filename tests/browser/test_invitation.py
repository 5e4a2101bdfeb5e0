"""A national administrator asks for a colleague's account in the browser; a second
administrator finds the request on his home page and approves it; only then the invitation
reaches the colleague through the outbox, the real worker and SMTP server; he chooses his
password from the link, enrols his authenticator app and signs in. Nobody but him ever knows
the password, and the sent mail's row in the outbox keeps no link."""

import re
from urllib.parse import urlsplit

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from iconet.models import EmailDelivery, User
from tests.browser.test_accessibility import sign_in_browser, violations
from tests.conftest import until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Neuf chats gris à Lyon"


def test_invite_a_user_who_chooses_a_password_enrols_and_signs_in(
    browser,
    live_server,
    cast,
    smtp_server,
    celery_worker,
    settings,
):
    settings.SITE_URL = live_server.url
    admin_context = browser.new_context(base_url=live_server.url, locale="en-GB")
    admin = admin_context.new_page()
    sign_in_browser(admin, live_server, cast.fr_admin)
    admin.goto("/")
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="Administration").click()
    admin.get_by_role("link", name="Invite a user").first.click()
    expect(admin).to_have_url(re.compile(r"/users/invite/$"))
    expect(admin.get_by_label("User name")).to_be_visible()
    admin.wait_for_load_state()  # axe reads the whole page
    assert violations(admin) == []
    admin.get_by_label("User name").fill("camille")
    admin.get_by_label("First name").fill("Camille")
    admin.get_by_label("Last name").fill("Martin")
    admin.get_by_label("Work e-mail").fill("camille.martin@example.test")
    admin.get_by_label("Early-warning alerts").first.check()
    admin.get_by_role("button", name="Ask for the account").click()
    # The reason is required for a change of access: the error summary says so.
    expect(admin.locator("body")).to_contain_text("There is a problem")
    admin.get_by_label("Reason for the change").fill("New analyst of the unit, ticket 4711")
    admin.get_by_role("button", name="Ask for the account").click()
    expect(admin.locator("body")).to_contain_text("takes effect once a second administrator")
    admin.wait_for_load_state()  # axe reads the whole page
    assert violations(admin) == []
    # The requester cannot decide his own request: the page offers him no decision.
    expect(admin.get_by_role("main")).to_contain_text("a second administrator decides it")
    assert admin.get_by_role("button", name="Record the decision").count() == 0
    assert not User.objects.filter(username="camille").exists()

    # France has one national administrator: a Commission administrator approves.
    approver_context = browser.new_context(base_url=live_server.url, locale="en-GB")
    approver = approver_context.new_page()
    sign_in_browser(approver, live_server, cast.commission_admin)
    approver.goto("/")
    waiting = approver.get_by_role("region", name="Changes of access waiting for your approval")
    waiting.get_by_role("link", name="Creation of an account (invitation)").click()
    expect(approver.get_by_role("main")).to_contain_text("camille.martin@example.test")
    approver.get_by_label("Approve: the change takes effect now").check()
    approver.get_by_role("button", name="Record the decision").click()
    expect(approver.locator("body")).to_contain_text("The decision is recorded")
    approver.wait_for_load_state()
    assert violations(approver) == []
    camille = User.objects.get(username="camille")
    assert not camille.has_usable_password()

    mails = [
        m for m in smtp_server.wait_for(1, timeout=30) if m["To"] == "camille.martin@example.test"
    ]
    assert mails, "the invitation did not arrive"
    body = mails[0].get_payload(decode=True).decode()
    link = re.search(r"https?://\S+/invitation/\S+", body).group(0)
    # Once sent, the outbox keeps the subject and headers, not the link.
    sent = EmailDelivery.objects.get(recipient=camille, key__startswith="invitation:")
    assert until(lambda: EmailDelivery.objects.get(pk=sent.pk).body == "")
    assert not EmailDelivery.objects.filter(body__contains=urlsplit(link).path).exists()

    invited_context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = invited_context.new_page()
    page.goto(urlsplit(link).path)
    assert "camille" in page.content()
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password again").fill(PASSWORD)
    page.get_by_role("button", name="Set my password").click()
    expect(page).to_have_url(re.compile(r"/two-factor/setup/"))
    device = TOTPDevice.objects.get(user=camille, confirmed=False)
    page.get_by_label("Verification code").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role(
        "button", name=re.compile("Verify|Confirm|Continue|Set up", re.I)
    ).first.click()
    expect(page).to_have_url(re.compile(r"/backup-codes/"))

    # Signing out and in again: password, then the next code of the authenticator app.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/"))  # signed out, before going on
    page.goto("/")
    page.get_by_label("Username").fill("camille")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    expect(page).to_have_url(re.compile(r"/two-factor/verify/"))
    page.get_by_label("Verification code").fill(f"{totp(device.bin_key, drift=1):06d}")
    page.get_by_role("button", name=re.compile("Verify|Continue|Sign in", re.I)).first.click()
    # Past the second factor: the page it opens shows who is signed in.
    expect(page).not_to_have_url(re.compile(r"/two-factor/"))
    expect(page.locator("header")).to_contain_text("Camille Martin", use_inner_text=True)
    expect(page.get_by_role("main")).to_be_visible()

    # The link worked once.
    page.goto(urlsplit(link).path)
    assert "no longer valid" in page.content()
    admin_context.close()
    approver_context.close()
    invited_context.close()
