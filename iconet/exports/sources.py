"""CSV and PDF exports of the lists a user may see, built once for every list.

An export reads its rows from an **export source**: a named queryset-builder
``rows(user, params) -> rows`` that returns, for the user who asks and a list's query
parameters (a ``QueryDict``), exactly the rows the page shows. The rows are a queryset or a
sequence of shared items; the builder is called again when the file is produced (at once, or
later by the worker for a large export), so what goes in the file is what that user may see
at that moment.

Every list page of every registered item type is a source already: its name is the type's
``list_url`` (``"alerts:list"``), and its builder is the list view's own ``get_queryset``
(``Model.objects.visible_to(user)``, then the view's filter form, then whatever the view adds
to show its columns), run on a request made of the user and the parameters. The columns a list
shows beyond the shared ones are named by the view's ``export_fields``.

Another page offers the same exports by registering its source once, from its
``AppConfig.ready``, and handing the offer to its template; the search page does so
(iconet.apps, iconet.search.views)::

    from .sources import ExportSource, export_source_register

    export_source_register(ExportSource(
        name="search",                       # the page's URL name: the export's way back
        label=_("Search results"),
        rows=search_export_rows,             # (user, params) -> rows, visible_to inside
        show_type=True,                      # rows of several item types: say which
    ))

    # in the view
    context["export"] = export_offer(request, "search")
    # in the template
    {% include "partials/export_buttons.html" %}

The shared columns are reference, title, (type,) the source's ``fields``, state, marking,
owner and the dates, in the portal's formats and Brussels time. The file states the highest
marking of its rows: the CSV after its rows (its header comes first, and its dates are ISO
8601 for spreadsheets), the PDF on every page with the date, the user
and the page number. Producing, logging and the background jobs are in
``iconet.exports.services``.
"""

from __future__ import annotations

import contextvars
import csv
import datetime
import functools
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, SuspiciousOperation
from django.http import HttpRequest, QueryDict
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import dateformat, formats, timezone, translation
from django.utils.hashable import make_hashable
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from ..models import Marking
from ..sharing.registry import item_types

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    Label = str | _StrPromise

# Highest last: the order in which markings restrict what recipients may do.
MARKING_ORDER = [Marking.CLEAR, Marking.GREEN, Marking.AMBER, Marking.AMBER_STRICT, Marking.RED]
# Query parameters of a list that are not filters.
NOT_FILTERS = frozenset({"page"})
# The longest query string an export keeps (a list's filters are far shorter).
MAX_QUERY_CHARS = 2000


@dataclass(frozen=True)
class ExportSource:
    """A list that can be exported: its name (the page's URL name), its heading, its rows."""

    name: str
    label: Label
    rows: Callable[[Any, QueryDict], Any]
    fields: tuple[str, ...] = ()
    show_type: bool = False

    def back_url(self, params: QueryDict) -> str:
        try:
            url = reverse(self.name)
        except NoReverseMatch:
            return reverse("home")
        query = params.urlencode()
        return f"{url}?{query}" if query else url


_SOURCES: dict[str, ExportSource] = {}


def export_source_register(source: ExportSource) -> ExportSource:
    """Make a page other than an item list exportable (see the module's docstring)."""
    _SOURCES[source.name] = source
    return source


def export_source_unregister(name: str) -> None:
    _SOURCES.pop(name, None)


def _list_view_class(url_name: str):
    from django.views.generic import ListView

    try:
        view = resolve(reverse(url_name)).func
    except (NoReverseMatch, Resolver404):
        return None
    view_class = getattr(view, "view_class", None)
    # An item list (iconet.sharing.views.items.ItemListView, which this module may not import).
    if (
        view_class is None
        or not issubclass(view_class, ListView)
        or not hasattr(view_class, "export_fields")
    ):
        return None
    return view_class


def list_rows(view_class) -> Callable[[Any, QueryDict], Any]:
    """The rows of a list view for a user and its query parameters, as the page reads them."""

    def rows(user, params: QueryDict):
        request = HttpRequest()
        request.method = "GET"
        request.user = user
        request.GET = params
        view = view_class()
        view.setup(request)
        return view.get_queryset()

    return rows


