"""Periodic jobs of the administration: memberships end on their date, managers are reminded."""

from celery import shared_task


# Each task keeps the name it had before its module moved, so that queued messages and
# beat's schedule still reach it.
@shared_task(name="iconet.administration_tasks.memberships_expire", acks_late=True)
def memberships_expire() -> int:
    """End every access group membership whose end date has come."""
    from .services.directory import memberships_expire as expire

    return expire()


@shared_task(name="iconet.administration_tasks.memberships_remind", acks_late=True)
def memberships_remind() -> int:
    """Remind the managers of access groups of memberships that end soon (once each)."""
    from .services.directory import memberships_remind as remind

    return remind()
