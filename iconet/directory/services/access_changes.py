"""Changes of access by two people: one administrator asks, a second one approves.

Every change that can let someone read (an account, areas, contact-point designations, a role,
administrator rights, an organisation, an access-group or ILO-network membership, an e-mail
address, a second-factor reset, a re-activation) is first an `AccessChangeRequest`. It takes
effect only when a second administrator approves it, never the requester and never the
person concerned; the approval applies it through the directory service that always made it,
under the requester's name, so scope and separation of duties are checked again at that
moment. `ACCESS_CHANGE_KINDS` below is the one table of who approves each change and who is
told; the README shows the same table.
"""

from __future__ import annotations

import copy
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ...audit.services import audited
from ...listeners import Listeners
from ...models import (
    AccessChangeRequest,
    AccessGroup,
    AccessGroupMember,
    AccessGroupOrganisation,
    Area,
    Organisation,
    Role,
    User,
)
from ...outbox.services.notify import (
    InLanguage,
    email_enqueue,
    message_in_language,
    site_url,
    users_notify,
)
from ..models.administration import token_digest
from . import directory

Kind = AccessChangeRequest.Kind
Status = AccessChangeRequest.Status

# Told in the transaction of a request and of its decision: `request`, `organisation_ids` (the
# organisations it concerns). The API registers its webhooks.
access_changed = Listeners()

# Who approves.
STATE = "state"
COMMISSION_OUTSIDE = "commission_outside"

APPROVER_RULES = {
    STATE: gettext_lazy(
        "another national administrator of the organisation's state; where the state has no "
        "other one, or for the Commission and agencies, a second Commission administrator"
    ),
    COMMISSION_OUTSIDE: gettext_lazy(
        "a Commission administrator who is not a member of the organisation that joins"
    ),
}


@dataclass(frozen=True)
class AccessChangeKind:
    """One row of the table: who approves a kind of change and how it takes effect."""

    approvers: str
    apply: Callable[[AccessChangeRequest], None]
    effect: str


def _user_changes(request: AccessChangeRequest) -> None:
    changes = dict(request.payload["changes"])
    if "organisation" in changes:
        changes["organisation"] = Organisation.objects.get(pk=changes["organisation"])
    directory.user_update(
        actor=request.requested_by, user=request.user, changes=changes, reason=request.reason
    )


def _account_create(request: AccessChangeRequest) -> None:
    values = dict(request.payload["account"])
    values["organisation"] = Organisation.objects.get(pk=values["organisation"])
    user = directory.user_invite(actor=request.requested_by, reason=request.reason, **values)
    request.user = user


def _group_member_add(request: AccessChangeRequest) -> None:
    directory.group_member_add(
        actor=request.requested_by,
        group=request.group,
        user=request.user,
        ends_on=_date(request.payload.get("ends_on")),
        reason=request.reason,
    )


def _group_organisation_add(request: AccessChangeRequest) -> None:
    directory.group_organisation_add(
        actor=request.requested_by,
        group=request.group,
        organisation=request.organisation,
        ends_on=_date(request.payload.get("ends_on")),
        reason=request.reason,
    )


def _membership_end_set(request: AccessChangeRequest) -> None:
    directory.membership_end_set(
        actor=request.requested_by,
        membership=_membership(request),
        ends_on=_date(request.payload.get("ends_on")),
        reason=request.reason,
    )


def _person(request: AccessChangeRequest) -> User:
    if request.user is None:
        raise ValidationError(_("This change concerns nobody."))
    return request.user


def _second_factor_reset(request: AccessChangeRequest) -> None:
    directory.user_second_factor_reset(
        actor=request.requested_by, user=_person(request), reason=request.reason
    )
    _second_factor_reset_mail(request)


