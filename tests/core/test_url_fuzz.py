"""Hostile query parameters never crash a page (issue 8, case 9).

Every named URL pattern, found from the URL resolver (the portal's pages, the sharing pages,
notifications, the administration under /manage/), is requested by signed-in users who passed
the second factor, with each hostile value given to every query parameter the portal's forms
declare and to the names pages commonly read. A page answers 200, a redirect, 400, 403, 404 or
405, never 500, and never shows a traceback.

A last middleware notes which of those names the page's code (its view, forms and templates)
reads. A page that read none of them with the first value (most detail pages, and the pages a
role cannot open) did not depend on the query, so it gets no other value; a page that read
one gets every value in every name, as before. The same code on every page (the header's
search box, the API's content negotiation) is fuzzed in full once per role.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import inspect
import sys

import pytest
from django import forms as django_forms
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.http import QueryDict
from django.urls import NoReverseMatch, reverse
from django.utils.datastructures import MultiValueDict

from iconet.models import DisclosureRequest, Notification, State
from iconet.sharing.services import disclosure_decide, disclosure_request_create
from tests.conftest import verified_client
from tests.core.test_permission_matrix import url_patterns
from tests.items import alert_in_stage, ilo_network_chaired, ilo_report_in_stage

pytestmark = pytest.mark.django_db

HOSTILE_VALUES = [
    "abc",
    "-1",
    "0",
    "99999999999999",
    "",
    "x" * 2000,
    "a\x00b",
    "../../etc/passwd",
    "ünïcødé ☃ 𝔘",
    "0-S1",
    "99999-S2",
    "-1-S1",
]
COMMON_NAMES = {
    "page",
    "from",
    "semester",
    "disclosure",
    "q",
    "sort",
    "next",
    "state",
    "status",
    "o",
    "p",
    "e",
    "acknowledge",
    "all",
    "_changelist_filters",
    "_popup",
    "_to_field",
    "type_slug",
    "format",
}
ROLES = ["fr_ncp", "commission_admin", "ilo_fr_tr"]
# 500s another change fixes (issue 8, case 9); each is also checked, expected to fail, below.
KNOWN = {
    ("sharing:export_pdf", "disclosure"): "issue 8 case 9: a non-numeric disclosure id",
    ("ilo_reports:missing", "semester"): "issue 8 case 9: a semester out of the calendar",
}


def project_form_modules() -> list:
    """The forms modules of the core and of every area app (read from the installed apps, so
    that a new area's forms are fuzzed the day it exists)."""
    from django.apps import apps

    modules = []
    for config in apps.get_app_configs():
        if not config.path.startswith(str(settings.BASE_DIR)) or "site-packages" in config.path:
            continue  # Django's and the libraries' apps
        try:
            modules.append(importlib.import_module(f"{config.name}.forms"))
        except ModuleNotFoundError:
            continue
    return modules


def declared_parameter_names() -> set[str]:
    """Field names of every form the portal defines, and the admin's list filters."""
    from iconet.admin import manage_site

    names = set(COMMON_NAMES)
    for module in project_form_modules():
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, django_forms.BaseForm) and cls.__module__ == module.__name__:
                names |= set(getattr(cls, "base_fields", {}))
    for model_admin in manage_site._registry.values():  # noqa: SLF001 - the site's registry
        for entry in model_admin.list_filter:
            if isinstance(entry, str):
                names |= {f"{entry}__exact", f"{entry}__id__exact", f"{entry}__isnull"}
    return names


