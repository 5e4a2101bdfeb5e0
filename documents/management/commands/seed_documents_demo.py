"""Demo document fraud notes (development only): published notes with generated specimen
images, so that the list, the gallery and the statistics are alive on the first start. Every
image is drawn here: a fake document of a fictitious holder, never a real person's.
Idempotent: notes are recognised by their title."""

import datetime
import io

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from documents.models import DocumentNote, Term
from documents.services import image_add, image_redact, image_review
from iconet.models import User
from iconet.sharing.services import item_create, item_publish

# (author, title, category, fraud type, country, days ago, altered elements, features, method,
# light sources of the images)
DEMO_NOTES = [
    (
        "fr.ncp",
        "Counterfeit Schengen visa stickers printed by inkjet",
        "visa",
        "counterfeit",
        "FR",
        20,
        ["visa_sticker"],
        ["uv_fluorescence", "intaglio"],
        "inkjet",
        ["visible", "uv"],
    ),
    (
        "de.ncp",
        "Photo substitution in passports of a 2019 series",
        "passport",
        "forgery",
        "DE",
        45,
        ["photo_substitution", "biodata_page"],
        ["laser_perforation", "ovd_hologram"],
        "manual",
        ["visible", "transmitted"],
    ),
    (
        "it.ncp",
        "Stolen blank residence permits completed by thermal transfer",
        "residence_permit",
        "stolen_blank",
        "IT",
        90,
        ["biodata_page"],
        ["chip", "guilloche"],
        "thermal_transfer",
        ["visible", "ir"],
    ),
    (
        "es.ncp",
        "Fantasy laissez-passer presented at Madrid-Barajas",
        "laissez_passer",
        "fantasy",
        "ES",
        400,
        [],
        ["watermark"],
        "laser_printer",
        ["visible"],
    ),
]


def specimen(title: str, light: str, width: int = 640, height: int = 420) -> bytes:
    """A drawn specimen document: a silhouette, not a face; fictitious text."""
    from PIL import Image, ImageDraw

    tint = {
        "visible": (226, 232, 240),
        "uv": (60, 40, 140),
        "ir": (90, 90, 90),
        "transmitted": (250, 245, 210),
        "coaxial": (200, 210, 200),
    }[light]
    image = Image.new("RGB", (width, height), tint)
    draw = ImageDraw.Draw(image)
    draw.rectangle([10, 10, width - 10, height - 10], outline=(30, 60, 120), width=4)
    draw.text((30, 24), "SPECIMEN - " + title[:50].upper(), fill=(120, 20, 20))
    draw.rectangle([30, 70, 200, 290], fill=(180, 180, 190))
    draw.ellipse([80, 100, 150, 170], fill=(120, 120, 130))
    draw.rectangle([70, 175, 160, 290], fill=(120, 120, 130))
    for row, text in enumerate(
        (
            "SURNAME: SPECIMEN",
            "GIVEN NAMES: ERIKA",
            "NATIONALITY: XXX",
            "DATE OF BIRTH: 01 01 1970",
            "NUMBER: X0000000",
        )
    ):
        draw.text((230, 80 + row * 34), text, fill=(20, 20, 20))
    draw.text((30, height - 70), "P<XXXSPECIMEN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<<<", fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


class Command(BaseCommand):
    help = "Create demo document fraud notes with specimen images (safe to run more than once)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo data only runs with ICONET_ENV=development.")
        created = 0
        for (
            author_name,
            title,
            category,
            fraud,
            country,
            days,
            altered,
            features,
            method,
            lights,
        ) in DEMO_NOTES:
            if DocumentNote.objects.filter(title_text=title).exists():
                continue
            author = User.objects.get(username=author_name)
            with transaction.atomic():
                note = item_create(
                    actor=author,
                    item=DocumentNote(
                        title_text=title,
                        issuing_country=country,
                        category=Term.objects.get(vocabulary__code="category", code=category),
                        fraud_type=Term.objects.get(vocabulary__code="fraud_type", code=fraud),
                        production_method=Term.objects.get(
                            vocabulary__code="production_method", code=method
                        ),
                        description="Specimen described for the demonstration; no real person.",
                        detected_on=datetime.date.today() - datetime.timedelta(days=days),
                        border_type="air",
                        similar_cases=3,
                        advice_border_guards="Check under UV light and with a magnifier.",
                    ),
                )
                note.altered_elements.set(
                    Term.objects.filter(vocabulary__code="altered_element", code__in=altered)
                )
                note.security_features.set(
                    Term.objects.filter(vocabulary__code="security_feature", code__in=features)
                )
                for light in lights:
                    upload = SimpleUploadedFile(
                        f"specimen-{light}.png", specimen(title, light), content_type="image/png"
                    )
                    image = image_add(
                        actor=author,
                        note=note,
                        upload=upload,
                        caption=f"Specimen ({light})",
                        side="biodata page",
                        light_source=light,
                    )
                    # The silhouette, the names and the machine-readable zone are blacked out.
                    image = image_redact(
                        actor=author,
                        image=image,
                        boxes=[[30, 70, 170, 220], [230, 80, 300, 70], [30, 340, 560, 30]],
                    )
                    image_review(actor=author, image=image)
                item_publish(actor=author, item=note, audience="network", marking="GREEN")
            created += 1
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo document notes: {created} created, "
                f"{len(DEMO_NOTES) - created} already there."
            )
        )
