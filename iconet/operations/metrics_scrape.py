"""The figures of `/metrics/` read at each scrape (outbox, acknowledgements overdue, lockouts
now, Celery task outcomes from Redis), and the whole exposition; see `iconet.operations.metrics`."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from .metrics import task_outcomes

logger = logging.getLogger(__name__)


def deliveries_by_status() -> dict[str, int]:
    from django.db.models import Count

    from ..models import EmailDelivery

    counts = dict.fromkeys(EmailDelivery.Status.values, 0)
    for row in EmailDelivery.objects.order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts


def oldest_pending_age_seconds() -> float:
    from django.db.models import Min
    from django.utils import timezone

    from ..models import EmailDelivery

    oldest = EmailDelivery.objects.filter(status=EmailDelivery.Status.PENDING).aggregate(
        oldest=Min("created_at")
    )["oldest"]
    return max((timezone.now() - oldest).total_seconds(), 0.0) if oldest else 0.0


def acknowledgements_overdue() -> dict[str, int]:
    """{item type slug: overdue (item, organisation) pairs}, for every type with a deadline."""
    from ..outbox.services.recipients import acknowledgements_overdue_count
    from ..sharing.registry import shared_item_models

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
        yield self._background()

    def _background(self) -> Metric:
        from .health import background

        components = GaugeMetricFamily(
            "iconet_background_up",
            "Whether each part of the background is well (1) or not (0): redis, worker, beat, "
            "outbox; the figure to alert on (web replicas stay in service without them).",
            labels=["component"],
        )
        for name, state in background().items():
            components.add_metric([name], 1 if state == "up" else 0)
        return components

    def _database(self) -> list[Metric]:
        deliveries = GaugeMetricFamily(
            "iconet_email_deliveries",
            "E-mails of the outbox, by status (pending, sending, sent, failed, unknown).",
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
