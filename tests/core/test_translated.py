"""Data typed in English and French follows one scheme (iconet.translated): the English in a
field, the French in its twin with the suffix `_fr`, read in the reader's language, the English
standing in where the French is not written. Checked on every model of the project's apps, so
that a new app cannot bring a scheme of its own, and read as a user would on the two apps that
hold such data."""

import pytest
from django.apps import apps
from django.utils import translation

from documents.models import Term, Vocabulary
from iconet.translated import FRENCH, Translated
from ilo_reports.models import TemplateQuestion
from tests.core.test_architecture import project_apps

pytestmark = pytest.mark.django_db


def translated_models():
    for name in project_apps():
        config = next(c for c in apps.get_app_configs() if c.name == name)
        for model in config.get_models():
            fields = {field.name for field in model._meta.get_fields()}
            yield model, fields


def test_every_french_field_has_its_english_twin_and_is_read_through_translated():
    found = []
    for model, fields in translated_models():
        assert not [f for f in fields if f.endswith("_en")], model  # English has no suffix
        for name in sorted(f for f in fields if f.endswith(FRENCH)):
            english = name.removesuffix(FRENCH)
            assert english in fields, (model, name)
            readers = [
                value
                for klass in model.__mro__
                for value in vars(klass).values()
                if isinstance(value, Translated) and value.field == english
            ]
            assert readers, f"{model.__name__}.{english} is not read through Translated"
            found.append(f"{model._meta.label}.{english}")
    assert {"documents.Term.name", "ilo_reports.TemplateQuestion.label"} <= set(found)


def test_a_vocabulary_term_reads_in_the_readers_language():
    term = Term.objects.filter(vocabulary__code=Vocabulary.CATEGORY).first()
    assert term.name and term.name_fr and term.name != term.name_fr
    with translation.override("fr"):
        assert str(term) == term.label == term.name_fr
        assert str(term.vocabulary) == term.vocabulary.name_fr
    with translation.override("en"):
        assert str(term) == term.label == term.name
        assert str(term.vocabulary) == term.vocabulary.name


def test_a_template_text_without_french_reads_in_english_for_a_french_reader():
    question = TemplateQuestion.objects.exclude(label_fr="").first()
    with translation.override("fr"):
        assert question.shown_label == question.label_fr
        question.label_fr = ""
        assert question.shown_label == question.label
    with translation.override("en"):
        assert TemplateQuestion(label="Routes", label_fr="Itinéraires").shown_label == "Routes"
