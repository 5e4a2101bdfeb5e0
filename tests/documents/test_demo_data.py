"""The demo document fraud notes that `make run` loads: published, with redacted specimens."""

import io

import pytest
from django.core.management import call_command
from PIL import Image

from documents.models import DocumentNote, NoteImage

pytestmark = pytest.mark.django_db


def test_demo_notes_are_published_once_with_reviewed_redacted_specimens(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_documents_demo", stdout=out)
    call_command("seed_documents_demo", stdout=out)
    assert DocumentNote.objects.filter(state="published").count() == 4
    images = NoteImage.objects.all()
    assert images.count() == 7 and not images.filter(reviewed=False).exists()
    # The silhouette of the specimen is blacked out in the copy others see.
    with images.first().redacted.open("rb") as handle:
        redacted = Image.open(io.BytesIO(handle.read())).convert("RGB")
    assert max(redacted.getpixel((100, 150))) < 30
