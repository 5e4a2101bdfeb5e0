"""The API against its own OpenAPI schema: answers of every type's list and read conform to
it, and hostile values in every declared query parameter and body field give a 4xx, never a
500."""

import json

import pytest
from django.urls import reverse
from jsonschema import Draft202012Validator

from iconet.api.declaration import api_types
from iconet.api.docs import api_schema
from tests.api.conftest import api, api_key_make
from tests.items import item_make

pytestmark = pytest.mark.django_db

HOSTILE = ["", "abc", "-1", "99999999999999", "x" * 2000, "../../etc", "ünïcødé ☃", None, [], {}]


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


@pytest.mark.parametrize("api_type", api_types(), ids=lambda t: t.slug)
def test_hostile_parameters_and_bodies_never_crash(cast, api_type):
    spec = api_schema()
    base = f"/api/v1/{api_type.path}/"
    _c, key = api_key_make(cast.fr_officer.organisation)
    client = api(key)
    crashed = []
    for parameter in spec["paths"][base]["get"].get("parameters", []):
        for value in HOSTILE:
            if isinstance(value, str):
                status = client.get(base, {parameter["name"]: value}).status_code
                if status >= 500:
                    crashed.append((parameter["name"], value[:20], status))
    if "post" in spec["paths"][base]:
        item = item_make(api_type.slug, author=cast.fr_ncp, state="draft")
        detail = reverse(f"api:{api_type.slug}-detail", args=[item.pk])
        body_schema = spec["paths"][base]["post"]["requestBody"]["content"]["application/json"]
        ref = body_schema["schema"]["$ref"].rpartition("/")[2]
        for field in spec["components"]["schemas"][ref]["properties"]:
            for value in HOSTILE:
                body = json.dumps({field: value})
                for method, url in (("post", base), ("patch", detail)):
                    response = getattr(client, method)(url, body, content_type="application/json")
                    if response.status_code >= 500:
                        crashed.append((method, field, str(value)[:20], response.status_code))
    for body in ("not json", "[1, 2]", '"text"', "null"):
        response = client.post(base, body, content_type="application/json")
        if response.status_code >= 500:
            crashed.append(("body", body, response.status_code))
    assert crashed == []
