"""Signed webhooks: a publication writes one delivery per endpoint whose client may read the
item (RED: the reference only), each signed and carrying a stable event id; a receiver that is
down or answers too slowly gets it again later, until it answers."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from iconet.api import webhooks
from iconet.api.models import WebhookDelivery
from iconet.sharing.services import item_publish
from tests.api.conftest import webhook_endpoint_make
from tests.conftest import free_port
from tests.factories import AccessGroupFactory
from tests.items import item_make

pytestmark = pytest.mark.django_db


class Receiver:
    """A real HTTP server on loopback that keeps what it receives, optionally slowly."""

    def __init__(self, port: int, delay=0.0):
        """`delay`: seconds before each answer, or f(number of requests before) giving them."""
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                pause = delay(len(received)) if callable(delay) else delay
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                time.sleep(pause)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def endpoint_for(organisation, url):
    return webhook_endpoint_make(organisation, url)


def publish(author, manager, marking="AMBER", audience="network", groups=()):
    draft = item_make("alerts.alert", author=author, state="draft", marking=marking)
    item_publish(actor=manager, item=draft, audience=audience, marking=marking, groups=groups)
    return draft


def due_now(delivery):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


def test_a_receiver_that_was_down_gets_the_event_signed_once_it_is_up(cast):
    port = free_port()
    endpoint, secret = endpoint_for(cast.fr_officer.organisation, f"http://127.0.0.1:{port}/hook")
    alert = publish(cast.de_officer, cast.de_ncp)
    (delivery,) = WebhookDelivery.objects.filter(endpoint=endpoint)

    assert webhooks.webhook_send(delivery.pk) == "pending"  # nobody listens yet
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.next_attempt_at > timezone.now()
    assert webhooks.webhook_send(delivery.pk) == "not due"

    receiver = Receiver(port)
    try:
        due_now(delivery)
        assert webhooks.webhook_send(delivery.pk) == "delivered"
    finally:
        receiver.stop()
    ((headers, body),) = receiver.received
    assert webhooks.signature_valid(secret, headers["iconet-signature"], body)
    assert not webhooks.signature_valid("another secret", headers["iconet-signature"], body)
    assert headers["iconet-event-id"] == str(delivery.event_id)
    event = json.loads(body)
    assert event["item"]["reference"] == alert.reference and event["item"]["title"]
    assert webhooks.webhook_send(delivery.pk) == "not due"  # delivered: never sent again


def test_a_slow_receiver_gets_the_event_again_with_the_same_id(cast, monkeypatch):
    port = free_port()
    endpoint, secret = endpoint_for(cast.fr_officer.organisation, f"http://127.0.0.1:{port}/hook")
    publish(cast.de_officer, cast.de_ncp)
    (delivery,) = WebhookDelivery.objects.filter(endpoint=endpoint)
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.5)
    slow = Receiver(port, delay=1.5)
    try:
        assert webhooks.webhook_send(delivery.pk) == "pending"
    finally:
        slow.stop()
    fast = Receiver(port)
    try:
        due_now(delivery)
        assert webhooks.webhook_send(delivery.pk) == "delivered"
    finally:
        fast.stop()
    ids = {h["iconet-event-id"] for h, _b in slow.received + fast.received}
    assert ids == {str(delivery.event_id)}
    ((headers, body),) = fast.received
    assert webhooks.signature_valid(secret, headers["iconet-signature"], body)


def test_an_endpoint_is_told_only_what_its_client_may_read(cast):
    endpoint, _secret = endpoint_for(cast.fr_officer.organisation, "http://127.0.0.1:9/hook")
    hidden = publish(cast.de_officer, cast.de_ncp, audience="owner")
    # RED goes only to named groups (the marking caps the audience).
    bilateral = AccessGroupFactory(
        name="Bilateral FR-DE",
        organisations=[cast.fr_officer.organisation, cast.de_officer.organisation],
    )
    red = publish(
        cast.de_officer, cast.de_ncp, marking="RED", audience="groups", groups=[bilateral]
    )
    payloads = [d.payload["item"] for d in WebhookDelivery.objects.filter(endpoint=endpoint)]
    assert [p["id"] for p in payloads] == [red.pk]
    assert hidden.pk not in [p["id"] for p in payloads]
    assert payloads[0] == {
        "type": "alerts.alert",
        "id": red.pk,
        "reference": red.reference,
        "marking": "RED",
    }


def test_a_signature_outside_the_replay_window_is_refused():
    body = b'{"id":"x"}'
    old = int(time.time()) - int(webhooks.REPLAY_WINDOW.total_seconds()) - 5
    header = webhooks.signature("s3cret", old, body)
    assert not webhooks.signature_valid("s3cret", header, body)
    assert webhooks.signature_valid("s3cret", header, body, now=old + 1)


@pytest.mark.worker
def test_the_worker_delivers_the_event_once_the_receiver_is_up(cast, celery_worker):
    """Through the real broker and worker: the publication hands the delivery over after
    commit, the receiver is down, the sweep hands it over again and it arrives, signed."""
    from iconet.api.tasks import webhooks_sweep
    from tests.conftest import until

    port = free_port()
    endpoint, secret = endpoint_for(cast.fr_officer.organisation, f"http://127.0.0.1:{port}/hook")
    publish(cast.de_officer, cast.de_ncp)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert until(lambda: WebhookDelivery.objects.get(pk=delivery.pk).attempts == 1)
    receiver = Receiver(port)
    try:
        due_now(delivery)
        webhooks_sweep()
        assert until(
            lambda: (
                WebhookDelivery.objects.get(pk=delivery.pk).status
                == WebhookDelivery.Status.DELIVERED
            )
        )
    finally:
        receiver.stop()
    ((headers, body),) = receiver.received
    assert webhooks.signature_valid(secret, headers["iconet-signature"], body)
    assert headers["iconet-event-id"] == str(delivery.event_id)
