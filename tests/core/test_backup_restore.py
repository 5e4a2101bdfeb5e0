"""Backup and restore with the real PostgreSQL client tools, the real Celery worker on the real
Redis and a real SMTP server: a backup taken while alerts are being published restores into a
fresh database with nothing lost or broken, and a broken backup is refused."""

import contextlib
import hashlib
import json
import threading

import pytest
from auditlog.models import LogEntry
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from alerts.models import Alert
from iconet import celery_app
from iconet.attachments.services import attachment_add
from iconet.audit.services import access_log_write
from iconet.models import AccessLog, DisclosureRequest, EmailDelivery, User
from iconet.operations.backup import (
    BackupError,
    backup_create,
    backup_restore,
    file_fields,
    operator_name,
)
from iconet.outbox.tasks import email_sweep_pending, message_id
from iconet.sharing.querysets import grant_model_of
from iconet.sharing.registry import shared_item_models
from iconet.sharing.services import item_publish
from tests.alerts.conftest import alert_draft
from tests.conftest import TEST_QUEUE, until, worker_running
from tests.files import png_bytes
from tests.items import disclosure_approve, item_make

AUDIT_TABLES = ["auditlog_logentry", "iconet_accesslog"]


@contextlib.contextmanager
def on_database(name: str):
    """Every connection opened inside (this thread's and new threads') goes to `name`."""
    original = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original


def stored_sha256(name: str) -> str:
    with storages["default"].open(name, "rb") as stream:
        return hashlib.sha256(stream.read()).hexdigest()


def state_read(usernames: list[str]) -> dict:
    """What the database says each user reads, the grants behind it and the stored files."""
    users = {name: User.objects.get(username=name) for name in usernames}
    items, visible, grants = {}, {}, {}
    for slug, model in shared_item_models().items():
        items[slug] = set(model.objects.values_list("pk", flat=True))
        visible[slug] = {
            name: set(model.objects.visible_to(user).values_list("pk", flat=True))
            for name, user in users.items()
        }
        grants[slug] = set(
            grant_model_of(model).objects.values_list(
                "content_object_id", "group_id", "permission_id", "reason", "disclosure_id"
            )
        )
    files = {}
    for model, field in file_fields():
        for name in model._base_manager.values_list(field, flat=True):
            if name:
                files[name] = stored_sha256(name)
    return {"items": items, "visible": visible, "grants": grants, "files": files}


