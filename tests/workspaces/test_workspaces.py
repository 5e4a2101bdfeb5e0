"""Group workspaces: who reads a group's library and meetings, versions downloaded marked,
invitations in each member's language with a calendar file, the feed, and removal."""

import datetime
import io
import zoneinfo

import icalendar
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from iconet.directory.models.administration import AccessGroupMember
from iconet.directory.services.directory import membership_remove
from iconet.models import AccessLog, EmailDelivery, Notification
from iconet.outbox.tasks import emails_deliver
from iconet.search.services import SearchFilters, search
from tests.conftest import verified_client
from tests.files import pdf_bytes, png_bytes
from workspaces import services
from workspaces.models import CalendarFeed, Invitation, Reply

from .conftest import meeting_called, upload

pytestmark = pytest.mark.django_db


def pages(document, meeting, group):
    return [
        reverse("workspaces:group", args=[group.pk]),
        document.get_absolute_url(),
        reverse("workspaces:version_download", args=[document.pk, 1]),
        meeting.get_absolute_url(),
        reverse("workspaces:meeting_ics", args=[meeting.pk]),
    ]


def test_members_read_the_library_and_meetings_and_others_are_told_they_do_not_exist(
    cast, working_party, library_document
):
    meeting, _invited = meeting_called(cast.fr_admin, working_party)
    for member in (cast.fr_officer, cast.de_officer, cast.be_ncp):
        client = verified_client(member)
        for url in pages(library_document, meeting, working_party):
            assert client.get(url).status_code == 200, (member, url)
    for outsider in (cast.nl_ncp, cast.fr_no_area, cast.commission_admin):
        client = verified_client(outsider)
        for url in pages(library_document, meeting, working_party):
            assert client.get(url).status_code == 404, (outsider, url)
    page = verified_client(cast.de_officer).get(
        reverse("workspaces:group", args=[working_party.pk])
    )
    text = page.content.decode()
    assert "Readmission checklist" in text and "Working party, 3rd meeting" in text
    assert (
        "Readmission checklist"
        not in verified_client(cast.nl_ncp).get(reverse("workspaces:home")).content.decode()
    )


def test_only_managers_and_those_they_name_add(cast, working_party, library_document):
    officer = verified_client(cast.de_officer)
    url = reverse("workspaces:version_create", args=[library_document.pk])
    refused = officer.post(url, {"file": upload("v2.png"), "note": "mine"})
    assert refused.status_code == 403
    assert library_document.versions.count() == 1
    services.contributor_name(actor=cast.fr_admin, group=working_party, user=cast.de_officer)
    officer.post(url, {"file": upload("v2.png"), "note": "German comments"})
    assert list(library_document.versions.values_list("number", "note", "uploaded_by")) == [
        (2, "German comments", cast.de_officer.pk),
        (1, "First draft", cast.fr_admin.pk),
    ]
    # A member who is no manager names nobody.
    with pytest.raises(PermissionDenied):
        services.contributor_name(actor=cast.de_officer, group=working_party, user=cast.be_ncp)


