"""Administrators manage access; they never read exchanged content (issue 8, case 1).

A canary value is written into every text field of every shared item type and of every model
that belongs to one (found from the app registry, not from a list), and the owner reads,
prints and exports them so that the change log and the access log hold them. Then every page
of the administration site (found from the URL resolver) is opened as the Commission
administrator and as the owner's national administrator: no canary may appear on any.
"""

import re

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.core.files.base import ContentFile
from django.db import models
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from iconet.discussion.services import item_reply_add
from iconet.models import (
    AccessLog,
    Attachment,
    Audience,
    DisclosureRequest,
    Grant,
    ItemReply,
    Marking,
    SharedItem,
    State,
)
from iconet.sharing.services import grants_sync
from tests.files import attachment_make, attachment_url
from tests.items import item_make

pytestmark = pytest.mark.django_db

CANARY = "qzcanary"
LEAK = re.compile(CANARY + r"\d+")


def item_types() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if issubclass(m, SharedItem)]


def child_models() -> dict[type[models.Model], models.Field]:
    """Every model with a foreign-key or one-to-one path to a shared item, with the field that
    leads towards it; disclosure requests (a generic relation) are made separately."""
    found: dict[type[models.Model], models.Field] = {}
    targets = set(item_types())
    changed = True
    while changed:
        changed = False
        for model in apps.get_models():
            if model in found or model in targets:
                continue
            for field in model._meta.concrete_fields:
                if (field.many_to_one or field.one_to_one) and field.related_model in targets | set(
                    found
                ):
                    found[model] = field
                    changed = True
                    break
    return found


def item_model_of(model):
    """The shared item type a child model belongs to, following its links."""
    children = child_models()
    while model in children:
        model = children[model].related_model
    return model


def is_text_field(field) -> bool:
    if not field.editable or field.choices or getattr(field, "remote_field", None):
        return False
    if isinstance(field, ArrayField):
        base = field.base_field
        return (
            isinstance(base, (models.CharField, models.TextField))
            and not base.choices
            and (base.max_length is None or base.max_length >= len(CANARY) + 3)
        )
    if isinstance(field, (models.FileField, models.JSONField, models.TextField)):
        return True
    if isinstance(field, models.CharField) and not isinstance(
        field, (models.EmailField, models.SlugField)
    ):
        return field.max_length is None or field.max_length >= len(CANARY) + 3
    return False


class Canaries:
    """Hands out one canary per (model, field), so that a failure names the field that leaked."""

    def __init__(self):
        self.fields: dict[str, str] = {}

    def value(self, model, field) -> str:
        value = f"{CANARY}{len(self.fields) + 10}"
        self.fields[value] = f"{model._meta.label}.{field.name}"
        return value

    def fill(self, row) -> None:
        for field in type(row)._meta.concrete_fields:
            if not is_text_field(field):
                continue
            value = self.value(type(row), field)
            if isinstance(field, ArrayField):
                setattr(row, field.name, [value])
            elif isinstance(field, models.FileField):
                getattr(row, field.name).save(
                    f"{value}.txt", ContentFile(b"aggregate figures"), save=False
                )
            elif isinstance(field, models.JSONField):
                setattr(row, field.name, {"1": value})
            else:
                setattr(row, field.name, value)

    def explain(self, text: str) -> list[str]:
        return sorted({f"{m} ({self.fields.get(m, '?')})" for m in LEAK.findall(text)})


def child_make(model, link: models.Field, parent, item, canaries: Canaries):
    row = model()
    for field in model._meta.concrete_fields:
        if (
            field.primary_key
            or field.null
            or getattr(field, "auto_now_add", False)
            or getattr(field, "auto_now", False)
        ):
            continue
        if field is link:
            setattr(row, field.name, parent)
        elif field.many_to_one or field.one_to_one:
            target = field.related_model
            if target is apps.get_model("iconet", "User"):
                value = item.author
            elif target is apps.get_model("iconet", "Organisation"):
                value = item.owner
            elif target is ContentType:
                value = ContentType.objects.get_for_model(type(item))
            else:
                value = target._default_manager.order_by("pk").first()
            setattr(row, field.name, value)
        elif field.choices and not field.has_default():
            setattr(row, field.name, field.choices[0][0])
        elif isinstance(field, models.CharField) and field.max_length and field.max_length < 10:
            setattr(row, field.name, "FR")  # country codes
        elif isinstance(field, (models.IntegerField,)) and not field.has_default():
            setattr(row, field.name, 1)
        elif isinstance(field, models.DateTimeField) and not field.has_default():
            setattr(row, field.name, timezone.now())
        elif isinstance(field, models.DateField) and not field.has_default():
            setattr(row, field.name, timezone.localdate())
    canaries.fill(row)
    row.save()
    return row


