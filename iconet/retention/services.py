"""Retention of shared items, for every registered type: when an item falls due for review,
its owner's contact points are asked to keep it for another period or archive it; an
unanswered review escalates to the owner's national administrators, then the item is
archived. The Commission sets the period of each type and may hold an item (an inquiry),
which stops the clock. Messages name the item by its reference only."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit.services import audited
from ..directory.services.directory import is_administrator
from ..models import Action, ItemRetention, RetentionRule, Role, State, User
from ..outbox.services.notify import message_in_language, site_url, users_notify
from ..sharing.models import SharedItem
from ..sharing.registry import shared_item_models

OPEN = (ItemRetention.Status.ASKED, ItemRetention.Status.ESCALATED)


def months_later(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (or earlier, for a negative number), kept within the month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def retention_months(model: type[SharedItem]) -> int:
    """The period of a type: the Commission's rule, else the default the type declares."""
    rule = RetentionRule.objects.filter(type_slug=model.type_slug()).first()
    return rule.months if rule else model.retention_months


@dataclass
class TypeRetention:
    """One row of the Commission's retention page: a type, its period and its items' counts."""

    type_slug: str
    name: str
    default_months: int
    months: int
    changed: RetentionRule | None
    due: int
    escalated: int
    held: int
    kept: int
    archived: int
    deleted: int


def retention_overview() -> list[TypeRetention]:
    """Per type, the period and how many items are due, escalated, held, kept or archived:
    counts only, never an item."""
    rules = {rule.type_slug: rule for rule in RetentionRule.objects.select_related("changed_by")}
    rows = []
    for slug, model in sorted(shared_item_models().items()):
        records = ItemRetention.objects.filter(
            content_type=ContentType.objects.get_for_model(model)
        )
        rule = rules.get(slug)
        rows.append(
            TypeRetention(
                type_slug=slug,
                name=str(model._meta.verbose_name_plural),
                default_months=model.retention_months,
                months=rule.months if rule else model.retention_months,
                changed=rule,
                due=records.filter(status=ItemRetention.Status.ASKED, held=False).count(),
                escalated=records.filter(status=ItemRetention.Status.ESCALATED, held=False).count(),
                held=records.filter(held=True).count(),
                kept=records.filter(status=ItemRetention.Status.KEPT).count(),
                archived=records.filter(status=ItemRetention.Status.ARCHIVED).count(),
                deleted=records.filter(status=ItemRetention.Status.DELETED).count(),
            )
        )
    return rows


def _require_commission(actor) -> None:
    if not (is_administrator(actor) and actor.is_commission_admin):
        raise PermissionDenied


@audited
@transaction.atomic
def retention_rule_set(*, actor: User, type_slug: str, months: int) -> RetentionRule:
    """The Commission sets a type's period (1 to 240 months); items already kept keep the
    review date their owner was given."""
    _require_commission(actor)
    if type_slug not in shared_item_models():
        raise ValidationError({"type_slug": _("Choose an item type.")})
    if not 1 <= months <= 240:
        raise ValidationError({"months": _("Give a period of 1 to 240 months.")})
    rule, _created = RetentionRule.objects.update_or_create(
        type_slug=type_slug, defaults={"months": months, "changed_by": actor}
    )
    return rule


def review_date(item: SharedItem) -> datetime.date:
    """When the item's owner is (or was last) asked to review it."""
    record = retention_record(item)
    if record is not None:
        return record.review_on
    start = timezone.localdate(item.published_at or item.created_at)
    return months_later(start, retention_months(type(item)))


def retention_record(item: SharedItem) -> ItemRetention | None:
    return ItemRetention.objects.filter(
        content_type=ContentType.objects.get_for_model(type(item)), object_id=item.pk
    ).first()


def _review_message(item: SharedItem, title):
    url = reverse("sharing:retention", args=[item.type_slug(), item.pk])
    return url, message_in_language(
        title,
        subject=lambda text: _("[ICONet] %(title)s") % {"title": text},
        template="sharing/email_retention.txt",
        context={"url": site_url(url)},
    )


