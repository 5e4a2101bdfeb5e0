"""Deleting a shared item at the end of its life, for every registered type, with every copy:
the item and the rows that hang from it (follow-ups, images, attachments, grants, recipients,
disclosures, notifications, saved-search matches), the files on disk, the export files that
hold it, the outbox's bodies of the mails about it, and the content its change-log entries
carried. What stays is a content-free tombstone in the change log (reference, type, owner,
dates, who decided) and the access log's who-read-when, which the audit trail keeps
immutable (see the migration `0019_audit_redaction`).

The rows that hang from an item are found, not listed: whatever Django's deletion collector
cascades to, and every model that points at items through a content type and an object id
(a generic relation), so a new area's children and a new core table are reached the day they
exist."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, router, transaction
from django.db.models.deletion import Collector
from django.utils import timezone

from ..models import AccessLog, EmailDelivery, ExportJob, ItemRetention, Notification
from ..sharing.models import SharedItem

# Rows about an item that deletion does not remove: the audit trail (redacted instead) and the
# retention record, which keeps the decision (content-free) for the Commission's counts.
KEPT_MODELS = (AccessLog, LogEntry, ItemRetention)


def _generic_links(model) -> Iterator[tuple[str, str]]:
    """(content type field, object id field) pairs by which `model` points at any row."""
    seen = set()
    for field in model._meta.private_fields:
        if isinstance(field, GenericForeignKey):
            seen.add((field.ct_field, field.fk_field))
            yield field.ct_field, field.fk_field
    names = {field.name for field in model._meta.concrete_fields}
    if ("content_type", "object_id") not in seen and {"content_type", "object_id"} <= names:
        field = model._meta.get_field("content_type")
        if getattr(field, "related_model", None) is ContentType:
            yield "content_type", "object_id"


def rows_about(item: SharedItem) -> list[models.QuerySet]:
    """Every row of the portal that points at `item` through a generic relation."""
    content_type = ContentType.objects.get_for_model(type(item))
    found = []
    for model in apps.get_models():
        if issubclass(model, KEPT_MODELS):
            continue
        for ct_field, fk_field in _generic_links(model):
            found.append(model._base_manager.filter(**{ct_field: content_type, fk_field: item.pk}))
    return found


def _file_names(instance) -> list[tuple[Any, str]]:
    return [
        (getattr(instance, field.name).storage, getattr(instance, field.name).name)
        for field in instance._meta.concrete_fields
        if isinstance(field, models.FileField) and getattr(instance, field.name)
    ]


def _mails_about(item: SharedItem) -> models.QuerySet:
    """The outbox rows that name the item: those its recipients were sent, and any other whose
    subject or body holds its reference or its address."""
    from ..models import ItemRecipient

    told = ItemRecipient.objects.of_item(item).exclude(email=None).values("email_id")
    return EmailDelivery.objects.filter(
        models.Q(pk__in=told)
        | models.Q(subject__contains=item.reference)
        | models.Q(body__contains=item.reference)
        | models.Q(body__contains=item.get_absolute_url())
    )


def _webhook_payloads_blank(model, pk: int) -> None:
    """The webhook outbox (iconet.api): a delivery not made yet is dropped; a made one keeps the
    item's type, id, reference and marking, not its title."""
    delivery_model = apps.get_model("iconet_api", "WebhookDelivery")
    about = delivery_model.objects.filter(
        payload__item__type=model.type_slug(), payload__item__id=pk
    )
    about.filter(status__in=[delivery_model.Status.PENDING, delivery_model.Status.FAILED]).delete()
    for delivery in about:
        item = delivery.payload.get("item") or {}
        delivery.payload["item"] = {
            key: item.get(key) for key in ("type", "id", "reference", "marking")
        }
        delivery.save(update_fields=["payload"])


