"""The portal's calendar: dated events that area apps offer, each read through its own rule.

An area app registers, in its ``AppConfig.ready``, a source ``f(user, start, end)`` giving the
``CalendarEvent`` s between two dates that the user may see (built on ``visible_to(user)``
or the area's own visibility); the calendar page (``workspaces:calendar``) gathers them. The
core names no area."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CalendarEvent:
    """One dated event: a meeting, a flight. `starts` is a date or an aware datetime."""

    title: str
    starts: datetime.date | datetime.datetime
    url: str
    kind: str  # what it is, shown beside it ("Meeting of ...", "Joint return operation")
    ends: datetime.date | datetime.datetime | None = None
    place: str = ""

    @property
    def day(self) -> datetime.date:
        if isinstance(self.starts, datetime.datetime):
            from django.utils import timezone

            return timezone.localtime(self.starts).date()
        return self.starts


CalendarSource = Callable[[Any, datetime.date, datetime.date], Iterable[CalendarEvent]]
_SOURCES: dict[str, CalendarSource] = {}


def calendar_source_register(key: str, source: CalendarSource) -> None:
    """Declare a source of events (once per key)."""
    _SOURCES[key] = source


def calendar_events(user, start: datetime.date, end: datetime.date) -> list[CalendarEvent]:
    """Every event between `start` and `end` (inclusive) that `user` may see, by date."""
    events = [event for source in _SOURCES.values() for event in source(user, start, end)]
    return sorted(events, key=lambda event: (event.day, str(event.starts), event.title))
