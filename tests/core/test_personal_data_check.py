"""The personal-data check before publication, for every registered item type: machine-readable
zones, document numbers and dates of birth next to names are shown on the publish page and
must be removed or kept with a recorded reason; the publish service refuses them otherwise."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.db import models

from iconet.models import PersonalDataConfirmation, State
from iconet.personal_data import text_findings
from iconet.sharing.registry import shared_item_models
from iconet.sharing.services import item_publish
from tests.core.test_publication_rules import draft_of, page_url
from tests.items import note_image_make

pytestmark = pytest.mark.django_db

TYPES = sorted(shared_item_models())

# A specimen passport's machine-readable zone (ICAO 9303, TD3) and a French identity card's.
MRZ_PASSPORT = (
    "P<GBRSMITH<<JOHN<PETER<<<<<<<<<<<<<<<<<<<<<<\n1234567897GBR8001014M3001012<<<<<<<<<<<<<<02"
)
MRZ_ID_FR = "IDFRABERTRAND<<<<<<<<<<<<<<<<<<<<<<<<<<<<\n8806923102858CORINNE<<<<<<6512068F4"

ENGLISH = (
    "Intercepted at Calais on a lorry. The traveller Maria GONZALEZ, born 4 May 1987, carried "
    f"passport no. X1234567. MRZ read at the kiosk:\n{MRZ_PASSPORT}"
)
FRENCH = (
    "Interpellé au port de Marseille. Le passager Ahmed KARIMI, né le 12/03/1991, présentait "
    f"le passeport n° 18AB23456 falsifié. Bande MRZ relevée :\n{MRZ_ID_FR}"
)
CLEAN = (
    "Flows rose by a third in the second semester; 40 persons, mostly from Syria, used "
    "counterfeit Schengen visa stickers printed by inkjet. Les passeurs demandent 4 000 euros."
)


def kinds(text):
    return {(f.kind, f.match) for f in text_findings("summary", text)}


def test_english_text_shows_the_mrz_lines_the_number_the_birth_date_and_the_name():
    found = kinds(ENGLISH)
    assert ("mrz", "P<GBRSMITH<<JOHN<PETER<<<<<<<<<<<<<<<<<<<<<<") in found
    assert ("mrz", "1234567897GBR8001014M3001012<<<<<<<<<<<<<<02") in found
    assert ("document_number", "X1234567") in found
    assert ("birth_date", "4 May 1987") in found
    assert ("name", "Maria GONZALEZ") in found


def test_french_text_shows_the_mrz_lines_the_number_the_birth_date_and_the_name():
    found = kinds(FRENCH)
    assert ("mrz", "IDFRABERTRAND<<<<<<<<<<<<<<<<<<<<<<<<<<<<") in found
    assert ("mrz", "8806923102858CORINNE<<<<<<6512068F4") in found
    assert ("document_number", "18AB23456") in found
    assert ("birth_date", "12/03/1991") in found
    assert ("name", "Ahmed KARIMI") in found


def test_trends_routes_and_methods_pass_the_check():
    assert kinds(CLEAN) == set()


def free_text_field(model) -> str:
    """The first free-text field of the type (a summary, a description, a comment)."""
    return next(
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.TextField) and not f.choices and f.editable
    )


def with_text(item, text: str):
    name = free_text_field(type(item))
    setattr(item, name, text)
    item.save(update_fields=[name])
    return item


@pytest.mark.parametrize("type_slug", TYPES)
@pytest.mark.parametrize("text", [ENGLISH, FRENCH], ids=["en", "fr"])
def test_personal_data_must_be_removed_or_kept_with_a_recorded_reason(
    cast, client_for, type_slug, text
):
    case = draft_of(type_slug, cast)
    item = with_text(case.item, text)
    client = client_for(case.publisher)
    page = client.get(page_url(item)).content.decode()
    assert "The text looks like it holds personal data" in page
    assert "<mark>" in page and "&lt;&lt;" in page

    choice = {"audience": "network", "marking": "AMBER"}
    refused = client.post(page_url(item), choice)
    assert refused.status_code == 200
    assert refused.context["form"].errors["personal_data_reason"]
    item.refresh_from_db()
    assert item.state == State.DRAFT
    with pytest.raises(ValidationError):  # a crafted call of the service, too
        item_publish(actor=case.publisher, item=item, audience="network", marking="AMBER")
    item.refresh_from_db()
    assert item.state == State.DRAFT

    kept = client.post(
        page_url(item),
        # (an alert without destination tells nobody: that is confirmed apart)
        {**choice, "nobody_confirmed": "1", "personal_data_reason": "Specimen data of the issuer"},
    )
    assert kept.status_code == 302
    item.refresh_from_db()
    assert item.state == State.PUBLISHED
    confirmation = PersonalDataConfirmation.objects.get(object_id=item.pk)
    assert confirmation.confirmed_by == case.publisher
    assert confirmation.reason == "Specimen data of the issuer"
    mrz_line = text.splitlines()[-1]
    assert hashlib.sha256(mrz_line.encode()).hexdigest() in confirmation.fingerprints
    assert mrz_line not in str(confirmation.fingerprints)  # the record does not copy it


@pytest.mark.parametrize("type_slug", TYPES)
def test_text_without_personal_data_publishes_without_a_reason(cast, client_for, type_slug):
    case = draft_of(type_slug, cast)
    item = with_text(case.item, CLEAN)
    page = client_for(case.publisher).get(page_url(item)).content.decode()
    assert "The text looks like it holds personal data" not in page
    assert "personal_data_reason" not in page
    response = client_for(case.publisher).post(
        page_url(item), {"audience": "network", "marking": "AMBER", "nobody_confirmed": "1"}
    )
    assert response.status_code == 302
    assert not PersonalDataConfirmation.objects.exists()


def test_an_image_caption_of_a_note_is_checked_too(cast, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = draft_of("documents.documentnote", cast)
    image = note_image_make(case.item)
    image.caption = "Biodata page of passport no. 18AB23456"
    image.save(update_fields=["caption"])
    page = client_for(case.publisher).get(page_url(case.item)).content.decode()
    assert "<mark>18AB23456</mark>" in page
    with pytest.raises(ValidationError):
        item_publish(actor=case.publisher, item=case.item, audience="network", marking="AMBER")


@pytest.mark.parametrize("type_slug", ["alerts.alert", "documents.documentnote"])
def test_text_added_after_publication_holds_up_widening_but_never_narrowing(cast, type_slug):
    case = draft_of(type_slug, cast)
    item_publish(actor=case.publisher, item=case.item, audience="network", marking="GREEN")
    item = with_text(case.item, ENGLISH)
    with pytest.raises(ValidationError):
        item_publish(actor=case.publisher, item=item, audience="public", marking="GREEN")
    item_publish(actor=case.publisher, item=item, audience="owner", marking="GREEN")
    item.refresh_from_db()
    assert item.audience == "owner"
