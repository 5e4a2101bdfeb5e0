"""Reads of the document-fraud area; notes only ever come through `visible_to`."""

from collections import Counter, defaultdict

from django.db.models import Count
from django.db.models.functions import TruncYear
from django.utils import timezone
from django_countries import countries

from iconet.dates import moment_shown

from . import images as pictures
from .models import DocumentNote, NoteImage, Term


def notes_visible_to(user):
    return DocumentNote.objects.visible_to(user)


def images_for_reader(note: DocumentNote, user):
    """The images a reader of the note may look at: all of them for the owner organisation,
    only those whose redaction was reviewed for everyone else (who get the redacted copy)."""
    images = note.images.all()
    if note.is_owner_member(user):
        return images
    return images.filter(reviewed=True)


def image_served(note: DocumentNote, image, user) -> tuple[bytes, str, str]:
    """The copy of an image a reader downloads: the redacted one, with a visible mark of the
    reader's organisation and the time (Brussels time, as the footer of every page says)."""
    text = f"{user.organisation or user} {moment_shown(timezone.now())} {note.reference}"
    with image.redacted.open("rb") as handle:
        data = pictures.mark(handle.read(), text)
    return data, "image/jpeg", f"{note.reference}-{image.pk}.jpg"


def gallery_images(user, notes=None):
    """Reviewed images of the notes the user may see (the redacted copies), newest first."""
    notes = notes_visible_to(user) if notes is None else notes
    return (
        NoteImage.objects.filter(note__in=notes.values("pk"), reviewed=True)
        .select_related(
            "note",
        )
        .order_by("-note__published_at", "-note__created_at", "order", "pk")
    )


def detection_statistics(user, notes=None) -> dict:
    """Detections (notes and their similar cases) per category, issuing country and fraud
    type, by year of detection, from the notes the user may see."""
    notes = notes_visible_to(user) if notes is None else notes
    terms = {term.pk: term.label for term in Term.objects.all()}
    tables = {}
    for key, field in (
        ("category", "category_id"),
        ("country", "issuing_country"),
        ("fraud_type", "fraud_type_id"),
    ):
        rows = (
            notes.annotate(year=TruncYear("detected_on"))
            .values("year", field)
            .annotate(notes_count=Count("pk", distinct=True))
            .order_by()
        )
        cells: dict = defaultdict(Counter)
        years = set()
        for row in rows:
            value = row[field]
            label = terms.get(value, "") if key != "country" else countries.name(value) or value
            cells[label][row["year"].year] += row["notes_count"]
            years.add(row["year"].year)
        years_sorted = sorted(years)
        tables[key] = {
            "years": years_sorted,
            "rows": sorted(
                (
                    (label, [counts.get(y, 0) for y in years_sorted], sum(counts.values()))
                    for label, counts in cells.items()
                ),
                key=lambda row: (-row[2], row[0]),
            ),
        }
    return tables
