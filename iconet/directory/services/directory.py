"""Administration of the directory: users, invitations, access groups and organisations.

Every write that changes who may read what goes through here, so that pages, commands and
tasks obey the same rules: an administrator acts only within his scope (national
administrators: their organisation; Commission administrators: everyone), nobody changes his
own organisation, role, areas or memberships (separation of duties), every change of access
carries a reason into the change log, and the national administrators of the organisations
whose members gain or lose access are told.

The services that give access (an account, areas, designations, a role, an organisation, a
membership, a second-factor reset) are applied only by the approval of a request
(iconet.directory.services.access_changes), under the requester's name; pages ask, they
never call them.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ...audit.services import access_log_write, audited
from ...dates import date_shown
from ...models import (
    AccessGroup,
    AccessGroupMember,
    AccessGroupOrganisation,
    AccessLog,
    Invitation,
    Organisation,
    Role,
    User,
    UserSession,
    grant_model_of,
)
from ...outbox.services.notify import (
    InLanguage,
    Message,
    email_enqueue,
    message_in_language,
    site_url,
    users_notify,
)
from ...sharing.declarations import preferences_offered
from ..models.administration import token_digest

# Fields of a user that decide what he may read: never changed by the user himself.
ACCESS_FIELDS = ("organisation", "role", "areas", "ncp_areas", "is_active")
SELF_REFUSED = _(
    "You cannot change your own organisation, roles, areas or group memberships: "
    "another administrator must make this change."
)


# --- scope ------------------------------------------------------------------------------


def is_administrator(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and (user.is_commission_admin or (user.is_national_admin and user.organisation_id))
    )


def users_manageable_by(actor):
    """The users an administrator manages: his organisation's, or everyone's for the Commission."""
    if not is_administrator(actor):
        return User.objects.none()
    users = User.objects.select_related("organisation__country")
    if actor.is_commission_admin:
        return users
    return users.filter(organisation_id=actor.organisation_id)


def groups_manageable_by(actor):
    """Access groups: all for the Commission, their organisation's for national administrators."""
    if not is_administrator(actor):
        return AccessGroup.objects.none()
    if actor.is_commission_admin:
        return AccessGroup.objects.all()
    return AccessGroup.objects.filter(managing_organisation_id=actor.organisation_id)


def organisations_manageable_by(actor):
    if not is_administrator(actor) or not actor.is_commission_admin:
        return Organisation.objects.none()
    return Organisation.objects.select_related("country")


def _require_in(queryset, obj) -> None:
    if obj.pk is None or not queryset.filter(pk=obj.pk).exists():
        raise PermissionDenied


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for this change of access.")})
    return reason


def _national_admins(organisation_ids) -> list[User]:
    return list(
        User.objects.filter(
            organisation_id__in=[pk for pk in organisation_ids if pk],
            role=Role.NATIONAL_ADMIN,
            is_active=True,
        )
    )


def access_change_notify(*, actor, organisation_ids, title: Callable[[], str], url: str) -> int:
    """Tell the national administrators of the organisations concerned (never the actor himself),
    each in their language (`title()` translates the change and names it)."""
    admins = (
        [u for u in _national_admins(organisation_ids) if u.pk != actor.pk]
        if actor
        else (_national_admins(organisation_ids))
    )
    if not admins:
        return 0
    key = f"access-change:{uuid.uuid4().hex}"
    return users_notify(
        item=None,
        users=admins,
        url=url,
        key=key,
        **message_in_language(
            title,
            subject=lambda text: _("[ICONet] Change of access: %(title)s") % {"title": text},
            template="administration/email_access_change.txt",
            context={"url": site_url(url)},
        ),
    )


# --- users ------------------------------------------------------------------------------


def role_choices_for(actor) -> list[tuple[str, Any]]:
    """Roles an administrator may give: a national administrator gives the roles of a
    national service only (neither Commission administrator nor EU agency user)."""
    if actor.is_commission_admin:
        return list(Role.choices)
    return [
        (value, label)
        for value, label in Role.choices
        if value not in (Role.COMMISSION_ADMIN, Role.AGENCY_USER)
    ]


