"""Periodic jobs of the ILO area: network membership from postings, and deadline reminders."""

import datetime

from celery import shared_task
from django.utils import timezone

from . import services
from .models import Network


@shared_task(ignore_result=True)
def networks_sync_members() -> int:
    """Keep every network's membership in step with current postings (postings start and end by
    date)."""
    count = 0
    for network in Network.objects.select_related("access_group"):
        services.network_members_sync(network)
        count += 1
    return count


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def report_reminders_send(today_iso: str | None = None) -> int:
    """Remind chairs whose report is not yet submitted (services.report_reminders_send)."""
    today = datetime.datetime.fromisoformat(today_iso).date() if today_iso else timezone.localdate()
    return services.report_reminders_send(today)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def follow_up_reminders_send(today_iso: str | None = None) -> int:
    """Remind the owners of follow-up tasks due soon or overdue
    (services.follow_up_reminders_send)."""
    today = datetime.datetime.fromisoformat(today_iso).date() if today_iso else timezone.localdate()
    return services.follow_up_reminders_send(today)
