"""Fault injection: a Celery worker killed with SIGKILL in the middle of an alert's fan-out.

Creates a database of its own (iconet_worker_crash, dropped at the end), seeds national
services with their alerts contact points, starts a real SMTP sink on loopback and a real
Celery worker process (`celery -A iconet worker`, prefork as in docker-compose.yml) on a queue
of its own on the real Redis broker, publishes one immediate alert to every contact point
through `iconet.sharing.services.item_publish`, kills the worker and its children with SIGKILL once
part of the mail has arrived, then starts another worker and beat (whose outbox sweep hands
over what the dead worker left), and counts the mails each recipient received.

Prints the duplicates (and whether they carry the same Message-ID), the time from the kill to
the last mail, and the time from the publication to the last mail.

    .venv/bin/python bench/worker_crash.py [--recipients 200] [--kill-after 60]
        [--smtp-delay 0.05] [--accept-first]
"""

import argparse
import collections
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iconet.settings")
DATABASE = "iconet_worker_crash"


def bench_database_url() -> str:
    import environ

    if "ICONET_ENV" not in os.environ:
        environ.Env.read_env(ROOT / "var" / "services.env", overwrite=False)
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/iconet")
    base, _, query = url.partition("?")
    base = base.rsplit("/", 1)[0] + f"/{DATABASE}"
    return f"{base}?{query}" if query else base


os.environ["DATABASE_URL"] = bench_database_url()
QUEUE = f"iconet-crash-{uuid.uuid4().hex[:8]}"
os.environ["CELERY_QUEUE"] = QUEUE

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402


def server_connection():
    import psycopg

    db = settings.DATABASES["default"]
    params = {
        k: v
        for k, v in {
            "host": db.get("HOST"),
            "port": db.get("PORT") or None,
            "user": db.get("USER") or None,
            "password": db.get("PASSWORD") or None,
        }.items()
        if v
    }
    return psycopg.connect(dbname="postgres", autocommit=True, **params)


def database_create() -> None:
    with server_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')


def database_drop() -> None:
    connection.close()
    with server_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


class SmtpSink:
    """An SMTP server on loopback that keeps, per recipient, the Message-IDs it received."""

    def __init__(self, delay: float, accept_first: bool = False):
        from email import message_from_bytes

        from aiosmtpd.controller import Controller

        self.received = collections.defaultdict(list)  # address -> [Message-ID]
        self.count = 0
        self.last_at = 0.0
        self.lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                import asyncio

                # A relay takes a moment per message; it lets the kill land mid-batch. With
                # `accept_first`, it keeps the message before that moment, as a relay that
                # accepted it and whose answer the killed worker never read.
                if not accept_first:
                    await asyncio.sleep(delay)
                message_id = message_from_bytes(envelope.content)["Message-ID"]
                with sink.lock:
                    for address in envelope.rcpt_tos:
                        sink.received[address].append(message_id)
                        sink.count += 1
                    sink.last_at = time.monotonic()
                if accept_first:
                    await asyncio.sleep(delay)
                return "250 Message accepted for delivery"

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)


def seed(recipients: int):
    from django.contrib.auth.hashers import make_password

    from iconet.directory.data import countries_ensure
    from iconet.models import Area, Country, Organisation, User

    countries_ensure()
    codes = list(Country.objects.order_by("code").values_list("code", flat=True))[:27]
    services = {
        code: Organisation.objects.create(
            name=f"Border service {code}", short_name=f"BS-{code}", country_id=code
        )
        for code in codes
    }
    owner_org = Organisation.objects.create(
        name="Reporting service FR", short_name="RS-FR", country_id="FR"
    )
    password = make_password("bench-crash")
    User.objects.bulk_create(
        [
            User(
                username=f"ncp{n}",
                email=f"ncp{n}@example.test",
                password=password,
                organisation=services[codes[n % len(codes)]],
                areas=[Area.ALERTS],
                ncp_areas=[Area.ALERTS],
            )
            for n in range(recipients)
        ]
    )
    author = User.objects.create(
        username="author",
        email="author@example.test",
        password=password,
        organisation=owner_org,
        areas=[Area.ALERTS],
        ncp_areas=[Area.ALERTS],
    )
    return author, codes


def process_env(smtp_port: int, lease: int) -> dict:
    return {
        **os.environ,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "ICONET_DELIVERY_LEASE_SECONDS": str(lease),
        "LOG_LEVEL": "WARNING",
    }


def worker_start(name: str, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "iconet",
            "worker",
            "--pool=prefork",
            "--concurrency=2",
            "-Q",
            QUEUE,
            "-n",
            f"{name}-{QUEUE}@%h",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,  # its own process group, killed as one
    )
    from iconet import celery_app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replies = celery_app.control.ping(timeout=0.5) or []
        if any(f"{name}-{QUEUE}" in worker for reply in replies for worker in reply):
            return process
        if process.poll() is not None:
            raise SystemExit("the worker did not start")
    os.killpg(process.pid, signal.SIGTERM)
    raise SystemExit("the worker did not answer within 60 s")


