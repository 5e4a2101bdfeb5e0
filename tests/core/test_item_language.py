"""Every item form asks the language of its text; a new item starts in the writer's language."""

import pytest
from django.utils import translation

from alerts.forms import AlertForm
from documents.forms import DocumentNoteForm
from iconet.sharing.forms import ItemLanguageMixin
from returns.forms import ReturnOperationForm, ReturnProblemForm

FORMS = [AlertForm, DocumentNoteForm, ReturnProblemForm, ReturnOperationForm]


def test_every_form_of_a_shared_item_with_a_language_asks_it():
    from django import forms

    from iconet.sharing.registry import shared_item_models

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    asked = {
        form._meta.model
        for form in subclasses(forms.ModelForm)
        if "language" in (getattr(form._meta, "fields", None) or ())
    } | {
        # A form that writes an item without being its ModelForm (a library document is
        # written with its first file) asks it through the same mixin.
        form().instance.__class__
        for form in subclasses(ItemLanguageMixin)
        if not issubclass(form, forms.ModelForm) and "language" in form.base_fields
    }
    for form in FORMS:
        assert issubclass(form, ItemLanguageMixin)
    # Every area whose items are written in a free text asks it (ILO reports follow the
    # template's language).
    expected = {m for m in shared_item_models().values() if m._meta.app_label != "ilo_reports"}
    assert expected <= asked


@pytest.mark.parametrize("form_class", FORMS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_new_item_starts_in_the_interface_language_and_the_choice_is_shown(
    cast, form_class, language
):
    with translation.override(language):
        form = form_class(user=cast.fr_ncp)
        html = str(form["language"])
    assert form["language"].value() == language
    assert 'type="radio"' in html and f'value="{language}" ' in html
    assert "checked" in html.split(f'value="{language}"')[1].split(">")[0]


@pytest.mark.parametrize("form_class", FORMS, ids=lambda f: f.__name__)
def test_a_form_sent_without_a_language_keeps_the_items(cast, form_class):
    from iconet.sharing.registry import shared_item_models
    from tests.items import item_make

    slug = next(s for s, m in shared_item_models().items() if m is form_class._meta.model)
    item = item_make(slug, author=cast.fr_ncp, language="fr")
    form = form_class(data={}, instance=item, user=cast.fr_ncp)
    form.is_valid()
    assert "language" not in form.errors
    assert form.cleaned_data["language"] == "fr"
