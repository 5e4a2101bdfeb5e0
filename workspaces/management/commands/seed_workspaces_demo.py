"""Demo workspace (development only): a return working party managed by France, with Germany
and the Netherlands as members, a document with two versions in a folder and a meeting with
its agenda. Idempotent: the group is recognised by its name."""

import datetime
import io

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from iconet.models import AccessGroup, User
from workspaces import services
from workspaces.models import Meeting

GROUP = "Return working party FR-DE-NL (demo)"


def picture(colour) -> SimpleUploadedFile:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 200), colour).save(out, "PNG")
    return SimpleUploadedFile("checklist.png", out.getvalue(), "image/png")


class Command(BaseCommand):
    help = "Load a demo group workspace (development only)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo data only runs with ICONET_ENV=development.")
        if AccessGroup.objects.filter(name=GROUP).exists():
            self.stdout.write("Demo workspace already present.")
            return
        manager = User.objects.get(username="fr.admin")
        adder = User.objects.get(username="fr.ncp")
        named = User.objects.get(username="de.ncp")
        with transaction.atomic():
            group = AccessGroup.objects.create(
                name=GROUP,
                description="Bilateral working party on joint return flights.",
                managing_organisation=manager.organisation,
            )
            group.organisations.set(
                [
                    u.organisation
                    for u in User.objects.filter(username__in=["fr.ncp", "de.ncp", "nl.ncp"])
                ]
            )
            services.contributor_name(actor=manager, group=group, user=adder)
            services.contributor_name(actor=manager, group=group, user=named)
            folder = services.folder_create(
                actor=adder, group=group, name="Checklists", parent=None
            )
            document = services.document_add(
                actor=adder,
                group=group,
                folder=folder,
                title="Pre-departure checklist",
                description="What each side checks before a joint flight.",
                marking="AMBER",
                upload=picture((240, 240, 240)),
                note="First draft",
            )
            services.version_add(
                actor=named,
                document=document,
                upload=picture((250, 250, 250)),
                note="German comments",
            )
            starts = timezone.now().replace(minute=0, second=0, microsecond=0) + datetime.timedelta(
                days=14
            )
            services.meeting_create(
                actor=adder,
                group=group,
                meeting=Meeting(
                    title="Working party, 4th meeting",
                    starts_at=starts,
                    ends_at=starts + datetime.timedelta(hours=3),
                    place="Brussels",
                    video_link="https://video.example/working-party",
                    marking="AMBER",
                ),
                agenda=[("Opening", None), ("Checklist", document)],
            )
        self.stdout.write("Demo workspace loaded.")
