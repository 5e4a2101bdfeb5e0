"""Benchmark of an alert's fan-out: one alert, 500 recipients in 31 Member States.

Creates a database of its own (iconet_fanout, dropped at the end), seeds one national
service per participating state with its alerts contact points, starts a real SMTP sink
on loopback and one real Celery worker process on a queue of its own (the real Redis
broker), publishes one immediate alert through `iconet.sharing.services.item_publish`, and prints
the time from the publish call to the last e-mail received, the time per recipient, and its
ratio to the raw SMTP floor: the same mails handed to the same sink by smtplib alone over one
connection, in the same run.

Each run publishes a new alert to the same contact points (after one warm-up publication, as a
running portal is warm); its floor is measured just before and just after it, and the ratio is
taken to the faster of the two (on a shared machine the floor moves with the other jobs). Each
run also measures the sink's capacity: the same mails, built beforehand, sent over as many
connections as the worker has processes, from as many processes; no sender can beat it on this
machine. The summary gives min/median/max over the runs, with the worker's resident memory
after each run.

    .venv/bin/python bench/fanout.py [--recipients 500] [--repeat 3] [--keep-database]
"""

import argparse
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iconet.settings")
DATABASE = "iconet_fanout"


def bench_database_url() -> str:
    import environ

    if "ICONET_ENV" not in os.environ:
        environ.Env.read_env(ROOT / "var" / "services.env", overwrite=False)
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/iconet")
    base, _, query = url.partition("?")
    base = base.rsplit("/", 1)[0] + f"/{DATABASE}"
    return f"{base}?{query}" if query else base


os.environ["DATABASE_URL"] = bench_database_url()
QUEUE = f"iconet-fanout-{uuid.uuid4().hex[:8]}"
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
    """An SMTP server on loopback that counts what it receives and notes when."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.count = 0
        self.last_at = 0.0
        self.lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                with sink.lock:
                    sink.count += 1
                    sink.last_at = time.perf_counter()
                return "250 Message accepted for delivery"

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def start(self) -> int:
        self.controller.start()
        return self.port

    def stop(self) -> None:
        self.controller.stop()


def seed(recipients: int):
    from django.contrib.auth.hashers import make_password

    from iconet.directory.data import countries_ensure
    from iconet.models import Area, Country, Organisation, User

    countries_ensure()
    codes = list(Country.objects.order_by("code").values_list("code", flat=True))
    services = {
        code: Organisation.objects.create(
            name=f"Border service {code}", short_name=f"BS-{code}", country_id=code
        )
        for code in codes
    }
    owner_org = Organisation.objects.create(
        name="Reporting service FR", short_name="RS-FR", country_id="FR"
    )
    password = make_password("bench-fanout")
    users = [
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
    User.objects.bulk_create(users)
    author = User.objects.create(
        username="author",
        email="author@example.test",
        password=password,
        organisation=owner_org,
        areas=[Area.ALERTS],
        ncp_areas=[Area.ALERTS],
    )
    return author, codes


def worker_start(smtp_port: int, pool: str, concurrency: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "iconet",
            "worker",
            f"--pool={pool}",
            f"--concurrency={concurrency}",
            "-Q",
            QUEUE,
            "-n",
            f"{QUEUE}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    from iconet import celery_app

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        replies = celery_app.control.ping(timeout=0.5) or []
        if any(QUEUE in name for reply in replies for name in reply):
            return process
        if process.poll() is not None:
            raise SystemExit("the worker did not start")
    process.terminate()
    raise SystemExit("the worker did not answer within 30 s")


def publication_mails(alert_pk: int, count: int) -> list[tuple[str, str, str]]:
    """(address, subject, body) of the first `count` mails of an alert's publication, as the
    outbox holds them."""
    from iconet.models import EmailDelivery

    return list(
        EmailDelivery.objects.filter(key__startswith=f"alert:{alert_pk}:").values_list(
            "to_email", "subject", "body"
        )
    )[:count]


def plain_message(to_email: str, subject: str, body: str, message_id: str):
    """The mail as smtplib's user would build it: the standard library's message, no portal
    code."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = settings.DEFAULT_FROM_EMAIL
    message["To"] = to_email
    message["Subject"] = subject
    message["Message-ID"] = f"<{message_id}@bench.invalid>"
    message.set_content(body)
    return message


