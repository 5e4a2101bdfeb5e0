"""A national administrator invites a colleague in the browser; the invitation reaches him
through the outbox, the real worker and SMTP server; he chooses his password from the link,
enrols his authenticator app and signs in. Nobody but him ever knows the password."""

import re
from urllib.parse import urlsplit

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from iconet.models import User
from tests.browser.test_accessibility import sign_in_browser, violations

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
    assert violations(admin) == []
    admin.get_by_label("User name").fill("camille")
    admin.get_by_label("First name").fill("Camille")
    admin.get_by_label("Last name").fill("Martin")
    admin.get_by_label("Work e-mail").fill("camille.martin@example.test")
    admin.get_by_label("Early-warning alerts").first.check()
    admin.get_by_role("button", name="Send the invitation").click()
    # The reason is required for a change of access: the error summary says so.
    assert "There is a problem" in admin.content()
    admin.get_by_label("Reason for the change").fill("New analyst of the unit, ticket 4711")
    admin.get_by_role("button", name="Send the invitation").click()
    assert "The invitation is on its way to camille.martin@example.test." in admin.content()
    assert violations(admin) == []
    camille = User.objects.get(username="camille")
    assert not camille.has_usable_password()

    mails = [
        m for m in smtp_server.wait_for(1, timeout=30) if m["To"] == "camille.martin@example.test"
    ]
    assert mails, "the invitation did not arrive"
    body = mails[0].get_payload(decode=True).decode()
    link = re.search(r"https?://\S+/invitation/\S+", body).group(0)

    invited_context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = invited_context.new_page()
    page.goto(urlsplit(link).path)
    assert "camille" in page.content()
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password again").fill(PASSWORD)
    page.get_by_role("button", name="Set my password").click()
    assert "/two-factor/setup/" in page.url
    device = TOTPDevice.objects.get(user=camille, confirmed=False)
    page.get_by_label("Verification code").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role(
        "button", name=re.compile("Verify|Confirm|Continue|Set up", re.I)
    ).first.click()
    assert "/backup-codes/" in page.url

    # Signing out and in again: password, then the next code of the authenticator app.
    page.get_by_role("button", name="Sign out").click()
    page.goto("/")
    page.get_by_label("Username").fill("camille")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    assert "/two-factor/verify/" in page.url
    page.get_by_label("Verification code").fill(f"{totp(device.bin_key, drift=1):06d}")
    page.get_by_role("button", name=re.compile("Verify|Continue|Sign in", re.I)).first.click()
    assert "Camille Martin" in page.locator("header").inner_text()
    assert page.get_by_role("main").is_visible() and "/two-factor/" not in page.url

    # The link worked once.
    page.goto(urlsplit(link).path)
    assert "no longer valid" in page.content()
    admin_context.close()
    invited_context.close()
