"""What the portal does, in the Prometheus text format, for `/metrics/`
(`iconet.operations.views.metrics`): the figures counted as things happen (this module) and
those read at each scrape (`iconet.operations.metrics_scrape`).

Three kinds of figures, each kept where every process that must see it can read it:

- counted in the process that sees the event (prometheus_client): requests by view, method and
  status, their latency, access events (sign-ins, failed sign-ins, refused second factors,
  reads) and lockouts. With several gunicorn workers, set `PROMETHEUS_MULTIPROC_DIR` to an
  empty directory shared by the web processes (emptied at each start of the service): each
  process writes its counts there and a scrape adds them up, whichever worker answers it.
- counted in Redis, because the Celery worker is another process (or machine): task outcomes
  (succeeded, failed, retried) by task name, written from Celery's signals. Writing them is
  cheap and can fail: a Redis that does not answer costs a count, never a task.
- read from the database at each scrape: e-mail deliveries by status and the age of the
  oldest pending one, acknowledgements overdue by item type (for the types that declare a
  deadline, `SharedItem.recipients_escalation`), sign-in pairs locked out now.

No figure carries item content, a reference or a user name: labels are view names, task
names, item types, statuses and event codes.
"""

from __future__ import annotations

import logging
import os
from functools import cache

# In multiprocess mode each process writes its counts under this directory from its first
# metric on: a directory that does not exist yet is made rather than failing the import.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

from prometheus_client import Counter, Histogram, disable_created_metrics  # noqa: E402

logger = logging.getLogger(__name__)

# A `_created` sample beside every counter doubles the output for a figure Prometheus derives.
disable_created_metrics()

# Counted in the process --------------------------------------------------------------------

HTTP_REQUESTS = Counter(
    "iconet_http_requests",
    "Requests answered, by URL name, method and status.",
    ["view", "method", "status"],
)
HTTP_DURATION = Histogram(
    "iconet_http_request_duration_seconds",
    "Time to answer a request, by URL name.",
    ["view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
ACCESS_EVENTS = Counter(
    "iconet_access_events",
    "Events of the access log: sign_in, sign_in_failed, otp_failed, read, download...",
    ["event"],
)
SIGNIN_LOCKOUTS = Counter(
    "iconet_signin_lockouts",
    "Times a user name and address were locked out after repeated failed sign-ins.",
)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def request_observe(*, view: str, method: str, status: int, seconds: float) -> None:
    method = method if method in METHODS else "other"
    HTTP_REQUESTS.labels(view=view, method=method, status=str(status)).inc()
    HTTP_DURATION.labels(view=view).observe(seconds)


def access_event_count(event: str) -> None:
    ACCESS_EVENTS.labels(event=event).inc()


def lockout_count() -> None:
    SIGNIN_LOCKOUTS.inc()


# Counted in Redis: Celery task outcomes ----------------------------------------------------

TASK_OUTCOMES = ("succeeded", "failed", "retried")
REDIS_TIMEOUT = 0.5  # seconds: a slow Redis costs a count, not the task's time


@cache
def _redis(url: str):
    import redis

    return redis.Redis.from_url(
        url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
    )


def redis_client():
    from celery import current_app  # the portal's app (iconet.celery), without importing it

    return _redis(current_app.conf.broker_url)


def tasks_key() -> str:
    # One per queue, like the outbox sweep's heartbeat: deployments (and test runs) sharing a
    # Redis keep their own counts.
    from celery import current_app

    return f"iconet:metrics:tasks:{current_app.conf.task_default_queue}"


def task_outcome_record(task_name: str, outcome: str) -> None:
    """Count one outcome of a task; never raises (metrics never break a task)."""
    try:
        redis_client().hincrby(tasks_key(), f"{task_name}|{outcome}", 1)
    except Exception:  # noqa: BLE001 - any failure only loses this count
        logger.debug("task outcome not counted", exc_info=True)


def task_outcomes() -> dict[tuple[str, str], int]:
    raw = redis_client().hgetall(tasks_key())
    counts = {}
    for field, value in raw.items():
        name, _sep, outcome = field.decode().rpartition("|")
        counts[(name, outcome)] = int(value)
    return counts