def _email_confirmation_send(request: AccessChangeRequest) -> None:
    """The new address receives a link that makes the change; the old one is told."""
    token = secrets.token_urlsafe(32)
    request.confirm_token_hash = token_digest(token)
    request.confirm_expires_at = timezone.now() + timedelta(
        hours=settings.ICONET_INVITATION_VALID_HOURS
    )
    user = _person(request)
    new_address = copy.copy(user)
    new_address.email = request.payload["email"]
    url = site_url(reverse("email_confirm", args=[token]))
    email_enqueue(
        key=f"email-confirm:{request.pk}",
        recipient=new_address,
        subject=InLanguage(lambda: _("[ICONet] Confirm your new e-mail address")),
        body=InLanguage(
            lambda: (
                _(
                    "Your ICONet account is to use this address from now on. Open the link "
                    "below to confirm it; until then the previous address stays in use.\n\n%(url)s"
                )
                % {"url": url}
            )
        ),
        secret=True,
    )
    email_enqueue(
        key=f"email-change-notice:{request.pk}",
        recipient=user,
        subject=InLanguage(lambda: _("[ICONet] Your e-mail address is about to change")),
        body=InLanguage(
            lambda: (
                _(
                    "A change of the e-mail address of your ICONet account to %(email)s was "
                    "approved. It takes effect when the new address confirms it. If you did not "
                    "ask for it, tell your administrator at once."
                )
                % {"email": request.payload["email"]}
            )
        ),
    )


def _network_membership(request: AccessChangeRequest) -> None:
    applier = NETWORK_APPLIERS.get(request.payload.get("applier", ""))
    if applier is None:
        raise ValidationError(_("This change can no longer be applied."))
    applier(request)


def _webhook_endpoint_enable(request: AccessChangeRequest) -> None:
    applier = PART_APPLIERS.get(Kind.WEBHOOK_ENDPOINT)
    if applier is None:
        raise ValidationError(_("This change can no longer be applied."))
    applier(request)


# An area that makes network memberships (ILO postings) registers how its change applies.
NETWORK_APPLIERS: dict[str, Callable[[AccessChangeRequest], None]] = {}
# A part of the portal built on the directory (the API's webhook endpoints) registers how a
# kind of change it asks for applies, so that the directory never imports it.
PART_APPLIERS: dict[str, Callable[[AccessChangeRequest], None]] = {}


ACCESS_CHANGE_KINDS: dict[str, AccessChangeKind] = {
    Kind.ACCOUNT: AccessChangeKind(STATE, _account_create, "the invitation is sent"),
    Kind.AREAS: AccessChangeKind(STATE, _user_changes, "the areas change"),
    Kind.CONTACT_POINT: AccessChangeKind(STATE, _user_changes, "the designations change"),
    Kind.ROLE: AccessChangeKind(STATE, _user_changes, "the role changes"),
    Kind.ADMINISTRATOR: AccessChangeKind(STATE, _user_changes, "the role changes"),
    Kind.ORGANISATION: AccessChangeKind(STATE, _user_changes, "the user moves"),
    Kind.GROUP_MEMBER: AccessChangeKind(STATE, _group_member_add, "the user joins the group"),
    Kind.GROUP_ORGANISATION: AccessChangeKind(
        COMMISSION_OUTSIDE, _group_organisation_add, "the organisation joins the group"
    ),
    Kind.MEMBERSHIP_END: AccessChangeKind(STATE, _membership_end_set, "the end date changes"),
    Kind.NETWORK_MEMBER: AccessChangeKind(
        STATE, _network_membership, "the posting is recorded and the networks follow"
    ),
    Kind.EMAIL: AccessChangeKind(
        STATE,
        _email_confirmation_send,
        "a link goes to the new address, the old one is told; the link makes the change",
    ),
    Kind.SECOND_FACTOR_RESET: AccessChangeKind(
        STATE, _second_factor_reset, "authenticators removed; mailed to the address on file"
    ),
    Kind.REACTIVATION: AccessChangeKind(STATE, _user_changes, "the account signs in again"),
    # A client's key works only once its account is active (iconet.api.authentication).
    Kind.API_CLIENT: AccessChangeKind(STATE, _user_changes, "the client's key works"),
    # Events start to leave for the address (iconet.api.webhooks).
    Kind.WEBHOOK_ENDPOINT: AccessChangeKind(
        STATE, _webhook_endpoint_enable, "events are delivered to the address"
    ),
}