def export_source(name: str) -> ExportSource | None:
    """The source of that name: a registered item type's list, or a registered page."""
    if name in _SOURCES:
        return _SOURCES[name]
    for _area, item_type in item_types():
        if item_type.list_url != name:
            continue
        view_class = _list_view_class(name)
        if view_class is None:
            return None
        model = item_type.model
        return ExportSource(
            name=name,
            label=capfirst(model._meta.verbose_name_plural),
            rows=list_rows(view_class),
            fields=tuple(getattr(view_class, "export_fields", ())),
        )
    return None


def export_params(query: str) -> QueryDict:
    """A list's query string as the export keeps it: its filters, without the page number."""
    params = QueryDict(query[:MAX_QUERY_CHARS], mutable=True)
    # As for the page itself (iconet.middleware): a NUL byte is never meant.
    if any("\x00" in key or any("\x00" in v for v in params.getlist(key)) for key in params):
        raise SuspiciousOperation("NUL byte in an export's filters")
    for name in NOT_FILTERS:
        params.pop(name, None)
    return params


def export_offer(request, name: str) -> dict[str, str] | None:
    """What the shared buttons (partials/export_buttons.html) need on a list page."""
    if export_source(name) is None:
        return None
    return {"source": name, "query": export_params(request.GET.urlencode()).urlencode()}


def rows_count(rows) -> int:
    return rows.count() if hasattr(rows, "count") and hasattr(rows, "iterator") else len(rows)


def rows_iterate(rows) -> Iterable[Any]:
    if hasattr(rows, "iterator"):
        return rows.select_related("owner").iterator(chunk_size=500)
    return iter(rows)


# --- columns ----------------------------------------------------------------------------------


# Set while a file for machines (the CSV) is built: dates and times in ISO 8601, which a
# spreadsheet reads as dates, times in Brussels time with their offset.
_ISO_DATES: contextvars.ContextVar[bool] = contextvars.ContextVar("iso_dates", default=False)


def text(value) -> str:
    """A value as the portal writes it: dates in its format and Brussels time."""
    if value is None or value == "":
        return ""
    if _ISO_DATES.get() and isinstance(value, datetime.date):
        if isinstance(value, datetime.datetime):
            local = timezone.localtime(value, timezone.get_default_timezone())
            return local.isoformat(sep=" ", timespec="seconds")
        return value.isoformat()
    if isinstance(value, datetime.datetime):
        local = timezone.localtime(value, timezone.get_default_timezone())
        return datetime_text(local)
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, (list, tuple, set)):
        return ", ".join(text(v) for v in value)
    name = getattr(value, "name", None)
    if isinstance(name, str) and hasattr(value, "code"):  # a country
        return name
    return str(value)


# Format characters that read the time of day or the time zone (iconet.formats).
TIME_CHARACTERS = frozenset("aAfgGhHisuePTOZIcrU")
# Those that also read the date (an ISO or RFC date, seconds since 1970, summer time).
WHOLE_TIME_CHARACTERS = frozenset("UcrI")


@functools.lru_cache(maxsize=16)
def _datetime_format_split(fmt: str) -> tuple[str, str]:
    """A format cut where it first reads the time: (the date part, the rest)."""
    escaped = False
    for index, character in enumerate(fmt):
        if escaped:
            escaped = False
        elif character == "\\":
            escaped = True
        elif character in TIME_CHARACTERS:
            return fmt[:index], fmt[index:]
    return fmt, ""


@functools.lru_cache(maxsize=4096)
def _date_text(day: datetime.date, fmt: str, language: str) -> str:
    return formats.date_format(day, fmt) if fmt else ""


def datetime_text(local: datetime.datetime) -> str:
    """A local date and time in DATETIME_FORMAT; the date part (its month's name) is made once
    per day and language, since the rows of an export share few days."""
    date_part, time_part = _datetime_format_split(formats.get_format("DATETIME_FORMAT"))
    language = translation.get_language() or ""
    day = _date_text(local.date(), date_part, language)
    if not time_part:
        return day
    if WHOLE_TIME_CHARACTERS.intersection(time_part) or _hour_repeated(local):
        # Django leaves the zone out of the hour that comes twice when summer time ends; the
        # export writes what the page writes.
        return day + dateformat.format(local, time_part)
    # The rest reads the time of day and the zone's name and offset, nothing of the date.
    moment = (
        local.hour,
        local.minute,
        local.second if "s" in time_part else 0,
        local.microsecond if "u" in time_part else 0,
        local.tzname() or "",
        local.utcoffset(),
    )
    return day + _time_text(moment, time_part, language)


