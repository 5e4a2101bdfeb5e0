"""The e-mail outbox under faults, with a real Celery worker on the real Redis broker and a
real SMTP server on loopback: temporary refusals, errors retrying cannot cure, resends after a
crash, claims abandoned by a dead worker, and urgent mail first."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from iconet.models import EmailDelivery
from iconet.outbox.services.notify import email_enqueue
from iconet.outbox.tasks import email_deliver, email_sweep_pending
from tests.conftest import until, worker_running


def status_of(delivery: EmailDelivery) -> str:
    return EmailDelivery.objects.get(pk=delivery.pk).status


def outbox_row(user, *, key: str, subject: str = "ICONet test", **fields) -> EmailDelivery:
    """A row as emails_enqueue writes it, without handing it to Celery."""
    return EmailDelivery.objects.create(
        key=key,
        recipient=user,
        to_email=user.email,
        subject=subject,
        body="Hello.",
        next_attempt_at=timezone.now(),
        **fields,
    )


@pytest.mark.django_db(transaction=True)
def test_a_temporary_refusal_is_retried_until_the_mail_arrives(
    cast, smtp_server, celery_worker, settings
):
    settings.ICONET_DELIVERY_RETRY_SECONDS = 1
    answers = []

    async def handle_RCPT(server, session, envelope, address, rcpt_options):
        # Greylisting: the first attempt is told to come back later.
        answers.append(address)
        if len(answers) == 1:
            return "451 4.7.1 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp_server.controller.handler.handle_RCPT = handle_RCPT
    delivery = email_enqueue(
        key="greylisted", recipient=cast.de_ncp, subject="Alert", body="Hello."
    )
    messages = smtp_server.wait_for(1, timeout=30)
    assert [m["To"] for m in messages] == ["de_ncp@example.test"]
    assert len(answers) == 2
    assert until(lambda: status_of(delivery) == "sent")
    assert EmailDelivery.objects.get(pk=delivery.pk).attempts == 2


@pytest.mark.django_db(transaction=True)
def test_an_error_retrying_cannot_cure_marks_the_delivery_failed_with_its_reason(
    cast,
    smtp_server,
    celery_worker,
):
    # A row written by older code, with a newline in its subject: Django refuses the header.
    delivery = outbox_row(cast.de_ncp, key="bad-header", subject="Alert\nBcc: someone@example.test")
    email_deliver.delay(delivery.pk)
    assert until(lambda: status_of(delivery) == "failed")
    assert "BadHeaderError" in EmailDelivery.objects.get(pk=delivery.pk).last_error
    # The sweep does not take it up again.
    assert email_sweep_pending() == 0
    assert smtp_server.messages == []


@pytest.mark.django_db(transaction=True)
def test_subjects_are_written_on_one_line(cast, smtp_server, celery_worker):
    delivery = email_enqueue(
        key="two-lines",
        recipient=cast.de_ncp,
        subject="Boats from Libya\r\nto Lampedusa",
        body="Hello.",
    )
    assert delivery.subject == "Boats from Libya to Lampedusa"
    messages = smtp_server.wait_for(1)
    assert [m["Subject"] for m in messages] == ["Boats from Libya to Lampedusa"]
    assert until(lambda: status_of(delivery) == "sent")


@pytest.mark.django_db(transaction=True)
def test_a_resend_after_a_crash_carries_the_same_message_id(cast, smtp_server, celery_worker):
    delivery = email_enqueue(
        key="crash-window", recipient=cast.nl_ncp, subject="Alert", body="Hello."
    )
    first = smtp_server.wait_for(1)
    assert until(lambda: status_of(delivery) == "sent")
    # The worker died after the relay accepted the message and before the row said "sent":
    # its lease expires and the sweep hands the row over again.
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        status="sending",
        lease_until=timezone.now() - timedelta(seconds=1),
    )
    assert email_sweep_pending() == 1
    messages = smtp_server.wait_for(2)
    assert len(messages) == 2
    assert first[0]["Message-ID"] == messages[1]["Message-ID"]
    assert messages[0]["Message-ID"].startswith(f"<delivery-{delivery.pk}.")
    # Another row has another identity.
    other = email_enqueue(
        key="crash-window-2", recipient=cast.nl_ncp, subject="Alert", body="Hello."
    )
    assert smtp_server.wait_for(3)[2]["Message-ID"] != messages[0]["Message-ID"]
    assert until(lambda: status_of(other) == "sent")


@pytest.mark.django_db(transaction=True)
def test_a_claim_abandoned_by_a_dead_worker_is_released_when_its_lease_ends(
    cast,
    smtp_server,
    celery_worker,
    settings,
):
    settings.ICONET_DELIVERY_LEASE_SECONDS = 2
    # Claimed a moment ago by a worker that was killed mid-send: its lease runs out.
    now = timezone.now()
    delivery = outbox_row(
        cast.be_ncp,
        key="abandoned",
        status="sending",
        claimed_at=now,
        lease_until=now + timedelta(seconds=2),
    )
    assert email_sweep_pending() == 0  # still leased: a live worker may be sending it
    started = time.monotonic()
    assert until(lambda: email_sweep_pending() == 1, timeout=10)
    messages = smtp_server.wait_for(1)
    assert [m["To"] for m in messages] == ["be_ncp@example.test"]
    assert time.monotonic() - started < 10
    assert until(lambda: status_of(delivery) == "sent")


@pytest.mark.django_db(transaction=True)
def test_the_sweep_hands_over_urgent_mail_first(cast, smtp_server):
    older = outbox_row(cast.de_ncp, key="routine-older")
    urgent = outbox_row(cast.nl_ncp, key="urgent", priority=EmailDelivery.Priority.URGENT)
    newer = outbox_row(cast.be_ncp, key="routine-newer")
    assert email_sweep_pending() == 3
    with worker_running():
        messages = smtp_server.wait_for(3)
        assert messages[0]["To"] == "nl_ncp@example.test"
        assert sorted(m["To"] for m in messages[1:]) == [
            "be_ncp@example.test",
            "de_ncp@example.test",
        ]
        assert until(lambda: {status_of(d) for d in (older, urgent, newer)} == {"sent"})


@pytest.mark.django_db(transaction=True)
def test_two_transactions_writing_the_same_key_make_one_row_and_one_mail(
    cast, smtp_server, celery_worker
):
    import threading

    from django.db import connection, transaction

    written = threading.Event()
    release = threading.Event()
    first = {}

    def other_transaction():
        try:
            with transaction.atomic():
                first["row"] = email_enqueue(
                    key="raced", recipient=cast.de_ncp, subject="First", body="Hello."
                )
                written.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_transaction)
    thread.start()
    assert written.wait(10)
    # This transaction's INSERT waits on the other's uncommitted key, then skips it.
    threading.Timer(0.5, release.set).start()
    with transaction.atomic():
        second = email_enqueue(key="raced", recipient=cast.de_ncp, subject="Second", body="Hi.")
    thread.join(10)
    assert second.pk == first["row"].pk and second.subject == "First"
    assert EmailDelivery.objects.filter(key="raced").count() == 1
    smtp_server.wait_for(1)
    assert until(lambda: status_of(second) == "sent")
    time.sleep(1)  # a second copy would arrive now
    assert [m["Subject"] for m in smtp_server.messages] == ["First"]