@pytest.fixture
def sample(cast, settings, tmp_path):
    """One object of each kind a URL pattern takes, visible to the cast."""
    settings.MEDIA_ROOT = tmp_path
    alert = alert_in_stage(author=cast.fr_officer, manager=cast.fr_ncp, stage=State.PUBLISHED)
    request = disclosure_request_create(
        actor=cast.de_ncp,
        item=alert,
        target_kind="third_party",
        purpose="Joint analysis",
        target_organisation=None,
        target_group=None,
        third_party="Border police of a third country",
    )
    disclosure_decide(actor=cast.fr_ncp, request=request, approve=True, reason="Agreed")
    network = ilo_network_chaired(chairs={"2024-S1": cast.ilo_fr_tr})
    report = ilo_report_in_stage(
        network=network,
        semester="2024-S1",
        chair=cast.ilo_fr_tr,
        member=cast.ilo_de_tr,
        reviewer=cast.commission_admin,
        manager=cast.fr_ncp,
        stage="contributions",
    )
    for user in (getattr(cast, role) for role in ROLES):
        Notification.objects.create(recipient=user, title="Fuzz", url="/")
    return {
        **workspace_sample(cast),
        "alert": alert,
        "disclosure": DisclosureRequest.objects.get(pk=request.pk),
        "network": network,
        "posting": network_posting(network),
        "report": report,
        "contribution": report.contributions.first(),
    }


def workspace_sample(cast) -> dict:
    """A group workspace of France's contact point: a folder, a document, a meeting and a
    calendar address."""
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from tests.factories import AccessGroupFactory
    from tests.files import png_bytes
    from workspaces import services as workspaces
    from workspaces.models import Meeting

    group = AccessGroupFactory(
        name="Fuzzed working party",
        managing_organisation=cast.fr_ncp.organisation,
        organisations=[cast.fr_ncp.organisation],
    )
    folder = workspaces.folder_create(actor=cast.fr_admin, group=group, name="Fuzz", parent=None)
    document = workspaces.document_add(
        actor=cast.fr_admin,
        group=group,
        folder=folder,
        title="Fuzzed document",
        description="",
        marking="AMBER",
        upload=SimpleUploadedFile("v1.png", png_bytes(), "image/png"),
    )
    starts = timezone.now() + datetime.timedelta(days=2)
    meeting, _invited = workspaces.meeting_create(
        actor=cast.fr_admin,
        group=group,
        meeting=Meeting(
            title="Fuzzed meeting",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=1),
            place="Brussels",
        ),
        agenda=[("Opening", document)],
    )
    feed = workspaces.calendar_feed_create(actor=cast.fr_ncp)
    return {
        "group": group,
        "folder": folder,
        "library_document": document,
        "meeting": meeting,
        "feed": feed,
    }


def network_posting(network):
    from ilo_reports.models import Posting

    return Posting.objects.filter(host_country=network.host_country).first()


def pattern_kwargs(name: str, keywords: set[str], sample, user) -> dict | None:
    """Plausible keyword values for a pattern, from the sample objects."""
    from iconet.admin import manage_site

    namespace, _sep, short = name.rpartition(":")
    values = {}
    for key in keywords:
        if key == "type_slug":
            values[key] = sample["alert"].type_slug()
        elif key == "pk":
            if namespace == "ilo_reports":
                if short in ("network", "meeting_add", "compare"):
                    values[key] = sample["network"].pk
                elif short.startswith("posting"):
                    values[key] = sample["posting"].pk
                else:
                    values[key] = sample["report"].pk
            elif (
                namespace == "sharing"
                and short.startswith("disclosure")
                and "type_slug" not in keywords
            ):
                values[key] = sample["disclosure"].pk
            elif namespace == "workspaces":
                document = short == "document" or short.startswith("version")
                values[key] = sample["library_document" if document else "meeting"].pk
            elif short == "notification_open":
                values[key] = Notification.objects.filter(recipient=user).first().pk
            else:
                values[key] = sample["alert"].pk
        elif key == "attachment_pk":
            values[key] = sample["alert"].attachments.first().pk
        elif key == "group_pk":
            values[key] = sample["group"].pk
        elif key == "folder_pk":
            values[key] = sample["folder"].pk
        elif key == "number":
            values[key] = 1
        elif key == "token" and namespace == "workspaces":
            values[key] = sample["feed"].token
        elif key == "contribution_pk":
            values[key] = sample["contribution"].pk
        elif key == "object_id":
            model = next(
                (
                    m
                    for m in manage_site._registry
                    if short.startswith(  # noqa: SLF001
                        f"{m._meta.app_label}_{m._meta.model_name}_"
                    )
                ),
                None,
            )
            first = model.objects.order_by("pk").first() if model else None
            values[key] = str(first.pk) if first else "1"
        elif key == "content_type_id":
            values[key] = ContentType.objects.get_for_model(type(sample["alert"])).pk
        elif key == "app_label":
            values[key] = "iconet"
        elif key == "uidb64":
            values[key] = "MQ"
        elif key == "token":
            values[key] = "set-password"
        else:
            values[key] = "1"
    try:
        return {"url": reverse(name, kwargs=values)}
    except NoReverseMatch:
        return None


