"""The alerts' own recipient and escalation tables go: their rows are in the core now (0006).
Whole-model deletions (not field removals first), so that the reverse recreates each table
with its fields and constraints in one step."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("alerts", "0006_move_recipients_to_core"),
    ]

    operations = [
        migrations.DeleteModel(name="AlertEscalation"),
        migrations.DeleteModel(name="AlertRecipient"),
    ]
