"""Document fraud notes: the standardised description read in every language, images with
their redaction, publication refused until every redaction is reviewed, what a non-owner is
served, hostile uploads, traceable downloads, finding and statistics.

The cast: France (fr_officer writes, fr_ncp publishes) owns the notes; Germany (de_officer) is
another Member State of the network."""

import datetime
import io

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from PIL import Image

from documents.models import DocumentNote, NoteImage, Term, Vocabulary
from iconet.models import AccessLog
from iconet.sharing.services import item_create, item_publish
from tests.files import (
    GIF_HTML_POLYGLOT,
    HTML,
    SVG,
    jpeg_bytes,
    jpeg_pdf_polyglot,
    media_files,
    pdf_bytes,
    png_bomb,
    png_bytes,
)
from tests.items import note_image_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def term(vocabulary: str, code: str) -> Term:
    return Term.objects.get(vocabulary__code=vocabulary, code=code)


def note_draft(author, **fields) -> DocumentNote:
    values = {
        "title_text": "Counterfeit Schengen visa stickers, inkjet",
        "issuing_country": "FR",
        "category": term(Vocabulary.CATEGORY, "visa"),
        "fraud_type": term(Vocabulary.FRAUD_TYPE, "counterfeit"),
        "description": "Colours too pale under UV; no intaglio.",
        "detected_on": datetime.date(2026, 3, 2),
        **fields,
    }
    return item_create(actor=author, item=DocumentNote(**values))


