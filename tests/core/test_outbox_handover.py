"""The outbox when the relay or the database fails after the message was handed over, with a
real SMTP server on loopback, a real Celery worker on the real Redis broker and the real
PostgreSQL: a relay slow to answer the end of DATA gets one copy, a relay that never answers
gets at most two and the row says "outcome unknown" (never "failed"), and a database connection
cut right after the relay accepted makes no duplicate."""

import asyncio
import time
from collections import Counter

import psycopg
import pytest
from django.db import connection

from iconet.models import EmailDelivery
from iconet.outbox.services.notify import emails_enqueue
from iconet.outbox.tasks import email_sweep_pending
from tests.conftest import until


def relay(smtp_server, *, answer_after: float = 0.0, before_answer=None):
    """Make the loopback relay keep each message on receipt, then (after `answer_after`
    seconds, and `before_answer()`) accept it."""

    async def handle_DATA(server, session, envelope):
        from email import message_from_bytes

        with smtp_server._lock:
            smtp_server.messages.append(message_from_bytes(envelope.content))
        if before_answer is not None:
            before_answer()
        await asyncio.sleep(answer_after)
        return "250 Message accepted for delivery"

    smtp_server.controller.handler.handle_DATA = handle_DATA


def enqueue(users, prefix: str) -> list[EmailDelivery]:
    rows = emails_enqueue(
        [
            {"key": f"{prefix}:{user.pk}", "recipient": user, "subject": "Alert", "body": "Hi."}
            for user in users
        ]
    )
    return list(rows.values())