def _redact_audit(content_type: ContentType, pks, label: str) -> int:
    """Blank the content of the audit trail's entries about these rows (the database function
    changes nothing else); how many entries were redacted."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT iconet_audit_redact(%s, %s, %s)",
            [content_type.pk, [str(pk) for pk in pks], label],
        )
        return cursor.fetchone()[0]


def _delete_collected(collector: Collector, files: list, *, model, reference: str):
    """Delete what `collector` gathered, after noting its files and blanking the change log's
    content about each row; (audit entries redacted, rows deleted)."""
    doomed: dict[type, set] = {}
    for instances_model, instances in collector.data.items():
        for instance in instances:
            files += _file_names(instance)
            doomed.setdefault(instances_model, set()).add(instance.pk)
    for queryset in collector.fast_deletes:
        pks = list(queryset.values_list("pk", flat=True))
        doomed.setdefault(queryset.model, set()).update(pks)
        if any(isinstance(f, models.FileField) for f in queryset.model._meta.concrete_fields):
            for instance in queryset.model._base_manager.filter(pk__in=pks):
                files += _file_names(instance)
    redacted = 0
    for doomed_model, doomed_pks in doomed.items():
        if doomed_pks:
            redacted += _redact_audit(
                ContentType.objects.get_for_model(doomed_model),
                sorted(doomed_pks),
                reference if doomed_model is model else "",
            )
    with disable_auditlog():
        _count, by_model = collector.delete()
    return redacted, sum(by_model.values())


def item_erase(*, item: SharedItem, decided_by) -> dict[str, int]:
    """Delete `item` with every copy; what was removed, by kind. Runs inside the caller's
    transaction (the review's decision), with its files removed once that commits."""
    from ..exports.services import job_withdraw

    model = type(item)
    content_type = ContentType.objects.get_for_model(model)
    reference, pk = item.reference, item.pk
    tombstone = {
        "reference": reference,
        "type": model.type_slug(),
        "owner": str(item.owner),
        "created": item.created_at.isoformat() if item.created_at else None,
        "published": item.published_at.isoformat() if item.published_at else None,
        "deleted": timezone.now().isoformat(),
        "decided_by": decided_by.get_username() if decided_by else "",
    }
    removed = {"rows": 0, "files": 0, "exports": 0, "mails": 0, "audit_entries": 0}

    # The outbox: a mail not sent yet is not sent; a sent one keeps its subject's reference only.
    mail_ids = list(_mails_about(item).values_list("pk", flat=True))
    removed["mails"] = len(mail_ids)
    # The export files that hold it.
    holding = ExportJob.objects.filter(
        state=ExportJob.State.DONE, items__contains={model.type_slug(): [item.pk]}
    )
    for job in holding:
        removed["exports"] += int(job_withdraw(job))

    files: list[tuple[Any, str]] = []
    # The item (with what cascades from it, its grants among them) first: a row about it that a
    # grant protects (a disclosure) can go only once the grant has.
    about: list[Any] = rows_about(item)
    batches: list[list[Any]] = [[[item]], about]
    for batch in batches:
        collector = Collector(using=router.db_for_write(model))
        for objects in batch:
            collector.collect(objects)
        audit, rows = _delete_collected(collector, files, model=model, reference=reference)
        removed["audit_entries"] += audit
        removed["rows"] += rows
    EmailDelivery.objects.filter(pk__in=mail_ids, status=EmailDelivery.Status.PENDING).delete()
    EmailDelivery.objects.filter(pk__in=mail_ids).update(subject=reference, body="")
    # A notification without a link to the item may still name it.
    Notification.objects.filter(title__contains=reference).delete()
    _webhook_payloads_blank(model, pk)
    removed["files"] = len(files)

    def remove_files() -> None:
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(remove_files)
    LogEntry.objects.create(
        content_type=content_type,
        object_pk=str(pk),
        object_id=pk,
        object_repr=reference,
        action=LogEntry.Action.DELETE,
        changes={"state": [item.state, "deleted"]},
        actor=decided_by,
        additional_data={"tombstone": tombstone},
    )
    return removed