def test_a_second_version_is_downloaded_marked_for_the_reader(
    cast, working_party, library_document
):
    services.contributor_name(actor=cast.fr_admin, group=working_party, user=cast.fr_officer)
    original = png_bytes(200, 120, colour=(255, 255, 255))
    verified_client(cast.fr_officer).post(
        reverse("workspaces:version_create", args=[library_document.pk]),
        {"file": upload("checklist-v2.png", original), "note": "After the Lyon meeting"},
    )
    response = verified_client(cast.be_ncp).get(
        reverse("workspaces:version_download", args=[library_document.pk, 2])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "checklist-v2.jpg" in response["Content-Disposition"]
    image = Image.open(io.BytesIO(response.content)).convert("RGB")
    assert image.size == (200, 120)
    # The white image now carries red text in its foot band.
    foot = [image.getpixel((x, y)) for x in range(200) for y in range(100, 120)]
    assert any(r > 120 and g < 90 and b < 90 for r, g, b in foot)
    logged = AccessLog.objects.filter(actor=cast.be_ncp, event=AccessLog.Event.DOWNLOAD)
    assert logged.filter(detail__contains="version 2").exists()


def test_a_pdf_version_carries_the_readers_mark_on_its_pages(cast, working_party, library_document):
    from pypdf import PdfReader

    services.version_add(
        actor=cast.fr_admin,
        document=library_document,
        upload=upload("minutes.pdf", pdf_bytes(), "application/pdf"),
    )
    response = verified_client(cast.de_officer).get(
        reverse("workspaces:version_download", args=[library_document.pk, 2])
    )
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    text = " ".join(text.split())
    assert "BP-DE" in text and cast.de_officer.get_full_name() in text
    assert f"{library_document.reference} v2" in text


def feed_titles(client, url) -> list[str]:
    calendar = icalendar.Calendar.from_ical(client.get(url).content)
    return [str(event["summary"]) for event in calendar.walk("VEVENT")]


def test_a_member_removed_from_the_group_loses_library_and_meetings_at_once(
    cast, working_party, library_document
):
    meeting, _invited = meeting_called(cast.fr_admin, working_party)
    client = verified_client(cast.de_officer)
    feed = services.calendar_feed_create(actor=cast.de_officer)
    feed_url = reverse("workspaces:feed", args=[feed.token])
    assert any(meeting.title in title for title in feed_titles(client, feed_url))
    assert client.get(library_document.get_absolute_url()).status_code == 200
    membership = AccessGroupMember.objects.get(accessgroup=working_party, user=cast.de_officer)
    membership_remove(actor=cast.commission_admin, membership=membership, reason="Left the service")
    for url in pages(library_document, meeting, working_party):
        assert client.get(url).status_code == 404, url
    assert feed_titles(client, feed_url) == []
    assert not search(cast.de_officer, SearchFilters(text="Readmission checklist")).total


def test_search_finds_a_document_by_title_and_description_for_members_only(
    cast, working_party, library_document
):
    found = search(cast.be_ncp, SearchFilters(text="joint flight"))
    assert (
        [hit.item for hit in found.hits] == [library_document]
        if hasattr(found.hits[0], "item")
        else found.total == 1
    )
    assert search(cast.be_ncp, SearchFilters(text="Readmission checklist")).total == 1
    assert search(cast.nl_ncp, SearchFilters(text="Readmission checklist")).total == 0


def test_the_calendar_file_reads_back_with_the_meetings_time_zone(
    cast, working_party, library_document
):
    zone = zoneinfo.ZoneInfo("America/New_York")
    starts = datetime.datetime(
        2027, 3, 15, 9, 30, tzinfo=zone
    )  # after the US switch to summer time
    meeting, _ = meeting_called(
        cast.fr_admin,
        working_party,
        starts=starts,
        zone="America/New_York",
        agenda=[("Opening", None), ("Checklist", library_document)],
    )
    response = verified_client(cast.de_officer).get(
        reverse("workspaces:meeting_ics", args=[meeting.pk])
    )
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/New_York"]
    (event,) = calendar.walk("VEVENT")
    start = event.decoded("dtstart")
    assert start == starts and start.utcoffset() == datetime.timedelta(hours=-4)
    assert str(start.tzinfo) == "America/New_York"
    assert event.decoded("dtend") - start == datetime.timedelta(hours=3)
    assert "Working party, 3rd meeting" in str(event["summary"])
    assert "2. Checklist" in str(event["description"])
    assert str(event["location"]) == "Brussels, LX46 room 3"


def test_the_invitation_reaches_each_member_in_their_language_with_the_calendar_file(
    cast, working_party, smtp_server
):
    cast.de_officer.language = "fr"
    cast.de_officer.save()
    cast.fr_officer.language = "en"
    cast.fr_officer.save()
    meeting, invited = meeting_called(cast.fr_admin, working_party)
    assert {u.username for u in invited} == {"fr_admin", "fr_officer", "de_officer", "be_ncp"}
    assert Invitation.objects.filter(meeting=meeting).count() == 4
    assert Notification.objects.filter(recipient=cast.de_officer, object_id=meeting.pk).exists()
    rows = EmailDelivery.objects.filter(key__startswith=f"workspaces:meeting:{meeting.pk}:")
    emails_deliver([row.pk for row in rows])
    messages = {m["To"]: m for m in smtp_server.wait_for(4)}
    french = messages[cast.de_officer.email]
    english = messages[cast.fr_officer.email]
    from email.header import decode_header, make_header

    def subject(message) -> str:
        return " ".join(str(make_header(decode_header(message["Subject"]))).split())

    assert "Invitation: Meeting of Return working party FR-DE" in subject(english)
    assert "Invitation : Réunion de Return working party FR-DE" in subject(french)

    def parts(message):
        return {part.get_content_type(): part for part in message.walk()}

    assert "You are invited" in parts(english)["text/plain"].get_payload(decode=True).decode()
    assert "Vous êtes invité" in parts(french)["text/plain"].get_payload(decode=True).decode()
    for message in (french, english):
        ics = parts(message)["text/calendar"].get_payload(decode=True)
        (event,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
        assert event.decoded("dtstart") == meeting.starts_at


def test_replies_and_minutes(cast, working_party):
    meeting, _ = meeting_called(cast.fr_admin, working_party)
    client = verified_client(cast.de_officer)
    url = reverse("workspaces:meeting_reply", args=[meeting.pk])
    client.post(url, {"reply": Reply.DELEGATE, "delegate": ""})
    assert Invitation.objects.get(meeting=meeting, user=cast.de_officer).reply == Reply.PENDING
    client.post(url, {"reply": Reply.DELEGATE, "delegate": "K. Braun, Bundespolizei"})
    invitation = Invitation.objects.get(meeting=meeting, user=cast.de_officer)
    assert (invitation.reply, invitation.delegate) == (Reply.DELEGATE, "K. Braun, Bundespolizei")
    assert verified_client(cast.nl_ncp).post(url, {"reply": Reply.ATTENDING}).status_code == 404
    minutes = reverse("workspaces:meeting_minutes", args=[meeting.pk])
    admin = verified_client(cast.fr_admin)
    admin.post(minutes, {"minutes": "Too early"})
    meeting.refresh_from_db()
    assert meeting.minutes == ""
    assert client.post(minutes, {"minutes": "Not mine"}).status_code == 403
    type(meeting).objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=4),
        ends_at=timezone.now() - datetime.timedelta(hours=1),
    )
    admin.post(minutes, {"minutes": "The checklist was agreed."})
    meeting.refresh_from_db()
    assert meeting.minutes == "The checklist was agreed." and meeting.minutes_at


