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

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

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
def webhook_endpoint_create(*, actor, client: ApiClient, url: str, events: list[str]):
    """Register an address of the client's system; returns it with its secret, shown once."""
    if not api_client_manageable(actor, client.organisation_id) or client.is_revoked:
        raise PermissionDenied
    endpoint = WebhookEndpoint(client=client, url=url, events=events, secret=secrets.token_hex(32))
    endpoint.full_clean()
    endpoint.save()
    return endpoint, endpoint.secret


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


def item_published_tell(sender, *, item, first_publication: bool = True, **kwargs) -> None:
    """Write a delivery for every endpoint told of publications whose client may read the item,
    in the publication's transaction; the worker is told after commit."""
    if not first_publication:
        return
    endpoints = WebhookEndpoint.objects.filter(
        is_active=True,
        events__contains=[WebhookEndpoint.Event.ITEM_PUBLISHED],
        client__revoked_at__isnull=True,
        client__expires_at__gt=timezone.now(),
    ).select_related("client__user")
    created = []
    for endpoint in endpoints:
        account = endpoint.client.user
        if not account.is_active or not account.has_area(item.area):
            continue
        payload = item_payload(item, account)
        if payload is None:
            continue
        event_id = uuid.uuid4()
        created.append(
            WebhookDelivery.objects.create(
                endpoint=endpoint,
                event_id=event_id,
                event=WebhookEndpoint.Event.ITEM_PUBLISHED,
                payload={"id": str(event_id), "event": "item.published", "item": payload},
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