def _user_validate(*, actor, user: User) -> None:
    errors = {}
    if user.role not in dict(role_choices_for(actor)):
        errors["role"] = _("You may not give this role.")
    elif user.role == Role.COMMISSION_ADMIN and (
        user.organisation is None or user.organisation.kind != Organisation.Kind.COMMISSION
    ):
        errors["role"] = _("Only a member of the Commission can be a Commission administrator.")
    if not user.organisation_id:
        errors["organisation"] = _("Choose the organisation.")
    elif not actor.is_commission_admin and user.organisation_id != actor.organisation_id:
        errors["organisation"] = _("You manage the users of your own organisation only.")
    missing = set(user.ncp_areas or []) - set(user.areas or [])
    if missing:
        errors["ncp_areas"] = _("A contact point must have the area of competence as well.")
    if errors:
        raise ValidationError(errors)


@audited
@transaction.atomic
def user_invite(
    *,
    actor: User,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    organisation: Organisation,
    role: str = Role.OFFICER,
    areas=(),
    ncp_areas=(),
    job_title: str = "",
    phone: str = "",
    reason: str = "",
) -> User:
    """Create an account without a password and e-mail its owner a one-time link to choose one."""
    if not is_administrator(actor):
        raise PermissionDenied
    reason = _reason(reason)
    user = User(
        username=username.strip(),
        email=email.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        organisation=organisation,
        role=role,
        areas=list(areas),
        ncp_areas=list(ncp_areas),
        job_title=job_title,
        phone=phone,
    )
    user.set_unusable_password()
    if User.objects.filter(email__iexact=user.email).exists():
        raise ValidationError({"email": _("A user with this e-mail address already exists.")})
    _user_validate(actor=actor, user=user)
    user.full_clean(exclude=["password"])
    user._change_reason = reason
    user.save()
    invitation_send(actor=actor, user=user)
    access_change_notify(
        actor=actor,
        organisation_ids=[user.organisation_id],
        title=lambda: _("%(user)s was invited to the network") % {"user": user},
        url=reverse("administration:user", args=[user.pk]),
    )
    return user


def invitation_send(*, actor: User, user: User) -> Invitation:
    """A fresh one-time link (earlier unused ones stop working), sent through the outbox."""
    _require_in(users_manageable_by(actor), user)
    if actor.pk == user.pk:
        raise ValidationError(SELF_REFUSED)
    if user.last_login is not None or user.has_usable_password():
        # An account that was used is recovered by an approved second-factor reset mailed to
        # its owner, never by a link that an administrator could have sent elsewhere.
        raise ValidationError(
            _(
                "An invitation is only for an account that has never signed in: ask for a "
                "reset of its second factor instead."
            )
        )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    Invitation.objects.filter(user=user, used_at__isnull=True).update(expires_at=now)
    invitation = Invitation.objects.create(
        user=user,
        invited_by=actor,
        token_hash=token_digest(token),
        expires_at=now + timedelta(hours=settings.ICONET_INVITATION_VALID_HOURS),
    )
    url = site_url(reverse("invitation_accept", args=[token]))
    email_enqueue(
        key=f"invitation:{invitation.pk}",
        recipient=user,
        subject=InLanguage(lambda: _("[ICONet] Your invitation to the network")),
        body=InLanguage(
            lambda: render_to_string(
                "administration/email_invitation.txt",
                {
                    "user": user,
                    "url": url,
                    "expires_at": invitation.expires_at,
                    "actor": actor,
                },
            )
        ),
        secret=True,
    )
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    """The usable invitation behind a link, or None for one unknown, used or expired."""
    invitation = (
        Invitation.objects.select_related("user").filter(token_hash=token_digest(token)).first()
    )
    if invitation is None or not invitation.is_usable or not invitation.user.is_active:
        return None
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User:
    """The invited user chooses his password; the link works once."""
    invitation = (
        Invitation.objects.select_for_update().filter(token_hash=token_digest(token)).first()
    )
    if invitation is None or not invitation.is_usable or not invitation.user.is_active:
        raise ValidationError(
            _("This invitation link is no longer valid. Ask your administrator for a new one.")
        )
    user = invitation.user
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    return user


