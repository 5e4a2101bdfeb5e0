"""Demo ILO networks for the accounts of `seed_demo`: Türkiye chaired by France, Morocco by
Spain, in the semester whose report is due next, with the demo ILOs posted there."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from iconet.models import Role, User
from ilo_reports.models import IloReport, Network, NetworkChair, Posting, Semester, TemplateQuestion
from ilo_reports.services import (
    network_members_sync,
    report_open,
    report_publish,
    report_review,
    report_save,
    report_submit,
)

# Statistics of the Türkiye network's two previous semesters (aggregate numbers only).
PAST_STATISTICS = [
    {
        "refusals_air": 410,
        "refusals_land": 1250,
        "apprehensions": 8300,
        "facilitators": 96,
        "false_documents": 240,
    },
    {
        "refusals_air": 465,
        "refusals_land": 1420,
        "apprehensions": 9100,
        "facilitators": 121,
        "false_documents": 305,
    },
]

NETWORKS = {"TR": ("Türkiye", "FR"), "MA": ("Morocco", "ES")}


class Command(BaseCommand):
    help = (
        "Create or refresh the demo ILO networks (run after seed_demo; safe to run more than once)."
    )

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "seed_ilo_demo is demo data; it only runs with ICONET_ENV=development."
            )
        semester = Semester.reporting()
        with transaction.atomic():
            for code, (name, chair_state) in NETWORKS.items():
                network, _ = Network.objects.get_or_create(
                    name=name, defaults={"host_country": code}
                )
                officers = User.objects.filter(role=Role.ILO, host_country=code).select_related(
                    "organisation"
                )
                for officer in officers:
                    Posting.objects.get_or_create(
                        officer=officer,
                        host_country=code,
                        defaults={
                            "deploying_organisation": officer.organisation,
                            "deploying_authority": str(officer.organisation),
                            "posted_at": Posting.Place.EMBASSY,
                            "start_date": datetime.date(2024, 9, 1),
                            "languages": "en",
                            "duties": "Liaison with the host authorities on irregular migration.",
                        },
                    )
                network_members_sync(network)
                chair_officer = officers.filter(organisation__country_id=chair_state).first()
                if chair_officer:
                    NetworkChair.objects.get_or_create(
                        network=network,
                        semester=str(semester),
                        defaults={
                            "organisation": chair_officer.organisation,
                            "officer": chair_officer,
                        },
                    )
            self.past_reports_publish(Network.objects.get(host_country="TR"), semester)
        self.stdout.write(
            self.style.SUCCESS(f"Demo ILO networks ready; chairs set for {semester}.")
        )

    def past_reports_publish(self, network: Network, current: Semester) -> None:
        """Published reports of the two previous semesters, so that semesters can be compared."""
        chair = User.objects.get(username="ilo.fr.tr")
        reviewer = User.objects.get(username="ec.admin")
        past = [current.previous().previous(), current.previous()]
        for semester, figures in zip(past, PAST_STATISTICS, strict=True):
            if IloReport.objects.filter(network=network, semester=str(semester)).exists():
                continue
            NetworkChair.objects.get_or_create(
                network=network,
                semester=str(semester),
                defaults={
                    "organisation": chair.organisation,
                    "officer": chair,
                },
            )
            report = report_open(actor=chair, network=network, semester=semester)
            answers = {}
            for question in TemplateQuestion.objects.filter(section__version=report.template):
                if question.key == "statistics":
                    answers[str(question.pk)] = {
                        row: {"number": number} for row, number in figures.items()
                    }
                elif question.key == "composition":
                    answers[str(question.pk)] = (
                        "Three liaison officers (FR, DE, NL); no change during the semester."
                    )
            report = report_save(
                actor=chair, report=report, answers=answers, lock_version=report.lock_version
            )
            report_submit(actor=chair, report=report)
            report_review(actor=reviewer, report=IloReport.objects.get(pk=report.pk))
            report_publish(
                actor=reviewer,
                report=IloReport.objects.get(pk=report.pk),
                audience="network",
                marking="GREEN",
            )
