"""The portal's one way of writing a date or a time: DATE_FORMAT and DATETIME_FORMAT of the
active language (iconet/formats), times in Brussels time with their zone, on pages, in mails,
in messages and on image marks; files for machines (CSV, JSON) carry ISO 8601."""

import datetime
import zoneinfo

from django.utils import formats, timezone


def date_shown(value) -> str:
    """A date, or the day of a moment in Brussels, as DATE_FORMAT writes it."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return formats.date_format(value, "DATE_FORMAT")


def moment_shown(value: datetime.datetime, zone=None) -> str:
    """A moment in Brussels time (or in `zone`, a time zone or its name, such as a meeting's
    own zone), with its zone, as DATETIME_FORMAT writes it."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if isinstance(zone, str):
        zone = zoneinfo.ZoneInfo(zone)
    return formats.date_format(timezone.localtime(value, zone), "DATETIME_FORMAT")


def shown(value):
    """A value of any kind, with dates and moments written in the one format."""
    if isinstance(value, datetime.datetime):
        return moment_shown(value)
    if isinstance(value, datetime.date):
        return date_shown(value)
    return value
