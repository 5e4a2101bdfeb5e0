"""What readers of fraud notes notice on the gallery, the statistics and the redaction pages:
the gallery holds the reviewed copies of the notes they may read, filtered and paged; the
statistics count those notes by year of detection, in their language; a redaction changed after
publication takes the image away from the other readers until it is reviewed again; the areas
typed are checked against the image."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from documents import services
from documents.models import DocumentNote
from iconet.models import User
from iconet.sharing.services import item_publish
from tests.documents.test_documents import messages_of, note_draft, term
from tests.files import png_bytes
from tests.html import table
from tests.items import note_image_make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def published(author, publisher, *, audience="network", **fields) -> DocumentNote:
    note = note_draft(author, **fields)
    item_publish(actor=publisher, item=note, audience=audience, marking="AMBER")
    return note


@pytest.fixture
def detections(cast):
    """France's notes: two visa counterfeits of 2026 and a passport forgery of 2025 shared with
    the network, a Nigerian passport of 2026 kept to France, and a draft."""
    shared = [
        published(cast.fr_officer, cast.fr_ncp, title_text="Visa one"),
        published(cast.fr_officer, cast.fr_ncp, title_text="Visa two", issuing_country="DE"),
        published(
            cast.fr_officer,
            cast.fr_ncp,
            title_text="Passport forged",
            category=term("category", "passport"),
            fraud_type=term("fraud_type", "forgery"),
            detected_on=datetime.date(2025, 11, 20),
        ),
    ]
    own = published(
        cast.fr_officer,
        cast.fr_ncp,
        audience="owner",
        title_text="Own passport",
        category=term("category", "passport"),
        issuing_country="NG",
    )
    draft = note_draft(cast.fr_officer, title_text="Draft visa")
    return shared, own, draft


def test_the_statistics_count_the_notes_a_reader_may_read_by_year_of_detection(
    cast, client_for, detections
):
    page = client_for(cast.de_officer).get(reverse("documents:statistics")).content.decode()
    # Years in order, rows by their total, the total last.
    assert table(page, "Document category") == [
        ["Document category", "2025", "2026", "Total"],
        ["Visa", "0", "2", "2"],
        ["Passport", "1", "0", "1"],
    ]
    assert table(page, "Issuing country") == [
        ["Issuing country", "2025", "2026", "Total"],
        ["France", "1", "1", "2"],
        ["Germany", "0", "1", "1"],
    ]
    fraud = table(page, "Fraud type")
    assert [row[0] for row in fraud[1:]] == ["Counterfeit", "Forgery (alteration)"]
    # The owner's own notes count for the owner, its drafts included.
    own = client_for(cast.fr_officer).get(reverse("documents:statistics")).content.decode()
    assert table(own, "Document category")[1:] == [
        ["Visa", "0", "3", "3"],
        ["Passport", "1", "1", "2"],
    ]
    assert ["Nigeria", "0", "1", "1"] in table(own, "Issuing country")


def test_the_statistics_read_in_french(cast, client_for, detections):
    User.objects.filter(pk=cast.de_officer.pk).update(language="fr")
    page = client_for(cast.de_officer).get(reverse("documents:statistics")).content.decode()
    rows = table(page, "Catégorie de document")
    assert [row[0] for row in rows[1:]] == ["Visa", "Passeport"]
    assert [row[0] for row in table(page, "Pays de délivrance")[1:]] == ["France", "Allemagne"]


def test_statistics_without_notes_say_so_and_need_the_area(cast, client_for):
    page = client_for(cast.de_officer).get(reverse("documents:statistics")).content.decode()
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert main.count("No detection.") == 3 and "<table" not in main
    assert client_for(cast.fr_no_area).get(reverse("documents:statistics")).status_code == 404


def gallery(client, **params) -> str:
    return client.get(reverse("documents:gallery"), params).content.decode()


def test_the_gallery_shows_the_reviewed_copies_of_readable_notes_filtered(
    cast, client_for, detections
):
    (visa, visa_de, passport), own, draft = detections
    shown = {note: note_image_make(note) for note in (visa, passport, own)}
    unreviewed = note_image_make(draft, reviewed=False)
    other = client_for(cast.de_officer)
    page = gallery(other)
    for note in (visa, passport):
        image = shown[note]
        assert reverse("documents:thumbnail", args=[note.pk, image.pk]) in page
        assert f"{note.get_absolute_url()}#image-{image.pk}" in page
    assert own.reference not in page and draft.reference not in page
    # The filters of the list apply to the gallery.
    page = gallery(other, category=term("category", "passport").pk)
    assert passport.reference in page and visa.reference not in page
    page = gallery(other, detected_from="2026-01-01")
    assert visa.reference in page and passport.reference not in page
    empty = gallery(other, issuing_country="IT")
    assert "No image matches" in empty
    # The owner sees its own note's reviewed copy, never an unreviewed one, even its own.
    mine = gallery(client_for(cast.fr_officer))
    assert own.reference in mine
    assert reverse("documents:thumbnail", args=[draft.pk, unreviewed.pk]) not in mine


def test_the_gallery_shows_24_images_a_page(cast, client_for):
    notes = [published(cast.fr_officer, cast.fr_ncp, title_text=f"Visa {n}") for n in range(5)]
    for note in notes:
        for _ in range(5):
            note_image_make(note)
    client = client_for(cast.de_officer)
    first, second = gallery(client), gallery(client, page=2)
    assert first.count('class="gallery__item') == 24
    assert second.count('class="gallery__item') == 1
    # Newest publication first: the last note published opens the first page.
    assert first.index(notes[-1].reference) < first.index(notes[0].reference)


def test_a_redaction_changed_after_publication_hides_the_image_until_reviewed_again(
    cast, client_for
):
    note = note_draft(cast.fr_officer, title_text="Visa with a photo")
    image = note_image_make(note, boxes=[[10, 10, 30, 30]])
    item_publish(actor=cast.fr_ncp, item=note, audience="network", marking="AMBER")
    other = client_for(cast.de_officer)
    urls = [
        reverse(name, args=[note.pk, image.pk])
        for name in ("documents:image", "documents:thumbnail", "documents:download")
    ]
    assert [other.get(url).status_code for url in urls] == [200, 200, 200]
    assert reverse("documents:thumbnail", args=[note.pk, image.pk]) in gallery(other)

    author = client_for(cast.fr_officer)
    redact = reverse("documents:image_redact", args=[note.pk, image.pk])
    assert author.post(redact, {"boxes": "5 5 40 40"}).status_code == 302
    # Until the author reviews the new copy, the other readers have nothing of it.
    assert [other.get(url).status_code for url in urls] == [404, 404, 404]
    assert reverse("documents:thumbnail", args=[note.pk, image.pk]) not in gallery(other)
    detail = other.get(note.get_absolute_url()).content.decode()
    assert f'id="image-{image.pk}"' not in detail and "No image." in detail
    own = author.get(note.get_absolute_url()).content.decode()
    assert "Redact and review" in own and 'id="redaction-pending"' in own

    review = reverse("documents:image_review", args=[note.pk, image.pk])
    assert author.post(review).status_code == 302
    assert [other.get(url).status_code for url in urls] == [200, 200, 200]


def test_areas_outside_the_image_are_refused_with_its_size_and_edges_are_clipped(cast, client_for):
    note = note_draft(cast.fr_officer)
    image = note_image_make(note, reviewed=False)  # 120 × 80 pixels
    author = client_for(cast.fr_officer)
    redact = reverse("documents:image_redact", args=[note.pk, image.pk])
    refused = author.post(redact, {"boxes": "200 200 10 10"})
    assert refused.status_code == 200
    assert "The area 200 200 10 10 is outside the image (120 × 80 pixels)." in (
        refused.content.decode()
    )
    image.refresh_from_db()
    assert image.redaction_boxes == []
    author.post(redact, {"boxes": "100 60 50 50"})
    image.refresh_from_db()
    assert image.redaction_boxes == [[100, 60, 20, 20]]
    assert not image.reviewed


def test_a_note_takes_at_most_20_images(cast, client_for):
    note = note_draft(cast.fr_officer)
    for _ in range(services.MAX_IMAGES):
        note_image_make(note, reviewed=False)
    response = client_for(cast.fr_officer).post(
        reverse("documents:image_add", args=[note.pk]),
        {
            "file": SimpleUploadedFile("one-more.png", png_bytes(), "image/png"),
            "caption": "One more",
            "light_source": "visible",
        },
    )
    assert "A note has at most 20 images." in messages_of(response)
    assert note.images.count() == services.MAX_IMAGES
