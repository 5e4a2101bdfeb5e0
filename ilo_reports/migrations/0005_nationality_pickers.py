"""Nationalities are picked from the list of countries instead of typed as ISO codes.

The answers keep their stored form ("SY, AF, IQ"), so reports written before read and edit
as they did; only the template of version 1 says its nationality answers are countries.
"""

from django.db import migrations, models

LABEL = "Top nationalities (most frequent first)"
OLD_LABEL = "Top nationalities (ISO codes, most frequent first)"


def columns_set(table, kind, label):
    for column in table.get("columns", []):
        if column.get("key") == "nationalities":
            column["type"], column["label"] = kind, label
    return table


def to_countries(apps, schema_editor):
    TemplateQuestion = apps.get_model("ilo_reports", "TemplateQuestion")
    questions = TemplateQuestion.objects.filter(section__version__number=1)
    questions.filter(key="flows_nationalities", field_type="text").update(
        field_type="countries", help=""
    )
    for question in questions.filter(key="statistics", field_type="table"):
        question.table = columns_set(question.table, "countries", LABEL)
        question.save(update_fields=["table"])


def to_text(apps, schema_editor):
    TemplateQuestion = apps.get_model("ilo_reports", "TemplateQuestion")
    questions = TemplateQuestion.objects.filter(section__version__number=1)
    questions.filter(key="flows_nationalities", field_type="countries").update(
        field_type="text", help="ISO codes, most frequent first."
    )
    for question in questions.filter(key="statistics", field_type="table"):
        question.table = columns_set(question.table, "text", OLD_LABEL)
        question.save(update_fields=["table"])


class Migration(migrations.Migration):
    dependencies = [
        ("ilo_reports", "0004_shared_personal_data_warning"),
    ]

    operations = [
        migrations.AlterField(
            model_name="templatequestion",
            name="field_type",
            field=models.CharField(
                choices=[
                    ("text", "Short text"),
                    ("long_text", "Long text"),
                    ("number", "Number"),
                    ("date", "Date"),
                    ("countries", "Countries"),
                    ("table", "Table"),
                ],
                default="long_text",
                max_length=10,
                verbose_name="field type",
            ),
        ),
        migrations.AlterField(
            model_name="templatequestion",
            name="table",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text=(
                    '{"rows": [{"key": "...", "label": "..."}], "columns": [{"key": "...", '
                    '"label": "...", "type": "number|text|date|countries"}]}'
                ),
                verbose_name="table definition",
            ),
        ),
        migrations.RunPython(to_countries, to_text),
    ]