def _date(value) -> date | None:
    return date.fromisoformat(value) if value else None


def _membership(request: AccessChangeRequest):
    model = (
        AccessGroupMember
        if request.payload["membership_kind"] == "users"
        else (AccessGroupOrganisation)
    )
    membership = model.objects.filter(
        pk=request.payload["membership"], accessgroup=request.group
    ).first()
    if membership is None:
        raise ValidationError(_("This membership no longer exists."))
    return membership


# --- who approves, who is told ------------------------------------------------------------


def _active_admins():
    return User.objects.filter(is_active=True).filter(
        Q(role=Role.COMMISSION_ADMIN, organisation__kind=Organisation.Kind.COMMISSION)
        | Q(role=Role.NATIONAL_ADMIN, organisation__isnull=False)
    )


def state_admins(organisation: Organisation):
    """The national administrators of the organisation's state (none for EU bodies)."""
    if organisation.kind != Organisation.Kind.NATIONAL or not organisation.country_id:
        return User.objects.none()
    return _active_admins().filter(
        role=Role.NATIONAL_ADMIN, organisation__country_id=organisation.country_id
    )


def commission_admins():
    return _active_admins().filter(role=Role.COMMISSION_ADMIN)


def approvers_of(request: AccessChangeRequest):
    """Who may approve this request: never its requester, never the person concerned."""
    excluded = [pk for pk in (request.requested_by_id, request.user_id) if pk]
    rule = ACCESS_CHANGE_KINDS[request.kind].approvers
    if rule == COMMISSION_OUTSIDE:
        return (
            commission_admins()
            .exclude(pk__in=excluded)
            .exclude(organisation_id=request.organisation_id)
        )
    others = state_admins(request.organisation).exclude(pk__in=excluded)
    if others.exists():
        return others
    return commission_admins().exclude(pk__in=excluded)


def may_approve(user, request: AccessChangeRequest) -> bool:
    if not getattr(user, "is_authenticated", False) or user.pk in (
        request.requested_by_id,
        request.user_id,
    ):
        return False
    return approvers_of(request).filter(pk=user.pk).exists()


def _organisation_admins(organisation_ids) -> list[User]:
    return list(
        _active_admins().filter(
            role=Role.NATIONAL_ADMIN, organisation_id__in=[pk for pk in organisation_ids if pk]
        )
    )


def _contact_points(organisation_id) -> list[User]:
    return [
        user
        for user in User.objects.filter(organisation_id=organisation_id, is_active=True)
        if user.ncp_areas
    ]


def _tell(users, *, title: Callable[[], str], request: AccessChangeRequest, key: str) -> int:
    unique = {user.pk: user for user in users if user is not None}
    if not unique:
        return 0
    url = reverse("administration:access_change", args=[request.pk])
    return users_notify(
        item=None,
        users=list(unique.values()),
        url=url,
        key=f"access-request:{request.pk}:{key}:{uuid.uuid4().hex[:8]}",
        **message_in_language(
            title,
            subject=lambda text: _("[ICONet] Change of access: %(title)s") % {"title": text},
            template="administration/email_access_change.txt",
            context={"url": site_url(url)},
        ),
    )


def _concerned_organisations(request: AccessChangeRequest) -> set[int]:
    ids = {request.organisation_id}
    if request.kind == Kind.ORGANISATION and request.user_id:
        ids.add(request.payload.get("from_organisation"))
    return {pk for pk in ids if pk}


def _described(request: AccessChangeRequest) -> Callable[[], str]:
    return lambda: describe(request)