@pytest.fixture
def content(cast, settings, tmp_path, client_for):
    """Per item type: a German draft and a German owner-only RED item, each with a canary in
    every text field, a row of every child model, a disclosure request to a third party, an
    update recorded in the change log, and the owner's reads, download and export recorded
    in the access log."""
    settings.MEDIA_ROOT = tmp_path
    canaries = Canaries()
    owner = cast.de_ncp
    owner_client = client_for(owner)
    children = child_models()
    items = []
    for model in item_types():
        for state, audience in ((State.DRAFT, Audience.OWNER), (State.PUBLISHED, Audience.OWNER)):
            item = item_make(
                model.type_slug(), author=owner, state=state, audience=audience, marking=Marking.RED
            )
            canaries.fill(item)
            item.save()  # an update: the change log records every value, before and after
            made = {model: item}
            pending = {c: link for c, link in children.items() if item_model_of(c) is model}
            while pending:  # parents before their children
                for child, link in list(pending.items()):
                    if link.related_model in made:
                        if issubclass(child, Grant):  # made by the sharing service, no text
                            made[child] = child.objects.filter(content_object=item).first()
                        else:
                            made[child] = child_make(
                                child, link, made[link.related_model], item, canaries
                            )
                        del pending[child]
            disclosure = DisclosureRequest(
                content_type=ContentType.objects.get_for_model(model),
                object_id=item.pk,
                owner=item.owner,
                requested_by=owner,
                requester_organisation=owner.organisation,
                target_kind=DisclosureRequest.TargetKind.THIRD_PARTY,
                status=DisclosureRequest.Status.APPROVED,
                decided_by=owner,
                decided_at=timezone.now(),
            )
            canaries.fill(disclosure)
            disclosure.save()
            grants_sync(item)
            slug = model.type_slug()
            assert (
                owner_client.get(reverse("sharing:print", args=[slug, item.pk])).status_code == 200
            )
            if state == State.PUBLISHED:
                export = owner_client.get(
                    reverse("sharing:export_pdf", args=[slug, item.pk])
                    + f"?disclosure={disclosure.pk}"
                )
                assert export.status_code == 200
            field = Attachment._meta.get_field
            name = canaries.value(Attachment, field("original_name")) + ".png"
            attachment = attachment_make(item, name=name)
            attachment.description = canaries.value(Attachment, field("description"))
            attachment.save()
            assert owner_client.get(attachment_url(attachment)).status_code == 200
            if state == State.PUBLISHED:
                reply = item_reply_add(actor=owner, item=item, text="x")
                reply.text = canaries.value(ItemReply, ItemReply._meta.get_field("text"))
                reply.save()
            items.append(item)
    for model in children:
        assert model._default_manager.exists(), f"no row of {model._meta.label}"
    return items, canaries


def admin_urls(user) -> list[str]:
    """Every page of the `manage` site, from the URL resolver: each pattern with every object
    of its model, and the app lists; the object redirect with every row of every model."""
    manage = next(
        p
        for p in get_resolver().url_patterns
        if isinstance(p, URLResolver) and p.namespace == "manage"
    )
    urls = []

    def walk(resolver):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern)
                continue
            name = pattern.name
            if name is None or name == "logout" or name.endswith("_delete"):
                continue  # deleting is refused everywhere (audit rows, deactivation instead)
            keys = set(pattern.pattern.regex.groupindex)
            model_admin = getattr(pattern.callback, "model_admin", None)
            if not keys:
                urls.append(reverse(f"manage:{name}"))
            elif keys == {"app_label"}:
                for label in re.findall(
                    r"\w+", pattern.pattern.regex.pattern.split("app_label>")[1].split(")")[0]
                ):
                    urls.append(reverse(f"manage:{name}", kwargs={"app_label": label}))
            elif keys == {"object_id"} and model_admin is not None:
                for pk in model_admin.model._default_manager.values_list("pk", flat=True):
                    urls.append(reverse(f"manage:{name}", kwargs={"object_id": pk}))
            elif keys == {"content_type_id", "object_id"}:
                for model in [*item_types(), *child_models(), DisclosureRequest]:
                    content_type = ContentType.objects.get_for_model(model)
                    for pk in model._default_manager.values_list("pk", flat=True):
                        kwargs = {"content_type_id": content_type.pk, "object_id": pk}
                        urls.append(reverse(f"manage:{name}", kwargs=kwargs))

    walk(manage)
    return urls