@audited
@transaction.atomic
def user_update(*, actor: User, user: User, changes: dict, reason: str = "") -> User:
    """Change a user's details; a change of organisation, role, areas or designations needs a
    reason, is refused on one's own account, and is told to the national administrators."""
    _require_in(users_manageable_by(actor), user)
    locked = User.objects.select_for_update().get(pk=user.pk)
    before = {field: getattr(locked, field) for field in ACCESS_FIELDS}
    before_org = locked.organisation_id
    for field, value in changes.items():
        if field == "organisation":
            field = "organisation_id"
            value = value.pk if value is not None else None
        setattr(locked, field, list(value) if field in ("areas", "ncp_areas") else value)
    access_changed = [
        f
        for f in ACCESS_FIELDS
        if (getattr(locked, f"{f}_id") if f == "organisation" else getattr(locked, f))
        != (before_org if f == "organisation" else before[f])
    ]
    if access_changed and locked.pk == actor.pk:
        raise ValidationError(SELF_REFUSED)
    if "organisation" in access_changed and not actor.is_commission_admin:
        raise ValidationError(
            {
                "organisation": _(
                    "Only a Commission administrator moves a user to another organisation."
                )
            }
        )
    if access_changed:
        locked._change_reason = _reason(reason)
    _user_validate(actor=actor, user=locked)
    locked.full_clean(exclude=["password"])
    locked.save()
    if access_changed:
        access_change_notify(
            actor=actor,
            organisation_ids={before_org, locked.organisation_id},
            title=lambda: _("The access of %(user)s changed") % {"user": locked},
            url=reverse("administration:user", args=[locked.pk]),
        )
    return locked


@audited
@transaction.atomic
def user_deactivate(*, actor: User, user: User, reason: str) -> User:
    """Deactivate an account (never delete it): it signs in no more and its sessions end."""
    _require_in(users_manageable_by(actor), user)
    if user.pk == actor.pk:
        raise ValidationError(SELF_REFUSED)
    locked = User.objects.select_for_update().get(pk=user.pk)
    locked._change_reason = _reason(reason)
    locked.is_active = False
    locked.save()
    sessions_end(user=locked)
    access_change_notify(
        actor=actor,
        organisation_ids=[locked.organisation_id],
        title=lambda: _("The account of %(user)s was deactivated") % {"user": locked},
        url=reverse("administration:user", args=[locked.pk]),
    )
    return locked


@transaction.atomic
def user_second_factor_reset(*, actor: User, user: User, reason: str, request=None) -> int:
    """Remove the user's authenticators and backup codes; he enrols again at his next sign-in."""
    from django_otp import devices_for_user

    _require_in(users_manageable_by(actor), user)
    if user.pk == actor.pk:
        raise ValidationError(
            _("You cannot reset your own second factor: ask another administrator.")
        )
    reason = _reason(reason)
    removed = 0
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
        removed += 1
    sessions_end(user=user)
    access_log_write(
        event=AccessLog.Event.OTP_RESET,
        request=request,
        actor=actor,
        username=user.get_username(),
        detail=_("Second factor of %(user)s reset: %(reason)s")
        % {"user": user.get_username(), "reason": reason},
    )
    return removed


def sign_in_history(user: User):
    """Sign-in and second-factor events of a user, newest first."""
    events = [
        AccessLog.Event.SIGN_IN,
        AccessLog.Event.SIGN_IN_FAILED,
        AccessLog.Event.SIGN_OUT,
        AccessLog.Event.OTP_VERIFIED,
        AccessLog.Event.OTP_FAILED,
        AccessLog.Event.OTP_ENROLLED,
        AccessLog.Event.OTP_RESET,
        AccessLog.Event.BACKUP_CODES,
    ]
    return AccessLog.objects.filter(event__in=events).filter(
        Q(actor=user)
        | Q(actor__isnull=True, username=user.get_username())
        | Q(event=AccessLog.Event.OTP_RESET, username=user.get_username())
    )


# --- access groups ----------------------------------------------------------------------


def _require_group(actor, group: AccessGroup) -> None:
    _require_in(groups_manageable_by(actor), group)


def _refuse_network_group(group: AccessGroup) -> None:
    if hasattr(group, "ilo_network"):
        raise ValidationError(
            _(
                "The members of an ILO network follow the officers' postings: "
                "record a posting instead."
            )
        )


def group_managers(group: AccessGroup) -> list[User]:
    """Who looks after a group: the Commission administrators and the managing organisation's."""
    condition = Q(role=Role.COMMISSION_ADMIN)
    if group.managing_organisation_id:
        condition |= Q(role=Role.NATIONAL_ADMIN, organisation_id=group.managing_organisation_id)
    return list(User.objects.filter(condition, is_active=True))