def _told_of_request(request: AccessChangeRequest) -> None:
    summary = _described(request)
    _tell(
        approvers_of(request),
        title=lambda: _("Waiting for your approval: %(change)s") % {"change": summary()},
        request=request,
        key="approvers",
    )
    concerned = [request.user] if request.user_id else []
    concerned += [
        admin
        for admin in _organisation_admins(_concerned_organisations(request))
        if admin.pk != request.requested_by_id
    ]
    if not state_admins(request.organisation).exists():
        # Nobody of the state administers it: its contact points hear of every change.
        concerned += _contact_points(request.organisation_id)
    _tell(
        concerned,
        title=lambda: _("Change of access requested: %(change)s") % {"change": summary()},
        request=request,
        key="requested",
    )


def _told_of_decision(request: AccessChangeRequest) -> None:
    summary = _described(request)
    approved = request.status == Status.APPROVED
    people = [request.requested_by, request.user]
    people += _organisation_admins(_concerned_organisations(request))
    if not state_admins(request.organisation).exists():
        people += _contact_points(request.organisation_id)
    people = [p for p in people if p is not None and p.pk != request.decided_by_id]

    def title() -> str:
        if approved:
            return _("Change of access approved: %(change)s") % {"change": summary()}
        return _("Change of access refused: %(change)s") % {"change": summary()}

    _tell(people, title=title, request=request, key=request.status)


def _area_list(codes) -> str:
    return ", ".join(str(dict(Area.choices).get(code, code)) for code in codes) or _("none")


def describe(request: AccessChangeRequest) -> str:
    """The change in the reader's language: kind, whom, and what it sets (never a secret)."""
    payload = request.payload
    who = str(request.user) if request.user_id else ""
    kind = request.get_kind_display()
    if request.kind == Kind.ACCOUNT:
        account = payload["account"]
        return _("%(kind)s: %(name)s <%(email)s> in %(org)s") % {
            "kind": kind,
            "name": f"{account['first_name']} {account['last_name']}",
            "email": account["email"],
            "org": request.organisation,
        }
    if request.kind == Kind.EMAIL:
        return _("%(kind)s of %(user)s: %(email)s") % {
            "kind": kind,
            "user": who,
            "email": payload["email"],
        }
    if request.kind in (Kind.GROUP_MEMBER, Kind.GROUP_ORGANISATION, Kind.MEMBERSHIP_END):
        return _("%(kind)s: %(who)s in %(group)s") % {
            "kind": kind,
            "who": who or request.organisation,
            "group": request.group,
        }
    if request.kind == Kind.WEBHOOK_ENDPOINT:
        return _("%(kind)s: %(url)s for %(client)s") % {
            "kind": kind,
            "url": payload.get("url", ""),
            "client": who,
        }
    changes = payload.get("changes", {})
    if changes:
        parts = []
        if "organisation" in changes:
            parts.append(str(request.organisation))
        if "role" in changes:
            parts.append(str(dict(Role.choices).get(changes["role"], "")))
        if "areas" in changes:
            parts.append(_("areas: %(list)s") % {"list": _area_list(changes["areas"])})
        if "ncp_areas" in changes:
            parts.append(
                _("contact point for: %(list)s") % {"list": _area_list(changes["ncp_areas"])}
            )
        if parts:
            return _("%(kind)s of %(user)s: %(what)s") % {
                "kind": kind,
                "user": who,
                "what": "; ".join(parts),
            }
    return _("%(kind)s: %(user)s") % {"kind": kind, "user": who}


# --- asking -------------------------------------------------------------------------------


class _DryRun(Exception):
    pass


def _dry_run(request: AccessChangeRequest) -> None:
    """Run the change inside a savepoint that is rolled back: the same service refuses the
    request now that would refuse its approval (scope, separation of duties, validation)."""
    try:
        with transaction.atomic():
            ACCESS_CHANGE_KINDS[request.kind].apply(copy.copy(request))
            raise _DryRun
    except _DryRun:
        pass


