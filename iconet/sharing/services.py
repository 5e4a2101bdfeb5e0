"""Ownership, publication, audience and disclosure: the only writers of grant rows."""

import hashlib
from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit.services import audited
from ..dashboard.trends import item_stale
from ..limits import one_line_text
from ..listeners import Listeners
from ..models import (
    CONTENT_FREE_MARKINGS,
    FOUR_EYES_MARKINGS,
    MARKING_AUDIENCES,
    PUBLISH_REACH,
    AccessGroup,
    Action,
    Audience,
    DisclosureRequest,
    Grant,
    Marking,
    Organisation,
    PersonalDataConfirmation,
    SharedItem,
    Standing,
    State,
    User,
    grant_model_of,
    marking_cap_message,
)
from ..outbox.services.notify import InLanguage, site_url, users_notify
from ..outbox.services.recipients import recipients_tell
from ..personal_data import Finding, personal_data_findings
from .access import (
    NETWORK_GROUP,
    PUBLIC_GROUP,
    open_group_ids,
    readers_among,
    require,
    special_group_id,
)
from .querysets import OPEN_TO
from .references import item_reference_allocate


def _grant_model(item: SharedItem):
    return grant_model_of(item)


def _view_permission(item: SharedItem):
    from django.contrib.auth.models import Permission

    ct = ContentType.objects.get_for_model(type(item))
    return Permission.objects.get(content_type=ct, codename=f"view_{ct.model}")


def desired_grants(item: SharedItem) -> dict[int, tuple[str, int | None]]:
    """Which guardian groups should read the item, each with the first reason that applies."""
    wanted: dict[int, tuple[str, int | None]] = {
        item.owner.group_id: (Grant.Reason.OWNERSHIP, None)
    }
    if item.state == State.DRAFT:
        for group_id in item.extra_draft_group_ids():
            wanted.setdefault(group_id, (Grant.Reason.AUDIENCE, None))
        return wanted
    if item.audience == Audience.PUBLIC:
        wanted.setdefault(special_group_id(PUBLIC_GROUP), (Grant.Reason.AUDIENCE, None))
    elif item.audience == Audience.NETWORK:
        wanted.setdefault(special_group_id(NETWORK_GROUP), (Grant.Reason.AUDIENCE, None))
    elif item.audience == Audience.GROUPS:
        for group_id in item.audience_groups.values_list("group_id", flat=True):
            wanted.setdefault(group_id, (Grant.Reason.AUDIENCE, None))
    approved = (
        DisclosureRequest.objects.filter(
            content_type=ContentType.objects.get_for_model(type(item)),
            object_id=item.pk,
            status=DisclosureRequest.Status.APPROVED,
        )
        .exclude(target_kind=DisclosureRequest.TargetKind.THIRD_PARTY)
        .select_related("target_organisation", "target_group")
    )
    for disclosure in approved:
        target = disclosure.target_group_id_for_grant
        if target is not None:  # a third party reads through the marked export only
            wanted.setdefault(target, (Grant.Reason.DISCLOSURE, disclosure.pk))
    for group_id in item.extra_reader_group_ids():
        wanted.setdefault(group_id, (Grant.Reason.AUDIENCE, None))
    return wanted


def grants_sync(item: SharedItem) -> None:
    """Make the item's grant rows match ownership, audience and approved disclosures."""
    model = _grant_model(item)
    wanted = desired_grants(item)
    existing = {g.group_id: g for g in model.objects.filter(content_object=item)}
    stale = [
        g.pk
        for gid, g in existing.items()
        if gid not in wanted or (g.reason, g.disclosure_id) != wanted[gid]
    ]
    if stale:
        model.objects.filter(pk__in=stale).delete()
    open_to = _open_to(wanted)
    kept = [g.pk for g in existing.values() if g.pk not in stale and g.open_to != open_to]
    if kept:
        model.objects.filter(pk__in=kept).update(open_to=open_to)
    permission = _view_permission(item)
    fresh = [
        model(
            group_id=gid,
            permission=permission,
            content_object=item,
            reason=reason,
            disclosure_id=disclosure_id,
            open_to=open_to,
        )
        for gid, (reason, disclosure_id) in wanted.items()
        if gid not in existing or existing[gid].pk in stale
    ]
    model.objects.bulk_create(fresh)
    if stale or fresh:
        item_stale(item)  # its audience changed: counted again in the home page's trends


