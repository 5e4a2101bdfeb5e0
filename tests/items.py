"""Making shared items of any installed type in tests (and in the benchmark).

`item_make` writes an item as the sharing services leave it, without going through an area's
own forms, so that the same code serves every item type in the permission matrix. Area
tests that need specific fields pass them as keyword arguments.
"""

from django.db import models
from django.utils import timezone

from iconet.models import DisclosureRequest, State
from iconet.registry import shared_item_models
from iconet.services.sharing import grants_sync


def required_values(model) -> dict:
    """Plausible values for the required fields the sharing core does not set itself."""
    values = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.null or field.has_default() or field.name in (
            "owner", "author", "state", "audience", "marking", "created_at", "updated_at", "published_at",
        ) or getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        if field.choices:
            values[field.name] = field.choices[0][0]
        elif isinstance(field, models.ForeignKey):
            values[field.name] = field.related_model.objects.order_by("pk").first()
        elif isinstance(field, (models.IntegerField, models.DecimalField, models.FloatField)):
            values[field.name] = 1
        elif isinstance(field, models.DateTimeField):
            values[field.name] = timezone.now()
        elif isinstance(field, models.DateField):
            values[field.name] = timezone.now().date()
        elif isinstance(field, models.BooleanField):
            values[field.name] = False
        elif field.get_internal_type() == "ArrayField":
            values[field.name] = []
        elif isinstance(field, (models.CharField, models.TextField)):
            values[field.name] = "" if field.blank else f"Test {field.verbose_name}"[: field.max_length or 200]
    return values


def _ilo_report_defaults() -> dict:
    from iconet.models import Role, User
    from ilo_reports.models import Network

    network = Network.objects.filter(host_country="TR").first()
    if network is None:
        network = Network.objects.create(name="Türkiye", host_country="TR")
        # The network's members are the liaison officers posted in its host country.
        network.access_group.members.set(User.objects.filter(role=Role.ILO, host_country="TR"))
    return {"network": network, "semester": "2026-S1"}


def _attachment_children(item) -> None:
    from tests.files import attachment_make

    attachment_make(item)


def _attachment_pages(item) -> list[tuple[str, str]]:
    from tests.files import attachment_url

    return [(attachment_url(a), "read") for a in item.attachments.all()]


def _alert_pages(alert) -> list[tuple[str, str]]:
    from django.urls import reverse

    deliveries = reverse("alerts:deliveries", args=[alert.pk])
    return _attachment_pages(alert) + [(deliveries, "deliveries")]


# Child rows that show an item's content (attachments), made with `with_children=True`, and
# the pages of an item type beyond the shared ones, each with the action it needs.
TYPE_CHILDREN = {
    "alerts.alert": _attachment_children, "ilo_reports.iloreport": _attachment_children,
}
TYPE_PAGES = {"alerts.alert": _alert_pages, "ilo_reports.iloreport": _attachment_pages}

# Field values that an item type needs to make sense, beyond the generic ones.
TYPE_DEFAULTS = {
    "ilo_reports.iloreport": _ilo_report_defaults,
}


def item_make(type_slug: str, *, author, state=State.PUBLISHED, audience="network", groups=(), marking="AMBER",
              with_children=False, **fields):
    model = shared_item_models()[type_slug]
    defaults = TYPE_DEFAULTS[type_slug]() if type_slug in TYPE_DEFAULTS else {}
    item = model(**{**required_values(model), **defaults, **fields})
    item.owner_id = author.organisation_id
    item.author = author
    item.state = state
    item.audience = audience
    item.marking = marking
    if state != State.DRAFT:
        item.published_at = timezone.now()
    item.save()
    if groups:
        item.audience_groups.set(groups)
    grants_sync(item)
    if with_children and type_slug in TYPE_CHILDREN:
        TYPE_CHILDREN[type_slug](item)
    return item


def disclosure_approve(item, *, decided_by, requested_by, **target) -> DisclosureRequest:
    """An approved disclosure, as the owner's decision leaves it."""
    from django.contrib.contenttypes.models import ContentType

    request = DisclosureRequest.objects.create(
        content_type=ContentType.objects.get_for_model(type(item)), object_id=item.pk, owner_id=item.owner_id,
        requested_by=requested_by, requester_organisation_id=requested_by.organisation_id,
        purpose="Joint analysis", status=DisclosureRequest.Status.APPROVED, decided_by=decided_by,
        decided_at=timezone.now(), **target,
    )
    grants_sync(item)
    return request
