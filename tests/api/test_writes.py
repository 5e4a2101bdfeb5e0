"""Writes through the API, generated over every item type that declares its form: a draft made
and changed through the same form and services as the pages, publication through the core's
service, field errors as JSON, the client's actions, idempotency keys and the rate limit."""

import json

import pytest
from django import forms
from django.urls import reverse

from iconet.api.declaration import api_types
from iconet.models import Action, State
from iconet.sharing.registry import shared_item_models
from tests.api.conftest import api, api_key_make
from tests.items import item_make

pytestmark = pytest.mark.django_db

WRITABLE = [t.slug for t in api_types() if t.writable]


def post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def patch(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")


def content_of(cast, slug):
    """A valid body for a new item of the type: what the API shows of one made as the pages
    leave it."""
    model_item = item_make(slug, author=cast.fr_ncp, state=State.DRAFT)
    _c, key = api_key_make(cast.fr_officer.organisation)
    response = api(key).get(reverse(f"api:{slug}-detail", args=[model_item.pk]))
    body = response.json()["content"]
    # A required choice that the generic item left empty gets its first value.
    form = next(t for t in api_types() if t.slug == slug).form_class(user=cast.fr_ncp)
    for name, field in form.fields.items():
        if not field.required or body.get(name) not in (None, "", []):
            continue
        if isinstance(field, forms.ModelMultipleChoiceField):
            body[name] = [field.queryset.first().pk]
        elif isinstance(field, forms.MultipleChoiceField):
            body[name] = [next(v for v, _label in field.choices if v)]
        elif isinstance(field, forms.ChoiceField):
            body[name] = next(v for v, _label in field.choices if v)
    return body


def test_every_type_with_a_form_is_writable():
    assert len(WRITABLE) >= 4
    assert {t.slug for t in api_types()} == set(shared_item_models())


@pytest.mark.parametrize("slug", WRITABLE)
def test_a_draft_is_made_changed_and_published_like_on_the_pages(cast, slug):
    body = content_of(cast, slug)
    _c, key = api_key_make(cast.fr_officer.organisation)
    client = api(key)
    made = post(client, reverse(f"api:{slug}-list"), body)
    assert made.status_code == 201, made.content
    created = made.json()
    assert created["state"] == State.DRAFT
    item = shared_item_models()[slug].objects.get(pk=created["id"])
    assert item.owner_id == cast.fr_officer.organisation.pk
    assert created["reference"] == item.reference

    # Another organisation does not find the draft; a change with a bad value says what is wrong.
    _c, de_key = api_key_make(cast.de_officer.organisation)
    assert patch(api(de_key), created["url"], {}).status_code == 404
    assert api(de_key).get(created["url"]).status_code == 404
    unknown = patch(client, created["url"], {"no_such_field": 1})
    assert unknown.status_code == 400 and "no_such_field" in unknown.json()["errors"]
    changed = patch(client, created["url"], {})
    assert changed.status_code == 200, changed.content

    publish = reverse(f"api:{slug}-publish", args=[item.pk])
    published = post(client, publish, {"audience": "network", "marking": "GREEN"})
    if item.allows(cast.fr_ncp, Action.PUBLISH):
        assert published.status_code == 200, published.content
        assert published.json()["state"] == State.PUBLISHED
        assert api(de_key).get(created["url"]).status_code == 200
    else:
        assert published.status_code in (400, 403)


@pytest.mark.parametrize("slug", WRITABLE)
def test_a_required_field_left_empty_is_named_in_the_errors(cast, slug):
    body = content_of(cast, slug)
    _c, key = api_key_make(cast.fr_officer.organisation)
    form = next(t for t in api_types() if t.slug == slug).form_class
    required = next(
        name for name, field in form.base_fields.items() if field.required and name in body
    )
    response = post(api(key), reverse(f"api:{slug}-list"), {**body, required: None})
    assert response.status_code == 400
    assert required in response.json()["errors"]


@pytest.mark.parametrize("slug", WRITABLE)
def test_a_read_only_client_may_not_write(cast, slug):
    body = content_of(cast, slug)
    _c, key = api_key_make(cast.fr_officer.organisation, actions=["read"])
    response = post(api(key), reverse(f"api:{slug}-list"), body)
    assert response.status_code == 403
    assert "detail" in response.json()


def test_a_client_may_not_change_what_it_may_only_read(cast):
    item = item_make("alerts.alert", author=cast.fr_ncp, audience="network")
    _c, key = api_key_make(cast.de_officer.organisation)
    url = reverse("api:alerts.alert-detail", args=[item.pk])
    assert patch(api(key), url, {"headline": "Taken over"}).status_code == 403
    publish = reverse("api:alerts.alert-publish", args=[item.pk])
    assert post(api(key), publish, {"audience": "public", "marking": "CLEAR"}).status_code == 403
    item.refresh_from_db()
    assert item.headline != "Taken over" and item.audience == "network"


def test_a_repeated_post_with_its_idempotency_key_makes_one_draft(cast):
    slug = "alerts.alert"
    body = content_of(cast, slug)
    model = shared_item_models()[slug]
    before = model.objects.count()
    _c, key = api_key_make(cast.fr_officer.organisation)
    url = reverse(f"api:{slug}-list")
    first = post(api(key), url, body, HTTP_IDEMPOTENCY_KEY="case-4711")
    again = post(api(key), url, body, HTTP_IDEMPOTENCY_KEY="case-4711")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"]
    assert model.objects.count() == before + 1
    other = post(api(key), url, {**body, "headline": "Other"}, HTTP_IDEMPOTENCY_KEY="case-4711")
    assert other.status_code == 422


def test_over_the_rate_limit_the_answer_is_429_with_retry_after(cast, settings):
    from django.core.cache import cache
    from rest_framework.settings import api_settings

    from iconet.api.permissions import ClientRateThrottle

    client, key = api_key_make(cast.fr_officer.organisation)
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "api_client": "3/minute"}
    original = ClientRateThrottle.THROTTLE_RATES
    ClientRateThrottle.THROTTLE_RATES = rates
    cache.delete(f"throttle_api_client_{client.pk}")
    try:
        answers = [api(key).get("/api/v1/me/") for _ in range(4)]
    finally:
        ClientRateThrottle.THROTTLE_RATES = original
        cache.delete(f"throttle_api_client_{client.pk}")
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[-1]["Retry-After"]) > 0
    assert "detail" in answers[-1].json()