def _open_to(wanted: dict[int, tuple[str, int | None]]) -> str:
    """The widest open audience among the wanted grants (`Grant.open_to` of every row)."""
    groups = open_group_ids()
    for name in (PUBLIC_GROUP, NETWORK_GROUP):
        if groups[name] in wanted:
            return OPEN_TO[name]
    return Grant.OpenTo.NOBODY


def grants_explained(item: SharedItem) -> list[dict]:
    """Every grant of the item with its reason, for the owner's "who can see this" panel."""
    rows = []
    for grant in _grant_model(item).objects.filter(content_object=item).select_related("group"):
        group = grant.group
        access_group_id = None
        if group.name == PUBLIC_GROUP:
            label = _("Every user of the network and of the EU agencies")
        elif group.name == NETWORK_GROUP:
            label = _("Every Member State service and the Commission")
        elif hasattr(group, "organisation"):
            label = str(group.organisation)
        elif hasattr(group, "access_group"):
            label = _("Access group: %(name)s") % {"name": group.access_group.name}
            access_group_id = group.access_group.pk
        else:
            label = group.name
        rows.append(
            {
                "label": label,
                "reason": grant.get_reason_display(),
                "disclosure_id": grant.disclosure_id,
                "access_group_id": access_group_id,
            }
        )
    return rows


# --- items ------------------------------------------------------------------------------


@audited
@transaction.atomic
def item_create(*, actor: User, item: SharedItem) -> SharedItem:
    """Save a new draft owned by the actor's organisation, with its reference when its type
    declares a prefix (EWS-2026-FR-0042); only its own people see it. The type's declared
    `created` step (e.g. a return operation's checklist) runs in the same transaction."""
    if not actor.organisation_id or not actor.has_area(item.area):
        raise PermissionDenied
    declaration = type(item).declaration
    item.owner_id = actor.organisation_id
    item.author = actor
    item.state = State.DRAFT
    if declaration.reference_prefix and not getattr(item, "reference_code", None):
        # Rolled back with the rest if the item is refused: numbers stay consecutive.
        cast(Any, item).reference_code = item_reference_allocate(item)
    item.full_clean(exclude=["owner", "author"])
    item.save()
    grants_sync(item)
    created = declaration.hook("created")
    if created is not None:
        created(actor=actor, item=item)
    return item


def transition_apply(*, actor: User, item: SharedItem, to: str) -> None:
    """Move an item along its type's state machine (not saved: the caller saves with the rest).

    The model declares its machine: `WORKFLOW_FIELD` (the field holding the workflow state)
    and `TRANSITIONS`, {(from, to): action}. A pair not in the table is refused with a
    ValidationError, an actor the item's policy does not allow the action with PermissionDenied.
    """
    field = item.WORKFLOW_FIELD
    action = item.TRANSITIONS.get((getattr(item, field), to))
    if action is None:
        raise ValidationError(_("This change of state is not possible."))
    require(actor, action, item)
    setattr(item, field, to)


@audited
@transaction.atomic
def item_update(*, actor: User, item: SharedItem) -> SharedItem:
    """Save changes to an item the actor may change."""
    require(actor, Action.CHANGE, item)
    item.full_clean()
    item.save()
    return item


def _audience_validate(audience: str, groups) -> None:
    if audience == Audience.GROUPS and not groups:
        raise ValidationError({"audience_groups": _("Choose at least one access group.")})