def photo_bytes(width=200, height=120) -> bytes:
    """A specimen whose 'photo' area (10..70, 10..110) is bright red, the rest white."""
    image = Image.new("RGB", (width, height), (255, 255, 255))
    for x in range(10, 70):
        for y in range(10, 110):
            image.putpixel((x, y), (230, 20, 20))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def pixels(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def note(cast, media):
    return note_draft(cast.fr_officer)


def test_a_note_entered_in_french_reads_in_english_with_the_same_labels(cast, client_for, media):
    client = client_for(cast.fr_officer)
    data = {
        "title_text": "Faux titres de séjour",
        "category": term("category", "residence_permit").pk,
        "issuing_country": "FR",
        "fraud_type": term("fraud_type", "forgery").pk,
        "altered_elements": [term("altered_element", "photo_substitution").pk],
        "security_features": [term("security_feature", "uv_fluorescence").pk],
        "description": "Photo remplacée.",
        "detected_on": "2026-02-01",
        "similar_cases": "3",
    }
    with translation.override("fr"):
        response = client.post(reverse("documents:create"), data, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 302, response.content[:2000]
    created = DocumentNote.objects.get(title_text="Faux titres de séjour")
    assert created.reference.startswith("DFN-2026-FR-")
    with translation.override("fr"):
        french = client.get(created.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    with translation.override("en"):
        english = client.get(created.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Substitution de photographie" in french or "Photo substitution" in english
    assert "Photo substitution" in english and "UV fluorescence" in english
    assert "Residence permit" in english and "Forgery (alteration)" in english


def test_publishing_is_refused_until_every_redaction_is_reviewed(cast, client_for, note):
    image = note_image_make(note, reviewed=False, data=photo_bytes())
    client = client_for(cast.fr_ncp)
    url = reverse("sharing:publish", args=[note.type_slug(), note.pk])
    response = client.post(url, {"audience": "network", "marking": "GREEN"})
    assert response.status_code == 200
    assert "Review the redaction of the image" in response.content.decode()
    note.refresh_from_db()
    assert note.state == "draft"
    assert not DocumentNote.objects.visible_to(cast.de_officer).filter(pk=note.pk).exists()

    review = reverse("documents:image_review", args=[note.pk, image.pk])
    # No area is marked: a plain "checked" is not a review.
    client_for(cast.fr_officer).post(review)
    assert client.post(url, {"audience": "network", "marking": "GREEN"}).status_code == 200
    client_for(cast.fr_officer).post(review, {"no_personal_data": "1"})
    response = client.post(url, {"audience": "network", "marking": "GREEN"})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.state == "published"


def test_redaction_burns_black_boxes_into_the_copy_others_get_by_every_url(
    cast, client_for, note, media
):
    owner = client_for(cast.fr_officer)
    image = note_image_make(note, reviewed=False, data=photo_bytes())
    response = owner.post(
        reverse("documents:image_redact", args=[note.pk, image.pk]), {"boxes": "10 10 60 100"}
    )
    assert response.status_code == 302
    owner.post(reverse("documents:image_review", args=[note.pk, image.pk]))
    item_publish(actor=cast.fr_ncp, item=note, audience="network", marking="AMBER")

    other = client_for(cast.de_officer)
    args = [note.pk, image.pk]
    redacted = pixels(body(other.get(reverse("documents:image", args=args))))
    assert redacted.getpixel((40, 60)) == (0, 0, 0) or max(redacted.getpixel((40, 60))) < 20
    assert min(redacted.getpixel((150, 60))) > 230  # the rest of the document is kept
    # The thumbnail and the download are made from the redacted copy too.
    thumb = pixels(body(other.get(reverse("documents:thumbnail", args=args))))
    assert max(thumb.getpixel((int(40 * thumb.width / 200), thumb.height // 2))) < 30
    download = pixels(body(other.get(reverse("documents:download", args=args))))
    assert max(download.getpixel((40, 40))) < 30
    # The original is the owner's alone.
    assert other.get(reverse("documents:original", args=args)).status_code == 403
    original = pixels(body(owner.get(reverse("documents:original", args=args))))
    assert original.getpixel((40, 60)) == (230, 20, 20)
    # The core attachment pages never serve the image: it is not an attachment of the note.
    assert not note.attachments.exists()


def test_unreviewed_images_are_never_served_to_another_organisation(cast, client_for, note):
    reviewed = note_image_make(note, reviewed=True)
    item_publish(actor=cast.fr_ncp, item=note, audience="network", marking="AMBER")
    pending = note_image_make(note, reviewed=False)
    other = client_for(cast.de_officer)
    for name in ("image", "thumbnail", "download"):
        assert (
            other.get(reverse(f"documents:{name}", args=[note.pk, pending.pk])).status_code == 404
        )
    assert other.get(reverse("documents:original", args=[note.pk, pending.pk])).status_code == 403
    page = other.get(note.get_absolute_url()).content.decode()
    assert reverse("documents:thumbnail", args=[note.pk, reviewed.pk]) in page
    assert reverse("documents:thumbnail", args=[note.pk, pending.pk]) not in page


def test_the_redacted_copy_carries_no_metadata_of_the_upload(cast, client_for, note):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents.services import image_add

    upload = SimpleUploadedFile("camera.jpg", jpeg_bytes(120, 80, gps=True), "image/jpeg")
    image = image_add(actor=cast.fr_officer, note=note, upload=upload, caption="Front")
    with image.redacted.open("rb") as handle:
        data = handle.read()
    assert not Image.open(io.BytesIO(data)).getexif()
    assert b"Camera of the officer" not in data


HOSTILE = [
    ("invoice.png", lambda: HTML, "HTML or SVG markup"),
    ("passport.jpg", lambda: SVG, "HTML or SVG markup"),
    ("specimen.png", png_bomb, "million pixels"),
    ("stamp.jpg", lambda: jpeg_bytes(400, 300, noise=True)[:6000], "not a complete, readable"),
    ("route.gif", lambda: GIF_HTML_POLYGLOT, "HTML or SVG markup"),
    ("dual.jpg", jpeg_pdf_polyglot, "matches two file formats"),
    ("report.pdf", lambda: pdf_bytes(), "not an image"),
]


@pytest.mark.parametrize(("name", "make", "reason"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_image_is_refused_with_its_name_and_reason_and_nothing_is_stored(
    cast, client_for, note, media, name, make, reason
):
    from django.core.files.base import ContentFile

    files = media_files(media)
    response = client_for(cast.fr_officer).post(
        reverse("documents:image_add", args=[note.pk]),
        {"file": ContentFile(make(), name=name), "caption": "Specimen", "light_source": "uv"},
        follow=True,
    )
    assert response.status_code == 200
    [message] = messages_of(response)
    assert name in message and reason in message
    assert not NoteImage.objects.filter(note=note).exists()
    assert media_files(media) == files


def test_a_downloaded_image_carries_a_visible_mark_and_is_in_the_owners_access_log(
    cast, client_for, note
):
    image = note_image_make(note, data=png_bytes(300, 200, colour=(40, 160, 40)))
    item_publish(actor=cast.fr_ncp, item=note, audience="network", marking="AMBER")
    response = client_for(cast.de_officer).get(
        reverse("documents:download", args=[note.pk, image.pk])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    marked = pixels(body(response))
    with image.redacted.open("rb") as handle:
        clean = pixels(handle.read())
    band = [marked.getpixel((x, 195)) for x in range(0, 300, 3)]
    # The foot of the image is now a white band with red writing: not the green original.
    assert sum(1 for p in band if p[1] > 200 and p[0] > 200) > 40
    assert clean.getpixel((5, 195))[0] < 100
    assert any(
        p[0] > 120 and p[1] < 90
        for p in (marked.getpixel((x, y)) for x in range(0, 300) for y in range(186, 200))
    )
    entry = AccessLog.objects.filter(object_id=note.pk, event=AccessLog.Event.DOWNLOAD).get()
    assert entry.organisation_id == cast.de_officer.organisation_id
    log = (
        client_for(cast.fr_officer)
        .get(reverse("sharing:access_log", args=[note.type_slug(), note.pk]))
        .content.decode()
    )
    assert "de_officer" in log or str(cast.de_officer.organisation) in log


def test_every_page_of_the_pdf_of_a_note_names_the_downloading_organisation(cast, client_for, note):
    from pypdf import PdfReader

    note.description = "Long description. " * 500
    note.advice_border_guards = "Check the UV print. " * 150
    note.save()
    item_publish(actor=cast.fr_ncp, item=note, audience="network", marking="AMBER")
    response = client_for(cast.de_officer).get(
        reverse("sharing:export_pdf", args=[note.type_slug(), note.pk])
    )
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) > 1
    organisation = str(cast.de_officer.organisation)
    for page in reader.pages:
        assert organisation in " ".join(page.extract_text().split())
    assert AccessLog.objects.filter(object_id=note.pk, event=AccessLog.Event.DOWNLOAD).exists()


def test_filters_gallery_and_statistics_show_only_visible_notes(cast, client_for, media):
    shared = note_draft(cast.fr_officer, title_text="Shared UV note")
    note_image_make(shared)
    item_publish(actor=cast.fr_ncp, item=shared, audience="network", marking="AMBER")
    secret = note_draft(
        cast.fr_officer,
        title_text="Own only note",
        category=term("category", "passport"),
        issuing_country="NG",
    )
    note_image_make(secret)
    item_publish(actor=cast.fr_ncp, item=secret, audience="owner", marking="AMBER")
    other = client_for(cast.de_officer)
    listing = other.get(reverse("documents:list"), {"light_source": "uv"}).content.decode()
    assert "Shared UV note" in listing and "Own only note" not in listing
    listing = other.get(reverse("documents:list"), {"light_source": "ir"}).content.decode()
    assert "Shared UV note" not in listing
    gallery = other.get(reverse("documents:gallery")).content.decode()
    assert shared.reference in gallery and secret.reference not in gallery
    stats = other.get(reverse("documents:statistics")).content.decode()
    assert "Visa" in stats and "<svg" in stats
    # The core's chart, named by its section's heading, one bar per row of the table.
    assert 'aria-labelledby="stats-category"' in stats and "<title>Visa: 1</title>" in stats
    assert "Nigeria" not in stats and "Passport" not in stats
    own = client_for(cast.fr_officer).get(reverse("documents:statistics")).content.decode()
    assert "Nigeria" in own


def test_the_list_costs_the_same_queries_for_many_notes(
    cast, client_for, media, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(cast.de_officer)
    for n in range(2):
        item_publish(
            actor=cast.fr_ncp,
            item=note_draft(cast.fr_officer, title_text=f"N{n}"),
            audience="network",
            marking="GREEN",
        )
    client.get(reverse("documents:list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("documents:list"))
    queries_for_few = len(few)  # read now: each request empties the connection's query log
    for n in range(10):
        item_publish(
            actor=cast.fr_ncp,
            item=note_draft(cast.fr_officer, title_text=f"M{n}"),
            audience="network",
            marking="GREEN",
        )
    client.get(reverse("documents:list"))  # the kept counts of the new grants, as before `few`
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("documents:list"))
    assert len(many) == queries_for_few


def test_alerts_linked_from_a_note_show_only_to_readers_of_the_alert(cast, client_for, note):
    from tests.items import item_make

    public = item_make(
        "alerts.alert",
        author=cast.fr_officer,
        audience="network",
        headline="Visa stickers on the Balkan route",
    )
    private = item_make(
        "alerts.alert", author=cast.fr_officer, audience="owner", headline="Owner-only alert"
    )
    note.related_alerts.set([public, private])
    item_publish(actor=cast.fr_ncp, item=note, audience="network", marking="AMBER")
    page = client_for(cast.de_officer).get(note.get_absolute_url()).content.decode()
    assert "Visa stickers on the Balkan route" in page and "Owner-only alert" not in page
    own = client_for(cast.fr_officer).get(note.get_absolute_url()).content.decode()
    assert "Owner-only alert" in own


def test_an_alert_shows_the_notes_that_link_to_it_only_to_readers_of_the_note(cast, client_for):
    from tests.items import item_make

    alert = item_make(
        "alerts.alert",
        author=cast.de_officer,
        audience="network",
        headline="Forged stamps at the eastern border",
    )
    shared = note_draft(cast.fr_officer, title_text="Shared stamp note")
    private = note_draft(cast.fr_officer, title_text="Private stamp note")
    for note, audience in ((shared, "network"), (private, "owner")):
        note.related_alerts.set([alert])
        item_publish(actor=cast.fr_ncp, item=note, audience=audience, marking="AMBER")
    german = client_for(cast.de_officer).get(alert.get_absolute_url()).content.decode()
    assert "Shared stamp note" in german and shared.reference in german
    assert "Private stamp note" not in german and private.reference not in german
    french = client_for(cast.fr_officer).get(alert.get_absolute_url()).content.decode()
    assert "Private stamp note" in french
