"""Every API endpoint, found from the URL resolver, is classified here; each class is checked
for who gets what: no key 401, a key of another organisation 404 for an item it may not see
(with no value of the item in the answer), the owner's key 200. A new endpoint that is not
classified fails the first test."""

import json

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from iconet.api.declaration import api_types
from iconet.models import State
from tests.api.conftest import api, api_key_make
from tests.api.test_reads import CANARY, canary_item

pytestmark = pytest.mark.django_db

# Endpoints about the client itself, answered to any valid key.
CLIENT_ENDPOINTS = {"api:root", "api:me"}
# Endpoints of one item type, by the suffix of their name, with the methods they answer.
ITEM_ENDPOINTS = {
    "list": ("GET", "POST"),
    "detail": ("GET", "PATCH"),
    "publish": ("POST",),
    "disclosures": ("GET", "POST"),
    "files": ("GET",),
    "attachment": ("GET",),
    # Only for the types whose declaration gives them the capability.
    "image": ("GET",),
    "acknowledge": ("POST",),
    "follow-ups": ("GET", "POST"),
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


def test_every_api_endpoint_is_classified():
    names = api_url_names()
    assert [name for name in names if classify(name) is None] == []
    for api_type in api_types():
        kinds = {classify(name)[1] for name in names if classify(name)[0] == api_type.slug}
        assert EVERY_TYPE <= kinds
        assert ("acknowledge" in kinds) == api_type.acknowledged
        assert ("follow-ups" in kinds) == api_type.follows_up
        assert ("image" in kinds) == api_type.has_images


def test_an_unclassified_endpoint_is_reported():
    assert classify("api:alerts.alert-export") is None
    assert classify("api:webhooks") is None


def item_endpoints():
    return [(name, *classify(name)) for name in api_url_names() if classify(name)[1] != "client"]


def call(client, method, url, body=None):
    if method == "GET":
        return client.get(url)
    return getattr(client, method.lower())(
        url, json.dumps(body or {}), content_type="application/json"
    )


@pytest.mark.parametrize(("name", "slug", "kind"), item_endpoints())
def test_an_item_endpoint_answers_by_the_rule(cast, name, slug, kind):
    item = canary_item(slug, cast.fr_ncp, audience="owner", state=State.PUBLISHED)
    _c, fr_key = api_key_make(cast.fr_officer.organisation)
    _c, de_key = api_key_make(cast.de_officer.organisation)
    if kind == "list":
        url = reverse(name)
    elif kind in ("attachment", "image"):
        url = reverse(name, args=[item.pk, 1])
    else:
        url = reverse(name, args=[item.pk])
    writable = next(t for t in api_types() if t.slug == slug).writable
    methods = ITEM_ENDPOINTS[kind] if writable or kind not in ("list", "detail") else ("GET",)
    for method in methods:
        assert call(Client(), method, url).status_code == 401
        outsider = call(api(de_key), method, url, {"audience": "network", "marking": "RED"})
        assert CANARY not in outsider.content.decode()
        if kind != "list":
            assert outsider.status_code == 404, (method, outsider.content)
        detail = reverse(f"api:{slug}-detail", args=[item.pk])
        assert call(api(fr_key), "GET", detail).status_code == 200
    item.refresh_from_db()
    assert item.audience == "owner"


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