# --- personal data ---------------------------------------------------------------------------


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def personal_data_unconfirmed(item: SharedItem) -> list[Finding]:
    """What the personal-data check finds in the item that nobody confirmed with a reason."""
    findings = personal_data_findings(item)
    if not findings or item.pk is None:
        return findings
    confirmed = {
        fingerprint
        for fingerprints in PersonalDataConfirmation.objects.filter(
            content_type=ContentType.objects.get_for_model(type(item)), object_id=item.pk
        ).values_list("fingerprints", flat=True)
        for fingerprint in fingerprints
    }
    return [f for f in findings if _fingerprint(f.match) not in confirmed]


@transaction.atomic
def personal_data_confirm(
    *, actor: User, item: SharedItem, reason: str
) -> PersonalDataConfirmation | None:
    """Record why the text the check found is kept (None: nothing left to confirm)."""
    require(actor, Action.PUBLISH, item)
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"personal_data_reason": _("Say why this text is not personal data or must stay.")}
        )
    findings = personal_data_unconfirmed(item)
    if not findings:
        return None
    confirmation = PersonalDataConfirmation(
        content_type=ContentType.objects.get_for_model(type(item)),
        object_id=item.pk,
        fingerprints=sorted({_fingerprint(f.match) for f in findings}),
        reason=reason,
        confirmed_by=actor,
    )
    confirmation.full_clean()
    confirmation.save()
    return confirmation


def personal_data_refuse(item: SharedItem) -> None:
    """Refuse a publication while the check finds text nobody confirmed."""
    unconfirmed = personal_data_unconfirmed(item)
    if unconfirmed:
        raise ValidationError(
            _(
                "The text looks like it holds personal data (%(kinds)s). Remove it, or "
                "confirm with a reason why it stays."
            )
            % {"kinds": ", ".join(sorted({f.kind_label for f in unconfirmed}))}
        )


# --- how wide, and by whom ------------------------------------------------------------------


def publisher_standing(user: User, item: SharedItem) -> str | None:
    """What the user is to the item in `PUBLISH_REACH`; None for someone outside it."""
    if item.allows(user, Action.PUBLISH):
        if item.is_owner_member(user) and user.is_national_admin:
            return Standing.NATIONAL_ADMIN
        if item.is_owner_member(user) and user.is_ncp(item.area):
            return Standing.CONTACT_POINT
        return Standing.WORKFLOW
    return Standing.OFFICER if item.is_owner_member(user) else None


def audiences_open(*, actor: User, item: SharedItem, marking: str) -> frozenset[str]:
    """The audiences the actor may publish the item to with that marking: the role's reach
    (`PUBLISH_REACH`) within the marking's cap (`MARKING_AUDIENCES`)."""
    standing = publisher_standing(actor, item)
    reach = PUBLISH_REACH.get(standing, frozenset()) if standing else frozenset()
    return reach & MARKING_AUDIENCES.get(marking, frozenset())


def publication_check(*, actor: User, item: SharedItem, audience: str, marking: str) -> None:
    """Refuse an audience the marking caps or the actor's role does not reach."""
    if marking not in MARKING_AUDIENCES:
        raise ValidationError({"marking": _("Choose a handling marking.")})
    if audience not in MARKING_AUDIENCES[marking]:
        raise ValidationError({"audience": marking_cap_message(marking)})
    if audience not in audiences_open(actor=actor, item=item, marking=marking):
        raise ValidationError(
            {"audience": _("Your role does not let you publish this item to that audience.")}
        )


_AUDIENCE_WIDTH: dict[str, int] = {
    Audience.OWNER: 0,
    Audience.GROUPS: 1,
    Audience.NETWORK: 2,
    Audience.PUBLIC: 3,
}


def publication_widens(current: SharedItem, audience: str, groups=()) -> bool:
    """Whether publishing `current` to `audience` lets anyone read it who could not before."""
    if current.state != State.PUBLISHED or audience == Audience.OWNER:
        return current.state != State.PUBLISHED and audience != Audience.OWNER
    if audience == Audience.GROUPS and current.audience == Audience.GROUPS:
        before = set(current.audience_groups.values_list("pk", flat=True))
        return not {g.pk for g in groups} <= before
    return _AUDIENCE_WIDTH[audience] > _AUDIENCE_WIDTH.get(current.audience, 0)