@audited
@transaction.atomic
def access_change_request(
    *,
    actor: User,
    kind: str,
    organisation: Organisation,
    reason: str,
    user: User | None = None,
    group: AccessGroup | None = None,
    payload: dict | None = None,
    dry_run: bool = True,
) -> AccessChangeRequest:
    """Record a request for a change of access; nothing changes until a second administrator
    approves it. Tells the possible approvers, the person concerned and the organisation's
    administrators (its contact points where its state has no administrator)."""
    if not directory.is_administrator(actor):
        raise PermissionDenied
    if kind not in ACCESS_CHANGE_KINDS:
        raise ValidationError(_("This change is not known."))
    request = AccessChangeRequest(
        kind=kind,
        organisation=organisation,
        user=user,
        group=group,
        payload=payload or {},
        reason=directory._reason(reason),
        requested_by=actor,
    )
    if dry_run:
        _dry_run(request)
    if user is not None and user.pk == actor.pk:
        raise ValidationError(directory.SELF_REFUSED)
    with translation.override(settings.LANGUAGE_CODE):
        request.summary = describe(request)[:300]
    request.save()
    _told_of_request(request)
    access_changed.tell(
        request=request,
        organisation_ids=sorted(_concerned_organisations(request)),
    )
    return request


def _scope_check(actor, user: User, *, own_account: bool = False) -> None:
    if not directory.users_manageable_by(actor).filter(pk=user.pk).exists():
        raise PermissionDenied
    if user.pk == actor.pk and not own_account:
        raise ValidationError(directory.SELF_REFUSED)


def account_request(*, actor: User, reason: str, **account) -> AccessChangeRequest:
    """Ask for an account to be created (the invitation goes once it is approved)."""
    email = account["email"].strip()
    if (
        User.objects.filter(email__iexact=email).exists()
        or AccessChangeRequest.objects.filter(
            kind=Kind.ACCOUNT, status=Status.PENDING, payload__account__email__iexact=email
        ).exists()
    ):
        raise ValidationError({"email": _("A user with this e-mail address already exists.")})
    organisation = account.pop("organisation")
    values = {
        "username": account["username"].strip(),
        "email": email,
        "first_name": account["first_name"].strip(),
        "last_name": account["last_name"].strip(),
        "organisation": organisation.pk,
        "role": account.get("role") or Role.OFFICER,
        "areas": list(account.get("areas") or []),
        "ncp_areas": list(account.get("ncp_areas") or []),
        "job_title": account.get("job_title", ""),
        "phone": account.get("phone", ""),
    }
    return access_change_request(
        actor=actor,
        kind=Kind.ACCOUNT,
        organisation=organisation,
        reason=reason,
        payload={"account": values},
    )


# When one form changes several of these, the request is named after the first one.
USER_CHANGE_PRECEDENCE = ("organisation", "role", "areas", "ncp_areas", "is_active")


def _user_change_kind(changes: dict) -> str:
    field = next(f for f in USER_CHANGE_PRECEDENCE if f in changes)
    if field == "role":
        return (
            Kind.ADMINISTRATOR
            if changes["role"] in (Role.NATIONAL_ADMIN, Role.COMMISSION_ADMIN)
            else Kind.ROLE
        )
    return {
        "areas": Kind.AREAS,
        "ncp_areas": Kind.CONTACT_POINT,
        "organisation": Kind.ORGANISATION,
        "is_active": Kind.REACTIVATION,
    }[field]


