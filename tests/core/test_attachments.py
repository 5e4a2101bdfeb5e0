"""Attachments of any shared item: the safe-file pipeline, storage and serving.

Every hostile file is made in the test and fed through the page a user would use; each is
refused with a message naming the file and the reason, and leaves neither a row nor a file.
"""

import io

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from iconet.models import AccessLog, Attachment
from tests.files import (
    GIF_HTML_POLYGLOT,
    HTML,
    SVG,
    attachment_upload,
    attachment_url,
    jpeg_bytes,
    jpeg_pdf_polyglot,
    media_files,
    pdf_bytes,
    png_bomb,
    png_bytes,
)
from tests.items import item_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def alert(cast):
    """A French alert the whole network reads; fr_officer wrote it and may change it."""
    return item_make("alerts.alert", author=cast.fr_officer, audience="network")


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def downloaded(response) -> bytes:
    return b"".join(response.streaming_content)


# (name, how to make the file, words of the reason); made when the test runs, not at import.
HOSTILE = [
    ("invoice.png", lambda: HTML, "HTML or SVG markup"),
    ("passport.jpg", lambda: SVG, "HTML or SVG markup"),
    ("specimen.png", png_bomb, "more than 40 million pixels"),
    (
        "stamp.jpg",
        lambda: jpeg_bytes(400, 300, noise=True)[:6000],
        "not a complete, readable JPEG image",
    ),
    ("route.gif", lambda: GIF_HTML_POLYGLOT, "HTML or SVG markup"),
    ("dual.jpg", jpeg_pdf_polyglot, "matches two file formats"),
    ("report.pdf", lambda: pdf_bytes(javascript="app.alert('hello')"), "active content"),
    ("escaped.pdf", lambda: pdf_bytes(javascript="app.alert(1)", escaped=True), "active content"),
    (
        "appended.pdf",
        lambda: pdf_bytes() + b"PK\x03\x04" + b"\x00" * 64,
        "data after the end of the PDF",
    ),
    ("notes.docx", lambda: b"PK\x03\x04" + b"\x00" * 64, "not a JPEG, PNG, WebP, TIFF or PDF"),
]


