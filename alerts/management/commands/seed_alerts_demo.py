"""Demo alerts (development only): a few published early warnings between the demo contact
points, so that lists, recipients and acknowledgements have something to show. Idempotent:
alerts are recognised by their headline."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from alerts.models import Alert, NationalityCount
from iconet.attachments.services import attachment_add
from iconet.models import User
from iconet.sharing.services import item_create, item_publish

DEMO_ALERTS = [
    {
        "author": "it.ncp",
        "destinations": ["DE", "FR", "AT"],
        "transit": ["GR", "MK", "RS", "HU"],
        "audience": "network",
        "marking": "AMBER",
        "fields": {
            "headline": "Refrigerated lorries used on the Western Balkans route",
            "urgency": "immediate",
            "alert_type": "method_change",
            "origin_country": "AF",
            "border_type": "land",
            "crossing_point": "Röszke motorway crossing",
            "persons_count": 46,
            "minors_count": 5,
            "summary": (
                "Three interceptions in ten days of groups of 12 to 20 persons concealed in "
                "refrigerated lorries loaded in northern Greece; facilitators recruit through "
                "messaging channels."
            ),
            "transport_means": ["refrigerated_lorry"],
            "concealment_method": (
                "Behind pallets of frozen goods, CO2 probes evaded by sealed compartments."
            ),
            "price_charged": "EUR 4,000–6,000 per person",
            "expected_development": "Further use during the winter months.",
            "recommended_measures": (
                "Systematic CO2 and heartbeat detection at inland checks of refrigerated transport."
            ),
            "source_reliability": "B",
            "information_credibility": "2",
        },
        "nationalities": [("AF", 30), ("PK", 10), ("BD", 6)],
    },
    {
        "author": "es.ncp",
        "destinations": ["FR", "BE", "NL"],
        "transit": [],
        "audience": "groups",
        "groups": ["Mediterranean route working group"],
        "marking": "GREEN",
        "fields": {
            "headline": "New departures by fast boats from the Atlantic coast",
            "urgency": "routine",
            "alert_type": "route_change",
            "origin_country": "MA",
            "border_type": "sea",
            "crossing_point": "Canary Islands",
            "persons_count": 120,
            "summary": (
                "Departures shift south towards Dakhla; larger boats with outboard engines, "
                "crossings at night."
            ),
            "transport_means": ["boat"],
            "source_reliability": "A",
            "information_credibility": "2",
        },
        "nationalities": [("SN", 60), ("ML", 40), ("GM", 20)],
    },
    {
        "author": "nl.ncp",
        "destinations": ["BE", "FR", "DE"],
        "transit": [],
        "audience": "network",
        "marking": "AMBER",
        "fields": {
            "headline": "Facilitator network using forged residence permits at Schiphol",
            "urgency": "immediate",
            "alert_type": "incident",
            "origin_country": "IQ",
            "border_type": "air",
            "crossing_point": "Amsterdam Schiphol",
            "persons_count": 8,
            "summary": (
                "Residence permits of a recent series altered on the biodata page; travellers "
                "arrive from Istanbul."
            ),
            "transport_means": ["flight"],
            "source_reliability": "B",
            "information_credibility": "3",
        },
        "nationalities": [("IQ", 8)],
    },
]


class Command(BaseCommand):
    help = "Create demo early-warning alerts (safe to run more than once)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo data only runs with ICONET_ENV=development.")
        from iconet.models import AccessGroup

        created = 0
        for spec in DEMO_ALERTS:
            if Alert.objects.filter(headline=spec["fields"]["headline"]).exists():
                continue
            author = User.objects.get(username=spec["author"])
            with transaction.atomic():
                alert = item_create(
                    actor=author,
                    item=Alert(
                        period_from=datetime.date.today() - datetime.timedelta(days=14),
                        transit_countries=spec["transit"],
                        **spec["fields"],
                    ),
                )
                alert.destination_states.set(spec["destinations"])
                NationalityCount.objects.bulk_create(
                    NationalityCount(alert=alert, nationality=code, count=count)
                    for code, count in spec["nationalities"]
                )
                groups = AccessGroup.objects.filter(name__in=spec.get("groups", []))
                item_publish(
                    actor=author,
                    item=alert,
                    audience=spec["audience"],
                    marking=spec["marking"],
                    groups=groups,
                )
                if spec is DEMO_ALERTS[0]:
                    attachment_add(
                        actor=author,
                        item=alert,
                        upload=route_sketch(spec["transit"]),
                        description="Sketch of the route, no personal data",
                    )
            created += 1
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo alerts: {created} created, {len(DEMO_ALERTS) - created} already there."
            )
        )


def route_sketch(countries: list[str]):
    """A generated PNG sketch of the route, so that the demo alert shows an attachment."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 160), "white")
    draw = ImageDraw.Draw(image)
    points = [(40 + i * 400 // max(len(countries) - 1, 1), 80) for i in range(len(countries))]
    draw.line(points, fill=(180, 30, 30), width=4)
    for (x, y), code in zip(points, countries, strict=True):
        draw.ellipse((x - 8, y - 8, x + 8, y + 8), fill=(30, 60, 150))
        draw.text((x - 8, y + 14), code, fill="black")
    out = io.BytesIO()
    image.save(out, "PNG")
    return SimpleUploadedFile("route-sketch.png", out.getvalue(), content_type="image/png")