@audited
@transaction.atomic
def group_save(*, actor: User, group: AccessGroup, reason: str = "") -> AccessGroup:
    """Create an access group (Commission) or change its description, purpose or manager."""
    if group.pk is None:
        if not (is_administrator(actor) and actor.is_commission_admin):
            raise PermissionDenied
    else:
        _require_group(actor, group)
        stored = AccessGroup.objects.get(pk=group.pk)
        if (
            stored.managing_organisation_id != group.managing_organisation_id
            and not actor.is_commission_admin
        ):
            raise ValidationError(
                {
                    "managing_organisation": _(
                        "Only a Commission administrator changes the managing organisation."
                    ),
                }
            )
    group.full_clean()
    if reason:
        group._change_reason = reason.strip()
    group.save()
    return group


@audited
@transaction.atomic
def group_deactivate(*, actor: User, group: AccessGroup, reason: str) -> AccessGroup:
    """An inactive group gives no access any more; its members and shares stay on record."""
    _require_group(actor, group)
    _refuse_network_group(group)
    group._change_reason = _reason(reason)
    group.is_active = False
    group.save()
    org_ids = set(group.organisation_rows.values_list("organisation_id", flat=True))
    org_ids |= set(group.member_rows.values_list("user__organisation_id", flat=True))
    access_change_notify(
        actor=actor,
        organisation_ids=org_ids,
        title=lambda: _("Access group %(group)s was deactivated") % {"group": group},
        url=reverse("administration:group", args=[group.pk]),
    )
    return group


def _end_date_validate(ends_on) -> None:
    if ends_on is not None and ends_on <= timezone.localdate():
        raise ValidationError({"ends_on": _("The end date must be in the future.")})


@audited
@transaction.atomic
def group_member_add(
    *, actor: User, group: AccessGroup, user: User, ends_on=None, reason: str
) -> AccessGroupMember:
    """Add a user to a group; an administrator never adds himself."""
    _require_group(actor, group)
    _refuse_network_group(group)
    if user.pk == actor.pk:
        raise ValidationError(
            {
                "user": _(
                    "You cannot add yourself to an access group: that would give you access. "
                    "Another administrator must make this change."
                )
            }
        )
    if not user.is_active:
        raise ValidationError({"user": _("This account is deactivated.")})
    if group.member_rows.filter(user=user).exists():
        raise ValidationError({"user": _("This user is already a member of the group.")})
    _end_date_validate(ends_on)
    membership = AccessGroupMember(accessgroup=group, user=user, ends_on=ends_on)
    membership._change_reason = _reason(reason)
    membership.save()
    access_change_notify(
        actor=actor,
        organisation_ids=[user.organisation_id],
        title=lambda: _("%(user)s joined access group %(group)s") % {"user": user, "group": group},
        url=reverse("administration:group", args=[group.pk]),
    )
    return membership


@audited
@transaction.atomic
def group_organisation_add(
    *,
    actor: User,
    group: AccessGroup,
    organisation: Organisation,
    ends_on=None,
    reason: str,
) -> AccessGroupOrganisation:
    """Add an organisation (all its users) to a group; never the administrator's own."""
    _require_group(actor, group)
    _refuse_network_group(group)
    if organisation.pk == actor.organisation_id:
        raise ValidationError(
            {
                "organisation": _(
                    "You cannot add your own organisation to an access group: "
                    "that would give you access. "
                    "Another administrator must make this change."
                )
            }
        )
    if group.organisation_rows.filter(organisation=organisation).exists():
        raise ValidationError(
            {"organisation": _("This organisation is already a member of the group.")}
        )
    _end_date_validate(ends_on)
    membership = AccessGroupOrganisation(
        accessgroup=group, organisation=organisation, ends_on=ends_on
    )
    membership._change_reason = _reason(reason)
    membership.save()
    access_change_notify(
        actor=actor,
        organisation_ids=[organisation.pk],
        title=lambda: (
            _("%(org)s joined access group %(group)s") % {"org": organisation, "group": group}
        ),
        url=reverse("administration:group", args=[group.pk]),
    )
    return membership


def _membership_affects(actor, membership) -> None:
    if isinstance(membership, AccessGroupMember):
        mine = membership.user_id == actor.pk
    else:
        mine = membership.organisation_id == actor.organisation_id
    if mine:
        raise ValidationError(SELF_REFUSED)