@transaction.atomic
def user_change_request(
    *, actor: User, user: User, changes: dict, reason: str = ""
) -> tuple[User, list[AccessChangeRequest]]:
    """A change of a user's details: what gives no access (name, job, telephone) is saved at
    once; the changes of access (areas, designations, role, organisation) become one request,
    a new e-mail address another one (never on one's own account)."""
    _scope_check(actor, user, own_account=True)
    plain: dict = {}
    access: dict = {}
    new_email = ""
    for field, value in changes.items():
        current = getattr(user, field)
        if field == "organisation":
            if (value.pk if value else None) != user.organisation_id:
                access["organisation"] = value.pk
        elif field in ("areas", "ncp_areas"):
            if sorted(value or []) != sorted(current or []):
                access[field] = sorted(value or [])
        elif field == "email":
            if (value or "").strip().lower() != (current or "").lower():
                new_email = value.strip()
            elif value.strip() != current:
                plain[field] = value.strip()
        elif field in ("role", "is_active"):
            if value != current:
                access[field] = value
        else:
            plain[field] = value
    if access or new_email:
        _requested_state_validate(actor=actor, user=user, changes=changes)
    if plain:
        user = directory.user_update(actor=actor, user=user, changes=plain)
    requests = []
    if access:
        organisation = user.organisation
        payload: dict = {"changes": access}
        if "organisation" in access:
            organisation = Organisation.objects.get(pk=access["organisation"])
            payload["from_organisation"] = user.organisation_id
        requests.append(
            access_change_request(
                actor=actor,
                kind=_user_change_kind(access),
                organisation=organisation,
                user=user,
                payload=payload,
                reason=reason,
            )
        )
    if new_email:
        requests.append(
            access_change_request(
                actor=actor,
                kind=Kind.EMAIL,
                organisation=user.organisation,
                user=user,
                payload={"email": new_email},
                reason=reason,
            )
        )
    return user, requests


def _requested_state_validate(*, actor, user: User, changes: dict) -> None:
    """The account as it would be once every requested change is approved must be valid."""
    errors: dict[str, list[str]] = {}
    email = (changes.get("email") or user.email).strip()
    if (
        email.lower() != (user.email or "").lower()
        and User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists()
    ):
        errors["email"] = [_("A user with this e-mail address already exists.")]
    if "organisation" in changes and changes["organisation"].pk != user.organisation_id:
        if not actor.is_commission_admin:
            errors["organisation"] = [
                _("Only a Commission administrator moves a user to another organisation.")
            ]
    future = copy.copy(user)
    for field, value in changes.items():
        if field == "organisation":
            future.organisation = value
        else:
            setattr(future, field, list(value) if field in ("areas", "ncp_areas") else value)
    try:
        directory._user_validate(actor=actor, user=future)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def second_factor_reset_request(*, actor: User, user: User, reason: str) -> AccessChangeRequest:
    """Ask for a second-factor reset; once approved it is mailed to the address on file."""
    _scope_check(actor, user)
    return access_change_request(
        actor=actor,
        kind=Kind.SECOND_FACTOR_RESET,
        organisation=user.organisation,
        user=user,
        reason=reason,
        # The reset ends sessions outside the database: it is checked, not rehearsed.
        dry_run=False,
    )


def reactivation_request(*, actor: User, user: User, reason: str) -> AccessChangeRequest:
    _scope_check(actor, user)
    if user.is_active:
        raise ValidationError(_("This account is active."))
    return access_change_request(
        actor=actor,
        kind=Kind.REACTIVATION,
        organisation=user.organisation,
        user=user,
        reason=reason,
        payload={"changes": {"is_active": True}},
    )


def api_client_request(*, actor: User, account: User, reason: str) -> AccessChangeRequest:
    """Enabling the account through which a new API client reads (iconet.api.services)."""
    return access_change_request(
        actor=actor,
        kind=Kind.API_CLIENT,
        organisation=account.organisation,
        user=account,
        reason=reason,
        payload={"changes": {"is_active": True}},
    )


def webhook_endpoint_request(*, actor: User, endpoint, reason: str) -> AccessChangeRequest:
    """Enabling an address to which events leave the portal (iconet.api.webhooks)."""
    account = endpoint.client.user
    return access_change_request(
        actor=actor,
        kind=Kind.WEBHOOK_ENDPOINT,
        organisation=endpoint.client.organisation,
        user=account,
        reason=reason,
        payload={"endpoint": endpoint.pk, "url": endpoint.url, "events": list(endpoint.events)},
    )


