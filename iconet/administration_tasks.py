"""Periodic jobs of the administration: memberships end on their date, managers are reminded."""

from celery import shared_task


@shared_task(acks_late=True)
def memberships_expire() -> int:
    """End every access group membership whose end date has come."""
    from .services.directory import memberships_expire as expire

    return expire()


@shared_task(acks_late=True)
def memberships_remind() -> int:
    """Remind the managers of access groups of memberships that end soon (once each)."""
    from .services.directory import memberships_remind as remind

    return remind()