def changelist_urls() -> list[str]:
    return [
        reverse(f"manage:{m._meta.app_label}_{m._meta.model_name}_changelist")
        for m in _registered()
    ]


def _registered():
    from iconet.admin import manage_site

    return list(manage_site._registry)


def test_no_administration_page_shows_exchanged_content(cast, content, client_for, technical_admin):
    items, canaries = content
    user = technical_admin
    # The content is really there, in the change log and the access log, for the walk to find.
    assert (
        LogEntry.objects.filter(changes_text__contains=CANARY).exists()
        or LogEntry.objects.filter(changes__icontains=CANARY).exists()
    )
    assert AccessLog.objects.filter(detail__contains=CANARY).exists()
    client = client_for(user)
    seen: set[str] = set()
    leaks: dict[str, list[str]] = {}
    opened = 0

    def open_page(url, searched=False):
        nonlocal opened
        if url in seen:
            return None
        seen.add(url)
        response = client.get(url)
        opened += 1
        assert response.status_code != 500, url
        text = response.content.decode(errors="replace")
        if searched:
            # The search box and the links keep the term searched for; the results must not.
            if response.status_code == 200 and response.context["cl"].search_fields:
                assert response.context["cl"].result_count == 0, url
        found = canaries.explain(text + response.get("Location", ""))
        if found:
            leaks[url] = found
        return response

    urls = admin_urls(user)
    print(len(urls), "administration URLs")
    for url in urls:
        open_page(url)
    for url in changelist_urls():
        response = open_page(url + f"?q={CANARY}", searched=True)
        listing = client.get(url)
        if listing.status_code == 200:
            # Filters, date hierarchy and sorting links of every list.
            for link in set(re.findall(r'href="(\?[^"]*)"', listing.content.decode())):
                open_page(url + link.replace("&amp;", "&"))
        del response
    assert opened > 50
    assert not leaks, leaks


def test_the_change_log_shows_who_when_which_reference_and_which_fields(
    cast, content, client_for, technical_admin
):
    items, canaries = content
    client = client_for(technical_admin)
    alert = next(i for i in items if i._meta.model_name == "alert" and i.state == State.PUBLISHED)
    entry = LogEntry.objects.get_for_object(alert).filter(action=LogEntry.Action.UPDATE).first()
    page = client.get(reverse("manage:auditlog_logentry_change", args=[entry.pk])).content.decode()
    assert alert.reference in page
    assert "summary" in page and "concealment method" in page  # which fields, by name
    assert not LEAK.search(page)
    # Found by its reference, with the log of the things that belong to it.
    listing = client.get(reverse("manage:auditlog_logentry_changelist") + f"?q={alert.reference}")
    records = {(row.content_type.model, row.object_pk) for row in listing.context["cl"].result_list}
    assert ("alert", str(alert.pk)) in records
    reply = ItemReply.objects.of_item(alert).get()
    assert ("itemreply", str(reply.pk)) in records
    assert not LEAK.search(listing.content.decode())
    # And by the actor's user name.
    by_actor = client.get(
        reverse("manage:iconet_accesslog_changelist") + f"?q={cast.de_ncp.username}"
    )
    assert by_actor.context["cl"].result_count >= 1
    assert not LEAK.search(by_actor.content.decode())


def test_the_access_log_records_the_reference_only(cast, content):
    items, canaries = content
    rows = AccessLog.objects.filter(content_type__isnull=False)
    assert rows.exists()
    assert not rows.filter(object_repr__contains=CANARY).exists()
    assert {row.object_repr for row in rows} <= {item.reference for item in items}


def test_the_object_redirect_does_not_tell_whether_an_item_exists(
    cast, content, client_for, technical_admin
):
    items, canaries = content
    client = client_for(technical_admin)
    for model in [*item_types(), *child_models(), DisclosureRequest]:
        content_type = ContentType.objects.get_for_model(model)
        existing = model._default_manager.values_list("pk", flat=True).first()
        assert existing is not None, model
        for pk in (existing, 987654321):
            response = client.get(reverse("manage:view_on_site", args=[content_type.pk, pk]))
            assert response.status_code == 404, (model, pk)
    # Other rows keep their redirect: an ILO network's page.
    network = apps.get_model("ilo_reports", "Network").objects.first()
    network_type = ContentType.objects.get_for_model(network)
    assert (
        client.get(reverse("manage:view_on_site", args=[network_type.pk, network.pk])).status_code
        == 302
    )