def raw_smtp_floor(sink: SmtpSink, port: int, alert_pk: int, count: int) -> float:
    """Seconds to hand the same mails (their subject and body as the outbox holds them) to the
    same sink with smtplib alone, over one connection: what no portal can beat."""
    import smtplib

    rows = publication_mails(alert_pk, count)
    with sink.lock:
        sink.count = 0
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as client:
        for number, (to_email, subject, body) in enumerate(rows):
            client.send_message(plain_message(to_email, subject, body, f"floor-{number}"))
    while sink.count < len(rows):
        time.sleep(0.001)
    return sink.last_at - started


def _send_prepared(port: int, payloads: list[tuple[str, bytes]]) -> None:
    import smtplib

    with smtplib.SMTP("127.0.0.1", port) as client:
        for to_email, payload in payloads:
            client.sendmail("bench@iconet.invalid", [to_email], payload)


def sink_capacity(sink: SmtpSink, port: int, alert_pk: int, count: int, connections: int) -> float:
    """Seconds for the sink to receive the same mails, built beforehand, over `connections`
    connections at once from as many processes: the most this sink takes on this machine,
    whatever sends to it."""
    payloads = [
        (to_email, plain_message(to_email, subject, body, f"capacity-{number}").as_bytes())
        for number, (to_email, subject, body) in enumerate(publication_mails(alert_pk, count))
    ]
    shares = [payloads[n::connections] for n in range(connections)]
    # Forked senders that leave with os._exit: nothing of this process (its database connection,
    # the sink's thread) is closed or joined by them. Each waits on a pipe for the start.
    start_read, start_write = os.pipe()
    children = []
    for share in shares:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.read(start_read, 1)
                _send_prepared(port, share)
                code = 0
            finally:
                os._exit(code)
        children.append(pid)
    with sink.lock:
        sink.count = 0
    started = time.perf_counter()
    os.write(start_write, b"x" * len(children))
    for pid in children:
        _pid, status = os.waitpid(pid, 0)
        if status != 0:
            raise SystemExit("a sender of the capacity measure failed")
    os.close(start_read)
    os.close(start_write)
    while sink.count < len(payloads):
        time.sleep(0.001)
    return sink.last_at - started


def worker_memory(worker: subprocess.Popen) -> tuple[int, int]:
    """Resident and peak resident memory (KiB) of the worker's processes, summed."""
    pids = [worker.pid]
    try:
        children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    except OSError:
        children = []
    pids += [int(pid) for pid in children]
    rss = peak = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss += int(line.split()[1])
            elif line.startswith("VmHWM:"):
                peak += int(line.split()[1])
    return rss, peak


def alert_draft(author, codes, headline: str):
    import datetime

    from alerts.models import Alert
    from iconet.sharing.services import item_create

    alert = item_create(
        actor=author,
        item=Alert(
            headline=headline,
            summary="Aggregate figures only.",
            period_from=datetime.date.today(),
            urgency="immediate",
        ),
    )
    alert.destination_states.set(codes)
    return alert


def fan_out(sink: SmtpSink, author, codes, headline: str) -> tuple[int, float, float, int]:
    """Publish one alert to every contact point; (recipients told, seconds of the publish call,
    seconds from the publish call to the last e-mail received)."""
    from iconet.sharing.services import item_publish

    alert = alert_draft(author, codes, headline)
    with sink.lock:
        sink.count = 0
    started = time.perf_counter()
    told = item_publish(actor=author, item=alert, audience="network", marking="AMBER")
    published = time.perf_counter()
    deadline = started + 120
    while sink.count < len(told) and time.perf_counter() < deadline:
        time.sleep(0.01)
    if sink.count < len(told):
        print(f"INCOMPLETE: {sink.count} of {len(told)} e-mails arrived within 120 s")
    return len(told), published - started, sink.last_at - started, alert.pk