def sweeping(seconds: float) -> None:
    """Beat's job, every half second for `seconds`: any lease that ran out is taken back."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        email_sweep_pending()
        time.sleep(0.5)


def copies(smtp_server) -> Counter:
    return Counter(m["Message-ID"] for m in smtp_server.messages)


@pytest.mark.django_db(transaction=True)
def test_a_relay_slow_to_answer_the_end_of_data_gets_each_mail_once(
    cast, smtp_server, celery_worker, settings
):
    # The relay answers the end of DATA after 3 s: three times the command timeout, and beyond
    # the claim's lease; the end-of-DATA wait (10 minutes by default) covers it.
    settings.EMAIL_TIMEOUT = 1
    settings.ICONET_DELIVERY_LEASE_SECONDS = 2
    settings.ICONET_DELIVERY_RETRY_SECONDS = 1
    relay(smtp_server, answer_after=3)
    users = [cast.de_ncp, cast.nl_ncp, cast.be_ncp]
    rows = enqueue(users, "slow-relay")
    sweeping(12)
    assert until(
        lambda: (
            set(
                EmailDelivery.objects.filter(pk__in=[r.pk for r in rows]).values_list(
                    "status", flat=True
                )
            )
            == {"sent"}
        ),
        timeout=20,
    )
    time.sleep(1)  # a duplicate would arrive now
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(u.email for u in users)
    assert set(copies(smtp_server).values()) == {1}
    assert {r.attempts for r in EmailDelivery.objects.filter(pk__in=[r.pk for r in rows])} == {1}


@pytest.mark.django_db(transaction=True)
def test_a_relay_that_never_answers_the_end_of_data_gets_at_most_two_copies(
    cast, smtp_server, celery_worker, settings
):
    # Every copy reaches the relay, which answers only after the client stopped waiting.
    settings.EMAIL_TIMEOUT = 1
    settings.EMAIL_DATA_TIMEOUT = 1
    settings.ICONET_DELIVERY_RETRY_SECONDS = 1
    relay(smtp_server, answer_after=3)
    (row,) = enqueue([cast.fr_ncp], "silent-relay")
    assert until(lambda: EmailDelivery.objects.get(pk=row.pk).uncertain_handovers == 2, timeout=20)
    sweeping(4)  # neither the sweep nor a retry sends it a third time
    row.refresh_from_db()
    assert row.status == EmailDelivery.Status.UNKNOWN and row.next_attempt_at is None
    assert "OutcomeUnknown" in row.last_error
    assert list(copies(smtp_server).values()) == [2]  # the same Message-ID twice
    assert email_sweep_pending() == 0


@pytest.mark.django_db(transaction=True)
def test_one_unanswered_end_of_data_is_sent_once_more_and_then_says_sent(
    cast, smtp_server, celery_worker, settings
):
    settings.EMAIL_TIMEOUT = 1
    settings.EMAIL_DATA_TIMEOUT = 1
    settings.ICONET_DELIVERY_RETRY_SECONDS = 1
    answers = []

    def slow_first_time():
        answers.append(1)

    async def handle_DATA(server, session, envelope):
        from email import message_from_bytes

        with smtp_server._lock:
            smtp_server.messages.append(message_from_bytes(envelope.content))
        slow_first_time()
        if len(answers) == 1:
            await asyncio.sleep(3)
        return "250 Message accepted for delivery"

    smtp_server.controller.handler.handle_DATA = handle_DATA
    (row,) = enqueue([cast.fr_ncp], "one-silence")
    assert until(lambda: EmailDelivery.objects.get(pk=row.pk).status == "sent", timeout=20)
    row.refresh_from_db()
    assert row.uncertain_handovers == 1 and row.attempts == 2
    assert list(copies(smtp_server).values()) == [2]


def terminate_other_backends(keep: set[int]) -> None:
    """pg_terminate_backend of every connection to the test database but `keep`'s, and wait
    until they are gone."""
    conf = connection.settings_dict
    with psycopg.connect(
        dbname=conf["NAME"],
        user=conf["USER"],
        password=conf["PASSWORD"] or None,
        host=conf["HOST"] or None,
        port=conf["PORT"] or None,
        autocommit=True,
    ) as killer:
        others = """SELECT pid FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> ALL(%s)"""
        victims = [pid for (pid,) in killer.execute(others, [list(keep)]).fetchall()]
        for pid in victims:
            killer.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            alive = killer.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [victims]
            ).fetchone()[0]
            if not alive:
                return
            time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_database_connection_cut_after_the_relay_accepted_makes_no_duplicate(
    cast, smtp_server, celery_worker, settings
):
    settings.ICONET_DELIVERY_LEASE_SECONDS = 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (test_pid,) = cursor.fetchone()
    cuts = []

    def cut_the_workers_connection():
        # The relay has the whole message and is about to accept it: the worker's database
        # connection dies before it can write "sent".
        terminate_other_backends(keep={test_pid})
        cuts.append(1)

    relay(smtp_server, before_answer=cut_the_workers_connection)
    users = [cast.de_ncp, cast.nl_ncp, cast.be_ncp]
    rows = enqueue(users, "cut-connection")
    assert until(
        lambda: (
            set(
                EmailDelivery.objects.filter(pk__in=[r.pk for r in rows]).values_list(
                    "status", flat=True
                )
            )
            == {"sent"}
        ),
        timeout=30,
    )
    sweeping(4)  # the leases would have run out by now: nothing is taken back
    assert len(cuts) == len(users)
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(u.email for u in users)
    assert set(copies(smtp_server).values()) == {1}
    assert set(
        EmailDelivery.objects.filter(pk__in=[r.pk for r in rows]).values_list(
            "uncertain_handovers", flat=True
        )
    ) == {0}


@pytest.mark.django_db
def test_a_row_whose_worker_died_is_sent_again_once_and_then_left_unknown(cast):
    from datetime import timedelta

    from django.utils import timezone

    expired = timezone.now() - timedelta(seconds=1)
    row = EmailDelivery.objects.create(
        key="died-holding-it",
        recipient=cast.de_ncp,
        to_email=cast.de_ncp.email,
        subject="Alert",
        body="Hi.",
        status=EmailDelivery.Status.SENDING,
        lease_until=expired,
    )
    # The worker died with the row in flight: the relay may have it. Sent again once...
    assert email_sweep_pending() == 1
    row.refresh_from_db()
    assert (row.status, row.uncertain_handovers) == ("unknown", 1)
    assert row.next_attempt_at is not None
    # ...and when the worker of that resend dies as well, never a third time.
    EmailDelivery.objects.filter(pk=row.pk).update(status="sending", lease_until=expired)
    assert email_sweep_pending() == 0
    row.refresh_from_db()
    assert (row.status, row.uncertain_handovers, row.next_attempt_at) == ("unknown", 2, None)


@pytest.mark.django_db
def test_the_owner_sees_an_unknown_outcome_where_deliveries_are_shown(cast, client_for):
    from django.contrib.contenttypes.models import ContentType
    from django.urls import reverse

    from iconet.dashboard.panels import dashboard_panels
    from iconet.models import ItemRecipient
    from tests.items import item_make

    item = item_make("alerts.alert", author=cast.fr_ncp, audience="network")
    email = EmailDelivery.objects.create(
        key="unknown-on-the-page",
        recipient=cast.de_ncp,
        to_email=cast.de_ncp.email,
        subject="Alert",
        body="Hi.",
        status=EmailDelivery.Status.UNKNOWN,
        uncertain_handovers=2,
    )
    ItemRecipient.objects.create(
        content_type=ContentType.objects.get_for_model(type(item)),
        object_id=item.pk,
        user=cast.de_ncp,
        organisation_id=cast.de_ncp.organisation_id,
        reason="destination",
        email=email,
    )
    panels = {panel.key: panel for panel in dashboard_panels(cast.fr_ncp)}
    assert panels["failed_deliveries"].count == 1
    page = client_for(cast.fr_ncp).get(
        reverse("sharing:recipients", args=[item.type_slug(), item.pk])
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "Outcome unknown" in text and "may have arrived" in text
    assert "Failed" not in text


@pytest.mark.django_db(transaction=True)
def test_a_batch_shares_one_smtp_session_and_costs_two_statements(cast, smtp_server):
    from django.test.utils import CaptureQueriesContext

    from iconet.outbox.tasks import emails_deliver

    sessions = []

    async def handle_EHLO(server, session, envelope, hostname, responses):
        sessions.append(hostname)
        session.host_name = hostname
        return responses

    smtp_server.controller.handler.handle_EHLO = handle_EHLO
    users = [cast.de_ncp, cast.nl_ncp, cast.be_ncp, cast.fr_ncp]
    rows = [
        EmailDelivery.objects.create(
            key=f"batch:{user.pk}",
            recipient=user,
            to_email=user.email,
            subject="Alert",
            body="Hi.",
        )
        for user in users
    ]
    with CaptureQueriesContext(connection) as queries:
        outcomes = emails_deliver([row.pk for row in rows])  # as the worker runs the task
    assert outcomes == ["sent"] * len(users)
    assert len(smtp_server.wait_for(len(users))) == len(users)
    assert len(sessions) == 1  # one connection for the whole batch
    # The claim reads the rows as it takes them (UPDATE ... RETURNING); the "sent" update.
    assert len(queries) == 2, [q["sql"][:60] for q in queries]
    assert set(EmailDelivery.objects.values_list("status", "attempts")) == {("sent", 1)}
    # Each copy of the one message built for the batch is addressed to its own recipient.
    messages = smtp_server.messages
    assert sorted(m["To"] for m in messages) == sorted(u.email for u in users)
    assert len({m["Message-ID"] for m in messages}) == len(users)
    assert {m["X-ICONet-Delivery"] for m in messages} == {f"batch:{u.pk}" for u in users}
    assert {m["Subject"] for m in messages} == {"Alert"}


@pytest.mark.django_db(transaction=True)
def test_a_batch_longer_than_its_lease_keeps_its_claim_and_sends_each_mail_once(
    cast, smtp_server, celery_worker, settings
):
    # Each mail takes 0.6 s to be accepted (within the command timeout): the batch of five
    # lasts longer than the 2 s lease, while the sweep runs every half second.
    settings.ICONET_DELIVERY_LEASE_SECONDS = 2
    relay(smtp_server, answer_after=0.6)
    users = [cast.de_ncp, cast.nl_ncp, cast.be_ncp, cast.fr_ncp, cast.it_ncp]
    rows = enqueue(users, "long-batch")
    sweeping(6)
    assert until(
        lambda: (
            set(
                EmailDelivery.objects.filter(pk__in=[r.pk for r in rows]).values_list(
                    "status", flat=True
                )
            )
            == {"sent"}
        ),
        timeout=20,
    )
    time.sleep(1)  # a duplicate would arrive now
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(u.email for u in users)
    assert set(copies(smtp_server).values()) == {1}
    assert {
        r.uncertain_handovers for r in EmailDelivery.objects.filter(pk__in=[r.pk for r in rows])
    } == {0}