# Answers of 500 and above that are a page's meaning, not a crash: /health/background/ answers
# 503 while a component (in most tests, the Celery worker) is down.
MEANT = {"health_ready": {503}, "health_background": {503}}

# How the recorder notes a read of the whole query (iterating it, its items, a copy, its
# urlencode, the raw query string of request.get_full_path): as a read of every name.
EVERY_NAME = "*"
# Reads made by the same code on every page, noted with where they are made (a template, or
# module:function): templates/base.html shows `q` in the header's search box and sends the
# language form back to request.get_full_path(); the API's content negotiation reads `format`
# before anything else. Each is fuzzed in full on the first page of a role that makes it;
# after that, a page making only these reads does not count as reading the query. Any other
# read, in the same template or function too, is the page's own.
SHARED_READS = frozenset(
    {
        ("base.html", "q"),
        ("base.html", EVERY_NAME),
        ("rest_framework.negotiation:select_renderer", "format"),
    }
)
# Frames of the query's own methods and of the recorder, passed over to find who reads.
QUERY_FILES = frozenset(
    {
        __file__,
        inspect.getfile(QueryDict),
        inspect.getfile(MultiValueDict),
    }
)


def where_read() -> str:
    """Where the query is read: the template whose node reads it (a template tag's or a
    form's Python code counts as the template's), else the module:function that asks."""
    from django.template.base import Node

    render = Node.render_annotated.__code__
    caller = ""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code is render:
            origin = getattr(frame.f_locals.get("self"), "origin", None)
            return getattr(origin, "template_name", None) or ""
        if not caller and frame.f_code.co_filename not in QUERY_FILES:
            caller = f"{frame.f_globals.get('__name__')}:{frame.f_code.co_name}"
        frame = frame.f_back
    return caller


class ReadsNoted:
    """A mapping that passes each key read by [] or get() to `_note`."""

    def _note(self, key) -> None:
        raise NotImplementedError

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self._note(key)
        return super().get(key, default)


class QueryReadsNoted(ReadsNoted, QueryDict):
    """request.GET noting (where, name) of each name read into `reads`; a read of the whole
    query (iteration, keys, items, lists, a copy, urlencode, dict, comparison) notes
    EVERY_NAME. Overriding __iter__ also sends dict(query) and **query through keys()."""

    reads: set | None = None  # a copy (QueryDict.copy() makes one of this class) notes nothing

    def _note(self, key) -> None:
        if self.reads is not None:
            self.reads.add((where_read(), key))

    def getlist(self, key, default=None):
        self._note(key)
        return super().getlist(key, default)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)

    __hash__ = None


# Methods of a QueryDict that read all of it.
WHOLE_QUERY_READS = (
    "__iter__",
    "__eq__",
    "__ne__",
    "__or__",
    "__ror__",
    "__repr__",
    "__copy__",
    "__deepcopy__",
    "__reduce_ex__",
    "keys",
    "values",
    "items",
    "lists",
    "copy",
    "dict",
    "urlencode",
)


def whole_read(method):
    @functools.wraps(method)
    def read(self, *args, **kwargs):
        self._note(EVERY_NAME)
        return method(self, *args, **kwargs)

    return read


for _name in WHOLE_QUERY_READS:
    setattr(QueryReadsNoted, _name, whole_read(getattr(QueryDict, _name)))


