"""Redaction cannot be skipped: an empty redaction is refused, a review without an area needs
the separate, recorded statement that the image shows no personal data, the areas show on the
image, and a note's files cannot bypass the review as generic attachments.

The cast: France (fr_officer writes, fr_ncp publishes) owns the note; Germany (de_officer)
is another Member State of the network."""

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from iconet.models import Attachment
from iconet.sharing.services import item_publish
from tests.documents.test_documents import note_draft, photo_bytes
from tests.files import attachment_make, attachment_url, png_bytes
from tests.items import note_image_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def note(cast, media):
    return note_draft(cast.fr_officer)


def publish(client, note):
    url = reverse("sharing:publish", args=[note.type_slug(), note.pk])
    return client.post(url, {"audience": "network", "marking": "GREEN"})


def test_making_a_redacted_copy_with_no_area_is_refused(cast, client_for, note):
    image = note_image_make(note, reviewed=False, data=photo_bytes())
    response = client_for(cast.fr_officer).post(
        reverse("documents:image_redact", args=[note.pk, image.pk]), {"boxes": ""}
    )
    assert response.status_code == 200
    assert "Mark at least one area to black out" in response.content.decode()
    image.refresh_from_db()
    assert image.redaction_boxes == [] and not image.reviewed


def test_a_review_without_an_area_or_the_statement_is_refused_and_the_note_stays_unpublished(
    cast, client_for, note
):
    image = note_image_make(note, reviewed=False, data=photo_bytes())
    owner = client_for(cast.fr_officer)
    refused = owner.post(reverse("documents:image_review", args=[note.pk, image.pk]), follow=True)
    assert "No area is blacked out on this image" in refused.content.decode()
    image.refresh_from_db()
    assert not image.reviewed
    assert publish(client_for(cast.fr_ncp), note).status_code == 200
    note.refresh_from_db()
    assert note.state == "draft"
    assert client_for(cast.de_officer).get(note.get_absolute_url()).status_code == 404


def test_the_statement_that_an_image_shows_no_personal_data_is_a_recorded_choice(
    cast, client_for, note
):
    image = note_image_make(note, reviewed=False, data=photo_bytes())
    owner = client_for(cast.fr_officer)
    page = owner.get(reverse("documents:image_redact", args=[note.pk, image.pk])).content.decode()
    assert 'name="no_personal_data"' in page
    owner.post(
        reverse("documents:image_review", args=[note.pk, image.pk]), {"no_personal_data": "1"}
    )
    image.refresh_from_db()
    assert image.reviewed and image.no_personal_data
    latest = (
        LogEntry.objects.get_for_object(image)
        .filter(changes__has_key="no_personal_data")
        .latest("timestamp")
    )
    assert latest.actor == cast.fr_officer
    assert latest.changes_dict["no_personal_data"][1] == "True"
    assert publish(client_for(cast.fr_ncp), note).status_code == 302


def test_a_review_after_marking_areas_records_no_statement(cast, client_for, note):
    image = note_image_make(note, reviewed=False, data=photo_bytes())
    owner = client_for(cast.fr_officer)
    owner.post(
        reverse("documents:image_redact", args=[note.pk, image.pk]), {"boxes": "10 10 60 100"}
    )
    owner.post(reverse("documents:image_review", args=[note.pk, image.pk]))
    image.refresh_from_db()
    assert image.reviewed and not image.no_personal_data


def test_the_areas_marked_are_drawn_over_the_original_without_script(cast, client_for, note):
    image = note_image_make(note, reviewed=False, data=photo_bytes())
    owner = client_for(cast.fr_officer)
    url = reverse("documents:image_redact", args=[note.pk, image.pk])
    owner.post(url, {"boxes": "10 10 60 100\n120 20 30 40"})
    page = owner.get(url).content.decode()
    assert 'viewBox="0 0 200 120"' in page
    assert '<rect class="redaction__box" x="10" y="10" width="60" height="100">' in page
    assert '<rect class="redaction__box" x="120" y="20" width="30" height="40">' in page
    # A typed area that is refused stays in the form and drawn where the author typed it.
    typed = owner.post(url, {"boxes": "300 5 20 20"}).content.decode()
    assert 'x="300" y="5" width="20" height="20"' in typed
    assert "outside the image" in typed


def test_a_note_takes_no_generic_attachment_before_or_after_publication(cast, client_for, note):
    owner = client_for(cast.fr_officer)
    url = reverse("sharing:attachment_create", args=[note.type_slug(), note.pk])

    def attach():
        upload = SimpleUploadedFile("passport.png", png_bytes(), "image/png")
        return owner.post(url, {"file": upload, "description": "Biodata page"})

    assert attach().status_code == 403
    assert "Attach file" not in owner.get(note.get_absolute_url()).content.decode()
    item_publish(actor=cast.fr_ncp, item=note, audience="network", marking="GREEN")
    assert attach().status_code == 403
    assert not Attachment.objects.of_item(note).exists()


def test_a_file_attached_to_a_note_before_stays_with_its_owner(cast, client_for, note):
    legacy = attachment_make(note, name="passport.png")
    item_publish(actor=cast.fr_ncp, item=note, audience="network", marking="GREEN")
    other = client_for(cast.de_officer)
    assert "passport.png" not in other.get(note.get_absolute_url()).content.decode()
    assert other.get(attachment_url(legacy)).status_code == 403
    assert client_for(cast.fr_officer).get(attachment_url(legacy)).status_code == 200
