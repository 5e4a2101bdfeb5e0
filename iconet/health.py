"""Whether the portal can do its work, component by component, for `/health/ready/`.

Each check answers up or down and nothing else: the endpoints are open to the load balancer
and to docker's health checks, so they reveal no data, no version and no error text.

- database: a query answers;
- migrations: none is waiting to be applied;
- redis: the broker answers PING;
- worker: a Celery worker that consumes the portal's queue answers (remote control);
- beat: the outbox sweep, which beat schedules every 30 seconds and a worker runs, ran within
  `HEALTH_BEAT_MAX_AGE_SECONDS`;
- outbox: no e-mail due for delivery has waited longer than `HEALTH_OUTBOX_MAX_AGE_MINUTES`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from .celery import app as celery_app

CHECK_TIMEOUT = 1.0  # seconds, for each network check


def broker_client():
    """A client of the Redis that carries the broker, with short timeouts."""
    import redis

    return redis.Redis.from_url(
        celery_app.conf.broker_url,
        socket_timeout=CHECK_TIMEOUT,
        socket_connect_timeout=CHECK_TIMEOUT,
    )


def heartbeat_key() -> str:
    # One per queue, so that deployments (and test runs) sharing a Redis keep their own.
    return f"iconet:health:sweep:{celery_app.conf.task_default_queue}"


def sweep_heartbeat_record() -> None:
    """Called by the outbox sweep: beat scheduled it and a worker ran it, just now."""
    broker_client().set(heartbeat_key(), str(time.time()))


def database_up() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def migrations_applied() -> bool:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())


def redis_up() -> bool:
    return bool(broker_client().ping())


def worker_up() -> bool:
    queue = celery_app.conf.task_default_queue
    replies = celery_app.control.inspect(timeout=CHECK_TIMEOUT).active_queues() or {}
    return any(q.get("name") == queue for queues in replies.values() for q in queues or ())


def beat_up() -> bool:
    value = broker_client().get(heartbeat_key())
    return value is not None and time.time() - float(value) < settings.HEALTH_BEAT_MAX_AGE_SECONDS


def outbox_flowing() -> bool:
    from .models import EmailDelivery

    now = timezone.now()
    oldest_allowed = now - timedelta(minutes=settings.HEALTH_OUTBOX_MAX_AGE_MINUTES)
    return not (
        EmailDelivery.objects.filter(
            status=EmailDelivery.Status.PENDING, created_at__lt=oldest_allowed
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .exists()
    )


CHECKS: dict[str, Callable[[], bool]] = {
    "database": database_up,
    "migrations": migrations_applied,
    "redis": redis_up,
    "worker": worker_up,
    "beat": beat_up,
    "outbox": outbox_flowing,
}


# Asked through Redis: not asked at all while it is down (a broadcast would wait for it).
NEEDS_REDIS = {"worker", "beat"}


def readiness() -> dict[str, str]:
    """{component: "up" | "down"}; a check that fails in any way is down."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name in NEEDS_REDIS and results.get("redis") != "up":
            results[name] = "down"
            continue
        try:
            results[name] = "up" if check() else "down"
        except Exception:  # noqa: BLE001 - a component that cannot be asked is down
            results[name] = "down"
    return results
