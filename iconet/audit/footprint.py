"""The footprint of a shared item: everywhere it went, for its owner and the Commission.

One page answers "where is my item now": who can read it and why, who read it, the copies
that hold it (PDFs, downloads, exports), the disclosures and the people told of it. It shows
references, names and dates, never a value of the item, so that the Commission's
administrators may read it for an inquiry without reading the item.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from ..directory.services.directory import is_administrator
from ..models import (
    AccessGroupOrganisation,
    AccessLog,
    DisclosureRequest,
    ExportJob,
    ItemRecipient,
    Notification,
)
from ..sharing.models import CONTENT_FREE_MARKINGS, Audience, SharedItem, State
from ..sharing.registry import item_model_or_404
from ..sharing.services import grants_explained


def footprint_viewer_kind(user, item: SharedItem) -> str | None:
    """ "owner" for a member of the owner organisation who reads the item, "commission" for a
    Commission administrator (who sees the footprint without reading the item), else None."""
    if item.is_owner_member(user) and type(item).objects.visible_to(user).filter(pk=item.pk):
        return "owner"
    organisation = user.organisation if user.organisation_id else None
    if (
        is_administrator(user)
        and user.is_commission_admin
        and organisation is not None
        and organisation.is_active
    ):
        return "commission"
    return None


def footprint_item(*, user, type_slug: str, pk: int) -> tuple[SharedItem, str]:
    """The item whose footprint `user` may see, with the kind of viewer; 403 for a reader of the
    item who may not follow it, 404 for anybody else, alike for an item that does not exist."""
    model = item_model_or_404(type_slug)
    # Read without the visibility filter on purpose: the Commission follows every item's
    # footprint without reading it; `footprint_viewer_kind` decides before anything is shown.
    item = model.objects.select_related("owner").filter(pk=pk).first()
    if item is None:
        raise Http404
    kind = footprint_viewer_kind(user, item)
    if kind is None:
        # A reader who is not of the owner organisation is refused; anybody else finds nothing.
        if type(item).objects.visible_to(user).filter(pk=item.pk).exists():
            raise PermissionDenied
        raise Http404
    return item, kind


@dataclass
class Footprint:
    """Everything the footprint page lists, each a list of plain rows."""

    readers: list[dict]
    reads: list[AccessLog]
    downloads: list[AccessLog]
    exports: list[ExportJob]
    disclosures: list[DisclosureRequest]
    recipients: list[ItemRecipient]
    notifications: list[Notification]
    mails_carry_content: bool


def _group_organisations(access_group_ids) -> dict[int, list[str]]:
    members: dict[int, list[str]] = {}
    rows = AccessGroupOrganisation.objects.filter(
        accessgroup_id__in=access_group_ids
    ).select_related("organisation")
    for row in rows.order_by("organisation__name"):
        members.setdefault(row.accessgroup_id, []).append(str(row.organisation))
    return members


def item_footprint(item: SharedItem) -> Footprint:
    """Gather the item's footprint: grants with their reasons, reads, copies, disclosures and
    the people told, each with whose it is and when."""
    content_type = ContentType.objects.get_for_model(type(item))
    about_item = {"content_type": content_type, "object_id": item.pk}
    readers = grants_explained(item)
    group_ids = [row["access_group_id"] for row in readers if row.get("access_group_id")]
    organisations = _group_organisations(group_ids)
    for row in readers:
        access_group_id = row.get("access_group_id")
        row["organisations"] = organisations.get(access_group_id, []) if access_group_id else []
    log = AccessLog.objects.filter(**about_item).select_related("actor", "organisation")
    exports = (
        ExportJob.objects.filter(items__contains={item.type_slug(): [item.pk]})
        .select_related("owner__organisation")
        .order_by("-created_at")
    )
    return Footprint(
        readers=readers,
        reads=list(log.filter(event=AccessLog.Event.READ)),
        downloads=list(log.filter(event=AccessLog.Event.DOWNLOAD)),
        exports=list(exports),
        disclosures=list(
            DisclosureRequest.objects.filter(**about_item)
            .select_related(
                "requested_by",
                "requester_organisation",
                "decided_by",
                "target_organisation",
                "target_group",
            )
            .order_by("-pk")
        ),
        recipients=list(
            ItemRecipient.objects.filter(**about_item)
            .select_related("user", "organisation", "email")
            .order_by("-notified_at")
        ),
        notifications=list(
            Notification.objects.filter(**about_item)
            .select_related("recipient__organisation")
            .order_by("-created_at")
        ),
        mails_carry_content=item.marking not in CONTENT_FREE_MARKINGS,
    )


def footprint_find(*, user, reference: str) -> SharedItem | None:
    """The item with this reference whose footprint `user` may see, or None: an unknown
    reference and one that is not the user's to follow answer alike."""
    from ..sharing.registry import shared_item_models

    reference = reference.strip()
    if not reference:
        return None
    for model in shared_item_models().values():
        if not model.declaration.reference_prefix:
            continue
        # Read without the visibility filter, like `footprint_item`, and shown only after the
        # same decision.
        lookup = {"reference_code__iexact": reference}
        item = model.objects.filter(**lookup).first()
        if item is not None and footprint_viewer_kind(user, item) is not None:
            return item
    return None