class MetaReadsNoted(ReadsNoted, dict):
    """request.META (and request.environ) noting a read of the raw query string as a read of
    every name: request.get_full_path() and build_absolute_uri() read it."""

    reads: set | None = None

    def _note(self, key) -> None:
        if key == "QUERY_STRING" and self.reads is not None:
            self.reads.add((where_read(), EVERY_NAME))


class QueryReadsRecorded:
    """The last middleware while fuzzing: from here on (the views' middleware hooks, the view,
    its forms, the rendering of its templates, a streamed body) the query notes each name
    read; the answer carries them as `query_reads`. The middlewares before it (the check for
    NUL bytes reads every value) are the same code on every page and are not noted."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reads = set()
        query = QueryReadsNoted(mutable=True, encoding=request.GET.encoding)
        for key, values in request.GET.lists():
            query.setlist(key, values)
        query._mutable = False
        query.reads = reads
        meta = MetaReadsNoted(request.META)
        meta.reads = reads
        request.GET = query
        request.META = request.environ = meta
        response = self.get_response(request)
        response.query_reads = reads
        return response


@pytest.fixture
def reads_recorded(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.QueryReadsRecorded"]


def names_read(response, names: set[str], passed_over=SHARED_READS) -> set[str]:
    """Which of `names` the page read (all of them after a read of the whole query), leaving
    out the reads in `passed_over`."""
    read = {name for where, name in response.query_reads if (where, name) not in passed_over}
    return set(names) if EVERY_NAME in read else read & set(names)


@dataclasses.dataclass
class FuzzWalk:
    """What one role's walk of the pages has fuzzed in full so far."""

    shared: set = dataclasses.field(default_factory=set)  # of SHARED_READS
    pages: int = 0


def crashed(response, meant) -> bool:
    textual = response.get("Content-Type", "").startswith("text/") and not response.streaming
    body = response.content[:200000] if textual else b""
    return (response.status_code >= 500 and response.status_code not in meant) or (
        b"Traceback" in body
    )


def fuzz_failures(
    client, url: str, names: set[str], meant=frozenset(), walk: FuzzWalk | None = None
) -> list[tuple[str, int]]:
    """(query, status) of every request to `url` that crashed (with reads_recorded).

    The first hostile value goes to every name. If the page read none of them (a page the
    role cannot open, most detail pages), its code did not depend on the query, so no other
    value can take it elsewhere: it is left. Otherwise (or if it made a shared read not yet
    fuzzed in this walk) every other value goes to every name, as the first did."""
    walk = walk or FuzzWalk()
    first, *others = HOSTILE_VALUES
    response = client.get(url, dict.fromkeys(names, first))
    failures = [(first[:20], response.status_code)] if crashed(response, meant) else []
    shared = {read for read in response.query_reads if read in SHARED_READS} - walk.shared
    if not names_read(response, names) and not {name for _where, name in shared} & {
        *names,
        EVERY_NAME,
    }:
        return failures
    for value in others:
        response = client.get(url, dict.fromkeys(names, value))
        if crashed(response, meant):
            failures.append((value[:20], response.status_code))
    walk.shared |= shared
    walk.pages += 1
    return failures


@pytest.mark.parametrize("role", [*ROLES, "technical"])
def test_no_page_answers_500_to_hostile_query_parameters(
    cast, sample, technical_admin, reads_recorded, role
):
    names = declared_parameter_names()
    patterns = sorted(url_patterns())
    failures = []
    requested = 0
    walk = FuzzWalk()
    user = technical_admin if role == "technical" else getattr(cast, role)
    client = verified_client(user)
    client.raise_request_exception = False
    for name, keywords in patterns:
        if name.startswith("manage:") != (role == "technical"):
            continue  # Django's admin is the technical superuser's, and only his
        if name == "sharing:export_pdf" and role != "fr_ncp":
            continue  # rendering PDFs is slow: one role
        built = pattern_kwargs(name, keywords, sample, user)
        if built is None:
            failures.append(f"{name}: no URL could be built for {sorted(keywords)}")
            continue
        requested += 1
        # A known crash is left out here (and checked below), so that it hides no other.
        known = {parameter for pattern, parameter in KNOWN if pattern == name}
        crashed_with = fuzz_failures(
            client, built["url"], names - known, MEANT.get(name, set()), walk
        )
        if crashed_with:
            failures.append(f"{role} {name} {built['url']}: {crashed_with}")
    assert requested > (30 if role == "technical" else 100)
    # The pages that read the query (lists, forms, the administration's) got every value.
    assert walk.pages > (30 if role == "technical" else 15), walk.pages
    assert failures == [], "\n".join(failures)


