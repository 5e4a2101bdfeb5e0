"""The indirect routes by which one administrator, acting alone, could end up reading
owner-only items: each ends in a pending request that he cannot approve, and someone other
than him is told. Also: invitations only for accounts never used, e-mail addresses unique
without case, and no one-time link in a log line or in a sent mail's row of the outbox."""

import logging
import re

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from iconet.directory.services import access_changes
from iconet.models import (
    AccessChangeRequest,
    AccessGroupMember,
    EmailDelivery,
    Invitation,
    Notification,
    User,
)
from tests.factories import UserFactory

from .conftest import REASON, approved

ALL_AREAS = ["alerts", "ilo", "documents", "returns"]


def _details(user, **changes):
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "organisation": user.organisation_id,
        "role": user.role,
        "areas": list(user.areas),
        "ncp_areas": list(user.ncp_areas),
        "reason": REASON,
    }
    data.update(changes)
    return data


def _decide(client, change):
    return client.post(
        reverse("administration:access_change", args=[change.pk]),
        {"decision": "approve", "reason": "ok"},
    )


def _invite_data(organisation, username, email, role="officer"):
    return {
        "username": username,
        "first_name": "Max",
        "last_name": "Mustermann",
        "email": email,
        "organisation": organisation.pk,
        "role": role,
        "areas": ALL_AREAS,
        "reason": REASON,
    }


@pytest.fixture
def ec_admins(cast):
    """Two more Commission administrators beside the cast's."""
    commission = cast.commission_admin.organisation
    return [
        UserFactory(username=f"ec_admin{n}", organisation=commission, role="commission_admin")
        for n in (2, 3)
    ]


@pytest.fixture
def de_admin(admin_objects):
    return UserFactory(username="de_admin", organisation=admin_objects.de, role="national_admin")


def _takeover_attempt(attacker, target, client_for):
    """Address to the attacker's mailbox, a new invitation, a second-factor reset."""
    client_for(target)  # the target has signed in and enrolled an authenticator
    target.refresh_from_db()
    client = client_for(attacker)
    client.post(
        reverse("administration:user", args=[target.pk]),
        _details(target, email=f"{attacker.username}@attacker.test"),
    )
    reinvite = client.post(reverse("administration:user_reinvite", args=[target.pk]), follow=True)
    client.post(
        reverse("administration:user_otp_reset", args=[target.pk]),
        {"reason": REASON, "confirm": "on"},
    )
    return client, reinvite


@pytest.mark.parametrize(
    "attacker_name, target_name", [("commission_admin", "de_ncp"), ("fr_admin", "fr_ncp")]
)
def test_route_1_taking_over_an_account_ends_in_requests_the_attacker_cannot_approve(
    attacker_name, target_name, cast, admin_objects, de_admin, client_for
):
    attacker, target = getattr(cast, attacker_name), getattr(cast, target_name)
    address = target.email
    client, reinvite = _takeover_attempt(attacker, target, client_for)
    # Nothing took effect: same address, no new link, the authenticator still works.
    target.refresh_from_db()
    assert target.email == address
    assert "never signed in" in reinvite.content.decode()
    assert not Invitation.objects.filter(user=target).exists()
    assert TOTPDevice.objects.filter(user=target, confirmed=True).exists()
    changes = AccessChangeRequest.objects.filter(user=target, status="pending")
    assert sorted(changes.values_list("kind", flat=True)) == ["email", "second_factor_reset"]
    for change in changes:
        assert _decide(client, change).status_code == 403
        assert not access_changes.may_approve(attacker, change)
        assert not access_changes.may_approve(target, change)
    # The person concerned is told at the address on file, in the portal and by mail.
    assert Notification.objects.filter(recipient=target).count() == 2
    assert EmailDelivery.objects.filter(recipient=target, to_email=address).count() == 2
    # The state's administrator decides (Germany has one here; France's only one is the
    # attacker, so the Commission decides).
    second = de_admin if target_name == "de_ncp" else cast.commission_admin
    assert all(access_changes.may_approve(second, change) for change in changes)


def test_route_1_an_approved_address_change_needs_the_new_mailbox_and_tells_the_old_one(
    cast, admin_objects, de_admin, client_for
):
    target = cast.de_ncp
    old = target.email
    _takeover_attempt(cast.commission_admin, target, client_for)
    approved(de_admin, kind="email", user=target)
    approved(de_admin, kind="second_factor_reset", user=target)
    target.refresh_from_db()
    assert target.email == old  # until the new mailbox confirms
    assert EmailDelivery.objects.filter(
        recipient=target, to_email=old, key__startswith="email-change-notice:"
    ).exists()
    # The reset is mailed to the address on file, not to the pending one.
    reset = EmailDelivery.objects.get(key__startswith="second-factor-reset:")
    assert reset.to_email == old
    confirm = EmailDelivery.objects.get(key__startswith="email-confirm:")
    assert confirm.to_email == "commission_admin@attacker.test" and confirm.body_is_secret
    path = re.search(r"https?://[^/\s]+(/email-confirm/\S+/)", confirm.body).group(1)
    page = Client().get(path)
    assert "commission_admin@attacker.test" in page.content.decode()
    Client().post(path)
    target.refresh_from_db()
    assert target.email == "commission_admin@attacker.test"
    assert "no longer valid" in Client().get(path).content.decode()


