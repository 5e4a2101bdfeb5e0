"""What the portal does, in the Prometheus text format, for `/metrics/` (`iconet.views.metrics`).

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
from collections.abc import Iterable, Iterator
from datetime import timedelta
from functools import cache
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

logger = logging.getLogger(__name__)

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
    from .celery import app

    return _redis(app.conf.broker_url)


def tasks_key() -> str:
    # One per queue, like the outbox sweep's heartbeat: deployments (and test runs) sharing a
    # Redis keep their own counts.
    from .celery import app

    return f"iconet:metrics:tasks:{app.conf.task_default_queue}"


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


# Read at each scrape -----------------------------------------------------------------------


def deliveries_by_status() -> dict[str, int]:
    from django.db.models import Count

    from .models import EmailDelivery

    counts = dict.fromkeys(EmailDelivery.Status.values, 0)
    for row in EmailDelivery.objects.order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts


def oldest_pending_age_seconds() -> float:
    from django.db.models import Min
    from django.utils import timezone

    from .models import EmailDelivery

    oldest = EmailDelivery.objects.filter(status=EmailDelivery.Status.PENDING).aggregate(
        oldest=Min("created_at")
    )["oldest"]
    return max((timezone.now() - oldest).total_seconds(), 0.0) if oldest else 0.0


def acknowledgements_overdue() -> dict[str, int]:
    """{item type slug: overdue (item, organisation) pairs}, for every type with a deadline."""
    from .registry import shared_item_models
    from .services.recipients import acknowledgements_overdue_count

    counts = {}
    for slug, model in sorted(shared_item_models().items()):
        count = acknowledgements_overdue_count(model)
        if count is not None:
            counts[slug] = count
    return counts


def signin_locked_out_now() -> int:
    from axes.models import AccessAttempt
    from django.conf import settings
    from django.utils import timezone

    cooloff = settings.AXES_COOLOFF_TIME
    since = timezone.now() - (cooloff if isinstance(cooloff, timedelta) else timedelta(0))
    return AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    ).count()


class PortalCollector:
    """The figures read at scrape time; a source that does not answer is reported down
    (`iconet_metrics_source_up`) and its figures left out, the rest still answered."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "iconet_metrics_source_up",
            "Whether the source of some figures answered this scrape (1) or not (0).",
            labels=["source"],
        )
        try:
            yield from self._database()
            up.add_metric(["database"], 1)
        except Exception:  # noqa: BLE001 - a database that does not answer is reported down
            logger.warning("metrics: the database did not answer", exc_info=True)
            up.add_metric(["database"], 0)
        try:
            yield from self._redis()
            up.add_metric(["redis"], 1)
        except Exception:  # noqa: BLE001 - a Redis that does not answer is reported down
            logger.warning("metrics: Redis did not answer")
            up.add_metric(["redis"], 0)
        yield up

    def _database(self) -> list[Metric]:
        deliveries = GaugeMetricFamily(
            "iconet_email_deliveries",
            "E-mails of the outbox, by status (pending, sending, sent, failed).",
            labels=["status"],
        )
        for status, count in deliveries_by_status().items():
            deliveries.add_metric([status], count)
        oldest = GaugeMetricFamily(
            "iconet_email_oldest_pending_age_seconds",
            "Age of the oldest e-mail still pending (0 when none is).",
            value=oldest_pending_age_seconds(),
        )
        overdue = GaugeMetricFamily(
            "iconet_acknowledgements_overdue",
            "Recipient organisations that have not acknowledged an item past its type's "
            "deadline, by item type.",
            labels=["item_type"],
        )
        for slug, count in acknowledgements_overdue().items():
            overdue.add_metric([slug], count)
        locked = GaugeMetricFamily(
            "iconet_signin_locked_out",
            "User name and address pairs locked out now after repeated failed sign-ins.",
            value=signin_locked_out_now(),
        )
        # Built whole before any is given out, so that a failure leaves out all of them.
        return [deliveries, oldest, overdue, locked]

    def _redis(self) -> list[Metric]:
        tasks = CounterMetricFamily(
            "iconet_celery_tasks",
            "Celery task runs, by task name and outcome (succeeded, failed, retried).",
            labels=["task", "outcome"],
        )
        for (name, outcome), count in sorted(task_outcomes().items()):
            tasks.add_metric([name, outcome], count)
        return [tasks]


class _Scrape:
    def __init__(self, collectors: Iterable[Any]) -> None:
        self.collectors = list(collectors)

    def collect(self) -> Iterator[Metric]:
        for collector in self.collectors:
            yield from collector.collect()


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def exposition() -> bytes:
    """Every figure, in the Prometheus text format."""
    from prometheus_client import generate_latest

    if multiprocess():
        from prometheus_client import multiprocess as mp

        counted: Any = CollectorRegistry()
        mp.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    return generate_latest(_Scrape([counted, PortalCollector()]))
