"""The alerts' follow-ups become replies in the core's discussion of any item."""

from django.db import migrations


def follow_ups_copy(apps, schema_editor):
    FollowUp = apps.get_model("alerts", "FollowUp")
    ItemReply = apps.get_model("iconet", "ItemReply")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not FollowUp.objects.exists():
        return
    alert_type, _created = ContentType.objects.get_or_create(app_label="alerts", model="alert")
    for follow_up in FollowUp.objects.order_by("pk").iterator():
        reply = ItemReply.objects.create(
            content_type=alert_type,
            object_id=follow_up.alert_id,
            author_id=follow_up.author_id,
            organisation_id=follow_up.organisation_id,
            text=follow_up.text,
        )
        # auto_now_add set the time of the copy: keep the follow-up's own.
        ItemReply.objects.filter(pk=reply.pk).update(created_at=follow_up.created_at)


def replies_copy_back(apps, schema_editor):
    FollowUp = apps.get_model("alerts", "FollowUp")
    ItemReply = apps.get_model("iconet", "ItemReply")
    for reply in ItemReply.objects.filter(
        content_type__app_label="alerts", content_type__model="alert"
    ).order_by("pk"):
        copy = FollowUp.objects.create(
            alert_id=reply.object_id,
            author_id=reply.author_id,
            organisation_id=reply.organisation_id,
            text=reply.text,
        )
        FollowUp.objects.filter(pk=copy.pk).update(created_at=reply.created_at)


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0012_item_release_four_eyes"),
        ("iconet", "0024_discussion_and_following"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(follow_ups_copy, replies_copy_back),
        migrations.DeleteModel(name="FollowUp"),
    ]