def release_needed(*, actor: User, item: SharedItem, audience: str, marking: str, groups=()):
    """Whether this publication waits for a second person: a marking of `FOUR_EYES_MARKINGS`,
    published by its own author to readers who could not read it before."""
    return (
        marking in FOUR_EYES_MARKINGS
        and actor.pk == item.author_id
        and publication_widens(item, audience, list(groups))
    )


def releasers(item: SharedItem) -> list[User]:
    """Who may release the item: the people of the owner organisation who may publish it,
    never its author."""
    candidates = disclosure_deciders(item).exclude(pk=item.author_id).select_related("organisation")
    return [user for user in candidates if item.allows(user, Action.PUBLISH)]


@audited
@transaction.atomic
def item_release_request(
    *, actor: User, item: SharedItem, audience: str, marking: str, groups=()
) -> list[User]:
    """The author of a draft marked for four eyes asks for its release to the audience chosen;
    the draft stays a draft, readable by its organisation only, until a second person who may
    publish it releases it (`item_publish`). Returns who may release it."""
    require(actor, Action.PUBLISH, item)
    if item.state != State.DRAFT:
        raise ValidationError(
            _("A second person of your organisation who may publish it must widen this item.")
        )
    groups = list(groups)
    _audience_validate(audience, groups)
    publication_check(actor=actor, item=item, audience=audience, marking=marking)
    type(item).objects.select_for_update().filter(pk=item.pk).exists()
    item.audience = audience
    item.marking = marking
    item.release_requested_by = actor
    item.release_requested_at = timezone.now()
    item.full_clean()
    item.save()
    item.audience_groups.set(groups if audience == Audience.GROUPS else [])
    grants_sync(item)
    people = releasers(item)
    url = reverse("sharing:publish", args=[item.type_slug(), item.pk])
    users_notify(
        item=item,
        users=people,
        title=InLanguage(lambda: _("%(ref)s waits for your release") % {"ref": item.reference}),
        url=url,
        key=f"release:{item.type_slug()}:{item.pk}:{item.release_requested_at:%s}",
        subject=InLanguage(
            lambda: one_line_text(_("[ICONet] %(ref)s waits for release") % {"ref": item.reference})
        ),
        body=InLanguage(
            lambda: (
                _(
                    "%(author)s asks a second person to release %(ref)s (%(marking)s). It stays a "
                    "draft until then.\n\n%(url)s"
                )
                % {
                    "author": actor.get_full_name() or actor.username,
                    "ref": item.reference,
                    "marking": item.get_marking_display(),
                    "url": site_url(url),
                }
            )
        ),
    )
    return people


@audited
@transaction.atomic
def item_publish(
    *, actor: User, item: SharedItem, audience: str, marking: str, groups=()
) -> list[User]:
    """Publish a draft to the audience the owner chose, or change the audience of a published
    item: check (the rules, then the type's declared `publish_check`), publish, tell the people
    the type's declaration names (`publication_recipients`, with its `publication_message`),
    and return who was told now (nobody told before is told again)."""
    require(actor, Action.PUBLISH, item)
    if item.state not in (State.DRAFT, State.PUBLISHED):
        raise ValidationError(_("Only drafts and published items can be published."))
    declaration = type(item).declaration
    groups = list(groups)
    _audience_validate(audience, groups)
    publication_check(actor=actor, item=item, audience=audience, marking=marking)
    # The row lock serialises a double-submitted form; the second finds the choice applied.
    current = type(item).objects.select_for_update().get(pk=item.pk)
    if publication_widens(current, audience, groups):
        personal_data_refuse(item)  # narrowing an audience is never held up
    if release_needed(actor=actor, item=current, audience=audience, marking=marking, groups=groups):
        raise ValidationError(
            _(
                "An item marked %(marking)s is released by a second person of your organisation "
                "who may publish it, never by its author alone. Ask for its release."
            )
            % {"marking": Marking(marking).label}
        )
    released = marking in FOUR_EYES_MARKINGS and publication_widens(current, audience, groups)
    wanted = {g.pk for g in groups} if audience == Audience.GROUPS else set()
    if (
        current.state == State.PUBLISHED
        and current.audience == audience
        and current.marking == marking
        and set(current.audience_groups.values_list("pk", flat=True)) == wanted
    ):
        item.refresh_from_db()
        return []  # already published exactly so: nothing to write, nobody to tell again
    check = declaration.hook("publish_check")
    if check is not None:
        check(item)
    item.state = current.state
    first_publication = item.state == State.DRAFT
    item.audience = audience
    item.marking = marking
    item.state = State.PUBLISHED
    if first_publication:
        item.published_at = timezone.now()
        if declaration.published_status:
            # The type's own workflow field follows its publication, through its machine.
            transition_apply(actor=actor, item=item, to=declaration.published_status)
    if released:
        item.released_by = actor
    item.full_clean()
    item.save()
    item.audience_groups.set(groups if audience == Audience.GROUPS else [])
    grants_sync(item)
    told = _publication_tell(item)
    if first_publication:
        follow_up = declaration.hook("published_follow_up")
        if follow_up is not None:
            follow_up(item, actor)
    _publication_observers(item, first_publication=first_publication)
    return told