def _hour_repeated(local: datetime.datetime) -> bool:
    """True in the hour a change of summer time makes ambiguous (or skips)."""
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


@functools.lru_cache(maxsize=4096)
def _time_text(moment: tuple, fmt: str, language: str) -> str:
    hour, minute, second, microsecond, name, offset = moment
    zone = datetime.timezone(offset, name) if offset is not None else None
    at = datetime.datetime(2000, 1, 1, hour, minute, second, microsecond, tzinfo=zone)
    return dateformat.format(at, fmt)


def field_label(model, name: str) -> str:
    try:
        return str(capfirst(model._meta.get_field(name).verbose_name))
    except Exception:  # noqa: BLE001 - a property: its name is its label
        return capfirst(name.replace("_", " "))


def field_text(item, name: str) -> str:
    display = getattr(item, f"get_{name}_display", None)
    return text(display() if callable(display) else getattr(item, name, None))


@dataclass(frozen=True)
class Column:
    label: str
    value: Callable[[Any], str]


def columns(source: ExportSource, model=None) -> list[Column]:
    """Reference, title, (type,) the source's own fields, state, marking, owner and dates."""
    shared = [
        Column(_("Reference"), lambda item: item.reference),
        Column(_("Title"), lambda item: str(item.title)),
    ]
    if source.show_type:
        shared.append(Column(_("Type"), lambda item: str(capfirst(item._meta.verbose_name))))
    own = [
        Column(field_label(model, name) if model else capfirst(name), _field_getter(name))
        for name in source.fields
    ]
    return (
        shared
        + own
        + [
            Column(_("State"), _field_getter("state")),
            Column(_("Marking"), _field_getter("marking")),
            Column(_("Owner"), lambda item: str(item.owner)),
            Column(_("Created"), lambda item: text(item.created_at)),
            Column(_("Published"), lambda item: text(item.published_at)),
            Column(_("Updated"), lambda item: text(item.updated_at)),
        ]
    )


def _field_getter(name: str) -> Callable[[Any], str]:
    """A column's value of each item: a field with choices shows its label, as
    ``get_<name>_display`` would, from a table of the labels made once per item type (in the
    export's language) instead of once per row (a country field's are the world's)."""
    labels: dict[type, dict | None] = {}

    def value(item) -> str:
        kind = type(item)
        if kind not in labels:
            try:
                found = kind._meta.get_field(name)
            except FieldDoesNotExist:
                found = None
            has_labels = found is not None and found.choices and not found.many_to_many
            labels[kind] = (
                {make_hashable(key): str(label) for key, label in found.flatchoices}
                if has_labels
                else None
            )
        table = labels[kind]
        if table is None:
            return field_text(item, name)
        raw = getattr(item, kind._meta.get_field(name).attname)
        return text(table.get(make_hashable(raw), raw))

    return value


def highest_marking(markings: Iterable[str]) -> str:
    found = [MARKING_ORDER.index(Marking(m)) for m in markings if m in Marking.values]
    return MARKING_ORDER[max(found)].value if found else ""


def marking_label(marking: str) -> str:
    return Marking(marking).label if marking else ""


# --- files ------------------------------------------------------------------------------------


@dataclass
class ExportTable:
    """The rows of an export as text, with what its header and pages say."""

    source: ExportSource
    params: QueryDict
    user: Any
    made_at: datetime.datetime
    headings: list[str]
    rows: list[list[str]]
    marking: str
    # The items in the file, by type slug: what its owner must still be able to read.
    items: dict[str, list[int]] = field(default_factory=dict)

    @property
    def filters(self) -> str:
        return filters_text(self.params)


def filters_text(params: QueryDict) -> str:
    return "; ".join(
        f"{name} = {', '.join(v for v in params.getlist(name))}"
        for name in params
        if any(params.getlist(name))
    )


