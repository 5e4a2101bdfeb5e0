"""Periodic job of retention: reviews fall due, escalate, and unanswered ones are archived."""

from celery import shared_task


# The task keeps the name it had before its module moved, so that queued messages and beat's
# schedule still reach it.
@shared_task(name="iconet.retention_tasks.retention_reviews_run", acks_late=True)
def retention_reviews_run() -> dict[str, int]:
    """Ask for the reviews that fell due, escalate the unanswered ones, archive the items whose
    escalated review stayed unanswered (each step claims its rows, so a second run is a no-op)."""
    from . import services as retention

    return {
        "asked": retention.reviews_ask(),
        "escalated": retention.reviews_escalate(),
        "archived": retention.reviews_archive_unanswered(),
    }
