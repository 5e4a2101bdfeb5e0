"""Periodic jobs of the alerts area: escalation of unacknowledged immediate alerts, daily digest."""

import logging

from celery import shared_task
from django.utils import timezone

from iconet.models import User

from . import selectors, services
from .models import AlertRecipient

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def alerts_escalate_overdue() -> int:
    """Escalate every immediate alert a recipient organisation left unacknowledged past the deadline."""
    count = 0
    for alert in selectors.alerts_overdue():
        for organisation_id in services.overdue_organisations(alert):
            if services.alert_escalate(alert_id=alert.pk, organisation_id=organisation_id):
                logger.info("alert %s escalated to organisation %s", alert.pk, organisation_id)
                count += 1
    return count


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def alerts_digest_send() -> int:
    """Send each user who chose it the daily digest of their routine alerts."""
    day = timezone.localdate()
    user_ids = AlertRecipient.objects.filter(in_digest=True, email__isnull=True).values_list("user_id", flat=True).distinct()
    return sum(services.digest_send(user=user, day=day) for user in User.objects.filter(pk__in=list(user_ids)))
