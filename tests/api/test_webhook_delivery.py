"""Webhook delivery through the real broker and worker, to real HTTP receivers on loopback: one
that is down when the events are written, one that answers too slowly at first, and one that
is always slow but within the time allowed. Every event reaches every receiver, each copy
carries the event's stable id and a signature the receiver verifies with its secret."""

import json

import pytest
from django.utils import timezone

from iconet.api import webhooks
from iconet.api.models import WebhookDelivery
from tests.api.conftest import webhook_endpoint_make
from tests.api.test_webhooks import Receiver, publish
from tests.conftest import free_port, until

pytestmark = pytest.mark.worker

EVENTS = 3


def delivered(endpoint) -> bool:
    rows = WebhookDelivery.objects.filter(endpoint=endpoint)
    return rows.count() == EVENTS and all(
        row.status == WebhookDelivery.Status.DELIVERED for row in rows
    )


def received_ids(receiver, secret) -> set[str]:
    """The event ids a receiver accepted, having checked every copy's signature and id."""
    ids = set()
    for headers, body in receiver.received:
        assert webhooks.signature_valid(secret, headers["iconet-signature"], body)
        event = json.loads(body)
        assert event["id"] == headers["iconet-event-id"]
        ids.add(event["id"])
    return ids


def test_every_event_reaches_a_receiver_that_was_down_and_slow_ones(
    cast, celery_worker, monkeypatch
):
    from iconet.api.tasks import webhooks_sweep

    # The worker runs in this process: the time allowed per attempt is shortened for it.
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 1.0)
    organisation = cast.fr_officer.organisation
    ports = {name: free_port() for name in ("down", "slow_at_first", "always_slow")}
    endpoints = {
        name: webhook_endpoint_make(organisation, f"http://127.0.0.1:{port}/hook")
        for name, port in ports.items()
    }
    slow_at_first = Receiver(ports["slow_at_first"], delay=lambda n: 2.5 if n == 0 else 0.0)
    always_slow = Receiver(ports["always_slow"], delay=0.6)
    down = None
    try:
        for _n in range(EVENTS):
            publish(cast.de_officer, cast.de_ncp)
        rows = WebhookDelivery.objects.filter(endpoint__in=[e for e, _s in endpoints.values()])
        assert rows.count() == EVENTS * len(endpoints)
        # Each delivery was handed to the worker after commit and tried once.
        assert until(lambda: all(row.attempts >= 1 for row in rows.all()), timeout=60)
        assert until(lambda: delivered(endpoints["always_slow"][0]), timeout=30)
        down_rows = rows.filter(endpoint=endpoints["down"][0])
        assert all(row.status == "pending" and row.last_error for row in down_rows)

        down = Receiver(ports["down"])
        # Retries are due later; the beat's sweep hands over what is due.
        for _round in range(5):
            rows.exclude(status=WebhookDelivery.Status.DELIVERED).update(
                next_attempt_at=timezone.now()
            )
            webhooks_sweep()
            if until(lambda: all(delivered(e) for e, _s in endpoints.values()), timeout=15):
                break
        assert all(delivered(e) for e, _s in endpoints.values())
    finally:
        for receiver in (down, slow_at_first, always_slow):
            if receiver is not None:
                receiver.stop()

    for name, receiver in (
        ("down", down),
        ("slow_at_first", slow_at_first),
        ("always_slow", always_slow),
    ):
        endpoint, secret = endpoints[name]
        expected = {
            str(pk)
            for pk in WebhookDelivery.objects.filter(endpoint=endpoint).values_list(
                "event_id", flat=True
            )
        }
        assert received_ids(receiver, secret) == expected, name
    # The receiver that timed out first got that event twice, with the same id: at least once.
    assert len(slow_at_first.received) > EVENTS
    assert len(always_slow.received) == EVENTS