def _membership_org_id(membership) -> int | None:
    if isinstance(membership, AccessGroupMember):
        return membership.user.organisation_id
    return membership.organisation_id


@audited
@transaction.atomic
def membership_end_set(*, actor: User, membership, ends_on, reason: str):
    """Set or clear the date on which a membership ends by itself."""
    _require_group(actor, membership.accessgroup)
    _refuse_network_group(membership.accessgroup)
    _membership_affects(actor, membership)
    _end_date_validate(ends_on)
    membership._change_reason = _reason(reason)
    membership.ends_on = ends_on
    membership.reminded_at = None
    membership.save()
    return membership


@audited
@transaction.atomic
def membership_remove(*, actor: User, membership, reason: str) -> None:
    """Remove a user or an organisation from a group; the organisation's administrators are told."""
    group = membership.accessgroup
    _require_group(actor, group)
    _refuse_network_group(group)
    _membership_affects(actor, membership)
    membership._change_reason = _reason(reason)
    org_id = _membership_org_id(membership)
    label = str(
        membership.user if isinstance(membership, AccessGroupMember) else membership.organisation
    )
    membership.delete()
    access_change_notify(
        actor=actor,
        organisation_ids=[org_id],
        title=lambda: _("%(who)s left access group %(group)s") % {"who": label, "group": group},
        url=reverse("administration:group", args=[group.pk]),
    )


def _membership_ended(who: str, group) -> str:
    return _("The membership of %(who)s in access group %(group)s ended") % {
        "who": who,
        "group": group,
    }


@transaction.atomic
def memberships_expire(*, today=None) -> int:
    """End the memberships whose end date has come (beat); each end is in the change log."""
    today = today or timezone.localdate()
    ended = 0
    for model in (AccessGroupMember, AccessGroupOrganisation):
        for membership in model.objects.select_for_update(skip_locked=True).filter(
            ends_on__lte=today
        ):
            group = membership.accessgroup
            org_id = _membership_org_id(membership)
            label = str(getattr(membership, "user", None) or membership.organisation)
            membership._change_reason = _("The membership's end date was reached.")
            membership.delete()
            ended += 1
            access_change_notify(
                actor=None,
                organisation_ids=[org_id],
                title=partial(_membership_ended, label, group),
                url=reverse("administration:group", args=[group.pk]),
            )
    return ended


def _membership_reminder(label: str, group, membership, url: str) -> Message:
    """A reminder that a membership ends, in each reader's language."""
    return message_in_language(
        lambda: (
            _("Membership of %(who)s in %(group)s ends on %(date)s")
            % {"who": label, "group": group, "date": date_shown(membership.ends_on)}
        ),
        subject=lambda title: _("[ICONet] %(title)s") % {"title": title},
        template="administration/email_access_change.txt",
        context={"url": site_url(url)},
    )


def memberships_remind(*, today=None) -> int:
    """Tell a group's managers, once, that memberships end within the reminder period (beat)."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=settings.ICONET_MEMBERSHIP_REMINDER_DAYS)
    reminded = 0
    for model in (AccessGroupMember, AccessGroupOrganisation):
        due = model.objects.filter(
            ends_on__gt=today, ends_on__lte=horizon, reminded_at__isnull=True
        )
        for membership_id in due.values_list("pk", flat=True):
            with transaction.atomic():
                claimed = model.objects.filter(pk=membership_id, reminded_at__isnull=True).update(
                    reminded_at=timezone.now(),
                )
                if not claimed:
                    continue
                membership = model.objects.select_related("accessgroup").get(pk=membership_id)
                group = membership.accessgroup
                label = str(getattr(membership, "user", None) or membership.organisation)
                group_url = reverse("administration:group", args=[group.pk])
                users_notify(
                    item=None,
                    users=group_managers(group),
                    url=group_url,
                    key=f"membership-reminder:{model.__name__}:{membership_id}:{membership.ends_on}",
                    **_membership_reminder(label, group, membership, group_url),
                )
                reminded += 1
    return reminded


def group_shared_counts(group: AccessGroup) -> list[dict]:
    """How many items of each type and marking are shared with the group: counts only."""
    from ...sharing.registry import shared_item_models

    rows = []
    for model in shared_item_models().values():
        grants = grant_model_of(model).objects.filter(group_id=group.group_id)
        counts = grants.values("content_object__marking").order_by("content_object__marking")
        for row in counts.annotate(n=Count("content_object_id", distinct=True)):
            rows.append(
                {
                    "area": model.area,
                    "type": model._meta.verbose_name_plural,
                    "marking": row["content_object__marking"],
                    "count": row["n"],
                }
            )
    return rows


# --- organisations ----------------------------------------------------------------------


@audited
@transaction.atomic
def organisation_save(*, actor: User, organisation: Organisation) -> Organisation:
    """Create or change an organisation (Commission administrators)."""
    if not (is_administrator(actor) and actor.is_commission_admin):
        raise PermissionDenied
    organisation.full_clean(exclude=["group"])
    organisation.save()
    return organisation


@audited
@transaction.atomic
def organisation_deactivate(
    *, actor: User, organisation: Organisation, reason: str
) -> Organisation:
    """An inactive organisation's users keep their accounts; it is offered no more."""
    if not (is_administrator(actor) and actor.is_commission_admin):
        raise PermissionDenied
    if organisation.pk == actor.organisation_id:
        raise ValidationError(SELF_REFUSED)
    organisation._change_reason = _reason(reason)
    organisation.is_active = False
    organisation.save()
    return organisation


