"""Issue 8, cases 6, 7 and 10: a deactivated organisation grants nothing; the session id is
rotated at the second factor; no page is cached; password resets are limited; a read receipt
needs a same-site navigation."""

import datetime
import time

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from alerts.models import Alert
from iconet.models import EmailDelivery, Notification, State
from iconet.outbox.services.notify import users_notify
from iconet.sharing.access import readers_among
from iconet.sharing.registry import declaration_of, shared_item_models
from iconet.sharing.services import item_create, item_publish
from tests.factories import PASSWORD, AccessGroupFactory, UserFactory
from tests.items import item_make

pytestmark = pytest.mark.django_db

TYPES = sorted(shared_item_models())


# --- case 6: an inactive organisation's users read nothing ----------------------------------


def deactivate(organisation):
    organisation.is_active = False
    organisation.save()


@pytest.mark.parametrize("type_slug", TYPES)
def test_users_of_a_deactivated_organisation_read_nothing(cast, client_for, type_slug):
    item = item_make(type_slug, author=cast.fr_ncp, state=State.PUBLISHED, audience="network")
    client = client_for(cast.de_ncp)
    assert client.get(item.get_absolute_url()).status_code == 200  # while Germany is active
    deactivate(cast.de_ncp.organisation)
    assert client.get(item.get_absolute_url()).status_code == 404
    list_url = declaration_of(type(item)).list_url
    listing = client.get(reverse(list_url.partition("?")[0]))
    assert listing.status_code == 200
    assert item.reference not in listing.content.decode()
    assert readers_among(item, [cast.de_ncp, cast.nl_ncp]) == [cast.nl_ncp]
    told = users_notify(
        item=item,
        users=[cast.de_ncp, cast.nl_ncp],
        title=f"{item.reference} published",
        url=item.get_absolute_url(),
        key=f"test:{item.pk}",
        subject="Published",
        body="An item was published.",
    )
    assert told == 1
    assert not Notification.objects.filter(recipient=cast.de_ncp).exists()
    assert not EmailDelivery.objects.filter(recipient=cast.de_ncp).exists()


@pytest.mark.parametrize("type_slug", TYPES)
def test_an_access_group_grants_nothing_through_a_deactivated_organisation(
    cast, client_for, type_slug
):
    group = AccessGroupFactory(
        name="Balkan route", organisations=[cast.de_ncp.organisation], members=[cast.de_officer]
    )
    item = item_make(
        type_slug, author=cast.fr_ncp, state=State.PUBLISHED, audience="groups", groups=[group]
    )
    assert set(readers_among(item, [cast.de_ncp, cast.de_officer])) == {
        cast.de_ncp,
        cast.de_officer,
    }
    deactivate(cast.de_ncp.organisation)
    # Neither through the organisation's membership nor through a personal one.
    assert readers_among(item, [cast.de_ncp, cast.de_officer]) == []
    for user in (cast.de_ncp, cast.de_officer):
        assert client_for(user).get(item.get_absolute_url()).status_code == 404


def test_a_deactivated_organisation_is_not_told_of_an_alert(cast, client_for):
    deactivate(cast.de_ncp.organisation)
    alert = item_create(
        actor=cast.fr_ncp,
        item=Alert(
            headline="Lorries on the Balkan route",
            summary="Groups hidden in cargo.",
            period_from=datetime.date(2026, 1, 5),
            urgency="immediate",
            alert_type="route_change",
        ),
    )
    alert.destination_states.set(["DE", "NL"])
    item_publish(actor=cast.fr_ncp, item=alert, audience="network", marking="AMBER")
    recipients = set(alert.recipients.values_list("user__username", flat=True))
    assert "nl_ncp" in recipients and "de_ncp" not in recipients
    assert not EmailDelivery.objects.filter(recipient=cast.de_ncp).exists()
    assert not Notification.objects.filter(recipient=cast.de_ncp).exists()


# --- case 7: a new session id once the second factor is verified ----------------------------


def password_step(client, user):
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def assert_old_session_is_dead(old_key):
    stale = Client()
    stale.cookies[settings.SESSION_COOKIE_NAME] = old_key
    response = stale.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_session_id_changes_when_the_second_factor_is_verified(client):
    user = UserFactory()
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    before = password_step(client, user)
    response = client.post(reverse("accounts:otp_verify"), {"token": f"{totp(device.bin_key):06d}"})
    assert response.status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert client.get(reverse("home")).status_code == 200
    assert_old_session_is_dead(before)