def group_member_request(
    *, actor: User, group: AccessGroup, user: User, reason: str, ends_on=None
) -> AccessChangeRequest:
    return access_change_request(
        actor=actor,
        kind=Kind.GROUP_MEMBER,
        organisation=user.organisation,
        user=user,
        group=group,
        reason=reason,
        payload={"ends_on": ends_on.isoformat() if ends_on else None},
    )


def group_members_request(
    *, actor: User, group: AccessGroup, users, reason: str, ends_on=None
) -> list[AccessChangeRequest]:
    """One request per user added at once to a group: all are made, or none if one cannot be
    (the error names him)."""
    made = []
    with transaction.atomic():
        for user in users:
            try:
                made.append(
                    group_member_request(
                        actor=actor, group=group, user=user, reason=reason, ends_on=ends_on
                    )
                )
            except ValidationError as error:
                problems = error.message_dict if hasattr(error, "error_dict") else {}
                if "user" not in problems:
                    raise
                raise ValidationError(
                    {"user": [f"{user}: {problem}" for problem in problems["user"]]}
                ) from error
    return made


def group_organisation_request(
    *, actor: User, group: AccessGroup, organisation: Organisation, reason: str, ends_on=None
) -> AccessChangeRequest:
    return access_change_request(
        actor=actor,
        kind=Kind.GROUP_ORGANISATION,
        organisation=organisation,
        group=group,
        reason=reason,
        payload={"ends_on": ends_on.isoformat() if ends_on else None},
    )


def membership_end_request(*, actor: User, membership, ends_on, reason: str):
    """A later end date (or none) keeps access longer: it is a request like a new membership."""
    is_user = isinstance(membership, AccessGroupMember)
    return access_change_request(
        actor=actor,
        kind=Kind.MEMBERSHIP_END,
        organisation=membership.user.organisation if is_user else membership.organisation,
        user=membership.user if is_user else None,
        group=membership.accessgroup,
        reason=reason,
        payload={
            "membership_kind": "users" if is_user else "organisations",
            "membership": membership.pk,
            "ends_on": ends_on.isoformat() if ends_on else None,
        },
    )


# --- deciding -----------------------------------------------------------------------------


@audited
@transaction.atomic
def access_change_decide(
    *, actor: User, request: AccessChangeRequest, approve: bool, reason: str = ""
) -> AccessChangeRequest:
    """Approve (the change takes effect now) or refuse a pending request; the requester, the
    person concerned and the organisation's administrators are told."""
    locked = AccessChangeRequest.objects.select_for_update().get(pk=request.pk)
    if not may_approve(actor, locked):
        raise PermissionDenied
    if locked.status != Status.PENDING:
        raise ValidationError(_("This request was already decided."))
    if not approve and not (reason or "").strip():
        raise ValidationError({"reason": _("Say why you refuse this change.")})
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_reason = (reason or "").strip()
    if approve:
        try:
            ACCESS_CHANGE_KINDS[locked.kind].apply(locked)
        except PermissionDenied:
            # The requester's scope is checked again now: he may have lost it meanwhile.
            raise ValidationError(
                _("The requester may no longer make this change: refuse it.")
            ) from None
        locked.status = Status.APPROVED
        if locked.kind != Kind.EMAIL:
            locked.applied_at = locked.decided_at
    else:
        locked.status = Status.REFUSED
    locked.save()
    _told_of_decision(locked)
    access_changed.tell(
        request=locked,
        organisation_ids=sorted(_concerned_organisations(locked)),
    )
    return locked


def email_request_for_token(token: str) -> AccessChangeRequest | None:
    request = AccessChangeRequest.objects.filter(
        kind=Kind.EMAIL,
        status=Status.APPROVED,
        applied_at__isnull=True,
        confirm_token_hash=token_digest(token),
    ).first()
    if request is None or (request.confirm_expires_at or timezone.now()) <= timezone.now():
        return None
    return request