def table_build(
    source: ExportSource,
    user,
    params: QueryDict,
    rows: Any,
    progress: Callable[[int], None] | None = None,
    iso_dates: bool = False,
) -> ExportTable:
    """The export's rows as text; `progress(n)` is told after each chunk of
    ``EXPORT_CHUNK_ROWS`` rows; `iso_dates` for a file that machines read (the CSV)."""
    token = _ISO_DATES.set(iso_dates)
    try:
        return _table_build(source, user, params, rows, progress)
    finally:
        _ISO_DATES.reset(token)


def _table_build(source, user, params, rows, progress) -> ExportTable:
    model = getattr(rows, "model", None)
    cols = columns(source, model)
    values: list[list[str]] = []
    markings: set[str] = set()
    items: dict[str, list[int]] = {}
    chunk = max(1, settings.EXPORT_CHUNK_ROWS)
    for number, item in enumerate(rows_iterate(rows), start=1):
        values.append([column.value(item) for column in cols])
        markings.add(item.marking)
        items.setdefault(item.type_slug(), []).append(item.pk)
        if progress is not None and number % chunk == 0:
            progress(number)
    return ExportTable(
        source=source,
        params=params,
        user=user,
        made_at=timezone.now(),
        headings=[str(column.label) for column in cols],
        rows=values,
        marking=highest_marking(markings),
        items=items,
    )


def user_text(user) -> str:
    name = user.get_full_name() or user.get_username()
    return f"{name} ({user.organisation})" if getattr(user, "organisation", None) else name


def marking_statement(table: ExportTable) -> str:
    if not table.rows:
        return _("This export is empty: no item of the list matches its filters.")
    return _(
        "%(marking)s: the highest marking of the %(count)s rows exported. "
        "Handle this file accordingly: not to be disclosed to third parties without the "
        "prior authorisation of the owners."
    ) % {"marking": marking_label(table.marking), "count": len(table.rows)}


def formula_safe(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_write(table: ExportTable) -> bytes:
    """The header on the first line, so that a spreadsheet reads the columns; the marking
    and who exported what follow the rows (and the file's name carries the date)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.headings)
    for row in table.rows:
        writer.writerow([formula_safe(value) for value in row])
    writer.writerow([])
    writer.writerow([marking_statement(table)])
    writer.writerow(
        [
            _("%(list)s, exported by %(user)s on %(date)s. Filters: %(filters)s")
            % {
                "list": table.source.label,
                "user": user_text(table.user),
                "date": text(table.made_at),
                "filters": table.filters or _("none"),
            }
        ]
    )
    # With a byte order mark, spreadsheets read the accents of names and places right.
    return buffer.getvalue().encode("utf-8-sig")


def pdf_write(table: ExportTable) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "exports/list_pdf.html",
        {
            "table": table,
            "statement": marking_statement(table),
            "marking": table.marking,
            "marking_label": marking_label(table.marking) or _("No marking (empty export)"),
            "exported_by": user_text(table.user),
            "exported_at": text(table.made_at),
        },
    )
    return HTML(string=html, base_url="/", url_fetcher=static_only_fetcher()).write_pdf()


WRITERS: dict[str, Callable[[ExportTable], bytes]] = {"csv": csv_write, "pdf": pdf_write}
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


def file_name(source: ExportSource, fmt: str, made_at: datetime.datetime) -> str:
    stem = "".join(c if c.isalnum() else "-" for c in source.name).strip("-")
    return f"{stem}-{timezone.localtime(made_at):%Y%m%d-%H%M}.{fmt}"


def sources_listed() -> Sequence[str]:
    """The names of every exportable list (item lists first, then registered pages)."""
    return [item_type.list_url for _area, item_type in item_types()] + list(_SOURCES)


def static_only_fetcher():
    """A WeasyPrint fetcher that reads the portal's own static files from disk and nothing
    else: an export never makes a network request (no request forgery through content)."""
    from urllib.parse import urlparse

    from django.conf import settings
    from django.contrib.staticfiles import finders
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            path = urlparse(url).path
            prefix = "/" + settings.STATIC_URL.lstrip("/")
            found = finders.find(path[len(prefix) :]) if path.startswith(prefix) else None
            if not found:
                raise ValueError(f"exports do not fetch {url}")
            with open(found, "rb") as handle:
                body = handle.read()
            content_type = "text/css" if found.endswith(".css") else "application/octet-stream"
            return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})

    return StaticOnlyFetcher()
