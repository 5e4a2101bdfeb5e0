"""A person signs in through the browser with a password and an authenticator app."""

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_first_sign_in_with_enrolment_then_the_portal(page):
    user = UserFactory(username="camille", first_name="Camille", last_name="Martin")
    page.goto("/")
    assert "/accounts/sign-in/" in page.url
    page.get_by_label("Username").fill("camille")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    expect(page).to_have_url(re.compile(r"/two-factor/setup/"))
    expect(page.locator("svg").first).to_be_attached()  # at least one
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page.get_by_label("Verification code").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role(
        "button", name=re.compile("Verify|Confirm|Continue|Set up", re.I)
    ).first.click()
    expect(page).to_have_url(re.compile(r"/backup-codes/"))
    expect(page.get_by_text(re.compile(r"\b[a-z2-9]{5}-[a-z2-9]{5}\b")).first).to_be_visible()
    page.wait_for_load_state()  # every code, before they are read
    codes = re.findall(r"\b[a-z2-9]{5}-[a-z2-9]{5}\b", page.content())
    assert len(set(codes)) == 10
    page.goto("/")
    assert page.url.rstrip("/").endswith(page.url.split("/")[2])  # on the home page, not redirected
    assert page.get_by_role("main").is_visible()
    assert "Camille Martin" in page.locator("header").inner_text()


def test_keyboard_users_can_skip_to_the_content(page):
    page.goto("/accounts/password-reset/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
