"""Celery tasks of the exports: make a job's file, sweep what is still pending, purge old files.

The work itself is in `iconet.services.exports`; a task is only its entry point."""

from celery import shared_task

from .services import exports


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def export_run(job_id: int) -> str:
    """Make one export's file, if the job is still waiting for it."""
    return exports.job_produce(job_id)


@shared_task(ignore_result=True)
def exports_sweep_pending() -> int:
    """Hand over again the jobs never delivered (broker down) or abandoned (worker lost)."""
    return exports.jobs_sweep()


@shared_task(ignore_result=True)
def exports_purge() -> int:
    """Remove the files of exports older than the retention period."""
    return exports.jobs_purge()
