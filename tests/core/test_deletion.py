"""Deleting an item at its review, for every registered item type: every copy goes (the text,
the files on disk, the search, an export file, the notifications, the outbox's bodies, the
content in the change log), a content-free tombstone stays, and the audit trail stays
immutable otherwise."""

from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from iconet.exports.services import job_produce
from iconet.models import (
    AccessLog,
    Attachment,
    EmailDelivery,
    ExportJob,
    ItemRetention,
    Notification,
)
from iconet.outbox.services.recipients import recipients_tell
from iconet.retention import services as retention
from iconet.sharing.declarations import item_type_for
from iconet.sharing.registry import shared_item_models
from tests.core.test_footprint import CANARY, item_shared_every_way
from tests.core.test_retention import item_due

TYPES = sorted(shared_item_models())


def rows_holding(table: str, text: str) -> int:
    """How many rows of a table hold `text` in any column."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} t WHERE t::text LIKE %s", [f"%{text}%"])  # noqa: S608
        return cursor.fetchone()[0]


def files_of(item) -> list[Path]:
    paths = [Path(a.file.path) for a in Attachment.objects.of_item(item)]
    for image in getattr(item, "images", None).all() if hasattr(item, "images") else []:
        paths += [Path(image.original.path), Path(image.redacted.path), Path(image.thumbnail.path)]
    return paths


def due_item_copied_everywhere(cast, client_for, type_slug):
    """A due item of France with files, read by Belgium, in an export file of Spain's, told to
    Spain by mail (sent) and to Belgium (waiting in the outbox), and in its review."""
    item, _group, _disclosure = item_shared_every_way(cast, type_slug)
    due = item_due(cast, type_slug)  # the review's machinery needs a due item: use the shared one
    due.delete()
    model = type(item)
    start = retention.months_later(
        retention.timezone.localdate(), -retention.retention_months(model)
    )
    published = retention.timezone.now() - (retention.timezone.localdate() - start)
    published -= retention.datetime.timedelta(days=1)
    model.objects.filter(pk=item.pk).update(published_at=published, created_at=published)
    item.refresh_from_db()
    from tests.items import TYPE_CHILDREN

    TYPE_CHILDREN[type_slug](item)
    assert client_for(cast.be_ncp).get(item.get_absolute_url()).status_code == 200
    spain = client_for(cast.es_ncp)
    list_url = item_type_for(model).list_url
    assert spain.get(reverse(list_url)).status_code == 200
    job = ExportJob.objects.create(owner=cast.es_ncp, source=list_url, format="csv", language="en")
    assert job_produce(job.pk) == "done"
    job.refresh_from_db()
    assert item.reference.encode() in Path(job.file.path).read_bytes()
    for user, key in ((cast.es_ncp, "sent"), (cast.be_ncp, "waiting")):
        recipients_tell(
            item=item,
            users_reasons=[(user, "destination")],
            title=f"New item {item.reference}",
            url=item.get_absolute_url(),
            key=f"deletion-test:{key}:{item.pk}",
            subject=f"{item.reference}: new item",
            body=f"{item.reference} {CANARY}",
        )
    EmailDelivery.objects.filter(key__contains="deletion-test:sent").update(
        status=EmailDelivery.Status.SENT
    )
    assert retention.reviews_ask() == 1
    return item, job


@pytest.mark.parametrize("type_slug", TYPES)
def test_deleting_at_the_review_removes_every_copy(
    cast, client_for, type_slug, django_capture_on_commit_callbacks
):
    item, job = due_item_copied_everywhere(cast, client_for, type_slug)
    files = files_of(item)
    assert files and all(path.exists() for path in files)
    export_file = Path(job.file.path)
    assert rows_holding("auditlog_logentry", CANARY)  # the change log held the text
    owner = client_for(cast.fr_ncp)
    url = reverse("sharing:retention", args=[type_slug, item.pk])

    # Not without saying so: the form says what is missing and nothing is deleted.
    refused = owner.post(url, {"decision": "delete"})
    assert refused.status_code == 200
    assert "Tick the box to confirm" in refused.content.decode()
    assert type(item).objects.filter(pk=item.pk).exists()

    # The files go once the decision is committed.
    with django_capture_on_commit_callbacks(execute=True):
        done = owner.post(url, {"decision": "delete", "confirm_delete": "on"}, follow=True)
    assert done.status_code == 200
    assert f"{item.reference} is deleted with every copy." in done.content.decode()

    model = type(item)
    assert not model.objects.filter(pk=item.pk).exists()
    assert not Attachment.objects.of_item(item).exists()
    assert not any(path.exists() for path in files)  # the files' bytes are gone from the disk
    job.refresh_from_db()
    assert job.state == ExportJob.State.WITHDRAWN and not export_file.exists()
    assert not Notification.objects.filter(title__contains=item.reference).exists()
    assert not rows_holding("iconet_emaildelivery", CANARY)
    assert not EmailDelivery.objects.filter(key__contains=f"deletion-test:waiting:{item.pk}")
    assert EmailDelivery.objects.get(key__contains=f"deletion-test:sent:{item.pk}").body == ""
    found = client_for(cast.be_ncp).get(reverse("search"), {"q": CANARY, "archived": "on"})
    assert item.reference not in found.content.decode()
    # The audit trail keeps who did what and when, without the content.
    assert not rows_holding("auditlog_logentry", CANARY)
    assert AccessLog.objects.filter(
        event=AccessLog.Event.READ, object_id=item.pk, actor=cast.be_ncp
    ).exists()
    tombstone = LogEntry.objects.get(
        object_pk=str(item.pk),
        content_type__model=model._meta.model_name,
        action=LogEntry.Action.DELETE,
    )
    assert tombstone.actor == cast.fr_ncp and tombstone.object_repr == item.reference
    assert tombstone.additional_data["tombstone"]["reference"] == item.reference
    record = ItemRetention.objects.get(
        object_id=item.pk, content_type__model=model._meta.model_name
    )
    assert record.status == ItemRetention.Status.DELETED and record.decided_by == cast.fr_ncp
    overview = client_for(cast.commission_admin).get(reverse("sharing:retention_overview"))
    assert item.reference not in overview.content.decode()


@pytest.mark.parametrize("type_slug", TYPES[:1])
def test_a_held_item_cannot_be_deleted(cast, client_for, type_slug):
    item = item_due(cast, type_slug)
    retention.reviews_ask()
    retention.retention_hold_set(
        actor=cast.commission_admin, item=item, held=True, reason="Inquiry"
    )
    page = client_for(cast.fr_ncp).post(
        reverse("sharing:retention", args=[type_slug, item.pk]),
        {"decision": "delete", "confirm_delete": "on"},
    )
    assert "held for an inquiry" in page.content.decode()
    assert type(item).objects.filter(pk=item.pk).exists()


def test_the_audit_trail_refuses_any_other_change_even_while_redacting(cast):
    entry = LogEntry.objects.order_by("pk").first()
    assert entry is not None
    with pytest.raises(DatabaseError), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).update(changes={})
    # The redaction's switch does not let anything but blanking through: not another actor,
    # not a rewritten label.
    for change in ({"actor": cast.fr_ncp}, {"object_repr": "Something else entirely"}):
        with pytest.raises(DatabaseError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('iconet.audit_redaction', 'on', true)")
            LogEntry.objects.filter(pk=entry.pk).update(
                changes={}, changes_text="", serialized_data=None, additional_data=None, **change
            )
    with pytest.raises(DatabaseError), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).delete()
