"""Periodic job of the discussion and following of items (iconet.services.discussion)."""

from celery import shared_task

from .services import discussion


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def followers_tell() -> int:
    """Tell the followers of items of what changed since they were last told."""
    return discussion.followers_tell()