def contact_points():
    """Designated contact points of active users, for the directory every user reads."""
    return (
        User.objects.filter(is_active=True)
        .exclude(ncp_areas=[])
        .select_related(
            "organisation__country",
        )
        .order_by("organisation__country__name", "organisation__name", "last_name", "first_name")
    )


# --- one's own account ------------------------------------------------------------------


def password_change(*, actor: User, current_password: str, new_password: str, token: str) -> None:
    """Change one's own password with the current one and a code of the second factor."""
    from django_otp import match_token

    errors = {}
    if not actor.check_password(current_password):
        errors["current_password"] = _("Your current password is not correct.")
    if match_token(actor, (token or "").strip().replace(" ", "")) is None:
        errors["token"] = _("That code is not valid.")
    if errors:
        raise ValidationError(errors)
    validate_password(new_password, actor)
    actor.set_password(new_password)
    actor.save(update_fields=["password"])


def _session_store():
    from importlib import import_module

    return import_module(settings.SESSION_ENGINE).SessionStore


def session_track(*, request, user) -> None:
    """Remember a new signed-in session (key, address, browser) so its owner may revoke it."""
    if not request.session.session_key:
        request.session.save()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "remote_addr": request.META.get("REMOTE_ADDR"),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:255],
            "last_seen_at": timezone.now(),
        },
    )


def sessions_of(user):
    """The user's tracked sessions that still exist in the session store."""
    from django.contrib.sessions.models import Session

    live = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    UserSession.objects.filter(user=user).exclude(session_key__in=live).delete()
    return UserSession.objects.filter(user=user)


def session_revoke(*, actor: User, session: UserSession) -> None:
    """End one of one's own sessions: it is removed from the session store."""
    if session.user_id != actor.pk:
        raise PermissionDenied
    _session_store()(session_key=session.session_key).delete()
    session.delete()


def sessions_end(*, user: User) -> None:
    """End every session of a user (deactivation, second-factor reset)."""
    store = _session_store()
    for tracked in UserSession.objects.filter(user=user):
        store(session_key=tracked.session_key).delete()
        tracked.delete()


@transaction.atomic
def user_language_set(*, user: User, language: str) -> User:
    """The user's own choice of language for the portal and their e-mails (the change log
    records it like any change of the account)."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the portal's languages.")})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user


@transaction.atomic
def user_preferences_set(*, user: User, values: dict[str, dict[str, bool]]) -> User:
    """Store the user's choices for the preferences their areas declare
    (iconet.sharing.declarations); choices of other areas, or keys an area does not declare, are
    ignored."""
    offered = {(row.area.code, row.preference.key) for row in preferences_offered(user)}
    stored = {code: dict(choices) for code, choices in (user.preferences or {}).items()}
    for code, choices in values.items():
        for key, value in choices.items():
            if (code, key) in offered:
                stored.setdefault(code, {})[key] = bool(value)
    user.preferences = stored
    user.save(update_fields=["preferences"])
    return user
