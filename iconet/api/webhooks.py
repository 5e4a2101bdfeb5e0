"""Signed webhooks: events told to API clients' systems through an outbox of their own.

Each delivery is a POST of JSON with the headers `ICONet-Event-Id` (stable across retries) and
`ICONet-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the endpoint's
secret>`. A receiver recomputes the HMAC and refuses a time more than `REPLAY_WINDOW` away from
its clock, and keeps the event ids it has seen (delivery is at least once)."""

import hashlib
import hmac
import secrets
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Marking
from .models import ApiClient, WebhookDelivery, WebhookEndpoint
from .services import api_client_manageable

REPLAY_WINDOW = timedelta(minutes=5)
TIMEOUT_SECONDS = 10
LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 10
BACKOFF_CAP = timedelta(hours=1)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def signature_valid(secret: str, header: str, body: bytes, *, now: float | None = None) -> bool:
    """What a receiver checks: the HMAC, and a time within the replay window."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > REPLAY_WINDOW.total_seconds():
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header)


@transaction.atomic
def webhook_endpoint_create(
    *, actor, client: ApiClient, url: str, events: list[str], reason: str = ""
):
    """Register an address of the client's system; returns it with its secret, shown once.

    Events leave the portal for it only once a second administrator approves it (a change of
    access, iconet.directory.services.access_changes): until then it is inactive."""
    if not api_client_manageable(actor, client.organisation_id) or client.is_revoked:
        raise PermissionDenied
    endpoint = WebhookEndpoint(
        client=client, url=url, events=events, secret=secrets.token_hex(32), is_active=False
    )
    endpoint.full_clean()
    endpoint.save()
    from ..directory.services.access_changes import webhook_endpoint_request

    events_shown = ", ".join(str(WebhookEndpoint.Event(e).label) for e in endpoint.events)
    webhook_endpoint_request(
        actor=actor,
        endpoint=endpoint,
        reason=reason
        or _("Events (%(events)s) of API client “%(name)s” sent to %(url)s")
        % {"events": events_shown, "name": client.name, "url": url},
    )
    return endpoint, endpoint.secret


@transaction.atomic
def webhook_endpoint_turn_off(*, actor, endpoint: WebhookEndpoint) -> None:
    """Stop every event to the address at once. Less leaves the portal: one administrator of the
    client's organisation decides it alone; a pending approval can no longer turn it on."""
    if not api_client_manageable(actor, endpoint.client.organisation_id):
        raise PermissionDenied
    endpoint.is_active = False
    endpoint.turned_off_at = timezone.now()
    endpoint.save(update_fields=["is_active", "turned_off_at"])


def webhook_endpoint_enable(request) -> None:
    """Apply an approved registration: the requester must still manage the client's
    organisation, and the client must still be live."""
    endpoint = WebhookEndpoint.objects.select_related("client").get(pk=request.payload["endpoint"])
    client = endpoint.client
    if not api_client_manageable(request.requested_by, client.organisation_id):
        raise PermissionDenied
    if client.is_revoked:
        raise ValidationError(_("The API client was revoked."))
    if endpoint.turned_off_at is not None:
        raise ValidationError(_("The webhook endpoint was turned off."))
    endpoint.is_active = True
    endpoint.save(update_fields=["is_active"])


def item_payload(item, account) -> dict | None:
    """What the endpoint's client may read of the item: nothing if it may not see it, the
    reference and marking only for RED."""
    if not type(item).objects.visible_one(account, item.pk):
        return None
    payload = {
        "type": item.type_slug(),
        "id": item.pk,
        "reference": item.reference,
        "marking": item.marking,
    }
    if item.marking != Marking.RED:
        payload.update(title=item.title, state=item.state, owner=item.owner.short_name)
    return payload


def _endpoints(event: str, organisation_ids=None):
    """The active endpoints of live clients told of `event` (of these organisations)."""
    endpoints = WebhookEndpoint.objects.filter(
        is_active=True,
        events__contains=[event],
        client__revoked_at__isnull=True,
        client__expires_at__gt=timezone.now(),
        client__user__is_active=True,
    ).select_related("client__user", "client__organisation")
    if organisation_ids is not None:
        endpoints = endpoints.filter(client__organisation_id__in=organisation_ids)
    return endpoints


