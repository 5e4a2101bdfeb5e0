"""One declaration per item type, on its model, read by the core: one list of types, checked at
start-up; the core allocates references and its publication tells and says whom."""

import dataclasses
import re

import pytest
from django.core import checks
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape
from django.utils.module_loading import import_string
from django.utils.text import capfirst

from alerts.models import Alert
from iconet.models import Action, ItemRecipient
from iconet.sharing.access import can
from iconet.sharing.declarations import Section
from iconet.sharing.registry import check_declarations, item_types, shared_item_models
from iconet.sharing.services import item_create, item_publish
from tests.alerts.conftest import alert_draft
from tests.items import TYPE_DEFAULTS, item_make, required_values

PREFIXED = sorted(
    slug for slug, model in shared_item_models().items() if model.declaration.reference_prefix
)


def test_one_list_of_types_every_model_declared_and_every_declaration_sound():
    declared = {item_type.model for _area, item_type in item_types()}
    assert declared == set(shared_item_models().values())
    assert check_declarations() == []


@pytest.mark.parametrize(
    "broken,words",
    [
        ({"list_url": "nowhere:list"}, "list_url 'nowhere:list' is no URL name"),
        ({"search_fields": (("no_such_field", "A"),)}, "has no field 'no_such_field'"),
        ({"search_fields": (("headline", "Z"),)}, "not one of A-D"),
        ({"country_fields": ("origin_country__nope",)}, "has no field 'nope'"),
        ({"publish_audience": "everyone"}, "is no audience"),
        ({"publish_check": "alerts.services.no_such_check"}, "publish_check"),
        ({"reference_prefix": "ews-1"}, "not capital letters"),
        ({"publication_message": None}, "go together"),
        ({"form": "documents.forms.DocumentNoteForm"}, "not a ModelForm of the type"),
        ({"published_status": "published"}, "not a step of the type's own workflow"),
        ({"sections": (Section("S", ("headline", "no_such_row")),)}, "section row 'no_such_row'"),
    ],
)
def test_a_broken_declaration_is_reported_at_start_up(monkeypatch, broken, words):
    monkeypatch.setattr(Alert, "declaration", dataclasses.replace(Alert.declaration, **broken))
    errors = [e for e in checks.run_checks() if e.id == "iconet.E100"]
    assert errors and all(e.obj is Alert for e in errors)
    assert any(words in e.msg for e in errors), [e.msg for e in errors]


def test_a_model_without_its_own_declaration_is_reported(monkeypatch):
    monkeypatch.delattr(Alert, "declaration")
    monkeypatch.setattr(Alert, "declaration", object(), raising=False)
    messages = [e.msg for e in check_declarations() if e.id == "iconet.E100"]
    assert messages == ["alerts.Alert: declares no `declaration = ItemType(...)`."]


def _new(model):
    defaults = TYPE_DEFAULTS[model.type_slug()]() if model.type_slug() in TYPE_DEFAULTS else {}
    return model(**{**required_values(model), **defaults})


@pytest.mark.django_db
@pytest.mark.parametrize("type_slug", PREFIXED)
def test_item_create_gives_each_type_its_declared_reference(cast, type_slug):
    model = shared_item_models()[type_slug]
    prefix = model.declaration.reference_prefix
    item = item_create(actor=cast.fr_ncp, item=_new(model))
    item.refresh_from_db()
    assert re.fullmatch(rf"{prefix}-\d{{4}}-FR-\d{{4}}", item.reference_code)
    assert item.reference == item.reference_code


@pytest.mark.django_db
@pytest.mark.parametrize("type_slug", PREFIXED)
def test_the_numbers_follow_each_other_and_a_refused_item_takes_none(cast, type_slug):
    model = shared_item_models()[type_slug]
    first = item_create(actor=cast.fr_ncp, item=_new(model))
    refused = _new(model)
    refused.marking = "NONSENSE"
    with pytest.raises(ValidationError):
        item_create(actor=cast.fr_ncp, item=refused)
    second = item_create(actor=cast.fr_ncp, item=_new(model))
    number = int(first.reference_code.rsplit("-", 1)[1])
    assert second.reference_code.endswith(f"-{number + 1:04d}")


@pytest.mark.django_db
def test_item_publish_returns_who_it_told_and_a_reshare_tells_only_the_new_ones(cast):
    alert = alert_draft(cast.fr_ncp, destinations=["DE"])
    told = item_publish(actor=cast.fr_ncp, item=alert, audience="network", marking="AMBER")
    rows = ItemRecipient.objects.of_item(alert)
    assert told and {u.pk for u in told} == set(rows.values_list("user_id", flat=True))
    assert cast.de_ncp in told
    alert.destination_states.add("NL")
    again = item_publish(actor=cast.fr_ncp, item=alert, audience="network", marking="GREEN")
    assert again and not {u.pk for u in again} & {u.pk for u in told}
    assert {u.organisation.country_id for u in again} == {"NL"}


@pytest.mark.django_db
@pytest.mark.parametrize("type_slug", sorted(shared_item_models()))
def test_can_and_allows_take_enum_members_only(cast, type_slug):
    item = item_make(type_slug, author=cast.fr_ncp)
    assert can(cast.fr_ncp, Action.READ, item)
    for action in ["read", *(a.value for a in item.declaration.actions or ())]:
        with pytest.raises(TypeError):
            can(cast.fr_ncp, action, item)
        with pytest.raises(TypeError):
            item.allows(cast.fr_ncp, action)


SECTIONED = sorted(
    slug for slug, model in shared_item_models().items() if model.declaration.sections
)


@pytest.mark.parametrize("type_slug", SECTIONED)
def test_the_sections_drive_the_form(type_slug):
    declaration = shared_item_models()[type_slug].declaration
    form_class = import_string(declaration.form)
    legends = [str(legend) for legend, _names in form_class.fieldsets]
    assert legends == [str(s.form_heading or s.heading) for s in declaration.sections]
    on_form = [r.name for s in declaration.sections for r in s.entries() if r.on_form]
    assert [n for _legend, names in form_class.fieldsets for n in names] == on_form
    assert set(form_class._meta.fields) == set(on_form)


@pytest.mark.django_db
@pytest.mark.parametrize("type_slug", SECTIONED)
def test_the_sections_drive_the_detail_page_and_the_print_view(cast, client_for, type_slug):
    model = shared_item_models()[type_slug]
    item = item_make(type_slug, author=cast.fr_ncp, with_children=True)
    client = client_for(cast.fr_ncp)
    detail = client.get(item.get_absolute_url()).content.decode()
    printed = client.get(reverse("sharing:print", args=[type_slug, item.pk])).content.decode()
    sections = item.display_sections()
    assert [str(heading) for heading, _rows in sections] == [
        str(s.heading) for s in model.declaration.sections
    ]
    for heading, rows in sections:
        for page in (detail, printed):
            assert f">{escape(heading)}</h2>" in page
            for label, value in rows:
                if value not in (None, "", []):
                    assert f">{escape(label)}</dt>" in page
    # Labels come from the fields' verbose_name unless the row says otherwise.
    for section in model.declaration.sections:
        shown = [str(label) for label, _value in dict(sections)[section.heading]]
        for row in section.entries():
            if row.shown and row.label is None:
                assert capfirst(model._meta.get_field(row.name).verbose_name) in shown