def test_the_session_id_changes_when_an_authenticator_is_enrolled(client):
    user = UserFactory()
    before = password_step(client, user)
    client.get(reverse("accounts:otp_setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("accounts:otp_setup"), {"token": f"{totp(device.bin_key):06d}"})
    assert response.status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert client.get(reverse("home")).status_code == 200
    assert_old_session_is_dead(before)


# --- case 10: no-store, password-reset limits, read receipts, the object redirect ----------


def test_pages_exports_and_attachments_are_not_kept_by_browsers(
    cast, client_for, settings, tmp_path
):
    from tests.files import attachment_make, attachment_url

    settings.MEDIA_ROOT = tmp_path
    alert = item_make("alerts.alert", author=cast.fr_ncp, marking="RED", audience="owner")
    attachment = attachment_make(alert)
    client = client_for(cast.fr_ncp)
    urls = [
        reverse("home"),
        reverse("alerts:list"),
        alert.get_absolute_url(),
        reverse("sharing:print", args=["alerts.alert", alert.pk]),
        reverse("sharing:export_pdf", args=["alerts.alert", alert.pk]),
        attachment_url(attachment),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url
    # The sign-in page too (no user yet), but not the static files.
    assert "no-store" in Client().get(reverse("accounts:login"))["Cache-Control"]
    static = Client().get("/" + settings.STATIC_URL.lstrip("/") + "iconet/css/iconet.css")
    assert "no-store" not in static.get("Cache-Control", "")


def reset(client, email, address):
    response = client.post(
        reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=address
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    return response


def test_password_resets_are_limited_per_address_without_telling(client, settings):
    from iconet.directory.views import accounts

    PASSWORD_RESETS_PER_EMAIL = getattr(accounts, "PASSWORD_RESETS_PER_EMAIL", 3)  # the policy

    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # the outbox keeps them pending
    user = UserFactory(email="camille.limit@example.test")
    for n in range(PASSWORD_RESETS_PER_EMAIL + 2):
        reset(client, "camille.limit@example.test", f"10.0.0.{n + 1}")  # even from many addresses
        time.sleep(1.05)  # a reset token changes each second: each request is a new mail
    assert EmailDelivery.objects.filter(recipient=user).count() == PASSWORD_RESETS_PER_EMAIL
    # Unknown and limited addresses get the same page as a known one.
    done = client.get(reverse("accounts:password_reset_done"))
    assert done.status_code == 200


def test_password_resets_are_limited_per_client_address(client, settings):
    from iconet.directory.views import accounts

    PASSWORD_RESETS_PER_CLIENT = getattr(accounts, "PASSWORD_RESETS_PER_CLIENT", 10)  # the policy

    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    users = [
        UserFactory(email=f"agent{n}@example.test") for n in range(PASSWORD_RESETS_PER_CLIENT + 2)
    ]
    for user in users:
        reset(client, user.email, "10.9.9.9")
    assert EmailDelivery.objects.filter(recipient__in=users).count() == PASSWORD_RESETS_PER_CLIENT
    # Another client address is not held back by that one.
    other = UserFactory(email="another.one@example.test")
    reset(client, other.email, "10.9.9.10")
    assert EmailDelivery.objects.filter(recipient=other).count() == 1


@pytest.fixture
def received(cast):
    """A published alert of France of which Germany's contact point is a recipient."""
    alert = item_create(
        actor=cast.fr_ncp,
        item=Alert(
            headline="Lorries on the Balkan route",
            summary="Groups hidden in cargo.",
            period_from=datetime.date(2026, 1, 5),
            urgency="immediate",
            alert_type="route_change",
        ),
    )
    alert.destination_states.set(["DE"])
    item_publish(actor=cast.fr_ncp, item=alert, audience="network", marking="AMBER")
    return alert


def read_at(alert, user):
    return alert.recipients.get(user=user).read_at


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site"},
        {"HTTP_REFERER": "https://attacker.example/page"},
        {},
    ],
)
def test_a_page_loaded_from_another_site_is_no_read_receipt(cast, client_for, received, headers):
    response = client_for(cast.de_ncp).get(received.get_absolute_url(), **headers)
    assert response.status_code == 200
    assert read_at(received, cast.de_ncp) is None


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "same-origin"},
        {"HTTP_SEC_FETCH_SITE": "none"},  # typed, bookmarked, or opened from the mail client
        {"HTTP_REFERER": "http://testserver/alerts/"},
    ],
)
def test_a_same_site_navigation_sets_the_read_receipt(cast, client_for, received, headers):
    client_for(cast.de_ncp).get(received.get_absolute_url(), **headers)
    assert read_at(received, cast.de_ncp) is not None
