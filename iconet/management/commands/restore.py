"""`manage.py restore DIR --database NAME`: a verified backup into a new database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...operations.backup import BackupError, backup_restore, backup_verify
from ..errors import operator_errors


class Command(BaseCommand):
    help = (
        "Verify a backup against its manifest and restore it into a new database on the "
        "configured server, and its files into the configured storage (docs/operations.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="a directory written by `backup`")
        parser.add_argument("--database", help="the name of the new database to create")
        parser.add_argument(
            "--verify-only", action="store_true", help="check the backup and restore nothing"
        )
        parser.add_argument(
            "--no-files", action="store_true", help="restore the database only, not the files"
        )

    def handle(self, *args, directory: Path, database, verify_only, no_files, **options):
        with operator_errors(BackupError):
            if verify_only:
                problems = backup_verify(directory)
                if problems:
                    raise CommandError("The backup is broken: " + "; ".join(problems))
                self.stdout.write(f"{directory}: the backup matches its manifest.")
                return
            if not database:
                raise CommandError("Name the new database with --database NAME.")
            result = backup_restore(directory, database, files=not no_files)
        self.stdout.write(
            f"Restored into the database {result['database']}; stored files written: "
            f"{result['files_written']}, already there: {result['files_present']}. "
            f"Deliveries in the backup: {result['deliveries']} (pending ones are sent by the "
            "workers once the portal runs on this database)."
        )