def pattern_named(name: str):
    """The URLPattern behind a URL name."""
    from django.urls import URLResolver, get_resolver

    namespace, _sep, short = name.rpartition(":")
    patterns = get_resolver().url_patterns
    while namespace:
        head, _sep, namespace = namespace.partition(":")
        patterns = next(
            entry.url_patterns
            for entry in patterns
            if isinstance(entry, URLResolver) and entry.namespace == head
        )
    return next(entry for entry in patterns if getattr(entry, "name", None) == short)


def test_the_recorder_notes_what_a_page_reads(cast, sample, reads_recorded):
    names = declared_parameter_names()
    client = verified_client(cast.fr_ncp)
    client.raise_request_exception = False

    def reads(name: str, passed_over=SHARED_READS) -> set[str]:
        url = pattern_kwargs(name, dict(url_patterns())[name], sample, cast.fr_ncp)["url"]
        return names_read(client.get(url, dict.fromkeys(names, "abc")), names, passed_over)

    assert reads("notifications") == {"page"}  # the view's paginator
    assert "sort" in reads("alerts:list")  # the list's filter form
    assert reads("documents:gallery") == names  # a template's request.GET.urlencode
    assert reads("accounts:security") == set()  # a page that does not read the query
    # ...but its header does, on every page: fuzzed once per walk
    assert reads("accounts:security", passed_over=frozenset()) == names
    # The API's content negotiation reads `format` on every page of the API: once per walk too.
    assert reads("api:alerts.alert-list") == set()
    assert reads("api:alerts.alert-list", passed_over=frozenset()) == {"format"}
    # The known crashes are on parameters their pages read (fuzzed again once fixed).
    for name, parameter in KNOWN:
        if name.startswith("sharing:"):
            assert parameter in reads(name)
    ilo = verified_client(cast.commission_admin)
    ilo.raise_request_exception = False
    url = pattern_kwargs("ilo_reports:missing", set(), sample, cast.commission_admin)["url"]
    assert "semester" in names_read(ilo.get(url, {"semester": "abc"}), names)


def test_a_crash_on_a_later_value_is_found_on_a_page_that_reads_the_query(
    cast, sample, reads_recorded, monkeypatch
):
    """A page that reads nothing gets one request; planting a read of `sort` that crashes
    only on the sixth hostile value (2,000 characters) makes it get them all."""
    names = declared_parameter_names()
    client = verified_client(cast.fr_ncp)
    client.raise_request_exception = False
    url = reverse("accounts:security")
    walk = FuzzWalk(shared=set(SHARED_READS))
    assert fuzz_failures(client, url, names, walk=walk) == []
    assert walk.pages == 0

    pattern = pattern_named("accounts:security")
    view = pattern.callback

    @functools.wraps(view)
    def planted(request, *args, **kwargs):
        if len(request.GET.get("sort", "")) > 1000:
            raise ValueError("a planted crash")
        return view(request, *args, **kwargs)

    monkeypatch.setattr(pattern, "callback", planted)
    assert fuzz_failures(client, url, names, walk=walk) == [("x" * 20, 500)]
    assert walk.pages == 1


@pytest.mark.parametrize("name, parameter", sorted(KNOWN))
def test_known_crashing_parameters_are_fixed(cast, sample, name, parameter):
    client = verified_client(cast.commission_admin if name.startswith("ilo") else cast.de_ncp)
    client.raise_request_exception = False
    url = pattern_kwargs(name, dict(url_patterns())[name], sample, cast.de_ncp)["url"]
    statuses = [client.get(url, {parameter: value}).status_code for value in HOSTILE_VALUES]
    assert max(statuses) < 500, statuses