def deliveries_write(event: str, endpoints, payload_for) -> list[int]:
    """Write one delivery per endpoint for which `payload_for(endpoint)` gives what its client
    may read of the event (None: nothing, and no delivery), in the event's transaction; the
    worker is told after commit."""
    created = []
    for endpoint in endpoints:
        payload = payload_for(endpoint)
        if payload is None:
            continue
        event_id = uuid.uuid4()
        created.append(
            WebhookDelivery.objects.create(
                endpoint=endpoint,
                event_id=event_id,
                event=event,
                payload={"id": str(event_id), "event": event, **payload},
            ).pk
        )
    if created:
        from ..celery import app

        def hand_over(ids: list[int] = created) -> None:
            try:
                # By name: the task module calls these functions, so they do not import it.
                for pk in ids:
                    app.send_task("iconet.api.tasks.webhook_deliver", args=(pk,))
            except Exception:  # noqa: BLE001 - a broker that is down: the sweep hands them over
                pass

        transaction.on_commit(hand_over)
    return created


def _item_for(item, endpoint) -> dict | None:
    from .authentication import organisation_principals

    account = endpoint.client.user
    if not account.has_area(item.area) or item.area not in endpoint.client.areas:
        return None
    # What its organisation reads, as for the client's requests (iconet.api.authentication).
    account._iconet_principals = organisation_principals(account)
    payload = item_payload(item, account)
    return None if payload is None else {"item": payload}


def item_published_tell(*, item, first_publication: bool = True) -> None:
    """Tell the endpoints told of publications whose client may read the item."""
    if not first_publication:
        return
    event = WebhookEndpoint.Event.ITEM_PUBLISHED
    deliveries_write(event, _endpoints(event), lambda endpoint: _item_for(item, endpoint))


def awaiting_acknowledgement_tell(*, item, organisation_ids) -> None:
    """Tell the endpoints of organisations newly told of an item that it awaits their
    acknowledgement (the client may acknowledge it for them, iconet.api.item_actions)."""
    event = WebhookEndpoint.Event.AWAITING_ACKNOWLEDGEMENT
    deliveries_write(
        event,
        _endpoints(event, organisation_ids),
        lambda endpoint: _item_for(item, endpoint),
    )


def access_change_tell(*, request, organisation_ids) -> None:
    """Tell the endpoints of the organisations a change of access concerns that it was asked or
    decided: its kind and status, whom it concerns, and where the register shows it; never the
    reasons, the summary nor what it sets (an administrator reads them in the register)."""
    event = WebhookEndpoint.Event.ACCESS_CHANGE
    payload = {
        "access_change": {
            "id": request.pk,
            "kind": request.kind,
            "status": request.status,
            "organisation": request.organisation.short_name,
            "user": request.user.get_username() if request.user_id else None,
            "requested_at": request.requested_at.isoformat(),
            "decided_at": request.decided_at.isoformat() if request.decided_at else None,
        }
    }
    deliveries_write(event, _endpoints(event, organisation_ids), lambda endpoint: payload)


def delivery_claim(delivery_id: int) -> WebhookDelivery | None:
    """Take the row for one attempt (a conditional update: two workers never both send it)."""
    now = timezone.now()
    due = Q(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now) | Q(
        status=WebhookDelivery.Status.SENDING, lease_until__lt=now
    )
    taken = WebhookDelivery.objects.filter(due, pk=delivery_id).update(
        status=WebhookDelivery.Status.SENDING, lease_until=now + LEASE
    )
    if not taken:
        return None
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)


def webhook_send(delivery_id: int) -> str:
    """One attempt at a delivery; a failure schedules the next with a growing delay."""
    import json

    delivery = delivery_claim(delivery_id)
    if delivery is None:
        return "not due"
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(
        delivery.endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "ICONet-Event-Id": str(delivery.event_id),
            "ICONet-Signature": signature(delivery.endpoint.secret, timestamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status, error = exc.code, f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        status, error = 0, str(exc)[:500] or type(exc).__name__
    delivery.attempts += 1
    if 200 <= status < 300:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = timezone.now()
        delivery.last_error = ""
    else:
        delivery.last_error = error
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = WebhookDelivery.Status.FAILED
        else:
            delivery.status = WebhookDelivery.Status.PENDING
            delay = min(BACKOFF_CAP, timedelta(seconds=5 * 2 ** (delivery.attempts - 1)))
            delivery.next_attempt_at = timezone.now() + delay
    delivery.lease_until = None
    delivery.save(
        update_fields=[
            "status",
            "attempts",
            "delivered_at",
            "last_error",
            "next_attempt_at",
            "lease_until",
        ]
    )
    return delivery.status


def deliveries_due(limit: int = 200) -> list[int]:
    now = timezone.now()
    due = Q(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now) | Q(
        status=WebhookDelivery.Status.SENDING, lease_until__lt=now
    )
    return list(WebhookDelivery.objects.filter(due).values_list("pk", flat=True)[:limit])
