"""Small wording and state faults a new user meets: what a page says after signing out, after
typing a code twice, and in the dates of mails and image marks."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import verified_client
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_signing_out_says_you_are_signed_out(cast):
    client = verified_client(cast.fr_officer)
    response = client.post(reverse("accounts:logout"), follow=True)
    assert response.status_code == 200
    assert "You are signed out." in response.content.decode()
    assert client.get(reverse("home")).status_code == 302  # and is


def test_a_code_typed_twice_says_it_was_used_and_to_wait_for_the_next(cast):
    device = TOTPDevice.objects.create(user=cast.de_ncp, name="phone", confirmed=True)
    code = f"{totp(device.bin_key):06d}"
    first = Client()
    first.post(reverse("accounts:login"), {"username": cast.de_ncp.username, "password": PASSWORD})
    assert first.post(reverse("accounts:otp_verify"), {"token": code}).status_code == 302
    second = Client()
    second.post(reverse("accounts:login"), {"username": cast.de_ncp.username, "password": PASSWORD})
    page = second.post(reverse("accounts:otp_verify"), {"token": code}).content.decode()
    assert "already used" in page and "wait for the next code" in page
    assert "too many attempts" not in page
    wrong = second.post(reverse("accounts:otp_verify"), {"token": "000000"}).content.decode()
    if code != "000000":
        assert "not valid" in wrong and "already used" not in wrong
