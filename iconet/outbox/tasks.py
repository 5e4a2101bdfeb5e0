"""Celery tasks of the core: deliver the e-mail outbox, and sweep what is still pending.

Exactly-once is impossible over SMTP: a worker can die after the relay accepted a message and
before the row says "sent", and a relay can accept a message and never answer. A task claims its
batch of rows under a lease in one statement, hands them to the relay over one connection, and
marks the accepted ones "sent" in one autocommit UPDATE at the end of the batch (and half-way
through each lease, when it also renews the claim of the rest), written again on a new database
connection if the first was lost. A row whose fate is unknown (no answer to the end of DATA, or
a worker that died holding it) is sent at most once more; and every delivery carries a
Message-ID derived from its row, so that a resend is recognisably the same message.
"""

import hashlib
import json
import logging
import smtplib
import time
from collections.abc import Callable
from datetime import timedelta
from email.utils import parseaddr
from typing import TypeVar, cast

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.message import sanitize_address
from django.db import InterfaceError, OperationalError
from django.db import connection as db_connection
from django.db.models import Case, CharField, F, Q, TextField, Value, When
from django.db.models.functions import Concat, Left
from django.db.models.sql import UpdateQuery
from django.utils import timezone

from ..models import EmailDelivery
from ..operations.health import sweep_heartbeat_record
from .mail import OutcomeUnknown
from .models.notifications import delivery_due

T = TypeVar("T")

logger = logging.getLogger(__name__)

BACKOFF_CAP_SECONDS = 30 * 60  # well below the broker's visibility timeout (1 h)
# Deliveries handed to one task: they share one SMTP connection and two statements (the claim
# and the "sent" mark). A fan-out of 5,000 is 50 tasks, enough for every worker process.
DELIVERY_CHUNK = 100
# A message that may have reached the relay once is sent at most once more.
UNCERTAIN_HANDOVERS_MAX = 2


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


def on_fresh_connection(write: Callable[[], T], *, tries: int = 5) -> T:
    """Run `write` (one idempotent statement in autocommit); when the database connection was
    lost (a restart, a terminated backend, a failover), run it again on a new one. After the
    relay accepted a message, losing the "sent" update would send it twice."""
    for attempt in range(tries):
        try:
            return write()
        except (OperationalError, InterfaceError):
            if db_connection.in_atomic_block or attempt == tries - 1:
                raise
            logger.warning("database connection lost; writing again on a new one")
            db_connection.close()
            time.sleep(min(0.2 * 2**attempt, 3.0))
    raise AssertionError("unreachable")


def emails_claim(delivery_ids: list[int]) -> list[EmailDelivery]:
    """Take the due rows among `delivery_ids` for this worker under one lease, and read them, in
    one statement (UPDATE ... RETURNING); rows another run holds, or done ones, are left out.
    Urgent rows come first, then in the order given."""
    if not delivery_ids:
        return []
    now = timezone.now()
    rows = EmailDelivery.objects.filter(delivery_due(), pk__in=delivery_ids)
    query = cast(UpdateQuery, rows.query.chain(UpdateQuery))
    query.add_update_values(
        {
            "status": EmailDelivery.Status.SENDING,
            "claimed_at": now,
            "lease_until": now + lease_time(),
        }
    )
    sql, params = query.get_compiler(using=db_connection.alias).as_sql()
    fields = EmailDelivery._meta.concrete_fields
    returning = ", ".join(db_connection.ops.quote_name(field.column) for field in fields)

    def claim() -> list[EmailDelivery]:
        with db_connection.cursor() as cursor:
            cursor.execute(f"{sql} RETURNING {returning}", params)
            found = cursor.fetchall()
        names = [f.attname for f in fields]
        return [EmailDelivery.from_db(db_connection.alias, names, row) for row in found]

    order = {pk: position for position, pk in enumerate(delivery_ids)}
    claimed = on_fresh_connection(claim)
    claimed.sort(key=lambda row: (row.priority, order[row.pk]))
    return claimed


