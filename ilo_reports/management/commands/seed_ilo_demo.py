"""Demo ILO networks for the accounts of `seed_demo`: Türkiye chaired by France, Morocco by
Spain, in the semester whose report is due next, with the demo ILOs posted there."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from iconet.models import Role, User
from ilo_reports.models import Network, NetworkChair, Posting, Semester
from ilo_reports.services import network_members_sync

NETWORKS = {"TR": ("Türkiye", "FR"), "MA": ("Morocco", "ES")}


class Command(BaseCommand):
    help = "Create or refresh the demo ILO networks (run after seed_demo; safe to run more than once)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_ilo_demo is demo data; it only runs with ICONET_ENV=development.")
        semester = Semester.reporting()
        with transaction.atomic():
            for code, (name, chair_state) in NETWORKS.items():
                network, _ = Network.objects.get_or_create(name=name, defaults={"host_country": code})
                officers = User.objects.filter(role=Role.ILO, host_country=code).select_related("organisation")
                for officer in officers:
                    Posting.objects.get_or_create(officer=officer, host_country=code, defaults={
                        "deploying_organisation": officer.organisation, "deploying_authority": str(officer.organisation),
                        "posted_at": Posting.Place.EMBASSY, "start_date": datetime.date(2024, 9, 1),
                        "languages": "en", "duties": "Liaison with the host authorities on irregular migration.",
                    })
                network_members_sync(network)
                chair_officer = officers.filter(organisation__country_id=chair_state).first()
                if chair_officer:
                    NetworkChair.objects.get_or_create(network=network, semester=str(semester), defaults={
                        "organisation": chair_officer.organisation, "officer": chair_officer,
                    })
        self.stdout.write(self.style.SUCCESS(f"Demo ILO networks ready; chairs set for {semester}."))
