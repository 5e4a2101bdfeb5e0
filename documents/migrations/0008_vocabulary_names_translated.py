"""Vocabularies and terms follow the portal's one scheme of translated data
(iconet.translated): the English in `name`, the French in `name_fr`."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0007_image_no_personal_data_statement"),
    ]

    operations = [
        migrations.RenameField(model_name="vocabulary", old_name="name_en", new_name="name"),
        migrations.RenameField(model_name="term", old_name="label_en", new_name="name"),
        migrations.RenameField(model_name="term", old_name="label_fr", new_name="name_fr"),
        migrations.AlterField(
            model_name="term",
            name="name",
            field=models.CharField(max_length=100, verbose_name="name (English)"),
        ),
        migrations.AlterField(
            model_name="term",
            name="name_fr",
            field=models.CharField(max_length=100, verbose_name="name (French)"),
        ),
    ]