def leases_extend(delivery_ids: list[int], *, extra: timedelta = timedelta(0)) -> None:
    """Hold the claim on these rows (those still being sent) for another lease, plus `extra`."""
    if not delivery_ids:
        return
    until = timezone.now() + lease_time() + extra
    on_fresh_connection(
        lambda: EmailDelivery.objects.filter(
            pk__in=delivery_ids, status=EmailDelivery.Status.SENDING
        ).update(lease_until=until)
    )


def sent_record(deliveries: list[EmailDelivery]) -> None:
    """Mark rows the relay accepted as sent, in one autocommit UPDATE (written again on a new
    database connection if this one was lost); a secret body is emptied at the same time."""
    if not deliveries:
        return
    on_fresh_connection(
        lambda: EmailDelivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
            status=EmailDelivery.Status.SENT,
            attempts=F("attempts") + 1,
            sent_at=timezone.now(),
            last_error="",
            lease_until=None,
            body=Case(
                When(body_is_secret=True, then=Value("")),
                default=F("body"),
                output_field=TextField(),
            ),
        )
    )


def unreached_release(deliveries: list[EmailDelivery]) -> None:
    """Give back claimed rows this run never handed to the relay (it stopped on an error of
    its own): due at once, as they were, with nothing counted against them."""
    if not deliveries:
        return
    on_fresh_connection(
        lambda: EmailDelivery.objects.filter(
            pk__in=[d.pk for d in deliveries], status=EmailDelivery.Status.SENDING
        ).update(
            status=Case(
                When(uncertain_handovers__gt=0, then=Value(EmailDelivery.Status.UNKNOWN)),
                default=Value(EmailDelivery.Status.PENDING),
                output_field=CharField(),
            ),
            lease_until=None,
            next_attempt_at=timezone.now(),
        )
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


def failure_record(delivery: EmailDelivery, exc: Exception) -> tuple[str, timedelta | None]:
    """Write what this failed attempt leaves on the row; the outcome and, when the row is to be
    sent again, after how long.

    - no answer to the end of DATA: "unknown", sent again once (never a third time);
    - a row that may already have reached its recipient is never "failed": it stays "unknown";
    - otherwise a temporary failure waits for its next attempt, a permanent one is "failed".
    """
    attempts = delivery.attempts + 1
    uncertain = delivery.uncertain_handovers + isinstance(exc, OutcomeUnknown)
    reason = f"{type(exc).__name__}: {exc}"[:500]
    final = (
        is_permanent(exc)
        or attempts >= settings.ICONET_DELIVERY_MAX_ATTEMPTS
        or uncertain >= UNCERTAIN_HANDOVERS_MAX
    )
    if uncertain:
        status = EmailDelivery.Status.UNKNOWN
    else:
        status = EmailDelivery.Status.FAILED if final else EmailDelivery.Status.PENDING
    delay = None if final else backoff(attempts)
    on_fresh_connection(
        lambda: EmailDelivery.objects.filter(pk=delivery.pk).update(
            status=status,
            attempts=attempts,
            uncertain_handovers=uncertain,
            last_error=reason,
            lease_until=None,
            next_attempt_at=None if delay is None else timezone.now() + delay,
        )
    )
    if final:
        logger.warning("delivery %s ends %s: %s", delivery.pk, status, reason)
        return str(status), None
    logger.warning("delivery %s attempt %s: %s", delivery.pk, attempts, reason)
    return "retry", delay


def payload_parts(delivery: EmailDelivery) -> tuple[str, str] | None:
    """The envelope address and the per-row header lines of `delivery`, when both are plain
    printable ASCII that needs no encoding; None sends the row through Django's own message
    building (an internationalised address, say)."""
    address, key = delivery.to_email, delivery.key
    if not (address.isascii() and address.isprintable() and key.isascii() and key.isprintable()):
        return None
    if any(c in address for c in ' ,;<>"()'):
        return None
    headers = f"To: {address}\r\nMessage-ID: {message_id(delivery)}\r\nX-ICONet-Delivery: {key}\r\n"
    return address, headers


class PreparedMessages:
    """The messages of one batch, each distinct subject and body built into MIME once (a
    publication's mails differ by language and marking, not by recipient); each row only adds
    its own To, Message-ID and X-ICONet-Delivery lines."""

    def __init__(self):
        self.from_email = sanitize_address(settings.DEFAULT_FROM_EMAIL, settings.DEFAULT_CHARSET)
        self.built: dict[tuple[str, str], bytes | Exception] = {}

    def common(self, subject: str, body: str) -> bytes:
        """The headers shared by every copy (Subject, From, Date, MIME) and the encoded body;
        raises what Django's message building raises (a header with a newline...)."""
        found = self.built.get((subject, body))
        if found is None:
            try:
                message = EmailMessage(
                    subject=subject,
                    body=body,
                    to=["placeholder@iconet.invalid"],
                    headers={"Message-ID": "<placeholder@iconet.invalid>"},
                ).message()
                del message["To"]
                del message["Message-ID"]
                found = message.as_bytes(linesep="\r\n")
            except Exception as exc:  # noqa: BLE001 - every copy of this message fails alike
                found = exc
            self.built[(subject, body)] = found
        if isinstance(found, Exception):
            raise found
        return found

    def send(self, delivery: EmailDelivery, connection) -> None:
        """Hand `delivery` to the relay over `connection`; raises on any failure."""
        attached_files = delivery.attachments or []
        if isinstance(attached_files, str):  # read by UPDATE ... RETURNING, not decoded
            attached_files = json.loads(attached_files)
        parts = payload_parts(delivery) if hasattr(connection, "send_prepared") else None
        if parts is None or attached_files:
            # Another backend (console, file...), an address that needs encoding, or a message
            # with files of its own (a meeting's calendar file): built whole for this row.
            message = EmailMessage(
                subject=delivery.subject,
                body=delivery.body,
                to=[delivery.to_email],
                headers={"X-ICONet-Delivery": delivery.key, "Message-ID": message_id(delivery)},
                connection=connection,
            )
            for attached in attached_files:
                message.attach(attached["name"], attached["content"], attached["mimetype"])
            message.send(fail_silently=False)
            return
        address, headers = parts
        payload = headers.encode("ascii") + self.common(delivery.subject, delivery.body)
        connection.send_prepared(self.from_email, [address], payload)


def email_send(delivery: EmailDelivery, connection, prepared: PreparedMessages) -> str:
    """Send one claimed outbox row over `connection`; temporary failures go back to pending with
    a delay, permanent ones are marked failed with their reason, and a message the relay may
    hold without having said so is "unknown" (see `failure_record`). A row the relay accepted
    answers "sent" and is marked so by the caller, with the rest of its batch."""
    try:
        # Opened here rather than by `send`, which would close a connection it opened itself:
        # the rows of one task share one SMTP session.
        connection.open()
        prepared.send(delivery, connection)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
        # The session may be broken (timeout, disconnect): the next row opens a fresh one.
        try:
            connection.close()
        except (OSError, smtplib.SMTPException):
            pass
        outcome, delay = failure_record(delivery, exc)
        if delay is not None:
            email_deliver.apply_async(
                (delivery.pk,), countdown=delay.total_seconds(), priority=delivery.priority
            )
        return outcome
    return "sent"


# Each task keeps the name it had before its module moved, so that queued messages and
# beat's schedule still reach it.
@shared_task(
    name="iconet.tasks.email_deliver",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def email_deliver(delivery_id: int) -> str:
    """Send one outbox row at most once (a retry, or a row handed over by the sweep)."""
    return emails_deliver([delivery_id])[0]


@shared_task(
    name="iconet.tasks.emails_deliver",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def emails_deliver(delivery_ids: list[int]) -> list[str]:
    """Send several outbox rows over one SMTP connection, each at most once: one statement
    claims the batch under a lease, each distinct message is built once, and one statement
    marks the rows the relay accepted as sent."""
    claimed = emails_claim(delivery_ids)
    outcomes = {pk: "skipped" for pk in delivery_ids}
    if not claimed:
        return [outcomes[pk] for pk in delivery_ids]
    claimed_ids = [row.pk for row in claimed]
    connection = get_connection(fail_silently=False)
    if hasattr(connection, "on_slow_reply"):
        # A relay slow to answer the end of DATA: the batch's claim holds for the whole wait,
        # so that the sweep does not take a slow relay for a dead worker.
        connection.on_slow_reply = lambda: leases_extend(
            claimed_ids, extra=timedelta(seconds=settings.EMAIL_DATA_TIMEOUT)
        )
    prepared = PreparedMessages()
    accepted: list[EmailDelivery] = []
    remaining = list(reversed(claimed))
    # Half-way through the lease, the rows accepted so far are marked sent and the others'
    # claim renewed: a long batch neither loses its lease nor leaves its "sent" marks for late.
    renew_every = lease_time().total_seconds() / 2
    renew_at = time.monotonic() + renew_every
    try:
        while remaining:
            if time.monotonic() >= renew_at:
                sent_record(accepted)
                accepted = []
                leases_extend([row.pk for row in remaining])
                renew_at = time.monotonic() + renew_every
            delivery = remaining.pop()
            outcome = email_send(delivery, connection, prepared)
            outcomes[delivery.pk] = outcome
            if outcome == "sent":
                accepted.append(delivery)
    finally:
        try:
            connection.close()
        except (OSError, smtplib.SMTPException):
            pass
        # The window in which a crash makes the sweep send a row again (at most once): from
        # the relay's answer to this autocommit UPDATE, written again on a new database
        # connection if this one was lost.
        sent_record(accepted)
        unreached_release(remaining)
    return [outcomes[pk] for pk in delivery_ids]


def emails_hand_over(delivery_ids: list[int], priority: int) -> None:
    """Queue delivery tasks for these rows, in chunks that share a connection."""
    for start in range(0, len(delivery_ids), DELIVERY_CHUNK):
        emails_deliver.apply_async(
            (delivery_ids[start : start + DELIVERY_CHUNK],), priority=priority
        )


@shared_task(name="iconet.tasks.email_sweep_pending", ignore_result=True)
def email_sweep_pending(limit: int = 500) -> int:
    """Release expired leases (a worker died mid-send) and hand over again every row still due
    (broker down at publication, worker lost...), urgent rows first."""
    now = timezone.now()
    # The worker may have died after the relay accepted the message: the row is sent again at
    # most once, like one whose end of DATA went unanswered.
    EmailDelivery.objects.filter(status=EmailDelivery.Status.SENDING).filter(
        Q(lease_until__lt=now) | Q(lease_until__isnull=True, claimed_at__lt=now - lease_time())
    ).update(
        status=EmailDelivery.Status.UNKNOWN,
        uncertain_handovers=F("uncertain_handovers") + 1,
        last_error=Left(Concat(Value("Lease expired during the send; "), F("last_error")), 500),
        lease_until=None,
        next_attempt_at=Case(
            When(uncertain_handovers__gte=UNCERTAIN_HANDOVERS_MAX - 1, then=None),
            default=Value(now),
        ),
    )
    rows = list(
        EmailDelivery.objects.filter(delivery_due())
        .order_by("priority", "created_at", "pk")
        .values_list("pk", "priority")[:limit]
    )
    for priority in sorted({p for _pk, p in rows}):
        emails_hand_over([pk for pk, p in rows if p == priority], priority)
    sweep_heartbeat_record()
    return len(rows)
