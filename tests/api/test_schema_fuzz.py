"""The API against its own OpenAPI schema: answers of every type's list and read conform to
it, and hostile values in every declared query parameter and body field give a 4xx, never a
500. Beside these hand-picked values, schemathesis generates requests for every operation of
the live schema (valid and invalid ones) and checks each answer: never a server error, never a
body that breaks the schema."""

import json
import re
from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import reverse
from hypothesis import HealthCheck, settings
from jsonschema import Draft202012Validator
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from iconet.api.declaration import api_types, content_serializer
from iconet.api.docs import api_schema
from tests.api.conftest import api, api_key_make
from tests.items import item_make

pytestmark = pytest.mark.django_db

HOSTILE = [
    "",
    "abc",
    "-1",
    "99999999999999",
    "x" * 2000,
    "../../etc",
    "ünïcødé ☃",
    # Times the format allows but the database would not take as they are (found by the fuzz).
    "6403-01-18T20:15:50.8-23:26",
    "9999-12-31T23:59:59-23:59",
    "2026-02-30T00:00:00Z",
    None,
    [],
    {},
]


def nullable_to_jsonschema(node):
    """OpenAPI 3.0's `nullable` as JSON Schema's null type, everywhere in a schema."""
    if isinstance(node, list):
        return [nullable_to_jsonschema(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: nullable_to_jsonschema(v) for k, v in node.items()}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def validator_for(path: str, method: str, status: str) -> Draft202012Validator:
    spec = api_schema()
    response = spec["paths"][path][method]["responses"][status]
    schema = response["content"]["application/json"]["schema"]
    root = {
        **nullable_to_jsonschema(schema),
        "components": nullable_to_jsonschema(spec["components"]),
    }
    return Draft202012Validator(root)


@pytest.mark.parametrize("api_type", api_types(), ids=lambda t: t.slug)
def test_list_and_read_answers_conform_to_the_schema(cast, api_type):
    items = [
        item_make(api_type.slug, author=cast.fr_ncp, audience="network", marking=marking)
        for marking in ("AMBER", "RED", "CLEAR")
    ]
    _c, key = api_key_make(cast.fr_officer.organisation)
    base = f"/api/v1/{api_type.path}/"
    listed = api(key).get(base).json()
    errors = list(validator_for(base, "get", "200").iter_errors(listed))
    assert errors == [], [e.message for e in errors[:3]]
    for item in items:
        read = api(key).get(reverse(f"api:{api_type.slug}-detail", args=[item.pk])).json()
        errors = list(validator_for(base + "{id}/", "get", "200").iter_errors(read))
        assert errors == [], [e.message for e in errors[:3]]


@pytest.fixture
def unthrottled(monkeypatch):
    """The rate limit lifted: over it every request would be a 429 that never reaches the view."""
    from iconet.api.permissions import ClientRateThrottle

    monkeypatch.setattr(ClientRateThrottle, "get_rate", lambda self: "100000/minute")


def shape_split(api_type, fields: list[str], value) -> tuple[list, list, list]:
    """The fields the type's form does not know, those whose shape check refuses `value`, and
    those whose shape check takes it (and whose form then reads it)."""
    form_class = api_type.form_class
    known = form_class.base_fields if form_class is not None else {}
    content = content_serializer(api_type)
    unknown = [f for f in fields if f not in known]
    taken = [f for f in fields if f in known and content(data={f: value}, partial=True).is_valid()]
    refused = [f for f in fields if f in known and f not in taken]
    return unknown, refused, taken


def hostile_bodies(api_type, fields: list[str], value) -> tuple[list[dict], list[dict]]:
    """The POST and PATCH bodies that bring every field with `value` as far as it would go
    alone. A field the form does not know goes alone (its error stops the body before anything
    else is read). A POST gives all the form's fields at once (the shape check collects every
    field's error, and a POST without its required fields never reaches the item's own
    validation either way), then those whose shape takes the value (the form collects every
    field's error). A PATCH gives the fields the shape check refuses at once (it stops there
    for each alone), and each field it takes alone: that change reaches the item's own
    validation, with the item's other values."""
    unknown, refused, taken = shape_split(api_type, fields, value)
    alone = [{f: value} for f in unknown]
    posts, patches = list(alone), list(alone)
    if refused or taken:
        posts.append(dict.fromkeys(refused + taken, value))
    if refused:
        patches.append(dict.fromkeys(refused, value))
    if taken and refused:
        together = dict.fromkeys(taken, value)
        content = content_serializer(api_type)
        if content(data=together, partial=True).is_valid():
            posts.append(together)
        else:
            posts += [{f: value} for f in taken]
    patches += [{f: value} for f in taken]
    return posts, patches


def hostile_requests(spec, api_type, detail: str | None):
    """(method, url, query or JSON body) of every hostile request for the type: each value in
    each list parameter, and in the bodies of `hostile_bodies`."""
    base = f"/api/v1/{api_type.path}/"
    for parameter in spec["paths"][base]["get"].get("parameters", []):
        for value in HOSTILE:
            if isinstance(value, str):
                yield "get", base, {parameter["name"]: value}
    if detail is not None:
        body_schema = spec["paths"][base]["post"]["requestBody"]["content"]["application/json"]
        ref = body_schema["schema"]["$ref"].rpartition("/")[2]
        fields = list(spec["components"]["schemas"][ref]["properties"])
        for value in HOSTILE:
            posts, patches = hostile_bodies(api_type, fields, value)
            for body in posts:
                yield "post", base, json.dumps(body)
            for body in patches:
                yield "patch", detail, json.dumps(body)
    for body in ("not json", "[1, 2]", '"text"', "null"):
        yield "post", base, body


def hostile_answers(client, requests) -> list[tuple]:
    """The requests answered with a server error, or throttled before the view read them."""
    failed = []
    for method, url, data in requests:
        if method == "get":
            response = client.get(url, data)
        else:
            response = getattr(client, method)(url, data, content_type="application/json")
        if response.status_code >= 500 or response.status_code == 429:
            failed.append((method, url, str(data)[:80], response.status_code))
    return failed


@pytest.mark.parametrize("api_type", api_types(), ids=lambda t: t.slug)
def test_hostile_parameters_and_bodies_never_crash(cast, api_type, unthrottled):
    spec = api_schema()
    _c, key = api_key_make(cast.fr_officer.organisation)
    detail = None
    if "post" in spec["paths"][f"/api/v1/{api_type.path}/"]:
        item = item_make(api_type.slug, author=cast.fr_ncp, state="draft")
        detail = reverse(f"api:{api_type.slug}-detail", args=[item.pk])
    assert hostile_answers(api(key), hostile_requests(spec, api_type, detail)) == []


# --- generated by schemathesis from the live schema -------------------------------------------

FUZZED = schemathesis.openapi.from_dict(api_schema())
FUZZED.app = get_wsgi_application()


def type_path_of(path: str) -> str:
    """`alerts/alert` for /api/v1/alerts/alert/{id}/ and the type's other paths."""
    return path.removeprefix("/api/v1/").split("/{")[0].rstrip("/")


@pytest.fixture
def fuzz_world(cast, unthrottled, request):
    """A key of France's organisation with every action, and one item of the operation's type
    that it may see (with an attachment), which half the generated requests address instead of
    a random id; the rate limit is lifted for the run."""
    from tests.files import attachment_make

    # The requests go through the WSGI handler in the test's transaction: as Django's test
    # client does, neither the start nor the end of a request may close the test's connection.
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
        request.addfinalizer(lambda signal=signal: signal.connect(close_old_connections))
    _c, key = api_key_make(cast.fr_officer.organisation)
    # Only the operation's own type: the test node is named after it ("[PATCH /api/v1/...]").
    operation_path = request.node.name.rpartition(" ")[2].rstrip("]")
    items, files = {}, {}
    for api_type in api_types():
        if api_type.path == type_path_of(operation_path):
            item = item_make(api_type.slug, author=cast.fr_ncp, audience="network")
            items[api_type.path] = item.pk
            files[api_type.path] = attachment_make(item).pk
    return {"key": key, "items": items, "files": files, "enum_cases": Counter()}


# The coverage phase sends one body per member of each enumeration: a field of countries makes
# 250 bodies that take the same path through the same choice field. Of a long enumeration, the
# first members and every 25th reach the API; short ones (up to 8 members) reach it whole.
ENUM_CASE = re.compile(r"Object with valid '(?P<field>[^']+)' value: (Single-item array: )?Enum")
ENUM_CASES_KEPT = 8
ENUM_CASES_EVERY = 25


def enum_case_skipped(case, counts: Counter) -> bool:
    phase = case.meta.phase if case.meta else None
    match = ENUM_CASE.match(getattr(getattr(phase, "data", None), "description", None) or "")
    if match is None:
        return False
    seen = counts[match["field"]]
    counts[match["field"]] += 1
    return seen >= ENUM_CASES_KEPT and seen % ENUM_CASES_EVERY != 0


def is_even_id(value) -> bool:
    # Generated ids come as numbers, the coverage phase's as text.
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return isinstance(value, int) and not isinstance(value, bool) and value % 2 == 0


@FUZZED.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_generated_requests_never_crash_nor_break_the_schema(case, fuzz_world):
    if enum_case_skipped(case, fuzz_world["enum_cases"]):
        return
    type_path = type_path_of(case.path)
    parameters = case.path_parameters or {}
    if "id" in parameters and type_path in fuzz_world["items"]:
        # Half the requests reach a real item (and its file), the others a random one.
        if is_even_id(parameters["id"]):
            parameters["id"] = fuzz_world["items"][type_path]
            if "file_pk" in parameters:
                parameters["file_pk"] = fuzz_world["files"][type_path]
    response = case.call(headers={"Authorization": f"Bearer {fuzz_world['key']}"})
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
