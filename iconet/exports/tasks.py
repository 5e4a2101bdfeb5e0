"""Celery tasks of the exports: make a job's file, sweep what is still pending, purge old files.

The work itself is in `iconet.exports.services`; a task is only its entry point."""

import ctypes
import gc

from celery import shared_task

from . import services as exports


def memory_release() -> None:
    """Give a large export's memory back to the system once its file is made: the rows are
    freed by Python, but glibc keeps the freed pages for the process unless asked to trim, and
    the worker would keep its peak until it restarts."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


# Each task keeps the name it had before its module moved, so that queued messages and
# beat's schedule still reach it.
@shared_task(
    name="iconet.export_tasks.export_run",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def export_run(job_id: int) -> str:
    """Make one export's file, if the job is still waiting for it."""
    try:
        return exports.job_produce(job_id)
    finally:
        memory_release()


@shared_task(name="iconet.export_tasks.exports_sweep_pending", ignore_result=True)
def exports_sweep_pending() -> int:
    """Hand over again the jobs never delivered (broker down) or abandoned (worker lost)."""
    return exports.jobs_sweep()


@shared_task(name="iconet.export_tasks.exports_purge", ignore_result=True)
def exports_purge() -> int:
    """Remove the files of exports older than the retention period."""
    return exports.jobs_purge()