def _ask(item: SharedItem, record: ItemRetention) -> int:
    """Ask the owner's contact points of the item's area (its national administrators when it
    has none) to review the item."""
    people = User.objects.filter(
        organisation_id=item.owner_id, is_active=True, ncp_areas__contains=[item.area]
    )
    if not people.exists():
        people = User.objects.filter(
            organisation_id=item.owner_id, is_active=True, role=Role.NATIONAL_ADMIN
        )
    url, message = _review_message(
        item,
        lambda: _("%(ref)s is due for review: keep it or archive it") % {"ref": item.reference},
    )
    return users_notify(
        item=item,
        users=people,
        url=url,
        key=f"retention:ask:{item.type_slug()}:{item.pk}:{record.review_on}",
        **message,
    )


def reviews_ask(*, today: datetime.date | None = None) -> int:
    """Open a review for every item whose review date has come and that is not held (beat);
    returns how many reviews were opened. An item is asked about once per review date."""
    today = today or timezone.localdate()
    opened = 0
    for model in shared_item_models().values():
        content_type = ContentType.objects.get_for_model(model)
        cutoff = months_later(today, -retention_months(model))
        records = ItemRetention.objects.filter(content_type=content_type, object_id=OuterRef("pk"))
        first_time = (
            model.objects.exclude(state=State.ARCHIVED)
            .annotate(started=Coalesce("published_at", "created_at"))
            .filter(started__date__lte=cutoff)
            .exclude(Exists(records))
            .values_list("pk", flat=True)
        )
        again = ItemRetention.objects.filter(
            content_type=content_type,
            status=ItemRetention.Status.KEPT,
            held=False,
            review_on__lte=today,
        ).values_list("object_id", flat=True)
        for pk in [*first_time, *again]:
            with transaction.atomic():
                item = model.objects.select_for_update().filter(pk=pk).first()
                if item is None or item.state == State.ARCHIVED:
                    continue
                record, created = ItemRetention.objects.select_for_update().get_or_create(
                    content_type=content_type,
                    object_id=pk,
                    defaults={
                        "owner_id": item.owner_id,
                        "review_on": today,
                        "status": ItemRetention.Status.ASKED,
                        "asked_at": timezone.now(),
                    },
                )
                if not created:
                    if record.held or record.status != ItemRetention.Status.KEPT:
                        continue
                    if record.review_on > today:
                        continue
                    record.status = ItemRetention.Status.ASKED
                    record.asked_at = timezone.now()
                    record.escalated_at = None
                    record.save()
                _ask(item, record)
                opened += 1
    return opened


def reviews_escalate(*, now: datetime.datetime | None = None) -> int:
    """Tell the owner's national administrators of reviews unanswered for
    RETENTION_ESCALATION_DAYS (beat); returns how many were escalated."""
    now = now or timezone.now()
    limit = now - datetime.timedelta(days=settings.RETENTION_ESCALATION_DAYS)
    escalated = 0
    due = ItemRetention.objects.filter(
        status=ItemRetention.Status.ASKED, held=False, asked_at__lte=limit
    )
    for record_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            claimed = ItemRetention.objects.filter(
                pk=record_id, status=ItemRetention.Status.ASKED, held=False
            ).update(status=ItemRetention.Status.ESCALATED, escalated_at=now)
            if not claimed:
                continue
            record = ItemRetention.objects.get(pk=record_id)
            item = record.item
            if item is None:
                continue
            admins = User.objects.filter(
                organisation_id=record.owner_id, is_active=True, role=Role.NATIONAL_ADMIN
            )
            url, message = _review_message(
                item,
                lambda item=item: (
                    _(
                        "Nobody answered the review of %(ref)s: keep it or archive it, or it is "
                        "archived"
                    )
                    % {"ref": item.reference}
                ),
            )
            users_notify(
                item=None,  # the administrators are told even if they do not read the item
                users=admins,
                url=url,
                key=f"retention:escalate:{record.content_type_id}:{record.object_id}:"
                f"{record.review_on}",
                **message,
            )
            escalated += 1
    return escalated