def test_the_feed_address_is_secret_and_revocable(cast, working_party):
    meeting, _ = meeting_called(cast.fr_admin, working_party)
    client = verified_client(cast.be_ncp)
    client.post(reverse("workspaces:feed_create"))
    token = CalendarFeed.objects.get(user=cast.be_ncp).token
    anonymous = verified_client(cast.nl_ncp)
    anonymous.logout()
    response = anonymous.get(reverse("workspaces:feed", args=[token]))
    assert response.status_code == 200
    (event,) = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert meeting.title in str(event["summary"])
    assert anonymous.get(reverse("workspaces:feed", args=["x" + token])).status_code == 404
    client.post(reverse("workspaces:feed_revoke"))
    assert anonymous.get(reverse("workspaces:feed", args=[token])).status_code == 404


def test_the_calendar_page_gathers_group_meetings_and_return_operations(cast, working_party):
    from tests.items import return_operation_in_stage

    meeting, _ = meeting_called(cast.fr_admin, working_party)
    operation = return_operation_in_stage(
        author=cast.fr_officer,
        manager=cast.fr_ncp,
        stage="published",
        participant=cast.be_ncp,
        offered=("BE",),
    )
    start = min(meeting.local_start.date(), operation.departure_date) - datetime.timedelta(days=1)
    url = reverse("workspaces:calendar") + f"?from={start:%Y-%m-%d}"
    seen = verified_client(cast.be_ncp).get(url).content.decode()
    assert meeting.title in seen and operation.code in seen
    outsider = verified_client(cast.nl_ncp).get(url).content.decode()
    assert meeting.title not in outsider


def test_the_groups_managers_name_who_adds_without_reading_the_group(cast, working_party):
    url = reverse("workspaces:contributors", args=[working_party.pk])
    commission = verified_client(cast.commission_admin)
    assert commission.get(url).status_code == 200
    commission.post(url, {"user": cast.de_officer.pk})
    assert services.may_add(cast.de_officer, working_party)
    # Managing the group is not reading it.
    assert commission.get(reverse("workspaces:group", args=[working_party.pk])).status_code == 404
    assert verified_client(cast.de_officer).post(url, {"user": cast.be_ncp.pk}).status_code == 403
    assert verified_client(cast.nl_ncp).get(url).status_code == 404
    commission.post(url, {"user": cast.de_officer.pk, "remove": "1"})
    assert not services.may_add(cast.de_officer, working_party)


def group_patterns() -> list[tuple[str, list[str]]]:
    """Every page of the workspaces that takes a group (and perhaps a folder), with its
    keywords, from the resolver: a new page of a group is covered the day it exists."""
    from django.urls import get_resolver

    workspaces = get_resolver().namespace_dict["workspaces"][1]
    return sorted(
        (f"workspaces:{name}", sorted(entries[0][3]))
        for name, entries in workspaces.reverse_dict.lists()
        if isinstance(name, str) and entries and "group_pk" in entries[0][3]
    )


