"""Alert attachments and the EWS reference counters move to the core (iconet.Attachment and
iconet.ReferenceSequence). The stored files stay where they are; files accepted before the
content check existed are marked "other" and served as opaque bytes."""

import hashlib

from django.db import migrations

PREFIX = "EWS"


def _sha256(field) -> str:
    digest = hashlib.sha256()
    try:
        with field.storage.open(field.name, "rb") as handle:
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()


def forward(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    OldAttachment = apps.get_model("alerts", "Attachment")
    AlertSequence = apps.get_model("alerts", "AlertSequence")
    Attachment = apps.get_model("iconet", "Attachment")
    ReferenceSequence = apps.get_model("iconet", "ReferenceSequence")

    alert_type, _ = ContentType.objects.get_or_create(app_label="alerts", model="alert")
    for old in OldAttachment.objects.select_related("alert", "uploaded_by").order_by("pk"):
        new = Attachment.objects.create(
            content_type=alert_type, object_id=old.alert_id, file=old.file.name,
            original_name=old.file.name.rsplit("/", 1)[-1][:255], description=old.description,
            kind="other", size=old.size, sha256=_sha256(old.file),
            uploaded_by_id=old.uploaded_by_id,
            organisation_id=old.uploaded_by.organisation_id or old.alert.owner_id,
        )
        Attachment.objects.filter(pk=new.pk).update(created_at=old.uploaded_at)
    for old in AlertSequence.objects.all():
        row, created = ReferenceSequence.objects.get_or_create(
            prefix=PREFIX, year=old.year, country_code=old.country_code,
            defaults={"last_number": old.last_number},
        )
        if not created and row.last_number < old.last_number:
            row.last_number = old.last_number
            row.save(update_fields=["last_number"])


def backward(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    OldAttachment = apps.get_model("alerts", "Attachment")
    AlertSequence = apps.get_model("alerts", "AlertSequence")
    Attachment = apps.get_model("iconet", "Attachment")
    ReferenceSequence = apps.get_model("iconet", "ReferenceSequence")

    alert_type = ContentType.objects.filter(app_label="alerts", model="alert").first()
    if alert_type is not None:
        for new in Attachment.objects.filter(content_type=alert_type).order_by("pk"):
            old = OldAttachment.objects.create(
                alert_id=new.object_id, file=new.file.name, description=new.description,
                uploaded_by_id=new.uploaded_by_id, size=new.size,
            )
            OldAttachment.objects.filter(pk=old.pk).update(uploaded_at=new.created_at)
        Attachment.objects.filter(content_type=alert_type).delete()
    for row in ReferenceSequence.objects.filter(prefix=PREFIX):
        AlertSequence.objects.update_or_create(
            year=row.year, country_code=row.country_code, defaults={"last_number": row.last_number},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0002_alert_recent_index"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("iconet", "0004_attachments_and_reference_sequences"),
    ]

    operations = [migrations.RunPython(forward, backward)]
