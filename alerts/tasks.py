"""Periodic jobs of the alerts area: escalation of unacknowledged immediate alerts, daily digest."""

import logging

from celery import shared_task
from django.utils import timezone

from iconet.models import ItemRecipient, User

from . import services
from .models import Alert

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def alerts_escalate_overdue() -> int:
    """Escalate every immediate alert a recipient organisation left unacknowledged past the
    deadline."""
    count = services.alerts_escalate()
    if count:
        logger.info("%s alert escalations", count)
    return count


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def alerts_digest_send() -> int:
    """Send each user who chose it the daily digest of their routine alerts."""
    day = timezone.localdate()
    waiting = ItemRecipient.objects.of_type(Alert).filter(in_digest=True, email__isnull=True)
    user_ids = waiting.values_list("user_id", flat=True).distinct()
    return sum(
        services.digest_send(user=user, day=day)
        for user in User.objects.filter(pk__in=list(user_ids))
    )
