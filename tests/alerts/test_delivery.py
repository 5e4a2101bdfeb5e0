"""Reliability with a real Celery worker on the real Redis broker and a real SMTP server.

Each test publishes through the alerts service, so the outbox rows are written in the
publication's transaction and handed to Celery only after commit.
"""

import contextlib
import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.tasks import alerts_escalate_overdue
from iconet import celery_app
from iconet.models import EmailDelivery, ItemEscalation, Role
from iconet.outbox.tasks import email_deliver, email_sweep_pending
from tests.conftest import until, worker_running
from tests.factories import UserFactory

from .conftest import alert_published

FIVE_STATES = ["DE", "NL", "BE", "IT", "ES"]


def recipients_of(messages) -> list[str]:
    return sorted(message["To"] for message in messages)


def reset_producer_pools():
    # kombu keeps its pools per broker URL; forgetting the app's cached ones is enough.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextlib.contextmanager
def broker_down():
    """Point the producer at a closed port, as when Redis is down at publication."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    saved = celery_app.conf.broker_url
    reset_producer_pools()
    celery_app.conf.broker_url = f"redis://127.0.0.1:{closed}/0"
    try:
        yield
    finally:
        celery_app.conf.broker_url = saved
        reset_producer_pools()


@pytest.mark.django_db(transaction=True)
def test_every_recipient_gets_the_email_and_the_owner_sees_it_delivered(
    cast, smtp_server, celery_worker
):
    alert = alert_published(cast.fr_ncp, destinations=FIVE_STATES)
    messages = smtp_server.wait_for(5)
    assert recipients_of(messages) == sorted(
        f"{code.lower()}_ncp@example.test" for code in FIVE_STATES
    )
    assert all(m["Subject"].startswith("[TLP:AMBER]") for m in messages)
    assert until(lambda: all(r.delivered_at for r in alert.recipients.select_related("email")))


@pytest.mark.django_db(transaction=True)
def test_a_task_delivered_twice_sends_once(cast, smtp_server, celery_worker):
    alert = alert_published(cast.fr_ncp, destinations=["DE"])
    smtp_server.wait_for(1)
    delivery = EmailDelivery.objects.get(key=f"alert:{alert.pk}:user:{cast.de_ncp.pk}")
    assert until(lambda: EmailDelivery.objects.get(pk=delivery.pk).status == "sent")
    # The broker redelivers the same message (e.g. after a lost acknowledgement)...
    for _redelivery in range(2):
        email_deliver.apply_async((delivery.pk,), priority=EmailDelivery.Priority.URGENT)
    # ...and the next (immediate) alert's e-mail, queued after them at the same priority,
    # proves the worker got past them once it is sent.
    later = alert_published(cast.fr_ncp, destinations=["NL"])
    assert until(lambda: later.recipients.get().email.status == "sent")
    assert recipients_of(smtp_server.messages) == ["de_ncp@example.test", "nl_ncp@example.test"]


@pytest.mark.django_db(transaction=True)
def test_delivery_completes_after_the_broker_was_down_at_publication(cast, smtp_server):
    with broker_down():
        alert = alert_published(cast.fr_ncp, destinations=["DE", "NL", "BE"])
    # Published and recorded, though nothing reached the broker.
    assert alert.state == "published"
    assert set(
        EmailDelivery.objects.filter(key__startswith=f"alert:{alert.pk}:").values_list(
            "status", flat=True
        )
    ) == {"pending"}
    with worker_running():
        assert email_sweep_pending() == 3
        messages = smtp_server.wait_for(3)
        assert recipients_of(messages) == [
            "be_ncp@example.test",
            "de_ncp@example.test",
            "nl_ncp@example.test",
        ]
        assert until(
            lambda: set(EmailDelivery.objects.values_list("status", flat=True)) == {"sent"}
        )


@pytest.mark.django_db(transaction=True)
def test_a_refused_address_is_marked_failed_for_the_owner(cast, smtp_server, celery_worker):
    async def handle_RCPT(server, session, envelope, address, rcpt_options):
        if address.startswith("nl_ncp"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp_server.controller.handler.handle_RCPT = handle_RCPT
    alert = alert_published(cast.fr_ncp, destinations=["DE", "NL"])
    assert recipients_of(smtp_server.wait_for(1)) == ["de_ncp@example.test"]
    refused = alert.recipients.get(user=cast.nl_ncp)
    assert until(lambda: EmailDelivery.objects.get(pk=refused.email_id).status == "failed")
    assert "mailbox unavailable" in EmailDelivery.objects.get(pk=refused.email_id).last_error


@pytest.mark.django_db(transaction=True)
def test_unacknowledged_immediate_alert_is_escalated_once(
    cast, smtp_server, celery_worker, settings
):
    settings.ALERTS_ESCALATION_MINUTES = 120
    de = cast.de_ncp.organisation
    alert = alert_published(cast.fr_ncp, destinations=["DE", "NL"])
    smtp_server.wait_for(2)
    # Designated after the publication, so not told at first.
    de_deputy = UserFactory(username="de_ncp_deputy", organisation=de, ncp_areas=["alerts"])
    de_admin = UserFactory(username="de_admin", organisation=de, role=Role.NATIONAL_ADMIN)
    UserFactory(username="de_ncp_ilo_only", organisation=de, ncp_areas=["ilo"])
    cast.nl_ncp.refresh_from_db()
    alert.recipients.filter(user=cast.nl_ncp).update(acknowledged_at=timezone.now())

    # Before the deadline nothing happens.
    assert alerts_escalate_overdue() == 0
    alert.__class__.objects.filter(pk=alert.pk).update(
        published_at=timezone.now() - timedelta(minutes=121)
    )

    alerts_escalate_overdue.delay()
    messages = smtp_server.wait_for(5)
    later = recipients_of(messages[2:])
    assert later == ["de_admin@example.test", "de_ncp@example.test", "de_ncp_deputy@example.test"]
    reminder = next(m for m in messages[2:] if m["To"] == "de_ncp@example.test")
    assert reminder["Subject"].startswith("REMINDER: [TLP:AMBER]")
    escalation = alert.escalations.get()
    assert isinstance(escalation, ItemEscalation)
    assert escalation.organisation == de and escalation.notified_count == 3
    assert set(
        alert.recipients.filter(escalated=True).values_list("user__username", flat=True)
    ) == {"de_ncp_deputy", "de_admin"}
    assert not alert.recipients.filter(user=de_deputy, reason="destination").exists()
    assert alert.recipients.filter(user=de_admin).exists()
    from auditlog.models import LogEntry

    assert LogEntry.objects.get_for_object(escalation).exists()

    # Run again (beat fires every minute): nobody is told twice.
    assert alerts_escalate_overdue() == 0
    assert until(lambda: set(EmailDelivery.objects.values_list("status", flat=True)) == {"sent"})
    assert EmailDelivery.objects.count() == 5
    assert len(smtp_server.messages) == 5
