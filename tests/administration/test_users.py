"""Users: invitation by one-time link, deactivation, second-factor reset, sign-in history."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from iconet.directory.services import directory
from iconet.models import AccessLog, EmailDelivery, Invitation, User

from .conftest import REASON, approved


def _invite(cast, admin_objects, **extra):
    return directory.user_invite(
        actor=cast.fr_admin,
        username="camille",
        email="camille@example.test",
        first_name="Camille",
        last_name="Martin",
        organisation=admin_objects.fr,
        areas=["alerts"],
        reason=REASON,
        **extra,
    )


def _link(user) -> str:
    body = EmailDelivery.objects.get(recipient=user, key__startswith="invitation:").body
    return next(word for word in body.split() if "/invitation/" in word)


def test_an_invited_user_chooses_his_password_once_with_the_link_from_the_mail(
    cast, admin_objects, settings
):
    user = _invite(cast, admin_objects)
    assert not user.has_usable_password()
    link = _link(user)
    token = link.rstrip("/").rsplit("/", 1)[1]
    # Only the digest is stored: the administrator never holds the link or a password.
    assert not Invitation.objects.filter(token_hash=token).exists()
    client = Client()
    path = link.replace(settings.SITE_URL, "")
    page = client.get(path)
    assert "Choose your password" in page.content.decode()
    response = client.post(
        path, {"new_password1": "Quatre chevaux 2026!", "new_password2": "Quatre chevaux 2026!"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:otp_setup")
    user.refresh_from_db()
    assert user.check_password("Quatre chevaux 2026!")
    # The link works once.
    again = Client().get(path).content.decode()
    assert "no longer valid" in again


def test_an_invitation_expires(cast, admin_objects, settings):
    user = _invite(cast, admin_objects)
    invitation = Invitation.objects.get(user=user)
    assert abs(
        invitation.expires_at
        - timezone.now()
        - timedelta(hours=settings.ICONET_INVITATION_VALID_HOURS)
    ) < (timedelta(minutes=1))
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    path = _link(user).replace(settings.SITE_URL, "")
    response = Client().post(
        path, {"new_password1": "Quatre chevaux 2026!", "new_password2": "Quatre chevaux 2026!"}
    )
    assert "no longer valid" in response.content.decode()
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_a_new_invitation_replaces_the_previous_link(cast, admin_objects, client_for, settings):
    user = _invite(cast, admin_objects)
    first = _link(user).replace(settings.SITE_URL, "")
    client_for(cast.fr_admin).post(reverse("administration:user_reinvite", args=[user.pk]))
    assert Invitation.objects.filter(user=user).count() == 2
    assert "no longer valid" in Client().get(first).content.decode()


def test_deactivation_keeps_the_account_and_ends_its_sessions(cast, client_for):
    victim = client_for(cast.fr_officer)
    assert victim.get(reverse("home")).status_code == 200
    response = client_for(cast.fr_admin).post(
        reverse("administration:user_deactivate", args=[cast.fr_officer.pk]),
        {"reason": REASON},
    )
    assert response.status_code == 302
    cast.fr_officer.refresh_from_db()
    assert User.objects.filter(pk=cast.fr_officer.pk).exists() and not cast.fr_officer.is_active
    assert victim.get(reverse("home")).status_code == 302


def test_the_second_factor_reset_has_its_own_page_with_confirmation_and_reason(cast, client_for):
    target = cast.fr_officer
    client_for(target)  # enrols a device
    assert TOTPDevice.objects.filter(user=target).exists()
    admin = client_for(cast.fr_admin)
    url = reverse("administration:user_otp_reset", args=[target.pk])
    page = admin.get(url).content.decode()
    assert "Reset the second factor" in page and 'name="confirm"' in page
    unconfirmed = admin.post(url, {"reason": REASON})
    assert unconfirmed.status_code == 200 and TOTPDevice.objects.filter(user=target).exists()
    assert admin.post(url, {"reason": REASON, "confirm": "on"}).status_code == 302
    # A request only: the authenticator works until a second administrator approves.
    assert TOTPDevice.objects.filter(user=target).exists()
    approved(cast.commission_admin, kind="second_factor_reset", user=target)
    assert not TOTPDevice.objects.filter(user=target).exists()
    entry = AccessLog.objects.get(event=AccessLog.Event.OTP_RESET)
    assert (
        entry.actor == cast.fr_admin and target.username in entry.detail and REASON in entry.detail
    )


def test_the_user_page_shows_the_sign_in_history(cast, client_for):
    client = Client()
    client.post(
        reverse("accounts:login"),
        {"username": cast.fr_officer.username, "password": "wrong"},
        REMOTE_ADDR="192.0.2.7",
    )
    client_for(cast.fr_officer)
    page = (
        client_for(cast.fr_admin)
        .get(reverse("administration:user", args=[cast.fr_officer.pk]))
        .content.decode()
    )
    assert "Sign-in history" in page
    assert "Failed sign-in" in page and "192.0.2.7" in page
    assert "Signed in" in page


@pytest.mark.parametrize("admin", ["fr_admin", "commission_admin"])
def test_administrators_change_roles_areas_and_designations(admin, cast, admin_objects, client_for):
    target = cast.fr_officer
    response = client_for(getattr(cast, admin)).post(
        reverse("administration:user", args=[target.pk]),
        {
            "first_name": target.first_name,
            "last_name": target.last_name,
            "email": target.email,
            "organisation": admin_objects.fr.pk,
            "role": "national_admin",
            "areas": ["alerts", "returns"],
            "ncp_areas": ["alerts"],
            "reason": REASON,
        },
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == "officer"
    second = cast.commission_admin if admin == "fr_admin" else cast.fr_admin
    approved(second, user=target)
    target.refresh_from_db()
    assert (target.role, target.areas, target.ncp_areas) == (
        "national_admin",
        ["alerts", "returns"],
        ["alerts"],
    )
    # A designation without the area is refused with a clear message.
    response = client_for(getattr(cast, admin)).post(
        reverse("administration:user", args=[target.pk]),
        {
            "first_name": target.first_name,
            "last_name": target.last_name,
            "email": target.email,
            "organisation": admin_objects.fr.pk,
            "role": "officer",
            "areas": ["alerts"],
            "ncp_areas": ["returns"],
            "reason": REASON,
        },
    )
    assert "A contact point must have the area of competence as well." in response.content.decode()


def test_the_contact_point_directory_lists_names_organisation_and_telephone(cast, client_for):
    User.objects.filter(pk=cast.de_ncp.pk).update(phone="+49 30 1234", job_title="Duty officer")
    url = reverse("administration:contact_points") + "?country=DE"
    page = client_for(cast.frontex_user).get(url).content.decode()
    assert str(cast.de_ncp) in page and "+49 30 1234" in page and cast.de_ncp.email in page
    assert "Border police DE" in page
    assert str(cast.fr_ncp) not in page  # another country
    assert str(cast.de_officer) not in page  # not a contact point
