"""One's own account: change one's password (current one and second factor), see and end
one's sessions (tracked at sign-in)."""

import time

from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from iconet.models import UserSession
from tests.factories import PASSWORD

NEW_PASSWORD = "Sept lapins bleus 2026"


def test_the_password_changes_only_with_the_current_one_and_a_second_factor_code(cast, client_for):
    user = cast.fr_officer
    client = client_for(user)
    device = TOTPDevice.objects.get(user=user)
    url = reverse("administration:account_password")
    wrong = client.post(
        url,
        {
            "current_password": "wrong",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
            "token": "000000",
        },
    )
    page = wrong.content.decode()
    assert "Your current password is not correct." in page and "That code is not valid." in page
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    # The wrong code throttles the device for a second (django-otp), as it would a person.
    time.sleep(1.1)
    response = client.post(
        url,
        {
            "current_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
            "token": f"{totp(device.bin_key):06d}",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.get(reverse("home")).status_code == 200  # this session stays signed in


def test_sessions_are_listed_and_one_can_be_ended(cast, client_for):
    user = cast.fr_officer
    laptop = client_for(user)
    phone = Client(HTTP_USER_AGENT="PhoneBrowser/1.0")
    phone.post(
        reverse("accounts:login"),
        {"username": user.username, "password": PASSWORD},
        HTTP_USER_AGENT="PhoneBrowser/1.0",
        REMOTE_ADDR="198.51.100.4",
    )
    assert UserSession.objects.filter(user=user).count() == 2
    page = laptop.get(reverse("administration:account_sessions")).content.decode()
    assert "PhoneBrowser/1.0" in page and "198.51.100.4" in page and "This session" in page
    phone_session = UserSession.objects.get(user=user, user_agent="PhoneBrowser/1.0")
    # Nobody ends another user's session.
    other = client_for(cast.de_officer).post(
        reverse("administration:account_session_revoke", args=[phone_session.pk])
    )
    assert other.status_code == 404
    laptop.post(reverse("administration:account_session_revoke", args=[phone_session.pk]))
    assert not UserSession.objects.filter(pk=phone_session.pk).exists()
    response = phone.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login")
    )
    assert laptop.get(reverse("home")).status_code == 200


def test_a_session_shows_when_it_was_last_seen(cast, client_for):
    from datetime import timedelta

    from django.utils import timezone

    client = client_for(cast.fr_officer)
    tracked = UserSession.objects.get(user=cast.fr_officer)
    long_ago = timezone.now() - timedelta(days=2)
    UserSession.objects.filter(pk=tracked.pk).update(last_seen_at=long_ago)
    client.get(reverse("home"))
    tracked.refresh_from_db()
    assert timezone.now() - tracked.last_seen_at < timedelta(minutes=1)