def refused(sql: str) -> str:
    with pytest.raises(DatabaseError) as error, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    return str(error.value)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_backup_taken_while_alerts_are_published_restores_with_nothing_lost(
    cast, smtp_server, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    fr, de = cast.fr_ncp, cast.de_ncp
    # Every registered item type, read by the network, by its owner only, and through an
    # approved disclosure; with its files (attachments, document images).
    for slug in shared_item_models():
        item_make(slug, author=fr, audience="network", with_children=True)
        item_make(slug, author=de, audience="owner")
        disclosed = item_make(slug, author=fr, audience="owner")
        disclosure_approve(
            disclosed,
            decided_by=fr,
            requested_by=cast.frontex_user,
            target_kind=DisclosureRequest.TargetKind.ORGANISATION,
            target_organisation=cast.frontex_user.organisation,
        )
    access_log_write(event=AccessLog.Event.READ, actor=de, detail="read")

    # No worker runs yet: every e-mail of the publications waits in the outbox.
    published: list[int] = []
    stop = threading.Event()
    failures: list[BaseException] = []

    def publish() -> None:
        try:
            while not stop.is_set() or len(published) < 6:
                with transaction.atomic():
                    alert = alert_draft(fr, destinations=["DE", "NL"], transit=["IT"])
                    upload = SimpleUploadedFile("route.png", png_bytes(80, 60), "image/png")
                    attachment_add(actor=fr, item=alert, upload=upload)
                    item_publish(actor=fr, item=alert, audience="network", marking="AMBER")
                published.append(alert.pk)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            failures.append(exc)
        finally:
            connection.close()

    publisher = threading.Thread(target=publish)
    publisher.start()
    assert until(lambda: len(published) >= 3 or failures)
    before = list(published)
    backup = tmp_path / "backup"
    manifest = backup_create(backup)
    after = len(published)
    stop.set()
    publisher.join(60)
    assert not failures and not publisher.is_alive()
    assert len(published) > after or after > len(before)  # publications ran beside the dump
    # The broker's queue is not part of a backup: after a restore, the outbox alone says what
    # is still to be sent.
    with celery_app.connection_for_write() as broker:
        broker.default_channel.queue_purge(TEST_QUEUE)

    usernames = sorted(vars(cast))
    original = state_read(usernames)
    audit_rows = LogEntry.objects.count()
    restored_name = f"{connection.settings_dict['NAME']}_restored"

    settings.MEDIA_ROOT = tmp_path / "restored-media"  # a fresh storage, as on a new machine
    result = backup_restore(backup, restored_name)
    assert result["files_written"] == len(manifest["files"]) > 0
    # The backup and the restore are in the access log, with the operator's name.
    [taken, restored_entry] = AccessLog.objects.filter(
        event__in=[AccessLog.Event.BACKUP, AccessLog.Event.RESTORE]
    ).order_by("pk")
    assert (taken.event, taken.username, taken.actor) == ("backup", operator_name(), None)
    assert str(backup) in taken.detail and f"{len(manifest['files'])} stored files" in taken.detail
    assert restored_entry.event == "restore" and restored_name in restored_entry.detail
    try:
        with on_database(restored_name):
            restored = state_read(usernames)
            # Everything published before the backup began is there; nothing is invented.
            assert set(before) <= restored["items"]["alerts.alert"]
            for slug, pks in restored["items"].items():
                assert pks and pks <= original["items"][slug], slug
                # The same users read the same items, the same grants open them.
                for name in usernames:
                    assert (
                        restored["visible"][slug][name] == original["visible"][slug][name] & pks
                    ), (slug, name)
                assert any(restored["visible"][slug][n] for n in ("de_ncp", "frontex_user"))
                assert restored["grants"][slug] == {
                    grant for grant in original["grants"][slug] if grant[0] in pks
                }, slug
            # Every stored file is back, byte for byte, and attachments match their checksum.
            assert restored["files"] and all(
                original["files"][name] == digest for name, digest in restored["files"].items()
            )
            for attachment in Alert.objects.get(pk=before[0]).attachments.all():
                assert stored_sha256(attachment.file.name) == attachment.sha256
            # The audit trail came along, and still cannot be changed, deleted or emptied.
            assert 0 < LogEntry.objects.count() <= audit_rows
            for table in AUDIT_TABLES:
                for sql in (
                    f"UPDATE {table} SET id = id",
                    f"DELETE FROM {table}",
                    f"TRUNCATE {table} CASCADE",
                ):
                    assert "audit records cannot be changed or deleted" in refused(sql), sql
            # Deliveries pending in the backup are sent by a worker of the restored portal.
            pending = list(EmailDelivery.objects.filter(status=EmailDelivery.Status.PENDING))
            assert len(pending) == manifest["database"]["deliveries"]["pending"] > 0
            assert email_sweep_pending() == len(pending)
            with worker_running():
                assert until(
                    lambda: (
                        not EmailDelivery.objects.exclude(status=EmailDelivery.Status.SENT).exists()
                    ),
                    timeout=60,
                )
            messages = smtp_server.wait_for(len(pending))
            assert sorted(m["Message-ID"] for m in messages) == sorted(
                message_id(d) for d in pending
            )
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_a_broken_backup_is_refused_and_nothing_is_restored(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    item_make("alerts.alert", author=cast.fr_ncp, with_children=True)
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    call_command("restore", str(backup), "--verify-only")
    # A restore never overwrites a database, and a backup never writes over another.
    with pytest.raises(CommandError, match="exists: a restore creates a new one"):
        call_command("restore", str(backup), "--database", connection.settings_dict["NAME"])
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", str(backup))
    target = f"{connection.settings_dict['NAME']}_broken"
    manifest = json.loads((backup / "manifest.json").read_text())
    stored = backup / "media" / manifest["files"][0]["name"]

    stored.write_bytes(stored.read_bytes() + b"x")
    with pytest.raises(CommandError, match="does not match its checksum"):
        call_command("restore", str(backup), "--database", target)
    stored.unlink()
    with pytest.raises(BackupError, match="is missing"):
        backup_restore(backup, target)
    (backup / "manifest.json").unlink()
    with pytest.raises(BackupError, match="incomplete"):
        backup_restore(backup, target)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [target])
        assert cursor.fetchone() is None
