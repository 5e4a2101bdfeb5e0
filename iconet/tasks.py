"""Celery tasks of the core: deliver the e-mail outbox, and sweep what is still pending.

Exactly-once is impossible over SMTP: a worker can die after the relay accepted a message and
before the row says "sent". That window is kept to one UPDATE in autocommit right after the
relay's answer, and every delivery carries a Message-ID derived from its row, so that a resend
is recognisably the same message.
"""

import hashlib
import logging
import smtplib
from datetime import timedelta
from email.utils import parseaddr

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.utils import timezone

from .health import sweep_heartbeat_record
from .models import EmailDelivery

logger = logging.getLogger(__name__)

BACKOFF_CAP_SECONDS = 30 * 60  # well below the broker's visibility timeout (1 h)
# Deliveries handed to one task by the sweep: they share one SMTP connection.
SWEEP_CHUNK = 25


def lease_time() -> timedelta:
    """How long a claim holds without renewal; longer than one message's send can take."""
    return timedelta(seconds=settings.ICONET_DELIVERY_LEASE_SECONDS)


def backoff(attempts: int) -> timedelta:
    base = settings.ICONET_DELIVERY_RETRY_SECONDS
    return timedelta(seconds=min(BACKOFF_CAP_SECONDS, base * 2 ** max(attempts - 1, 0)))


def message_id(delivery: EmailDelivery) -> str:
    """The same Message-ID every time this row is sent, so a resend shows as the same mail."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "iconet.invalid"
    digest = hashlib.sha256(delivery.key.encode()).hexdigest()[:16]
    return f"<delivery-{delivery.pk}.{digest}@{domain}>"


def email_claim(delivery_id: int) -> bool:
    """Take the row for this worker under a lease; False when another run has it or it is done."""
    now = timezone.now()
    return bool(
        EmailDelivery.objects.filter(pk=delivery_id, status=EmailDelivery.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(status=EmailDelivery.Status.SENDING, claimed_at=now, lease_until=now + lease_time())
    )


def is_permanent(exc: Exception) -> bool:
    """True when sending again cannot help: a 5xx answer, or anything that is not a network or
    SMTP error (a header with a newline, a bad address...). 4xx answers are temporary."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return False  # the portal's own configuration: fixed by an operator, then retried
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return not isinstance(exc, (OSError, smtplib.SMTPException))


def email_send(delivery_id: int, connection) -> str:
    """Send one claimed outbox row over `connection`; temporary failures go back to pending with
    a delay, permanent ones are marked failed with their reason."""
    if not email_claim(delivery_id):
        return "skipped"
    delivery = EmailDelivery.objects.get(pk=delivery_id)
    attempts = delivery.attempts + 1
    try:
        message = EmailMessage(
            subject=delivery.subject,
            body=delivery.body,
            to=[delivery.to_email],
            headers={"X-ICONet-Delivery": delivery.key, "Message-ID": message_id(delivery)},
            connection=connection,
        )
        message.send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
        # The session may be broken (timeout, disconnect): the next row opens a fresh one.
        try:
            connection.close()
        except (OSError, smtplib.SMTPException):
            pass
        reason = f"{type(exc).__name__}: {exc}"[:500]
        final = is_permanent(exc) or attempts >= settings.ICONET_DELIVERY_MAX_ATTEMPTS
        EmailDelivery.objects.filter(pk=delivery_id).update(
            status=EmailDelivery.Status.FAILED if final else EmailDelivery.Status.PENDING,
            attempts=attempts,
            last_error=reason,
            lease_until=None,
            next_attempt_at=None if final else timezone.now() + backoff(attempts),
        )
        if final:
            logger.warning("delivery %s failed for good: %s", delivery_id, reason)
            return "failed"
        logger.warning("delivery %s attempt %s failed: %s", delivery_id, attempts, reason)
        email_deliver.apply_async(
            (delivery_id,),
            countdown=backoff(attempts).total_seconds(),
            priority=delivery.priority,
        )
        return "retry"
    # Right after the relay's answer, in its own autocommit statement: the only window in
    # which a crash makes the sweep send this row again.
    EmailDelivery.objects.filter(pk=delivery_id).update(
        status=EmailDelivery.Status.SENT,
        attempts=attempts,
        sent_at=timezone.now(),
        last_error="",
        lease_until=None,
    )
    return "sent"


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def email_deliver(delivery_id: int) -> str:
    """Send one outbox row at most once (a retry, or a row handed over by the sweep)."""
    return emails_deliver([delivery_id])[0]


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def emails_deliver(delivery_ids: list[int]) -> list[str]:
    """Send several outbox rows over one SMTP connection, each at most once."""
    # Each row is claimed (and its lease taken) only when its turn comes, so a batch holds no
    # claim on rows it has not reached: if this worker dies, they are still pending.
    connection = get_connection(fail_silently=False)
    try:
        return [email_send(delivery_id, connection) for delivery_id in delivery_ids]
    finally:
        try:
            connection.close()
        except (OSError, smtplib.SMTPException):
            pass


def emails_hand_over(delivery_ids: list[int], priority: int) -> None:
    """Queue delivery tasks for these rows, in chunks that share a connection."""
    for start in range(0, len(delivery_ids), SWEEP_CHUNK):
        emails_deliver.apply_async((delivery_ids[start : start + SWEEP_CHUNK],), priority=priority)


@shared_task(ignore_result=True)
def email_sweep_pending(limit: int = 500) -> int:
    """Release expired leases (a worker died mid-send) and hand over again every row still due
    (broker down at publication, worker lost...), urgent rows first."""
    now = timezone.now()
    EmailDelivery.objects.filter(status=EmailDelivery.Status.SENDING).filter(
        Q(lease_until__lt=now) | Q(lease_until__isnull=True, claimed_at__lt=now - lease_time())
    ).update(status=EmailDelivery.Status.PENDING, lease_until=None)
    due = list(
        EmailDelivery.objects.filter(status=EmailDelivery.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("priority", "created_at", "pk")
        .values_list("pk", "priority")[:limit]
    )
    for priority in sorted({p for _pk, p in due}):
        emails_hand_over([pk for pk, p in due if p == priority], priority)
    sweep_heartbeat_record()
    return len(due)
