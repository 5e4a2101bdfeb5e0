"""Celery tasks of the exports: make a job's file, sweep what is still pending, purge old files.

The work itself is in `iconet.exports.services`; a task is only its entry point."""

from celery import shared_task

from . import services as exports


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
    return exports.job_produce(job_id)


@shared_task(name="iconet.export_tasks.exports_sweep_pending", ignore_result=True)
def exports_sweep_pending() -> int:
    """Hand over again the jobs never delivered (broker down) or abandoned (worker lost)."""
    return exports.jobs_sweep()


@shared_task(name="iconet.export_tasks.exports_purge", ignore_result=True)
def exports_purge() -> int:
    """Remove the files of exports older than the retention period."""
    return exports.jobs_purge()
