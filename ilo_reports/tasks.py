"""Periodic jobs of the ILO area: network membership from postings, and deadline reminders."""

import datetime

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from iconet.models import Area, User
from iconet.services.notify import site_url, users_notify

from .models import IloReport, Network, ReminderSent, Semester
from .selectors import SUBMITTED_STATUSES
from .services import network_members_sync


@shared_task(ignore_result=True)
def networks_sync_members() -> int:
    """Keep every network's membership in step with current postings (postings start and end by date)."""
    count = 0
    for network in Network.objects.select_related("access_group"):
        network_members_sync(network)
        count += 1
    return count


def chair_recipients(network: Network, semester: Semester):
    """The chair's liaison officer, or else the chairing service's ILO contact points."""
    chair = network.chair_for(semester)
    if chair is None:
        return User.objects.none()
    if chair.officer_id:
        return User.objects.filter(pk=chair.officer_id, is_active=True)
    return User.objects.filter(organisation_id=chair.organisation_id, is_active=True, ncp_areas__contains=[Area.ILO])


def reminder_kind(days_left: int) -> str | None:
    """The most urgent reminder due with `days_left` before the deadline (None if none is due)."""
    due = [days for days in sorted(settings.ILO_REPORT_REMINDER_DAYS) if 0 <= days_left <= days]
    return f"due-in-{due[0]}-days" if due else None


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def report_reminders_send(today_iso: str | None = None) -> int:
    """Remind chairs whose report is not yet submitted; once per network, semester and kind."""
    today = datetime.datetime.fromisoformat(today_iso).date() if today_iso else timezone.localdate()
    semester = Semester.reporting(today)
    kind = reminder_kind((semester.deadline - today).days)
    if kind is None:
        return 0
    done = IloReport.objects.filter(semester=str(semester), status__in=SUBMITTED_STATUSES).values("network_id")
    sent = 0
    for network in Network.objects.filter(is_active=True).exclude(pk__in=done):
        try:
            with transaction.atomic():
                # The unique row is the claim: a second run (or a second worker) stops here.
                ReminderSent.objects.create(network=network, semester=str(semester), kind=kind)
                url = reverse("ilo_reports:network", args=[network.pk])
                users_notify(
                    item=None,
                    users=chair_recipients(network, semester),
                    title=_("Report of %(network)s for %(semester)s due on %(deadline)s") % {
                        "network": network, "semester": semester, "deadline": semester.deadline,
                    },
                    url=url, key=f"ilo:reminder:{network.pk}:{semester}:{kind}",
                    subject=_("[ICONet] ILO network report due on %(deadline)s") % {"deadline": semester.deadline},
                    body=render_to_string("ilo_reports/email_reminder.txt", {
                        "network": network, "semester": semester, "url": site_url(url),
                    }),
                )
                sent += 1
        except IntegrityError:
            continue
    return sent