def spread(values: list[float], unit: str = "s") -> str:
    import statistics

    if len(values) == 1:
        return f"{values[0]:.2f} {unit}"
    return (
        f"min {min(values):.2f}, median {statistics.median(values):.2f}, "
        f"max {max(values):.2f} {unit}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3, help="publications measured in the run")
    parser.add_argument("--pool", default="prefork", help="as in docker-compose.yml (prefork)")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=2,
        help="child processes of the one worker (docker-compose: 2)",
    )
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()

    database_create()
    connection.close()
    call_command("migrate", verbosity=0)
    author, codes = seed(args.recipients)

    # The sink's own log line per SMTP command would cost more than the delivery.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    sink = SmtpSink()
    smtp_port = sink.start()
    worker = worker_start(smtp_port, args.pool, args.concurrency)
    try:
        # A running portal is warm: one publication to a single Member State's contact points
        # loads what the first one loads (URL patterns, the broker connection, the worker's
        # modules and templates) before anything is measured.
        fan_out(sink, author, codes[:1], "Warm-up")
        # The first floor sends the mails of a publication made for it.
        floor_count, _publish, _total, floor_pk = fan_out(sink, author, codes, "Floor's mails")
        rss_before, _peak = worker_memory(worker)
        totals, publishes, floors, ratios, rss_after = [], [], [], [], []
        capacities: list[float] = []
        for run in range(args.repeat):
            floor_before = raw_smtp_floor(sink, smtp_port, floor_pk, floor_count)
            told, publish, total, alert_pk = fan_out(
                sink, author, codes, f"Benchmark {run}: new route through the eastern land border"
            )
            floor_after = raw_smtp_floor(sink, smtp_port, alert_pk, told)
            floor_pk, floor_count = alert_pk, told
            floor = min(floor_before, floor_after)
            capacity = sink_capacity(sink, smtp_port, alert_pk, told, args.concurrency)
            capacities.append(capacity)
            rss, peak = worker_memory(worker)
            totals.append(total)
            publishes.append(publish)
            floors.append(floor)
            ratios.append(total / floor)
            rss_after.append(rss)
            print(
                f"run {run + 1}: {told} recipients, publish call {publish:.2f} s, last e-mail "
                f"after {total:.2f} s, floor {floor_before:.2f} s before and {floor_after:.2f} s "
                f"after, ratio {total / floor:.2f}x, sink capacity {capacity:.2f} s, "
                f"worker memory {rss / 1024:.0f} MiB (peak {peak / 1024:.0f} MiB)"
            )
        print(f"worker:                     one, pool {args.pool}, concurrency {args.concurrency}")
        print(f"recipients:                 {told} in {len(codes)} Member States")
        print(f"runs:                       {args.repeat} (after one warm-up publication)")
        print(f"publish call (incl. commit): {spread(publishes)}")
        print(f"publish to last e-mail:     {spread(totals)}")
        print(f"per recipient:              {spread([t / told * 1000 for t in totals], 'ms')}")
        print(
            f"raw SMTP floor, same sink:  {spread(floors)} (the same mails over one connection, "
            "the faster of just before and just after each run)"
        )
        print(f"ratio to the floor:         {spread(ratios, 'x')}")
        print(
            f"sink capacity:              {spread(capacities)} (the same mails built beforehand, "
            f"over {args.concurrency} connections from as many processes: the most this sink "
            "takes here)"
        )
        print(
            f"worker memory (RSS, all processes): {rss_before / 1024:.0f} MiB before, "
            f"{spread([r / 1024 for r in rss_after], 'MiB')} after each run"
        )
    finally:
        worker.terminate()
        worker.wait(30)
        sink.stop()
        if not args.keep_database:
            database_drop()


if __name__ == "__main__":
    main()
