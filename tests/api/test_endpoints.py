"""The API's permission matrix and canary leak test. Every API endpoint, found from the URL
resolver and from the live OpenAPI schema, is classified here with the client action each of
its methods needs; a new endpoint, or a new method of one, that is not classified fails the
first tests. Every method of every item endpoint is then called with no key (401), with the key
of an organisation that may not see the item (404, the very answer given for an item that does
not exist, with no value of the item in it and nothing changed), with the owner's key lacking
the action it needs (403) and with the owner's full key (answered)."""

import json
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from iconet.api.declaration import api_types
from iconet.api.docs import api_schema
from iconet.api.models import ApiAction
from iconet.models import AccessLog, DisclosureRequest, State
from tests.api.conftest import api, api_key_make
from tests.api.test_reads import CANARY, canary_item
from tests.files import attachment_make
from tests.items import note_image_make

pytestmark = pytest.mark.django_db

# Endpoints about the client itself, answered to any valid key.
CLIENT_ENDPOINTS = {"api:root": {"GET": ApiAction.READ}, "api:me": {"GET": ApiAction.READ}}
# Endpoints of one item type, by the suffix of their name: each method with the client action
# it needs.
ITEM_ENDPOINTS = {
    "list": {"GET": ApiAction.READ, "POST": ApiAction.CREATE},
    "detail": {"GET": ApiAction.READ, "PATCH": ApiAction.CHANGE},
    "publish": {"POST": ApiAction.PUBLISH},
    "disclosures": {"GET": ApiAction.READ, "POST": ApiAction.RESPOND},
    "files": {"GET": ApiAction.READ},
    "attachment": {"GET": ApiAction.READ},
    # Only for the types whose declaration gives them the capability.
    "image": {"GET": ApiAction.READ},
    "acknowledge": {"POST": ApiAction.RESPOND},
    "follow-ups": {"GET": ApiAction.READ, "POST": ApiAction.RESPOND},
}
EVERY_TYPE = {"list", "detail", "publish", "disclosures", "files", "attachment"}


def api_url_names(patterns=None, namespace="") -> list[str]:
    names = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names += api_url_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name and namespace == "api:":
            names.append(f"{namespace}{entry.name}")
    return names


def classify(name: str) -> tuple[str, str] | None:
    """(type slug, endpoint kind) of an item endpoint, ("", "client") for the client's own."""
    if name in CLIENT_ENDPOINTS:
        return "", "client"
    for kind in ITEM_ENDPOINTS:
        slug = name.removeprefix("api:").removesuffix(f"-{kind}")
        if slug in {t.slug for t in api_types()}:
            return slug, kind
    return None


def methods_of(name: str) -> dict[str, str]:
    """The classified methods of an endpoint (a read-only type's list and detail: GET only)."""
    if name in CLIENT_ENDPOINTS:
        return CLIENT_ENDPOINTS[name]
    slug, kind = classify(name)
    methods = ITEM_ENDPOINTS[kind]
    writable = next(t for t in api_types() if t.slug == slug).writable
    if kind in ("list", "detail") and not writable:
        return {"GET": methods["GET"]}
    return methods


def test_every_api_endpoint_is_classified():
    names = api_url_names()
    assert [name for name in names if classify(name) is None] == []
    for api_type in api_types():
        kinds = {classify(name)[1] for name in names if classify(name)[0] == api_type.slug}
        assert EVERY_TYPE <= kinds
        assert ("acknowledge" in kinds) == api_type.acknowledged
        assert ("follow-ups" in kinds) == api_type.follows_up
        assert ("image" in kinds) == api_type.has_images


def test_every_operation_of_the_schema_is_classified():
    """Each path and method of the live schema is a classified endpoint and method, and each
    classified one is in the schema (the root, undocumented, aside)."""
    documented = set()
    for path, operations in api_schema()["paths"].items():
        if not path.startswith("/api/v1/") or path in ("/api/v1/schema/", "/api/v1/docs/"):
            continue
        name = "api:" + resolve(re.sub(r"\{[^}]+\}", "1", path)).url_name
        assert classify(name) is not None, path
        for method in operations:
            assert method.upper() in methods_of(name), (path, method)
            documented.add((name, method.upper()))
    classified = {
        (name, method)
        for name in api_url_names()
        if name != "api:root"
        for method in methods_of(name)
    }
    assert classified == documented


def test_an_unclassified_endpoint_is_reported():
    assert classify("api:alerts.alert-export") is None
    assert classify("api:webhooks") is None


