"""Demo returns data (development only): a few published return problems for two countries,
and a joint return operation with its seat offer open. Idempotent: problems are recognised by
their description, the operation by its code."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from iconet.models import Country, User
from iconet.sharing.services import item_create, item_publish
from returns.models import ReturnOperation, ReturnProblem
from returns.services import seat_offer_open

DEMO_PROBLEMS = [
    (
        "fr.ncp",
        "NG",
        "travel_document",
        75,
        120,
        "Consular laissez-passer issued only after a second interview at the embassy.",
        "Group interviews organised with the embassy every month.",
        "EU–Nigeria (negotiating)",
    ),
    (
        "de.ncp",
        "NG",
        "identification",
        90,
        60,
        "Nationality determination needs a delegation from the capital.",
        "",
        "EU–Nigeria (negotiating)",
    ),
    (
        "nl.ncp",
        "NG",
        "eu_laissez_passer",
        40,
        30,
        "The EU laissez-passer is refused for scheduled flights.",
        "Charter flights accepted.",
        "",
    ),
    (
        "it.ncp",
        "TN",
        "readmission",
        20,
        90,
        "Weekly quota of returns under the bilateral arrangement is full for months.",
        "Advance booking of quota places through the liaison officer.",
        "Italy–Tunisia arrangement",
    ),
    (
        "fr.ncp",
        "TN",
        "carrier",
        15,
        15,
        "Carriers refuse escorted passengers on morning flights.",
        "",
        "",
    ),
]


class Command(BaseCommand):
    help = "Create demo return problems and a joint return operation (safe to run again)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo data only runs with ICONET_ENV=development.")
        created = 0
        for author, country, category, delay, days_ago, text, practice, agreement in DEMO_PROBLEMS:
            if ReturnProblem.objects.filter(description=text).exists():
                continue
            user = User.objects.get(username=author)
            with transaction.atomic():
                problem = item_create(
                    actor=user,
                    item=ReturnProblem(
                        country_of_return=country,
                        category=category,
                        average_delay_days=delay,
                        observed_on=timezone.localdate() - datetime.timedelta(days=days_ago),
                        description=text,
                        good_practice=practice,
                        readmission_agreement=agreement,
                        authority_involved="Embassy consular section",
                    ),
                )
                item_publish(actor=user, item=problem, audience="network", marking="AMBER")
            created += 1
        if not ReturnOperation.objects.filter(code="JRO-LOS-DEMO").exists():
            organiser = User.objects.get(username="fr.ncp")
            with transaction.atomic():
                operation = item_create(
                    actor=organiser,
                    item=ReturnOperation(
                        code="JRO-LOS-DEMO",
                        countries_of_return=["NG"],
                        departure_airport="CDG",
                        departure_date=timezone.localdate() + datetime.timedelta(days=40),
                        carrier="Demo Charter Airways",
                        seat_capacity=40,
                    ),
                )
                item_publish(actor=organiser, item=operation, audience="owner", marking="AMBER")
                seat_offer_open(
                    actor=organiser,
                    operation=operation,
                    states=list(Country.objects.filter(code__in=["DE", "NL", "BE"])),
                    deadline=timezone.localdate() + datetime.timedelta(days=14),
                )
            created += 1
        self.stdout.write(self.style.SUCCESS(f"Demo returns data: {created} created."))