@pytest.mark.parametrize(("name", "make", "reason"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_file_is_refused_with_its_name_and_reason_and_nothing_is_stored(
    cast, client_for, alert, media, name, make, reason
):
    rows, files = Attachment.objects.count(), media_files(media)
    response = attachment_upload(client_for(cast.fr_officer), alert, name, make())
    assert response.status_code == 200
    [message] = messages_of(response)
    assert name in message and reason in message
    assert Attachment.objects.count() == rows
    assert media_files(media) == files


def test_oversized_file_is_refused(cast, client_for, alert, media, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    big = png_bytes(1200, 1200, colour=(1, 2, 3)) + b"\x00" * (1024 * 1024)
    response = attachment_upload(client_for(cast.fr_officer), alert, "scan.png", big)
    [message] = messages_of(response)
    assert "scan.png" in message and "larger than 1 MB" in message
    assert Attachment.objects.count() == 0 and media_files(media) == []


def test_appended_script_is_removed_from_an_image(cast, client_for, alert, media):
    payload = jpeg_bytes(200, 150, noise=True) + b"<script>alert(document.cookie)</script>"
    response = attachment_upload(client_for(cast.fr_officer), alert, "photo.jpg", payload)
    assert messages_of(response) == ["photo.jpg attached."]
    attachment = alert.attachments.get()
    body = downloaded(client_for(cast.de_ncp).get(attachment_url(attachment)))
    assert body.startswith(b"\xff\xd8\xff") and b"<script" not in body


def test_gps_and_camera_data_are_stripped_and_orientation_applied(cast, client_for, alert, media):
    from PIL import Image

    original = jpeg_bytes(60, 20, gps=True, orientation=6)  # 6: turn 90° clockwise to view
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test file has GPS
    attachment_upload(client_for(cast.fr_officer), alert, "border.jpg", original)
    body = downloaded(client_for(cast.de_ncp).get(attachment_url(alert.attachments.get())))
    image = Image.open(io.BytesIO(body))
    assert len(image.getexif()) == 0
    assert "exif" not in image.info and "icc_profile" not in image.info
    assert b"Camera of the officer" not in body
    assert image.size == (20, 60)


def test_download_headers_and_access_log(cast, client_for, alert, media):
    pdf = pdf_bytes()
    response = attachment_upload(
        client_for(cast.fr_officer),
        alert,
        "Carte de l'itinéraire.pdf",
        pdf,
        description="Route map",
    )
    assert "Carte de l'itinéraire.pdf attached." in messages_of(response)
    attachment = alert.attachments.get()
    assert (attachment.kind, attachment.size) == ("pdf", len(pdf))
    assert attachment.organisation == cast.fr_officer.organisation
    # The storage name is random: the user's file name is not in the path.
    assert "itin" not in attachment.file.name and attachment.file.name.startswith("attachments/")
    response = client_for(cast.de_ncp).get(attachment_url(attachment))
    assert response.status_code == 200 and downloaded(response) == pdf
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="Carte de l\'itin_raire.pdf"; '
        "filename*=UTF-8''Carte%20de%20l%27itin%C3%A9raire.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    log = AccessLog.objects.get(event="download", actor=cast.de_ncp)
    assert log.object_id == alert.pk and "Carte de l'itinéraire.pdf" in log.detail


def test_content_type_comes_from_the_content_not_the_name(cast, client_for, alert, media):
    attachment_upload(client_for(cast.fr_officer), alert, "scan.pdf", png_bytes())
    attachment = alert.attachments.get()
    assert attachment.original_name == "scan.pdf.png" and attachment.kind == "png"
    response = client_for(cast.de_ncp).get(attachment_url(attachment))
    assert response["Content-Type"] == "image/png"


def test_only_readers_of_the_item_get_the_file(cast, client_for, media):
    secret = item_make("alerts.alert", author=cast.fr_officer, audience="owner")
    attachment_upload(client_for(cast.fr_officer), secret, "map.png", png_bytes())
    attachment = secret.attachments.get()
    assert client_for(cast.fr_ncp).get(attachment_url(attachment)).status_code == 200
    assert client_for(cast.de_ncp).get(attachment_url(attachment)).status_code == 404
    assert client_for(cast.fr_no_area).get(attachment_url(attachment)).status_code == 404
    # Nor through another item the user can see.
    public = item_make("alerts.alert", author=cast.fr_officer, audience="public")
    url = reverse("sharing:attachment", args=["alerts.alert", public.pk, attachment.pk])
    assert client_for(cast.de_ncp).get(url).status_code == 404
    assert not AccessLog.objects.filter(event="download", actor=cast.de_ncp).exists()


def test_only_those_who_may_change_the_item_attach(cast, client_for, alert, media):
    reader = client_for(cast.de_ncp)
    assert attachment_upload(reader, alert, "map.png", png_bytes()).status_code == 403
    hidden = item_make("alerts.alert", author=cast.fr_officer, audience="owner")
    assert attachment_upload(reader, hidden, "map.png", png_bytes()).status_code == 404
    assert Attachment.objects.count() == 0 and media_files(media) == []


def test_detail_pages_of_alerts_and_ilo_reports_list_and_offer_attachments(
    cast, client_for, alert, media
):
    # A report takes files while it is drafted; the network's German liaison officer reads it.
    report = item_make("ilo_reports.iloreport", author=cast.fr_officer, state="draft")
    for item, reader in ((alert, cast.de_ncp), (report, cast.ilo_de_tr)):
        client = client_for(cast.fr_officer)
        attachment_upload(client, item, "diagram.webp", _webp())
        attachment = item.attachments.get()
        create_url = reverse("sharing:attachment_create", args=[item.type_slug(), item.pk])
        form = f'action="{create_url}"'
        page = client.get(item.get_absolute_url()).content.decode()
        assert attachment_url(attachment) in page and "diagram.webp" in page and form in page
        reader_page = client_for(reader).get(item.get_absolute_url()).content.decode()
        assert attachment_url(attachment) in reader_page and form not in reader_page


def _webp() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 32), (0, 128, 0)).save(out, "WEBP")
    return out.getvalue()


def test_a_truncated_image_is_refused_after_a_pdf_was_rendered_in_the_same_process():
    """WeasyPrint switches Pillow to accepting truncated images when it is imported; the check
    of uploads must not follow it."""
    import weasyprint  # noqa: F401
    from django.core.files.base import ContentFile
    from PIL import ImageFile

    from iconet.files.pipeline import FileRefused, file_check

    ImageFile.LOAD_TRUNCATED_IMAGES = True  # as WeasyPrint leaves it
    truncated = ContentFile(jpeg_bytes(400, 300, noise=True)[:6000], name="stamp.jpg")
    with pytest.raises(FileRefused, match="not a complete, readable JPEG image"):
        file_check(truncated)