@transaction.atomic
def email_confirm(*, token: str) -> User:
    """The new address confirms an approved change: from now on the account uses it."""
    found = email_request_for_token(token)
    if found is None:
        raise ValidationError(_("This link is no longer valid."))
    request = AccessChangeRequest.objects.select_for_update().get(pk=found.pk)
    user = User.objects.select_for_update().get(pk=_person(request).pk)
    new = request.payload["email"]
    if User.objects.filter(email__iexact=new).exclude(pk=user.pk).exists():
        raise ValidationError(_("Another account uses this address now."))
    user.email = new
    user._change_reason = request.reason
    user.save()
    request.applied_at = timezone.now()
    request.save(update_fields=["applied_at"])
    return user


def _second_factor_reset_mail(request: AccessChangeRequest) -> None:
    user = request.user
    sign_in = site_url(reverse("accounts:login"))
    email_enqueue(
        key=f"second-factor-reset:{request.pk}",
        recipient=user,
        subject=InLanguage(lambda: _("[ICONet] The second factor of your account was reset")),
        body=InLanguage(
            lambda: (
                _(
                    "The authenticator and backup codes of your ICONet account were removed at "
                    "your organisation's request, approved by a second administrator. Sign in "
                    "with your password at %(url)s and set up a new authenticator. If you did not "
                    "ask for this, tell your administrator at once."
                )
                % {"url": sign_in}
            )
        ),
    )


# --- reading ------------------------------------------------------------------------------


def may_read_register(user) -> bool:
    """Administrators, and contact points for their organisation's register."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return directory.is_administrator(user) or bool(
        user.organisation_id and any(user.is_ncp(area) for area in Area.values)
    )


def requests_readable_by(user):
    """The register: the Commission reads every organisation's; an organisation's
    administrators and contact points read theirs (a state's administrators, all of the
    state's, which they approve); everyone reads the requests that concern him."""
    rows = AccessChangeRequest.objects.select_related(
        "organisation__country", "user", "requested_by", "decided_by", "group"
    )
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return rows.none()
    if directory.is_administrator(user) and user.is_commission_admin:
        return rows
    mine = Q(user=user) | Q(requested_by=user)
    if may_read_register(user):
        mine |= Q(organisation_id=user.organisation_id)
    if directory.is_administrator(user) and user.organisation.country_id:
        mine |= Q(organisation__country_id=user.organisation.country_id)
    return rows.filter(mine)


def requests_waiting_for(user) -> list[AccessChangeRequest]:
    """Pending requests that this user may approve (the home page lists them), by the rule of
    `approvers_of` applied to the administrators read once, whatever the number of rows."""
    if not directory.is_administrator(user):
        return []
    pending = AccessChangeRequest.objects.filter(status=Status.PENDING).exclude(
        Q(requested_by=user) | Q(user=user)
    )
    if not user.is_commission_admin:
        pending = pending.filter(organisation__country_id=user.organisation.country_id)
    pending = pending.select_related("organisation__country", "user", "requested_by", "group")
    admins = list(
        _active_admins().values_list("pk", "role", "organisation_id", "organisation__country_id")
    )
    commission = {pk for pk, role, _org, _country in admins if role == Role.COMMISSION_ADMIN}
    by_state: dict[str, set[int]] = {}
    for pk, role, _org, country in admins:
        if role == Role.NATIONAL_ADMIN and country:
            by_state.setdefault(country, set()).add(pk)
    waiting = []
    for row in pending[:200]:
        excluded = {row.requested_by_id, row.user_id}
        if ACCESS_CHANGE_KINDS[row.kind].approvers == COMMISSION_OUTSIDE:
            allowed = commission - excluded
            if user.organisation_id == row.organisation_id:
                allowed = set()
        else:
            organisation = row.organisation
            country = organisation.country_id or ""
            if organisation.kind == Organisation.Kind.NATIONAL and country:
                allowed = by_state.get(country, set()) - excluded
            else:
                allowed = set()
            allowed = allowed or (commission - excluded)
        if user.pk in allowed:
            waiting.append(row)
    return waiting
