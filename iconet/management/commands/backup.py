"""`manage.py backup DIR`: the database and the stored files it references, in one snapshot."""

from pathlib import Path

from django.core.management.base import BaseCommand

from ...operations.backup import BackupError, backup_create
from ..errors import operator_errors


class Command(BaseCommand):
    help = (
        "Write a backup of the database (pg_dump, custom format) and of the stored files it "
        "references into a new directory, with a manifest of checksums (docs/operations.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="a new or empty directory")

    def handle(self, *args, directory: Path, **options):
        with operator_errors(BackupError):
            manifest = backup_create(directory)
        database = manifest["database"]
        self.stdout.write(
            f"Backup written to {directory}: database {database['name']} "
            f"({database['size']} bytes, PostgreSQL {database['server_major']}), "
            f"{len(manifest['files'])} stored files, deliveries {database['deliveries']}."
        )
