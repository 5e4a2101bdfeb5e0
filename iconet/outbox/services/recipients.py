"""Recipient tracking for any shared item: people are told once each (an in-app notification
and an e-mail through `users_tell`, readers of the item only), their reading and
acknowledgement are recorded, and an item left unacknowledged past the time its type declares
is re-sent and escalated to the recipient organisation's other contact points."""

from collections.abc import Callable, Iterable
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from ...audit.services import audited
from ...listeners import Listeners
from ...models import Action, EmailDelivery, ItemEscalation, ItemRecipient, Role, State, User
from ...sharing.access import can, readers_among
from ..models.recipients import ESCALATION, FOR_ORGANISATION
from .notify import Text, emails_enqueue, notifications_read_for, rows_insert, users_tell

# Told in the transaction that tells an item to organisations not told of it before (they now
# await its acknowledgement): `item`, `organisation_ids`. The API registers its webhooks.
recipients_told = Listeners()

# Items published longer ago than this (past their deadline) are no longer chased.
CHASE_WINDOW = timedelta(days=7)


def recipients_tell(
    *,
    item,
    users_reasons: Iterable[tuple[User, str]],
    title: Text,
    url: str,
    key: str,
    subject: Text,
    body: Text,
    priority: int = EmailDelivery.Priority.ROUTINE,
    in_digest: Callable[[User], bool] | None = None,
    escalated: bool = False,
) -> list[ItemRecipient]:
    """Tell the users who may read `item` and were not told before, each with a reason code the
    item type declares; returns their new recipient rows. The e-mail keys are
    `<key>:user:<pk>`; users for whom `in_digest` answers True get no e-mail now (their row
    waits for a digest the area sends)."""
    told_before = set(item.recipients.values_list("user_id", flat=True))
    organisations_before = set(item.recipients.values_list("organisation_id", flat=True))
    reasons: dict[int, str] = {}
    fresh: list[User] = []
    for user, reason in users_reasons:
        if user.pk not in told_before and user.pk not in reasons:
            reasons[user.pk] = reason
            fresh.append(user)
    if not fresh:
        return []
    waits = in_digest or (lambda user: False)
    told, emails = users_tell(
        item=item,
        users=fresh,
        title=title,
        url=url,
        key=key,
        subject=subject,
        body=body,
        priority=priority,
        email_to=lambda user: not waits(user),
    )
    content_type = ContentType.objects.get_for_model(type(item))
    rows = [
        ItemRecipient(
            content_type=content_type,
            object_id=item.pk,
            user=user,
            organisation_id=user.organisation_id,
            reason=reasons[user.pk],
            email=emails.get(f"{key}:user:{user.pk}"),
            in_digest=waits(user),
            escalated=escalated,
        )
        for user in told
    ]
    # Written in one statement, without auditlog: recipient rows are derived data; the
    # publication is audited. A row another transaction wrote meanwhile is kept as it is.
    if rows:
        rows_insert(
            ItemRecipient,
            ItemRecipient(content_type=content_type, object_id=item.pk, escalated=escalated),
            {
                "user": [row.user_id for row in rows],
                "organisation": [row.organisation_id for row in rows],
                "reason": [row.reason for row in rows],
                "email": [row.email_id for row in rows],
                "in_digest": [row.in_digest for row in rows],
            },
            conflict="*",
        )
    created = rows
    newly_told = {row.organisation_id for row in rows} - organisations_before - {None}
    if newly_told:
        recipients_told.tell(item=item, organisation_ids=sorted(newly_told))
    return created


def recipient_read_record(*, user, item) -> None:
    """Note the first time a recipient opened the item."""
    ItemRecipient.objects.of_item(item).filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now(),
    )


@audited
@transaction.atomic
def recipient_acknowledge(*, actor: User, item) -> ItemRecipient:
    """A recipient confirms receipt; the first acknowledgement counts and is audited."""
    if not can(actor, Action.ACKNOWLEDGE, item):
        raise PermissionDenied
    rows = ItemRecipient.objects.of_item(item).select_for_update()
    row = rows.filter(user=actor).first()
    if row is None and getattr(actor, "acts_for_organisation", False):
        # The organisation was told (the policy checked it); its system's row records who
        # acknowledged for it, so that it no longer waits nor is escalated.
        row, _created = rows.get_or_create(
            content_type=ContentType.objects.get_for_model(type(item)),
            object_id=item.pk,
            user=actor,
            defaults={"organisation_id": actor.organisation_id, "reason": FOR_ORGANISATION},
        )
    if row is None:
        raise PermissionDenied
    if row.acknowledged_at is None:
        now = timezone.now()
        row.acknowledged_at = now
        row.read_at = row.read_at or now
        row.save(update_fields=["acknowledged_at", "read_at"])
    notifications_read_for(user=actor, item=item)
    return row


