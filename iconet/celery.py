"""The Celery application shared by the web process, the worker and beat.

Its signals carry the log context into tasks and count their outcomes:
- a task published during a request (or during another task) carries the request id, user id
  and organisation id in its message headers; the worker holds them, with the task's name and
  id, for every log line of the task, and clears them after it (a task started by beat gets a
  request id of its own, which the tasks it publishes share);
- each outcome (succeeded, failed, retried) is counted in Redis for the metrics;
- the worker and beat keep the portal's logging (JSON or text, `LOG_FORMAT`) instead of
  Celery's own format.
"""

import os
from typing import Any

from celery import Celery, bootsteps, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iconet.settings")

app = Celery("iconet")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class HealthHeartbeat(bootsteps.StartStopStep):
    """Each worker writes a heartbeat to Redis every few seconds, which `/health/background/`
    reads (rather than broadcasting to the workers and waiting for their answers)."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.tref: Any = None

    def start(self, worker: Any) -> None:
        from .operations.health import WORKER_HEARTBEAT_SECONDS, worker_heartbeat_record

        worker_heartbeat_record(worker.hostname)
        self.tref = worker.timer.call_repeatedly(
            WORKER_HEARTBEAT_SECONDS, worker_heartbeat_record, (worker.hostname,), priority=10
        )

    def stop(self, worker: Any) -> None:
        from .operations.health import worker_heartbeat_clear

        if self.tref is not None:
            self.tref.cancel()
            self.tref = None
        worker_heartbeat_clear(worker.hostname)

    terminate = stop  # a cold shutdown says so too


app.steps["worker"].add(HealthHeartbeat)

# Message headers that carry the log context from the publisher into the task.
CONTEXT_HEADERS = {
    "request_id": "iconet_request_id",
    "user_id": "iconet_user_id",
    "organisation_id": "iconet_organisation_id",
}
_task_contexts: dict[str, Any] = {}


@signals.setup_logging.connect
def _logging_setup(**kwargs: Any) -> None:
    """The worker and beat log as the web process does (a receiver here stops Celery from
    replacing the root logger's handlers with its own format)."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@signals.before_task_publish.connect
def _context_into_headers(headers: dict | None = None, **kwargs: Any) -> None:
    from .operations.logging import log_context

    if headers is None:
        return
    context = log_context()
    for field, header in CONTEXT_HEADERS.items():
        if context.get(field) is not None:
            headers.setdefault(header, context[field])


@signals.task_prerun.connect
def _context_from_headers(task_id: str = "", task: Any = None, **kwargs: Any) -> None:
    from .operations.logging import log_context_set, request_id_new

    request = getattr(task, "request", None)
    values = {field: getattr(request, header, None) for field, header in CONTEXT_HEADERS.items()}
    values["request_id"] = values["request_id"] or request_id_new()
    _task_contexts[task_id] = log_context_set(
        **values, task_name=getattr(task, "name", None), task_id=task_id
    )


@signals.task_postrun.connect
def _context_cleared(task_id: str = "", **kwargs: Any) -> None:
    from .operations.logging import log_context_reset

    log_context_reset(_task_contexts.pop(task_id, None))


def _outcome(sender: Any, outcome: str) -> None:
    from .operations.metrics import task_outcome_record

    task_outcome_record(getattr(sender, "name", None) or str(sender), outcome)


@signals.task_success.connect
def _task_succeeded(sender: Any = None, **kwargs: Any) -> None:
    _outcome(sender, "succeeded")


@signals.task_failure.connect
def _task_failed(sender: Any = None, **kwargs: Any) -> None:
    _outcome(sender, "failed")


@signals.task_retry.connect
def _task_retried(sender: Any = None, **kwargs: Any) -> None:
    _outcome(sender, "retried")
