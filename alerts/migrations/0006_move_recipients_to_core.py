"""Who was told of each alert, and the escalations, move to the core's recipient tracking
(iconet.ItemRecipient, iconet.ItemEscalation). Rows keep their id, so the audit entries already
written about them (which cannot be changed) still name the same row, and keep their times."""

from django.db import migrations

RECIPIENT_FIELDS = [
    "id", "user_id", "organisation_id", "reason", "email_id", "in_digest", "notified_at",
    "read_at", "acknowledged_at", "escalated",
]
ESCALATION_FIELDS = ["id", "organisation_id", "escalated_at", "notified_count"]


def _reset_sequence(schema_editor, model) -> None:
    table = model._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )


def forward(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    AlertRecipient = apps.get_model("alerts", "AlertRecipient")
    AlertEscalation = apps.get_model("alerts", "AlertEscalation")
    ItemRecipient = apps.get_model("iconet", "ItemRecipient")
    ItemEscalation = apps.get_model("iconet", "ItemEscalation")

    alert_type, _ = ContentType.objects.get_or_create(app_label="alerts", model="alert")
    ItemRecipient.objects.bulk_create([
        ItemRecipient(content_type=alert_type, object_id=old.alert_id,
                      **{name: getattr(old, name) for name in RECIPIENT_FIELDS})
        for old in AlertRecipient.objects.order_by("pk").iterator()
    ], batch_size=1000)
    ItemEscalation.objects.bulk_create([
        ItemEscalation(content_type=alert_type, object_id=old.alert_id,
                       **{name: getattr(old, name) for name in ESCALATION_FIELDS})
        for old in AlertEscalation.objects.order_by("pk").iterator()
    ], batch_size=1000)
    _reset_sequence(schema_editor, ItemRecipient)
    _reset_sequence(schema_editor, ItemEscalation)


def backward(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    AlertRecipient = apps.get_model("alerts", "AlertRecipient")
    AlertEscalation = apps.get_model("alerts", "AlertEscalation")
    ItemRecipient = apps.get_model("iconet", "ItemRecipient")
    ItemEscalation = apps.get_model("iconet", "ItemEscalation")

    alert_type = ContentType.objects.filter(app_label="alerts", model="alert").first()
    if alert_type is None:
        return
    recipients = ItemRecipient.objects.filter(content_type=alert_type)
    AlertRecipient.objects.bulk_create([
        AlertRecipient(alert_id=new.object_id,
                       **{name: getattr(new, name) for name in RECIPIENT_FIELDS})
        for new in recipients.order_by("pk").iterator()
    ], batch_size=1000)
    escalations = ItemEscalation.objects.filter(content_type=alert_type)
    AlertEscalation.objects.bulk_create([
        AlertEscalation(alert_id=new.object_id,
                        **{name: getattr(new, name) for name in ESCALATION_FIELDS})
        for new in escalations.order_by("pk").iterator()
    ], batch_size=1000)
    # bulk_create runs auto_now_add: put the recorded times back.
    for new in recipients:
        AlertRecipient.objects.filter(pk=new.pk).update(notified_at=new.notified_at)
    for new in escalations:
        AlertEscalation.objects.filter(pk=new.pk).update(escalated_at=new.escalated_at)
    _reset_sequence(schema_editor, AlertRecipient)
    _reset_sequence(schema_editor, AlertEscalation)
    recipients.delete()
    escalations.delete()


class Migration(migrations.Migration):

    dependencies = [
        ("alerts", "0005_merge_links_and_core_attachments"),
        ("iconet", "0007_item_recipients_and_escalations"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forward, backward)]