# --- escalation ---------------------------------------------------------------------------


def items_overdue_queryset(model):
    """Published items of `model` past the time its type gives recipients to acknowledge
    (`SharedItem.recipients_escalation`), with someone still silent; None for a type that
    never escalates."""
    rule = model.recipients_escalation()
    if rule is None:
        return None
    after, which = rule
    deadline = timezone.now() - after
    return model.objects.filter(
        which,
        state=State.PUBLISHED,
        published_at__lte=deadline,
        published_at__gte=deadline - CHASE_WINDOW,
        recipients__acknowledged_at__isnull=True,
    ).distinct()


def items_overdue(model) -> list:
    """The items of `items_overdue_queryset`, as a list."""
    items = items_overdue_queryset(model)
    return [] if items is None else list(items)


def acknowledgements_overdue_count(model) -> int | None:
    """How many (item, recipient organisation) pairs of `model` wait for an acknowledgement past
    the type's deadline (nobody of the organisation acknowledged); None for a type that never
    escalates."""
    items = items_overdue_queryset(model)
    if items is None:
        return None
    rows = ItemRecipient.objects.of_type(model)
    acknowledged = rows.filter(
        object_id=OuterRef("object_id"),
        organisation_id=OuterRef("organisation_id"),
        acknowledged_at__isnull=False,
    )
    return (
        rows.filter(object_id__in=items.order_by().values("pk"))
        .exclude(Exists(acknowledged))
        .values("object_id", "organisation_id")
        .distinct()
        .count()
    )


def _still_reading(item, rows: list[ItemRecipient]) -> list[ItemRecipient]:
    """The rows whose user may still read the item (an audience narrowed since)."""
    readers = {user.pk for user in readers_among(item, [row.user for row in rows])}
    return [row for row in rows if row.user_id in readers]


def overdue_organisations(item) -> list[int]:
    """Recipient organisations (of people who still read the item) that have not acknowledged
    it and were not yet escalated."""
    rows = _still_reading(item, list(item.recipients.select_related("user")))
    acknowledged = {row.organisation_id for row in rows if row.acknowledged_at}
    escalated = set(item.escalations.values_list("organisation_id", flat=True))
    return sorted({row.organisation_id for row in rows} - acknowledged - escalated)


def escalation_contacts(item, organisation_id: int):
    """Who an escalation reaches in an organisation: its contact points for the item's area and
    its national administrators."""
    return (
        User.objects.filter(organisation_id=organisation_id, is_active=True)
        .filter(Q(ncp_areas__contains=[item.area]) | Q(role=Role.NATIONAL_ADMIN))
        .select_related("organisation")
    )


def recipients_escalate(
    *,
    item,
    organisation_id: int,
    message: Callable[..., dict],
) -> ItemEscalation | None:
    """Re-send the item to the organisation's recipients and tell its other contact points,
    once. `message(item, resend=...)` gives the type's title, url, key, subject, body and
    priority (the `recipients_tell` arguments)."""
    with transaction.atomic():
        item = type(item).objects.get(pk=item.pk)
        rows = item.recipients.filter(organisation_id=organisation_id)
        if rows.filter(acknowledged_at__isnull=False).exists():
            return None
        try:
            with transaction.atomic():
                # The unique (item, organisation) row is the claim: a second run stops here.
                escalation = ItemEscalation.objects.create(
                    content_type=ContentType.objects.get_for_model(type(item)),
                    object_id=item.pk,
                    organisation_id=organisation_id,
                )
        except IntegrityError:
            return None
        first = _still_reading(item, list(rows.select_related("user")))
        reminder = message(item, resend=True)
        emails_enqueue(
            [
                {
                    "key": f"{reminder['key']}:user:{row.user_id}",
                    "recipient": row.user,
                    "subject": reminder["subject"],
                    "body": reminder["body"],
                    "priority": reminder.get("priority", EmailDelivery.Priority.ROUTINE),
                }
                for row in first
            ]
        )
        others = escalation_contacts(item, organisation_id).exclude(
            pk__in=item.recipients.values("user_id"),
        )
        added = recipients_tell(
            item=item,
            users_reasons=[(user, ESCALATION) for user in others],
            escalated=True,
            **message(item, resend=False),
        )
        escalation.notified_count = len(first) + len(added)
        escalation.save(update_fields=["notified_count"])
        return escalation


def recipients_escalate_overdue(*, model, message: Callable[..., dict]) -> int:
    """Escalate every overdue item of `model` to each silent recipient organisation; returns
    how many escalations were made (run by beat; a second run makes none)."""
    count = 0
    for item in items_overdue(model):
        for organisation_id in overdue_organisations(item):
            if recipients_escalate(item=item, organisation_id=organisation_id, message=message):
                count += 1
    return count