def _publication_tell(item: SharedItem) -> list[User]:
    """Tell the people the type's declaration names who may now read the item and were not
    told before (recipient tracking, iconet.outbox.services.recipients); who was told."""
    declaration = type(item).declaration
    recipients = declaration.hook("publication_recipients")
    message = declaration.hook("publication_message")
    if recipients is None or message is None:
        return []
    rows = recipients_tell(item=item, users_reasons=recipients(item), **message(item))
    return [row.user for row in rows]


# Told of every publication, in its transaction, with `item` and `first_publication`: the
# API registers its webhooks here (iconet.api.apps), so that the kernel does not import it.
publication_listeners = Listeners()


def _publication_observers(item: SharedItem, *, first_publication: bool) -> None:
    """What the core does on every publication beside telling: saved searches are checked
    once it is committed, and the registered listeners (the API's webhooks) are told."""
    from ..search.saved_searches import item_published_receive

    item_published_receive(type(item), item)
    publication_listeners.tell(item=item, first_publication=first_publication)


def _organisations_reading(group_ids: set[int]) -> list[Organisation]:
    """The active organisations whose people the grants to `group_ids` let read."""
    special = open_group_ids()
    active = Organisation.objects.filter(is_active=True)
    if special[PUBLIC_GROUP] in group_ids:
        found = active
    else:
        condition = Q(group_id__in=group_ids)
        if special[NETWORK_GROUP] in group_ids:
            condition |= Q(kind__in=[Organisation.Kind.NATIONAL, Organisation.Kind.COMMISSION])
        through_orgs = AccessGroup.organisations.through.objects.current().filter(
            accessgroup__group_id__in=group_ids, accessgroup__is_active=True
        )
        through_people = AccessGroup.members.through.objects.current().filter(
            accessgroup__group_id__in=group_ids, accessgroup__is_active=True
        )
        condition |= Q(pk__in=through_orgs.values("organisation_id"))
        condition |= Q(pk__in=through_people.values("user__organisation_id"))
        found = active.filter(condition)
    return list(found.select_related("country").order_by("country__name", "name"))