def beat_start(env: dict, directory: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "iconet",
            "beat",
            "-l",
            "warning",
            "-s",
            os.path.join(directory, "celerybeat-schedule"),
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=200)
    parser.add_argument(
        "--kill-after", type=int, default=60, help="mails received before the SIGKILL"
    )
    parser.add_argument(
        "--smtp-delay", type=float, default=0.05, help="seconds the sink takes per mail"
    )
    parser.add_argument(
        "--lease",
        type=int,
        default=settings.ICONET_DELIVERY_LEASE_SECONDS,
        help="ICONET_DELIVERY_LEASE_SECONDS of the workers (production default)",
    )
    parser.add_argument(
        "--accept-first",
        action="store_true",
        help="the sink keeps each message before its delay: every mail in flight at the kill "
        "was accepted, and its answer lost",
    )
    parser.add_argument("--timeout", type=int, default=600)
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()

    database_create()
    connection.close()
    call_command("migrate", verbosity=0)
    author, codes = seed(args.recipients)

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    sink = SmtpSink(args.smtp_delay, accept_first=args.accept_first)
    sink.controller.start()
    env = process_env(sink.port, args.lease)
    workdir = tempfile.mkdtemp(prefix="iconet-crash-")
    processes = []
    try:
        import datetime

        from django.db.models import Q

        from alerts.models import Alert
        from iconet.models import EmailDelivery
        from iconet.sharing.services import item_create, item_publish

        first = worker_start("first", env)
        processes.append(first)
        alert = item_create(
            actor=author,
            item=Alert(
                headline="Fault injection: worker killed mid-batch",
                summary="Aggregate figures only.",
                period_from=datetime.date.today(),
                urgency="immediate",
            ),
        )
        alert.destination_states.set(codes)
        started = time.monotonic()
        told = len(item_publish(actor=author, item=alert, audience="network", marking="AMBER"))
        while sink.count < args.kill_after and time.monotonic() < started + 60:
            time.sleep(0.005)
        os.killpg(first.pid, signal.SIGKILL)
        killed = time.monotonic()
        first.wait()
        at_kill = sink.count
        statuses_at_kill = collections.Counter(
            EmailDelivery.objects.filter(key__startswith=f"alert:{alert.pk}:").values_list(
                "status", flat=True
            )
        )
        processes.append(worker_start("second", env))
        processes.append(beat_start(env, workdir))

        # Until every recipient has a mail and the outbox has settled: the rows that were
        # being sent at the kill are sent again once their lease expires (the duplicates).
        outbox = EmailDelivery.objects.filter(key__startswith=f"alert:{alert.pk}:")
        deadline = killed + args.timeout
        everyone_at = None
        while time.monotonic() < deadline:
            with sink.lock:
                if everyone_at is None and len(sink.received) >= told:
                    everyone_at = sink.last_at
            # Settled: nothing pending or being sent, and no unknown outcome still due for its
            # one resend.
            unsettled = outbox.filter(
                Q(status__in=["pending", "sending"])
                | Q(status="unknown", next_attempt_at__isnull=False)
            )
            if everyone_at and not unsettled.exists():
                break
            time.sleep(0.2)
        time.sleep(2)  # a resend still in flight would be counted too
        with sink.lock:
            per_recipient = {address: list(ids) for address, ids in sink.received.items()}
            last_at = sink.last_at
        duplicates = {a: ids for a, ids in per_recipient.items() if len(ids) > 1}
        same_id = sum(1 for ids in duplicates.values() if len(set(ids)) == 1)
        statuses = collections.Counter(
            EmailDelivery.objects.filter(key__startswith=f"alert:{alert.pk}:").values_list(
                "status", flat=True
            )
        )
        print(f"recipients:                      {told}")
        print(
            f"worker SIGKILLed after:          {at_kill} mails, "
            f"{killed - started:.1f} s after the publication"
        )
        print(f"outbox at the kill:              {dict(statuses_at_kill)}")
        sweep = settings.CELERY_BEAT_SCHEDULE["sweep-pending-email"]["schedule"]
        print(f"claim lease, sweep interval:     {args.lease} s, {sweep:.0f} s")
        print(f"recipients who got the mail:     {len(per_recipient)} of {told}")
        print(f"mails received:                  {sum(len(ids) for ids in per_recipient.values())}")
        print(
            f"duplicates:                      {sum(len(ids) - 1 for ids in duplicates.values())} "
            f"({len(duplicates)} recipients; {same_id} of them with the same Message-ID twice)"
        )
        most = max((len(ids) for ids in per_recipient.values()), default=0)
        print(f"most copies of one mail:         {most} (at most one resend: 2)")
        if everyone_at:
            print(f"kill to every recipient served:  {everyone_at - killed:.1f} s")
        print(f"kill to last mail:               {last_at - killed:.1f} s")
        print(f"publication to last mail:        {last_at - started:.1f} s")
        print(f"outbox at the end:               {dict(statuses)}")
        if len(per_recipient) < told:
            print(
                f"INCOMPLETE: {told - len(per_recipient)} recipients got nothing "
                f"within {args.timeout} s"
            )
    finally:
        for process in processes:
            stop(process)
        sink.controller.stop()
        if not args.keep_database:
            database_drop()


if __name__ == "__main__":
    main()
