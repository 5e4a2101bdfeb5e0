"""Celery tasks of the core: deliver the e-mail outbox, and sweep what is still pending."""

import logging
import smtplib
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.utils import timezone

from .models import EmailDelivery

logger = logging.getLogger(__name__)

# A claim older than this belongs to a worker that died mid-send; the sweep releases it.
STALE_CLAIM = timedelta(minutes=10)
BACKOFF_CAP_SECONDS = 30 * 60  # well below the broker's visibility timeout (1 h)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_CAP_SECONDS, 15 * 2 ** max(attempts - 1, 0)))


def email_claim(delivery_id: int) -> bool:
    """Take the row for this worker; False when another run has it or it is done."""
    now = timezone.now()
    return bool(
        EmailDelivery.objects.filter(pk=delivery_id, status=EmailDelivery.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(status=EmailDelivery.Status.SENDING, claimed_at=now)
    )


def email_send(delivery_id: int, connection) -> str:
    """Send one claimed outbox row over `connection`; failures go back to pending with a delay."""
    if not email_claim(delivery_id):
        return "skipped"
    delivery = EmailDelivery.objects.get(pk=delivery_id)
    message = EmailMessage(
        subject=delivery.subject, body=delivery.body, to=[delivery.to_email],
        headers={"X-ICONet-Delivery": delivery.key}, connection=connection,
    )
    try:
        message.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        # The server refused the address itself: retrying will not help.
        EmailDelivery.objects.filter(pk=delivery_id).update(
            status=EmailDelivery.Status.FAILED, attempts=delivery.attempts + 1, last_error=str(exc)[:500],
        )
        return "failed"
    except (OSError, smtplib.SMTPException) as exc:
        attempts = delivery.attempts + 1
        final = attempts >= settings.ICONET_DELIVERY_MAX_ATTEMPTS
        EmailDelivery.objects.filter(pk=delivery_id).update(
            status=EmailDelivery.Status.FAILED if final else EmailDelivery.Status.PENDING,
            attempts=attempts, last_error=str(exc)[:500],
            next_attempt_at=timezone.now() + backoff(attempts),
        )
        logger.warning("delivery %s attempt %s failed: %s", delivery_id, attempts, exc)
        if not final:
            email_deliver.apply_async((delivery_id,), countdown=backoff(attempts).total_seconds())
        return "retry"
    EmailDelivery.objects.filter(pk=delivery_id).update(
        status=EmailDelivery.Status.SENT, attempts=delivery.attempts + 1, sent_at=timezone.now(), last_error="",
    )
    return "sent"


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def email_deliver(delivery_id: int) -> str:
    """Send one outbox row at most once (a retry, or a row handed over by the sweep)."""
    return emails_deliver([delivery_id])[0]


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def emails_deliver(delivery_ids: list[int]) -> list[str]:
    """Send several outbox rows over one SMTP connection, each at most once."""
    # The connection opens on the first message; a server that is down fails each row alone.
    connection = get_connection(fail_silently=False)
    try:
        return [email_send(delivery_id, connection) for delivery_id in delivery_ids]
    finally:
        try:
            connection.close()
        except (OSError, smtplib.SMTPException):
            pass


@shared_task(ignore_result=True)
def email_sweep_pending(limit: int = 500) -> int:
    """Hand over again every row still due (broker down at publication, worker lost...)."""
    now = timezone.now()
    EmailDelivery.objects.filter(status=EmailDelivery.Status.SENDING, claimed_at__lt=now - STALE_CLAIM).update(
        status=EmailDelivery.Status.PENDING
    )
    due = list(
        EmailDelivery.objects.filter(status=EmailDelivery.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .values_list("pk", flat=True)[:limit]
    )
    for start in range(0, len(due), 25):
        emails_deliver.delay(due[start:start + 25])
    return len(due)
