"""The delivery table of any shared item: who was told, delivered, read, acknowledged."""

from django.shortcuts import render

from ..models import Action
from ..sharing.access import get_item_for_action
from ..sharing.registry import item_model_or_404


def item_recipients(request, type_slug: str, pk: int):
    """Per recipient organisation and person: delivered, read, acknowledged, escalated. For the
    owner organisation only (action "deliveries"); out of scope is 404."""
    item = get_item_for_action(item_model_or_404(type_slug), request.user, pk, Action.DELIVERIES)
    rows = item.recipients.select_related("user", "organisation__country", "email", "content_type")
    organisations: dict = {}
    for row in rows:
        entry = organisations.setdefault(
            row.organisation_id,
            {"organisation": row.organisation, "rows": [], "acknowledged": None},
        )
        entry["rows"].append(row)
        if row.acknowledged_at and (
            entry["acknowledged"] is None or row.acknowledged_at < entry["acknowledged"]
        ):
            entry["acknowledged"] = row.acknowledged_at
    escalations = {e.organisation_id: e for e in item.escalations.all()}
    for organisation_id, entry in organisations.items():
        entry["escalation"] = escalations.get(organisation_id)
    return render(
        request,
        "sharing/item_recipients.html",
        {
            "item": item,
            "organisations": list(organisations.values()),
        },
    )
