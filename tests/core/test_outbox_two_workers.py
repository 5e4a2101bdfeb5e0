"""Two Celery worker processes on the same queue (prefork, as docker-compose.yml runs them, two
replicas), the real Redis broker and a real SMTP server: every delivery, handed to them several
times over, reaches the SMTP server exactly once."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from iconet import celery_app
from iconet.models import EmailDelivery
from iconet.outbox.services.notify import emails_enqueue
from iconet.outbox.tasks import email_deliver, emails_hand_over
from tests.conftest import TEST_QUEUE, until

ROOT = Path(__file__).resolve().parents[2]
DELIVERIES = 60


def database_url() -> str:
    conf = connection.settings_dict
    credentials = quote(conf["USER"] or "", safe="")
    if conf.get("PASSWORD"):
        credentials += ":" + quote(conf["PASSWORD"], safe="")
    host = quote(conf["HOST"] or "", safe="")
    port = f":{conf['PORT']}" if conf.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{conf['NAME']}"


def worker_start(name: str, smtp_port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DB_CONN_MAX_AGE": "0",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "false",
        "CELERY_QUEUE": TEST_QUEUE,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "iconet",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "2",
            "--queues",
            TEST_QUEUE,
            "--hostname",
            f"{name}@{TEST_QUEUE}",
            "--loglevel",
            "warning",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_queue_never_send_a_delivery_twice(cast, smtp_server):
    names = [f"first-{os.getpid()}", f"second-{os.getpid()}"]
    workers = [worker_start(name, smtp_server.port) for name in names]
    try:
        nodes = {f"{name}@{TEST_QUEUE}" for name in names}
        assert until(
            lambda: (
                {
                    node
                    for answer in celery_app.control.ping(destination=list(nodes), timeout=1.0)
                    for node in answer
                }
                == nodes
            ),
            timeout=60,
        ), "the two workers did not answer"
        users = list(vars(cast).values())
        rows = emails_enqueue(
            [
                {
                    "key": f"scale:{n}",
                    "recipient": users[n % len(users)],
                    "subject": f"Delivery {n}",
                    "body": "Hello.",
                }
                for n in range(DELIVERIES)
            ]
        )
        ids = [row.pk for row in rows.values()]
        # Every row handed over three more times, alone and in batches, in the other order:
        # both workers, two processes each, race for the same rows.
        for pk in reversed(ids):
            email_deliver.apply_async((pk,))
        emails_hand_over(list(reversed(ids)), priority=EmailDelivery.Priority.ROUTINE)
        emails_hand_over(ids, priority=EmailDelivery.Priority.ROUTINE)
        assert until(
            lambda: (
                EmailDelivery.objects.filter(status=EmailDelivery.Status.SENT).count() == DELIVERIES
            ),
            timeout=90,
        )
        time.sleep(2)  # any late duplicate would arrive now
        sent = Counter(m["X-ICONet-Delivery"] for m in smtp_server.messages)
        assert sent == Counter({f"scale:{n}": 1 for n in range(DELIVERIES)})
        assert len(smtp_server.messages) == DELIVERIES
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(10)