def publication_effect(
    *, item: SharedItem, audience: str, groups=(), recipients=None
) -> dict[str, object]:
    """What publishing `item` to `audience` would do, for the publish page: the organisations
    and states that could read it, and (for a type that tells people) who would be told now,
    less those told before. The choice is applied to the grant rows inside a transaction that
    is rolled back, so that the page follows the very rule the publication itself will."""
    saved = (item.state, item.audience)
    told: list[User] | None = None
    try:
        with transaction.atomic():
            _preview_lock(item)
            item.state, item.audience = State.PUBLISHED, audience
            item.audience_groups.set(list(groups) if audience == Audience.GROUPS else [])
            grants_sync(item)
            granted = set(
                _grant_model(item)
                .objects.filter(content_object=item)
                .values_list("group_id", flat=True)
            )
            organisations = _organisations_reading(granted)
            if recipients is not None:
                told = readers_among(item, [user for user, _reason in recipients(item)])
            transaction.set_rollback(True)
    finally:
        item.state, item.audience = saved
    if told is not None:
        told_before = set(item.recipients.values_list("user_id", flat=True))
        told = [user for user in told if user.pk not in told_before]
    outside = [org for org in organisations if org.pk != item.owner_id]
    return {
        "organisations": organisations,
        "outside": outside,
        "states": sorted({org.country.name for org in organisations if org.country is not None}),
        "told": told,
    }


def _preview_lock(item: SharedItem) -> None:
    """Take the item's row lock before a preview writes its (rolled back) grant rows: a
    publication or another preview of the same item at the same moment waits for it, instead
    of colliding on the grant table's unique key."""
    type(item).objects.select_for_update().filter(pk=item.pk).values_list("pk", flat=True).first()


def states_without_contact_point(item: SharedItem, country_fields=()) -> list[str]:
    """The participating states the item concerns (its type's country fields) where nobody is
    the active contact point for its area: nobody there is told of it."""
    from ..models import Country

    codes: set[str] = set()
    for name in country_fields:
        if "__" in name:
            continue
        value = getattr(item, name, None)
        if value is None:
            continue
        if hasattr(value, "all"):
            codes.update(value.all().values_list("pk", flat=True))
        elif isinstance(value, list | tuple):
            codes.update(str(v) for v in value)
        else:
            codes.add(getattr(value, "pk", value))
    if not codes:
        return []
    participating = Country.objects.filter(
        Q(is_eu_member=True) | Q(is_schengen_associated=True), pk__in=codes
    )
    covered = set(
        User.objects.filter(
            is_active=True,
            organisation__is_active=True,
            ncp_areas__contains=[item.area],
            areas__contains=[item.area],
        ).values_list("organisation__country_id", flat=True)
    )
    return sorted(country.name for country in participating if country.pk not in covered)


@audited
@transaction.atomic
def item_state_set(*, actor: User, item: SharedItem, state: str) -> SharedItem:
    """Withdraw or archive a published item; readers keep seeing it, marked as such."""
    require(actor, Action.WITHDRAW, item)
    if item.state == State.DRAFT or state not in (State.WITHDRAWN, State.ARCHIVED, State.PUBLISHED):
        raise ValidationError(_("This change of state is not possible."))
    # The row lock serialises a double-submitted form; the second finds the state applied.
    if (
        type(item).objects.select_for_update().values_list("state", flat=True).get(pk=item.pk)
        == state
    ):
        item.state = state
        return item  # a repeated request: already in that state, nothing to record
    item.state = state
    item.save()
    grants_sync(item)
    return item


# --- disclosure -------------------------------------------------------------------------


def disclosure_deciders(item: SharedItem):
    """The owner's contact points for the item's area and its national administrators."""
    return User.objects.filter(organisation_id=item.owner_id, is_active=True).filter(
        Q(ncp_areas__contains=[item.area], areas__contains=[item.area]) | Q(role="national_admin")
    )


