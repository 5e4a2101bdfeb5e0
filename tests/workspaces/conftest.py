import datetime
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from iconet.models import Organisation
from tests.factories import AccessGroupFactory
from tests.files import png_bytes
from workspaces import services
from workspaces.models import Meeting


@pytest.fixture
def working_party(cast):
    """A bilateral working party managed by France: France's administrator manages it; the
    French officer and the German officer are named members; Belgium's service is a member
    organisation. The Netherlands are outside."""
    group = AccessGroupFactory(
        name="Return working party FR-DE",
        managing_organisation=Organisation.objects.get(short_name="BP-FR"),
        members=[cast.fr_admin, cast.fr_officer, cast.de_officer],
        organisations=[cast.be_ncp.organisation],
    )
    return group


def upload(name="agenda.png", data=None, content_type="image/png"):
    return SimpleUploadedFile(name, data or png_bytes(), content_type)


@pytest.fixture
def library_document(cast, working_party, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return services.document_add(
        actor=cast.fr_admin,
        group=working_party,
        folder=None,
        title="Readmission checklist",
        description="What each side checks before a joint flight.",
        marking="AMBER",
        upload=upload(),
        note="First draft",
    )


def meeting_called(actor, group, *, starts=None, zone="Europe/Brussels", agenda=(), **fields):
    tz = zoneinfo.ZoneInfo(zone)
    starts = starts or timezone.make_aware(
        datetime.datetime.combine(
            timezone.localdate() + datetime.timedelta(days=10), datetime.time(10)
        ),
        tz,
    )
    meeting = Meeting(
        title=fields.pop("title", "Working party, 3rd meeting"),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
        time_zone=zone,
        place=fields.pop("place", "Brussels, LX46 room 3"),
        marking=fields.pop("marking", "AMBER"),
        **fields,
    )
    return services.meeting_create(actor=actor, group=group, meeting=meeting, agenda=list(agenda))
