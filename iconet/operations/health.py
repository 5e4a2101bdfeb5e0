"""Whether the portal can do its work, in two parts that answer to different people.

Readiness (`/health/ready/`, what a load balancer asks) is what this web replica needs to serve
pages: the database, with its migrations applied. Nothing else takes a replica out of service:
the pages work without Redis, a worker or beat (mail and exports wait in PostgreSQL and go out
once the background is back).

The background (`/health/background/`, and `iconet_background_up` in `/metrics/`) is what
operators alert on:
- redis: the broker answers PING;
- worker: a Celery worker that consumes the portal's queue wrote its heartbeat (every
  `WORKER_HEARTBEAT_SECONDS`) within `HEALTH_WORKER_MAX_AGE_SECONDS`;
- beat: the outbox sweep, which beat schedules every 30 seconds and a worker runs, ran within
  `HEALTH_BEAT_MAX_AGE_SECONDS`;
- outbox: no e-mail due for delivery has waited longer than `HEALTH_OUTBOX_MAX_AGE_MINUTES`.

Each check answers up or down and nothing else: the endpoints are open to the load balancer
and to docker's health checks, so they reveal no data, no version and no error text. No check
waits on a broadcast: each reads a heartbeat, with a short timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone


def celery_conf():
    """The portal's Celery settings (iconet.celery's app, the current one, without importing it:
    that module registers the workers' heartbeat from here)."""
    from celery import current_app

    return current_app.conf


CHECK_TIMEOUT = 0.5  # seconds, for each Redis check: a health check never holds a web worker long
WORKER_HEARTBEAT_SECONDS = 10.0


def broker_client():
    """A client of the Redis that carries the broker, with short timeouts."""
    import redis

    return redis.Redis.from_url(
        celery_conf().broker_url,
        socket_timeout=CHECK_TIMEOUT,
        socket_connect_timeout=CHECK_TIMEOUT,
    )


def heartbeat_key() -> str:
    # One per queue, so that deployments (and test runs) sharing a Redis keep their own.
    return f"iconet:health:sweep:{celery_conf().task_default_queue}"


def worker_heartbeat_key() -> str:
    return f"iconet:health:worker:{celery_conf().task_default_queue}"


def worker_heartbeat_record(hostname: str) -> None:
    """Called by each worker every `WORKER_HEARTBEAT_SECONDS` (`iconet.celery`): it runs."""
    try:
        broker_client().hset(worker_heartbeat_key(), hostname, str(time.time()))
    except Exception:  # noqa: BLE001 - a Redis that is down shows as such on its own
        pass


def worker_heartbeat_clear(hostname: str) -> None:
    """A worker that stops says so at once rather than once its heartbeat is old."""
    try:
        broker_client().hdel(worker_heartbeat_key(), hostname)
    except Exception:  # noqa: BLE001 - its heartbeat then ages out
        pass


def sweep_heartbeat_record() -> None:
    """Called by the outbox sweep: beat scheduled it and a worker ran it, just now."""
    broker_client().set(heartbeat_key(), str(time.time()))


def database_up() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


_migrated: set[str] = set()  # databases this process found migrated


def migrations_applied() -> bool:
    """No migration of this code waits to be applied. Reading the migration files costs a web
    worker a moment: once found migrated, the answer holds for the life of the process (the
    code, and so its migrations, change only with a new process)."""
    from django.db.migrations.executor import MigrationExecutor

    name = str(connection.settings_dict["NAME"])
    if name in _migrated:
        return True
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return False
    _migrated.add(name)
    return True


def redis_up() -> bool:
    return bool(broker_client().ping())


def worker_up(hostname: str | None = None) -> bool:
    """A worker (or the worker `hostname`: docker's check of one container) wrote its heartbeat
    within `HEALTH_WORKER_MAX_AGE_SECONDS`."""
    client = broker_client()
    if hostname is None:
        beats = client.hvals(worker_heartbeat_key())
    else:
        beats = [value for value in [client.hget(worker_heartbeat_key(), hostname)] if value]
    newest = max((float(value) for value in beats), default=0.0)
    return time.time() - newest < settings.HEALTH_WORKER_MAX_AGE_SECONDS


def beat_up() -> bool:
    value = broker_client().get(heartbeat_key())
    return value is not None and time.time() - float(value) < settings.HEALTH_BEAT_MAX_AGE_SECONDS


def outbox_flowing() -> bool:
    from ..models import EmailDelivery
    from ..outbox.models.notifications import delivery_due

    oldest_allowed = timezone.now() - timedelta(minutes=settings.HEALTH_OUTBOX_MAX_AGE_MINUTES)
    return not EmailDelivery.objects.filter(delivery_due(), created_at__lt=oldest_allowed).exists()


READY_CHECKS: dict[str, Callable[[], bool]] = {
    "database": database_up,
    "migrations": migrations_applied,
}
BACKGROUND_CHECKS: dict[str, Callable[[], bool]] = {
    "redis": redis_up,
    "worker": worker_up,
    "beat": beat_up,
    "outbox": outbox_flowing,
}
# Asked through Redis: not asked at all while it is down (each would wait for its timeout).
NEEDS_REDIS = {"worker", "beat"}


def checks_run(checks: dict[str, Callable[[], bool]]) -> dict[str, str]:
    """{component: "up" | "down"}; a check that fails in any way is down."""
    results: dict[str, str] = {}
    for name, check in checks.items():
        if name in NEEDS_REDIS and results.get("redis") != "up":
            results[name] = "down"
            continue
        try:
            results[name] = "up" if check() else "down"
        except Exception:  # noqa: BLE001 - a component that cannot be asked is down
            results[name] = "down"
    return results


def readiness() -> dict[str, str]:
    """What this web replica needs to serve pages: the database, migrated."""
    return checks_run(READY_CHECKS)


def background() -> dict[str, str]:
    """Redis, the worker, beat and the outbox: what sends mail and runs exports."""
    return checks_run(BACKGROUND_CHECKS)
