"""Replaces django-auditlog's `auditlogflush`: the audit trail is kept, never flushed."""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Refuses to delete audit records: the audit trail of ICONet cannot be flushed."

    def add_arguments(self, parser):
        # The options of the command it replaces, so that any call of it gets this answer.
        parser.add_argument("-y", "--yes", action="store_true")
        parser.add_argument("-b", "--before-date", default=None)
        parser.add_argument("-t", "--truncate", action="store_true")

    def handle(self, *args, **options):
        raise CommandError(
            "Refused: audit records cannot be changed or deleted (Decision 2005/267/EC requires "
            "the audit trail to be kept); the database refuses it too."
        )
