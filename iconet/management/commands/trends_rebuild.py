"""Count the home page's trends again from every item (after items were loaded in bulk)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Count the home page's trends again from every item: needed only after items were "
        "written around the services (a bulk load); every write through them keeps the counts."
    )

    def handle(self, *args, **options):
        from ...dashboard.trends import trends_rebuild

        counted = trends_rebuild()
        self.stdout.write(f"{counted} items counted.")
