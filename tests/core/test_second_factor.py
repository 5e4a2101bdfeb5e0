"""Sign-in with a password and a second factor, for every page of the portal."""

import re
import time

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from iconet.middleware import (
    KEY_AUTHENTICATED_NAMESPACES,
    OPEN_URL_NAMES,
    SECOND_FACTOR_URL_NAMES,
)
from iconet.models import AccessLog, BackupCodeDevice
from iconet.sharing.declarations import preference
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SAMPLE_ARGS = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "path": "x",
    "uuid": "00000000-0000-0000-0000-000000000000",
}


def concrete_urls(resolver=None, prefix="", namespace=""):
    """Every URL pattern of the portal, with sample values in place of its parameters."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from concrete_urls(pattern, prefix + route, ns)
        elif isinstance(pattern, URLPattern):
            full = prefix + route
            if full.startswith("^") or "(?P" in full or "\\" in full:
                # Regex routes (the admin's catch-alls): take a sample by stripping the syntax.
                full = (
                    re.sub(r"\(\?P<[^>]+>[^)]+\)", "1", full)
                    .replace("^", "")
                    .replace("$", "")
                    .replace("\\", "")
                )
            full = re.sub(
                r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_ARGS.get(m.group(1) or "str", "x"), full
            )
            name = f"{namespace}{pattern.name}" if pattern.name else ""
            yield "/" + full, name


ALL_URLS = sorted(set(concrete_urls()))


def key_authenticated(name: str) -> bool:
    return ":" in name and name.partition(":")[0] in KEY_AUTHENTICATED_NAMESPACES


def test_the_walk_covers_the_portal():
    names = {name for _, name in ALL_URLS}
    assert {
        "home",
        "accounts:login",
        "accounts:otp_verify",
        "manage:index",
        "sharing:publish",
        "alerts:list",
        "ilo_reports:list",
    } <= names


@pytest.mark.parametrize(("url", "name"), ALL_URLS)
def test_no_page_answers_without_sign_in(client, url, name):
    response = client.get(url)
    if key_authenticated(name):
        assert response.status_code == 401, url  # the API's key, never a session
    elif name in OPEN_URL_NAMES:
        # /health/background/ answers 503 while a component (here: the worker) is down;
        # /metrics/ does not exist without a configured token, and refuses without the token.
        answers = {
            "health_ready": (200, 503),
            "health_background": (200, 503),
            "metrics": (401, 404),
            # A calendar feed is read by its secret address alone: an unknown one does not
            # exist (tests/workspaces: a known one, and a revoked one).
            "workspaces:feed": (404,),
        }
        assert response.status_code in answers.get(name, (200, 302, 405))
    else:
        assert response.status_code in (302, 404), url
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("url", "name"), ALL_URLS)
def test_no_page_answers_before_the_second_factor(url, name):
    user = UserFactory()
    client = Client()
    client.force_login(user)
    response = client.get(url)
    if name in OPEN_URL_NAMES | SECOND_FACTOR_URL_NAMES:
        return
    if key_authenticated(name):
        assert response.status_code == 401, url
        return
    assert response.status_code in (302, 404), url
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("accounts:otp_setup"))


def sign_in(client, user, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": user.username, "password": password})


def test_first_sign_in_enrols_an_authenticator_and_gives_backup_codes(client):
    user = UserFactory()
    response = sign_in(client, user)
    assert response.status_code == 302
    response = client.get(reverse("home"))
    assert response["Location"].startswith(reverse("accounts:otp_setup"))
    page = client.get(reverse("accounts:otp_setup"))
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    wrong = client.post(reverse("accounts:otp_setup"), {"token": "000000"})
    assert wrong.status_code == 200 and "not valid" in wrong.content.decode()
    time.sleep(1.1)  # one failure throttles the device for a second

    response = client.post(reverse("accounts:otp_setup"), {"token": f"{totp(device.bin_key):06d}"})
    assert response.status_code == 302
    codes_page = client.get(response["Location"])
    codes = re.findall(r"\b[a-z2-9]{5}-[a-z2-9]{5}\b", codes_page.content.decode())
    assert len(set(codes)) == 10
    assert client.get(reverse("home")).status_code == 200
    # The codes are stored hashed, never in plain text.
    stored = list(BackupCodeDevice.objects.get(user=user).codes.values_list("code_hash", flat=True))
    assert not set(c.replace("-", "") for c in codes) & set(stored)
    # Shown once only.
    assert not re.findall(
        r"\b[a-z2-9]{5}-[a-z2-9]{5}\b",
        client.get(reverse("accounts:backup_codes")).content.decode(),
    )

    client.post(reverse("accounts:logout"))
    assert client.get(reverse("home")).status_code == 302
    sign_in(client, user)
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:otp_verify"))
    assert client.post(reverse("accounts:otp_verify"), {"token": codes[0]}).status_code == 302
    assert client.get(reverse("home")).status_code == 200

    # A used backup code does not work twice.
    client.post(reverse("accounts:logout"))
    sign_in(client, user)
    refused = client.post(reverse("accounts:otp_verify"), {"token": codes[0]})
    assert refused.status_code == 200
    assert client.get(reverse("home")).status_code == 302
    events = set(AccessLog.objects.filter(actor=user).values_list("event", flat=True))
    assert {"sign_in", "otp_enrolled", "otp_verified", "otp_failed", "sign_out"} <= events


def test_second_factor_attempts_are_throttled(client):
    user = UserFactory()
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    sign_in(client, user)
    for _ in range(3):
        client.post(reverse("accounts:otp_verify"), {"token": "000000"})
    # Right after failures even the right code is refused until the throttle delay passes.
    response = client.post(reverse("accounts:otp_verify"), {"token": f"{totp(device.bin_key):06d}"})
    assert response.status_code == 200
    assert client.get(reverse("home")).status_code == 302


def test_repeated_failed_sign_ins_lock_the_account(client, settings):
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = sign_in(client, user, password="wrong password")
    response = sign_in(client, user)
    assert response.status_code in (403, 429)
    assert "temporarily locked" in response.content.decode()
    assert (
        AccessLog.objects.filter(event="sign_in_failed", username=user.username).count()
        >= settings.AXES_FAILURE_LIMIT
    )


def test_failed_sign_in_says_what_is_wrong_and_keeps_the_user_name(client):
    user = UserFactory()
    response = sign_in(client, user, password="wrong password")
    assert response.status_code == 200
    assert f'value="{user.username}"' in response.content.decode()


def test_an_idle_session_expires(client_for, cast):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client = client_for(cast.fr_officer)
    assert client.get(reverse("home")).status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now()
    )
    assert client.get(reverse("home")).status_code == 302


def test_a_session_in_use_stays_open_and_is_written_at_most_once_a_minute(client_for, cast):
    import datetime

    from django.conf import settings
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    client = client_for(cast.fr_officer)
    assert client.get(reverse("home")).status_code == 200
    rows = Session.objects.filter(session_key=client.session.session_key)
    # Nearly idle to its end, and last renewed long ago: the next request renews it.
    soon = timezone.now() + datetime.timedelta(seconds=20)
    session = client.session
    session["_renewed_at"] = 0
    session.save()
    rows.update(expire_date=soon)
    assert client.get(reverse("home")).status_code == 200
    renewed = rows.get().expire_date
    assert renewed >= timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    # Used again within the minute: the session is not written again.
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    assert not [q for q in queries.captured_queries if 'UPDATE "django_session"' in q["sql"]]
    assert rows.get().expire_date == renewed


def test_sign_out_ends_the_session(client_for, cast):
    client = client_for(cast.fr_officer)
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("home")).status_code == 302


def test_users_choose_the_daily_digest_for_routine_alerts(client_for, cast):
    client = client_for(cast.de_ncp)
    page = client.get(reverse("accounts:security")).content.decode()
    assert "daily digest for routine alerts" in page.lower()
    client.post(reverse("accounts:security"), {"alerts__digest_routine": "on"})
    cast.de_ncp.refresh_from_db()
    assert preference(cast.de_ncp, "alerts", "digest_routine")
    client.post(reverse("accounts:security"), {})
    cast.de_ncp.refresh_from_db()
    assert not preference(cast.de_ncp, "alerts", "digest_routine")


def test_password_reset_mail_goes_through_the_outbox_and_leads_to_a_new_password(client, settings):
    from iconet.models import EmailDelivery

    settings.EMAIL_HOST, settings.EMAIL_PORT = (
        "127.0.0.1",
        9,
    )  # no mail server: the page must not fail
    user = UserFactory(email="camille@example.test")
    response = client.post(reverse("accounts:password_reset"), {"email": "camille@example.test"})
    assert response.status_code == 302
    delivery = EmailDelivery.objects.get(recipient=user)
    assert delivery.status == EmailDelivery.Status.PENDING
    link = re.search(r"/accounts/password-reset/\S+/\S+/", delivery.body).group(0)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {
            "new_password1": "a much longer new passphrase",
            "new_password2": "a much longer new passphrase",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a much longer new passphrase")
