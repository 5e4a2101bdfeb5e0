"""iCalendar files of group meetings: one per meeting (sent with the invitation, downloaded
from its page) and the user's feed of every meeting they may see."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

import icalendar
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from iconet.models import CONTENT_FREE_MARKINGS
from iconet.outbox.services.notify import site_url

PRODID = "-//ICONet//Group workspaces//EN"


def meeting_uid(meeting) -> str:
    host = settings.SITE_URL.split("//")[-1].split("/")[0] or "iconet"
    return f"meeting-{meeting.pk}@{host}"


def _event(meeting, method: str) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", timezone.now().astimezone(datetime.UTC))
    event.add("sequence", meeting.sequence)
    event.add("dtstart", meeting.local_start)
    event.add("dtend", meeting.local_end)
    url = site_url(meeting.get_absolute_url())
    event.add("url", url)
    if method == "CANCEL":
        event.add("status", "CANCELLED")
    if meeting.marking in CONTENT_FREE_MARKINGS:
        # What a calendar program shows leaves the portal: a meeting under such a marking
        # carries its time and its address only.
        event.add(
            "summary",
            _("Meeting %(ref)s (%(marking)s)")
            % {
                "ref": meeting.reference,
                "marking": meeting.get_marking_display(),
            },
        )
        event.add("description", url)
        return event
    event.add("summary", f"{meeting.title} ({meeting.get_marking_display()})")
    lines = [f"{item.position}. {item.title}" for item in meeting.agenda.all()]
    if meeting.video_link:
        lines.append(meeting.video_link)
    lines.append(url)
    event.add("description", "\n".join(lines))
    location = meeting.place or meeting.video_link
    if location:
        event.add("location", location)
    return event


def calendar_file(meetings: Iterable, *, method: str = "PUBLISH", name: str = "") -> bytes:
    """An iCalendar file holding the meetings, with the time zones they are given in."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if method == "CANCEL" else "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    for meeting in meetings:
        calendar.add_component(_event(meeting, method))
    calendar.add_missing_timezones()
    return calendar.to_ical()
