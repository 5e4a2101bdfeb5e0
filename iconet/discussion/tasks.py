"""Periodic job of the discussion and following of items (iconet.discussion.services)."""

from celery import shared_task

from . import services


# The name it had before its module moved: beat's schedule and queued messages name it.
@shared_task(
    name="iconet.discussion_tasks.followers_tell",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def followers_tell() -> int:
    """Tell the followers of items of what changed since they were last told."""
    return services.followers_tell()