def reviews_archive_unanswered(*, now: datetime.datetime | None = None) -> int:
    """Archive the items whose escalated review stayed unanswered for
    RETENTION_ARCHIVE_AFTER_DAYS more (beat); returns how many were archived."""
    now = now or timezone.now()
    limit = now - datetime.timedelta(days=settings.RETENTION_ARCHIVE_AFTER_DAYS)
    archived = 0
    due = ItemRetention.objects.filter(
        status=ItemRetention.Status.ESCALATED, held=False, escalated_at__lte=limit
    )
    for record_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            record = ItemRetention.objects.select_for_update().get(pk=record_id)
            if record.status != ItemRetention.Status.ESCALATED or record.held:
                continue
            _archive(record, reason=_("Archived: nobody answered the review."), actor=None)
            archived += 1
    return archived


def _archive(record: ItemRetention, *, reason: str, actor: User | None) -> None:
    item = record.item
    if item is None:
        return
    model = type(item)
    locked = model.objects.select_for_update().get(pk=item.pk)
    if locked.state != State.ARCHIVED:
        locked.state = State.ARCHIVED
        locked._change_reason = reason
        locked.save()
    record.status = ItemRetention.Status.ARCHIVED
    record.decided_by = actor
    record.decided_at = timezone.now()
    record.reason = reason
    record.save()


@audited
@transaction.atomic
def review_decide(
    *, actor: User, item: SharedItem, decision: str, reason: str = ""
) -> ItemRetention:
    """The owner's answer to a due review: keep the item for another period (with a reason),
    archive it (read-only, out of the lists, still readable to its audience), or delete it with
    every copy (iconet.retention.deletion), unless the Commission holds it."""
    if not (item.is_owner_manager(actor) and item.allows(actor, Action.WITHDRAW)):
        raise PermissionDenied
    record = (
        ItemRetention.objects.select_for_update()
        .filter(content_type=ContentType.objects.get_for_model(type(item)), object_id=item.pk)
        .first()
    )
    if record is None or record.status not in OPEN:
        raise ValidationError(_("This item is not due for review."))
    reason = (reason or "").strip()
    if decision == "keep":
        if not reason:
            raise ValidationError({"reason": _("Say why the item is kept for another period.")})
        record.status = ItemRetention.Status.KEPT
        record.review_on = months_later(timezone.localdate(), retention_months(type(item)))
        record.decided_by = actor
        record.decided_at = timezone.now()
        record.reason = reason
        record.save()
    elif decision == "archive":
        _archive(record, reason=reason or _("Archived at its review."), actor=actor)
    elif decision == "delete":
        if record.held:
            raise ValidationError(_("The item is held for an inquiry: it cannot be deleted."))
        from .deletion import item_erase

        item_erase(item=type(item).objects.select_for_update().get(pk=item.pk), decided_by=actor)
        # The record stays, without the owner's words: the Commission counts the deletions.
        record.status = ItemRetention.Status.DELETED
        record.decided_by = actor
        record.decided_at = timezone.now()
        record.reason = ""
        record.save()
    else:
        raise ValidationError({"decision": _("Choose to keep, archive or delete the item.")})
    return record


@audited
@transaction.atomic
def retention_hold_set(*, actor: User, item: SharedItem, held: bool, reason: str) -> ItemRetention:
    """The Commission holds an item (an inquiry) or lifts the hold, always with a reason."""
    _require_commission(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the hold.")})
    record, _created = ItemRetention.objects.select_for_update().get_or_create(
        content_type=ContentType.objects.get_for_model(type(item)),
        object_id=item.pk,
        defaults={
            "owner_id": item.owner_id,
            "review_on": review_date(item),
            "status": ItemRetention.Status.KEPT,
        },
    )
    record.held = held
    record.hold_reason = reason
    record.held_by = actor
    record.save()
    return record
