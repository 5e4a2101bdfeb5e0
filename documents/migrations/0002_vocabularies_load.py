from django.db import migrations


def vocabularies_load(apps, schema_editor):
    from documents.vocabularies import VOCABULARIES

    Vocabulary = apps.get_model("documents", "Vocabulary")
    Term = apps.get_model("documents", "Term")
    for code, ((name_en, name_fr), terms) in VOCABULARIES.items():
        vocabulary, _created = Vocabulary.objects.get_or_create(
            code=code, defaults={"name_en": name_en, "name_fr": name_fr},
        )
        for order, (term_code, label_en, label_fr) in enumerate(terms):
            Term.objects.get_or_create(vocabulary=vocabulary, code=term_code, defaults={
                "label_en": label_en, "label_fr": label_fr, "order": order,
            })


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_note_image_vocabulary")]

    operations = [migrations.RunPython(vocabularies_load, migrations.RunPython.noop)]
