"""What the outbox does with each kind of reply of a real SMTP server on loopback, at each step
of the conversation: a 4xx reply is temporary (the row waits for its next attempt, which sends
it), a 5xx reply is final (the row is failed with the server's reason)."""

import pytest
from django.utils import timezone

from iconet.models import EmailDelivery
from iconet.outbox.tasks import email_deliver
from tests.core.test_outbox_faults import outbox_row

pytestmark = pytest.mark.django_db(transaction=True)

STEPS = ["MAIL", "RCPT", "DATA"]
TEMPORARY = ["421 4.3.2 Service shutting down", "450 4.2.0 Mailbox busy", "451 4.7.1 Try later"]
FINAL = ["550 5.7.1 Refused by policy", "554 5.6.0 Message refused"]


def refuse_once_at(server, step: str, reply: str) -> list[str]:
    """The server answers `reply` the first time the conversation reaches `step`."""
    refused = []
    handler = server.controller.handler

    async def handle_MAIL(server, session, envelope, address, mail_options):
        if step == "MAIL" and not refused:
            refused.append(reply)
            return reply
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(server, session, envelope, address, rcpt_options):
        if step == "RCPT" and not refused:
            refused.append(reply)
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    accept = handler.handle_DATA

    async def handle_DATA(server, session, envelope):
        if step == "DATA" and not refused:
            refused.append(reply)
            return reply
        return await accept(server, session, envelope)

    handler.handle_MAIL = handle_MAIL
    handler.handle_RCPT = handle_RCPT
    handler.handle_DATA = handle_DATA
    return refused


def row_of(delivery) -> EmailDelivery:
    return EmailDelivery.objects.get(pk=delivery.pk)


@pytest.mark.parametrize("reply", TEMPORARY)
@pytest.mark.parametrize("step", STEPS)
def test_a_temporary_reply_at_any_step_is_tried_again_and_then_sent(cast, smtp_server, step, reply):
    refused = refuse_once_at(smtp_server, step, reply)
    delivery = outbox_row(cast.de_ncp, key=f"temporary-{step}-{reply[:3]}")
    email_deliver(delivery.pk)
    assert refused == [reply]
    row = row_of(delivery)
    assert (row.status, row.attempts) == ("pending", 1), row.last_error
    assert reply[:3] in row.last_error
    assert row.next_attempt_at is not None and row.next_attempt_at > timezone.now()
    assert smtp_server.messages == []
    # Its next attempt comes: the server accepts it.
    EmailDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    email_deliver(delivery.pk)
    assert [message["To"] for message in smtp_server.wait_for(1)] == ["de_ncp@example.test"]
    assert (row_of(delivery).status, row_of(delivery).attempts) == ("sent", 2)


@pytest.mark.parametrize("reply", FINAL)
@pytest.mark.parametrize("step", STEPS)
def test_a_final_reply_at_any_step_fails_the_delivery_with_its_reason(
    cast, smtp_server, step, reply
):
    refuse_once_at(smtp_server, step, reply)
    delivery = outbox_row(cast.de_ncp, key=f"final-{step}-{reply[:3]}")
    email_deliver(delivery.pk)
    row = row_of(delivery)
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 1, None)
    assert reply[:3] in row.last_error
    assert smtp_server.messages == []