def test_route_2_an_account_in_another_state_waits_for_that_states_administrator(
    cast, admin_objects, de_admin, ec_admins, client_for
):
    client = client_for(cast.commission_admin)
    response = client.post(
        reverse("administration:user_invite"),
        _invite_data(admin_objects.de, "spy", "spy@attacker.test"),
    )
    assert response.status_code == 302
    assert not User.objects.filter(username="spy").exists()
    change = AccessChangeRequest.objects.get(kind="account")
    assert _decide(client, change).status_code == 403
    # Germany has a national administrator: another Commission administrator may not decide.
    assert _decide(client_for(ec_admins[0]), change).status_code == 403
    assert Notification.objects.filter(recipient=de_admin).exists()
    assert _decide(client_for(de_admin), change).status_code == 302
    assert User.objects.filter(username="spy").exists()


def test_route_2_without_a_national_administrator_the_states_contact_points_are_told(
    cast, admin_objects, ec_admins, client_for
):
    client = client_for(cast.commission_admin)
    client.post(
        reverse("administration:user_invite"),
        _invite_data(admin_objects.de, "spy", "spy@attacker.test"),
    )
    change = AccessChangeRequest.objects.get(kind="account")
    assert _decide(client, change).status_code == 403
    assert Notification.objects.filter(recipient=cast.de_ncp).exists()
    assert EmailDelivery.objects.filter(recipient=cast.de_ncp).exists()
    assert access_changes.may_approve(ec_admins[0], change)


def test_route_3_a_second_commission_administrator_cannot_serve_as_a_proxy(
    cast, admin_objects, ec_admins, client_for
):
    a, c = cast.commission_admin, ec_admins[0]
    client_for(a).post(
        reverse("administration:user_invite"),
        _invite_data(a.organisation, "proxy", "proxy@attacker.test", role="commission_admin"),
    )
    change = AccessChangeRequest.objects.get(kind="account")
    assert _decide(client_for(a), change).status_code == 403
    assert _decide(client_for(c), change).status_code == 302
    b = User.objects.get(username="proxy")
    # The proxy asks for the first to join a bilateral group: neither of them decides it.
    response = client_for(b).post(
        reverse("administration:group_member_add", args=[admin_objects.fr_group.pk]),
        {"user": a.pk, "reason": REASON},
    )
    assert response.status_code == 302
    join = AccessChangeRequest.objects.get(kind="group_member")
    assert _decide(client_for(b), join).status_code == 403
    assert _decide(client_for(a), join).status_code == 403
    assert not AccessGroupMember.objects.filter(user=a).exists()
    assert Notification.objects.filter(recipient=a, url__contains=f"/{join.pk}/").exists()
    assert access_changes.may_approve(c, join)


def test_route_4_a_puppet_in_ones_own_state_is_decided_by_someone_else(
    cast, admin_objects, client_for
):
    admin = cast.fr_admin
    User.objects.filter(pk=admin.pk).update(areas=[])
    client = client_for(admin)
    client.post(
        reverse("administration:user_invite"),
        _invite_data(admin_objects.fr, "puppet", "puppet@attacker.test"),
    )
    change = AccessChangeRequest.objects.get(kind="account")
    assert _decide(client, change).status_code == 403
    assert not User.objects.filter(username="puppet").exists()
    # He is France's only administrator: the Commission decides, and is told.
    assert Notification.objects.filter(
        recipient=cast.commission_admin, url__contains=f"/{change.pk}/"
    ).exists()
    assert access_changes.may_approve(cast.commission_admin, change)


def test_email_addresses_are_unique_without_case_in_the_database(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=cast.de_officer.pk).update(email=cast.fr_officer.email.upper())
    # Accounts without an address do not collide.
    User.objects.filter(pk__in=[cast.de_officer.pk, cast.fr_officer.pk]).update(email="")


def test_a_new_address_used_by_another_account_is_refused_on_the_form(cast, client_for):
    page = client_for(cast.fr_admin).post(
        reverse("administration:user", args=[cast.fr_officer.pk]),
        _details(cast.fr_officer, email=cast.de_ncp.email.upper()),
    )
    assert "A user with this e-mail address already exists." in page.content.decode()
    assert not AccessChangeRequest.objects.exists()


def test_an_invitation_link_reaches_no_log_line_nor_the_lockout_table(cast, admin_objects, caplog):
    from axes.models import AccessLog as AxesAccessLog

    change = access_changes.account_request(
        actor=cast.fr_admin, reason=REASON, **_invite_values(admin_objects.fr)
    )
    approved(cast.commission_admin, pk=change.pk)
    body = EmailDelivery.objects.get(key__startswith="invitation:").body
    path = re.search(r"https?://[^/\s]+(/invitation/\S+/)", body).group(1)
    token = path.rstrip("/").rsplit("/", 1)[1]
    with caplog.at_level(logging.DEBUG):
        response = Client().post(
            path, {"new_password1": "Quatre chevaux 2026!", "new_password2": "Quatre chevaux 2026!"}
        )
    assert response.status_code == 302
    assert any("axes" in record.name for record in caplog.records)
    assert not [r for r in caplog.records if token in r.getMessage()]
    assert not AxesAccessLog.objects.filter(path_info__contains=token).exists()


def _invite_values(organisation):
    return {
        "username": "camille",
        "email": "camille@example.test",
        "first_name": "Camille",
        "last_name": "Martin",
        "organisation": organisation,
        "areas": ["alerts"],
    }