# How wide each audience reaches; a narrowing moves down this order, or keeps fewer groups.
AUDIENCE_WIDTH = {Audience.OWNER: 0, Audience.GROUPS: 1, Audience.NETWORK: 2, Audience.PUBLIC: 3}


def narrowing_validate(item: SharedItem, *, audience: str, groups) -> None:
    """Refuse a choice that would not narrow the item's audience: the footprint's action only
    ever takes readers away (widening goes through the publish page and its checks)."""
    if item.state != State.PUBLISHED:
        raise ValidationError(_("Only a published item's audience can be narrowed."))
    if audience not in AUDIENCE_WIDTH:
        raise ValidationError({"audience": _("Choose who may read it.")})
    if AUDIENCE_WIDTH[Audience(audience)] > AUDIENCE_WIDTH[Audience(item.audience)] or (
        audience == item.audience != Audience.GROUPS
    ):
        raise ValidationError({"audience": _("This would widen the audience, not narrow it.")})
    if audience == Audience.GROUPS:
        chosen = {group.pk for group in groups}
        if not chosen:
            raise ValidationError({"audience_groups": _("Choose at least one access group.")})
        if item.audience == Audience.GROUPS:
            current = set(item.audience_groups.values_list("pk", flat=True))
            if chosen == current:
                raise ValidationError(
                    {"audience_groups": _("Leave out at least one of the groups.")}
                )
            if not chosen <= current:
                raise ValidationError(
                    {"audience_groups": _("Keep only groups that read the item now.")}
                )


def item_copies_withdraw(item: SharedItem) -> int:
    """Remove, unread, every finished export that holds the item and whose owner may no longer
    read all of it; returns how many were withdrawn."""
    from ..exports.services import job_still_readable, job_withdraw

    withdrawn = 0
    jobs = ExportJob.objects.filter(
        state=ExportJob.State.DONE, items__contains={item.type_slug(): [item.pk]}
    ).select_related("owner")
    for job in jobs:
        if not job_still_readable(job) and job_withdraw(job):
            withdrawn += 1
    return withdrawn


def item_narrow(*, actor, item: SharedItem, audience: str, groups=()) -> int:
    """Narrow a published item's audience from its footprint page, then withdraw the copies
    their owners may no longer read; returns how many copies were withdrawn."""
    from ..sharing.services import item_publish

    groups = list(groups)
    narrowing_validate(item, audience=audience, groups=groups)
    item_publish(actor=actor, item=item, audience=audience, marking=item.marking, groups=groups)
    return item_copies_withdraw(item)