@transaction.atomic
def disclosure_request_create(
    *,
    actor: User,
    item: SharedItem,
    target_kind: str,
    purpose: str,
    target_organisation: Organisation | None = None,
    target_group: AccessGroup | None = None,
    third_party: str = "",
) -> DisclosureRequest:
    """Ask the owner to widen the item's audience; the owner's deciders are told."""
    require(actor, Action.REQUEST_DISCLOSURE, item)
    if actor.organisation_id is None:
        raise PermissionDenied  # a request is made on behalf of an organisation
    request = DisclosureRequest(
        content_type=ContentType.objects.get_for_model(type(item)),
        object_id=item.pk,
        owner_id=item.owner_id,
        requested_by=actor,
        requester_organisation_id=actor.organisation_id,
        target_kind=target_kind,
        target_organisation=target_organisation
        if target_kind == DisclosureRequest.TargetKind.ORGANISATION
        else None,
        target_group=target_group
        if target_kind == DisclosureRequest.TargetKind.ACCESS_GROUP
        else None,
        third_party=third_party.strip()
        if target_kind == DisclosureRequest.TargetKind.THIRD_PARTY
        else "",
        purpose=purpose.strip(),
    )
    errors = {}
    if target_kind == DisclosureRequest.TargetKind.ORGANISATION and not target_organisation:
        errors["target_organisation"] = _("Choose the organisation.")
    if target_kind == DisclosureRequest.TargetKind.ACCESS_GROUP and not target_group:
        errors["target_group"] = _("Choose the access group.")
    if target_kind == DisclosureRequest.TargetKind.THIRD_PARTY and not request.third_party:
        errors["third_party"] = _("Name the third party.")
    if errors:
        raise ValidationError(errors)
    request.full_clean()
    request.save()
    url = reverse("sharing:disclosure", args=[request.pk])
    users_notify(
        item=item,
        users=disclosure_deciders(item),
        title=InLanguage(lambda: _("Disclosure requested for %(ref)s") % {"ref": item.reference}),
        url=url,
        key=f"disclosure:{request.pk}:requested",
        subject=InLanguage(
            lambda: one_line_text(
                _("[ICONet] Disclosure request %(dr)s for %(ref)s")
                % {"dr": request.reference, "ref": item.reference},
            )
        ),
        body=InLanguage(
            lambda: render_to_string(
                "sharing/email_disclosure_requested.txt",
                {
                    "request": request,
                    "item": item,
                    "url": site_url(url),
                    "content_free": item.marking in CONTENT_FREE_MARKINGS,
                },
            )
        ),
    )
    return request


@audited
@transaction.atomic
def disclosure_decide(
    *, actor: User, request: DisclosureRequest, approve: bool, reason: str
) -> DisclosureRequest:
    """The owner approves or refuses; a decided request never changes again."""
    locked = DisclosureRequest.objects.select_for_update().get(pk=request.pk)
    item = cast(SharedItem, locked.item)
    require(actor, Action.DECIDE_DISCLOSURE, item)
    if locked.status != DisclosureRequest.Status.PENDING:
        raise ValidationError(_("This request has already been decided or withdrawn."))
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationError({"decision_reason": _("Give the reason for the refusal.")})
    locked.status = (
        DisclosureRequest.Status.APPROVED if approve else DisclosureRequest.Status.REFUSED
    )
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_reason = reason
    locked.save()
    grants_sync(item)
    url = reverse("sharing:disclosure", args=[locked.pk])
    users_notify(
        item=item,
        users=[locked.requested_by],
        title=InLanguage(
            lambda: (
                _("Disclosure request %(dr)s %(status)s")
                % {"dr": locked.reference, "status": locked.get_status_display().lower()}
            )
        ),
        url=url,
        key=f"disclosure:{locked.pk}:decided",
        subject=InLanguage(
            lambda: one_line_text(
                _("[ICONet] Disclosure request %(dr)s: %(status)s")
                % {
                    "dr": locked.reference,
                    "status": locked.get_status_display(),
                }
            )
        ),
        body=InLanguage(
            lambda: render_to_string(
                "sharing/email_disclosure_decided.txt",
                {"request": locked, "item": item, "url": site_url(url)},
            )
        ),
    )
    return locked


@audited
@transaction.atomic
def disclosure_withdraw(*, actor: User, request: DisclosureRequest) -> DisclosureRequest:
    """The requester takes back a request that is still pending."""
    locked = DisclosureRequest.objects.select_for_update().get(pk=request.pk)
    if locked.requested_by_id != actor.pk:
        raise PermissionDenied
    if locked.status != DisclosureRequest.Status.PENDING:
        raise ValidationError(_("Only a pending request can be withdrawn."))
    locked.status = DisclosureRequest.Status.WITHDRAWN
    locked.save()
    return locked