def test_every_page_of_a_group_is_hidden_from_those_outside_it(cast, working_party):
    from workspaces.models import Folder

    folder = Folder.objects.create(group=working_party, name="Agendas", created_by=cast.fr_admin)
    patterns = group_patterns()
    assert {"workspaces:group", "workspaces:folder", "workspaces:contributors"} <= {
        name for name, _k in patterns
    }
    before = Folder.objects.count()
    for name, keywords in patterns:
        kwargs = {"group_pk": working_party.pk}
        if "folder_pk" in keywords:
            kwargs["folder_pk"] = folder.pk
        url = reverse(name, kwargs=kwargs)
        for outsider in (cast.nl_ncp, cast.fr_no_area):
            client = verified_client(outsider)
            # 405 for the method a page does not take, whoever asks; 404 for the other.
            answers = {
                client.get(url).status_code,
                client.post(url, {"name": "Taken", "title": "Taken"}).status_code,
            }
            assert 404 in answers and answers <= {404, 405}, (name, outsider, answers)
        # A member of the group is answered (a page, or a refusal to one who may not add).
        member = verified_client(cast.de_officer).get(url)
        assert member.status_code in (200, 403, 405), (name, member.status_code)
    assert Folder.objects.count() == before


def test_a_refused_document_is_shown_again_with_what_was_typed_and_why(cast, working_party):
    from workspaces.models import LibraryDocument

    adder = verified_client(cast.fr_admin)
    url = reverse("workspaces:document_create", args=[working_party.pk])
    answer = adder.post(
        url,
        {"title": "Minutes of the 4th meeting", "description": "Draft for comments", "note": ""},
    )
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "Minutes of the 4th meeting" in page and "Draft for comments" in page
    assert "This field is required." in page
    assert not LibraryDocument.objects.filter(title="Minutes of the 4th meeting").exists()
    # Written in French, the document is searched with French stemming.
    adder.post(
        url,
        {
            "title": "Procès-verbal",
            "description": "",
            "language": "fr",
            "marking": "AMBER",
            "file": upload("pv.png"),
            "note": "",
        },
    )
    assert LibraryDocument.objects.get(title="Procès-verbal").language == "fr"


def test_search_finds_the_text_of_a_pdf_version_for_members_only(
    cast, working_party, library_document
):
    from weasyprint import HTML

    pdf = HTML(string="<p>Embarkation timetable for the charter to Lagos</p>").write_pdf()
    assert search(cast.be_ncp, SearchFilters(text="embarkation timetable")).total == 0
    services.version_add(
        actor=cast.fr_admin,
        document=library_document,
        upload=upload("timetable.pdf", pdf, "application/pdf"),
        note="Timetable",
    )
    found = search(cast.be_ncp, SearchFilters(text="embarkation timetable"))
    assert found.total == 1
    assert search(cast.nl_ncp, SearchFilters(text="embarkation timetable")).total == 0
    # The text is the latest version's: an image after it has none.
    services.version_add(actor=cast.fr_admin, document=library_document, upload=upload())
    assert search(cast.be_ncp, SearchFilters(text="embarkation timetable")).total == 0


def test_a_folders_subscribers_are_told_of_a_new_version_while_they_are_members(
    cast, working_party, library_document, django_capture_on_commit_callbacks
):
    from workspaces.models import Folder

    folder = Folder.objects.create(group=working_party, name="Minutes", created_by=cast.fr_admin)
    library_document.folder = folder
    library_document.save(update_fields=["folder"])
    url = reverse("workspaces:folder_subscribe", args=[working_party.pk, folder.pk])
    for member in (cast.de_officer, cast.be_ncp):
        verified_client(member).post(url, {"subscribed": "1"})
    # Someone outside the group cannot subscribe (nor learn that the folder exists).
    assert verified_client(cast.nl_ncp).post(url, {"subscribed": "1"}).status_code == 404
    page = verified_client(cast.de_officer).get(
        reverse("workspaces:folder", args=[working_party.pk, folder.pk])
    )
    assert "Stop telling me" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.version_add(
            actor=cast.fr_admin, document=library_document, upload=upload(), note="Corrected"
        )
    told = set(
        Notification.objects.filter(title__contains="New version 2").values_list(
            "recipient", flat=True
        )
    )
    assert told == {cast.de_officer.pk, cast.be_ncp.pk}
    # Unsubscribed, no longer told.
    verified_client(cast.de_officer).post(url, {"subscribed": "0"})
    with django_capture_on_commit_callbacks(execute=True):
        services.version_add(actor=cast.fr_admin, document=library_document, upload=upload())
    told = set(
        Notification.objects.filter(title__contains="New version 3").values_list(
            "recipient", flat=True
        )
    )
    assert told == {cast.be_ncp.pk}