def item_endpoint_methods():
    return [
        (name, *classify(name), method)
        for name in api_url_names()
        if classify(name)[1] != "client"
        for method in methods_of(name)
    ]


def call(client, method, url, body=None):
    if method == "GET":
        return client.get(url)
    return getattr(client, method.lower())(
        url, json.dumps(body or {}), content_type="application/json"
    )


# A body that would do something if it were accepted.
BODIES = {
    "publish": {"audience": "network", "marking": "GREEN"},
    "disclosures": {
        "target_kind": "third_party",
        "third_party": "Border police",
        "purpose": "Risk analysis",
    },
    "follow-ups": {"text": "Seen at the border"},
    "detail": {},
}


def endpoint_url(name, kind, item, file_pk, pk=None):
    if kind == "list":
        return reverse(name)
    pk = item.pk if pk is None else pk
    if kind in ("attachment", "image"):
        return reverse(name, args=[pk, file_pk])
    return reverse(name, args=[pk])


def without_volatile(text: str) -> str:
    """An answer with the request's own id taken out, to compare two 404s."""
    return re.sub(r"[0-9a-f]{32}", "", text)


@pytest.mark.parametrize(("name", "slug", "kind", "method"), item_endpoint_methods())
def test_an_item_endpoint_answers_by_the_rule(cast, name, slug, kind, method):
    item = canary_item(slug, cast.fr_ncp, audience="owner", state=State.PUBLISHED)
    api_type = next(t for t in api_types() if t.slug == slug)
    file_pk = attachment_make(item, name=f"{CANARY}.png").pk
    if kind == "image":
        file_pk = note_image_make(item).pk
    needed = ITEM_ENDPOINTS[kind][method]
    _c, owner_key = api_key_make(cast.fr_officer.organisation)
    _c, lacking_key = api_key_make(
        cast.fr_officer.organisation, actions=[a for a in ApiAction.values if a != needed]
    )
    _c, outsider_key = api_key_make(cast.de_officer.organisation)
    url = endpoint_url(name, kind, item, file_pk)
    body = BODIES.get(kind, {})
    logged_before = AccessLog.objects.filter(object_id=item.pk).count()

    assert call(Client(), method, url, body).status_code == 401

    outsider = call(api(outsider_key), method, url, body)
    assert CANARY not in outsider.content.decode()
    assert item.reference not in outsider.content.decode()
    if kind != "list":
        assert outsider.status_code == 404, outsider.content
        missing = call(api(outsider_key), method, endpoint_url(name, kind, item, file_pk, 10**9))
        assert without_volatile(outsider.content.decode()) == without_volatile(
            missing.content.decode()
        )
    # Nothing of the outsider's request touched the item or reached its owner's log.
    item.refresh_from_db()
    assert item.audience == "owner" and item.state == State.PUBLISHED
    assert not DisclosureRequest.objects.filter(object_id=item.pk).exists()
    if api_type.follows_up:
        assert not getattr(item, api_type.item_type.follow_ups).exists()
    assert AccessLog.objects.filter(object_id=item.pk).count() == logged_before

    lacking = call(api(lacking_key), method, url, body)
    assert lacking.status_code == 403, lacking.content
    assert CANARY not in lacking.content.decode()

    owner = call(api(owner_key), method, url, body)
    assert owner.status_code not in (401, 404, 500), owner.content
    if method == "GET":
        assert owner.status_code == 200


def test_the_client_endpoints_answer_only_a_key(cast):
    _c, key = api_key_make(cast.fr_officer.organisation, areas=["alerts"])
    assert Client().get(reverse("api:me")).status_code == 401
    root = api(key).get(reverse("api:root")).json()
    assert list(root) == ["alerts.alert"]


def test_the_schema_and_its_documentation_are_for_signed_in_users(cast, client_for):
    assert Client().get(reverse("api_docs")).status_code == 302
    assert Client().get(reverse("api_schema")).status_code == 302
    browser = client_for(cast.fr_officer)
    schema = browser.get(reverse("api_schema")).json()
    for api_type in api_types():
        path = f"/api/v1/{api_type.path}/"
        assert "get" in schema["paths"][path]
        assert ("post" in schema["paths"][path]) == api_type.writable
    docs = browser.get(reverse("api_docs"))
    assert docs.status_code == 200
    assert "/api/v1/alerts/alert/{id}/" in docs.content.decode()


def test_the_schema_is_valid_openapi(cast):
    from drf_spectacular.validation import validate_schema

    from iconet.api.docs import api_schema

    validate_schema(api_schema())
