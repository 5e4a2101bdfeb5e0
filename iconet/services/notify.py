"""Telling users: in-app notifications and e-mails through the Celery outbox."""

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import EmailDelivery, Notification


def site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def email_enqueue(*, key: str, recipient, subject: str, body: str) -> EmailDelivery | None:
    """Write one outbox row (idempotent on `key`) and hand it to Celery after commit."""
    if not recipient.email:
        return None
    delivery, created = EmailDelivery.objects.get_or_create(
        key=key,
        defaults={
            "recipient": recipient, "to_email": recipient.email, "subject": subject[:255],
            "body": body, "next_attempt_at": timezone.now(),
        },
    )
    if created:
        transaction.on_commit(lambda: email_dispatch(delivery.pk))
    return delivery


def email_dispatch(delivery_id: int) -> None:
    """Queue the delivery task; a broker that is down only delays it until the next sweep."""
    from ..tasks import email_deliver

    try:
        email_deliver.delay(delivery_id)
    except Exception:  # noqa: BLE001 - any broker failure: the sweep picks the row up later
        import logging

        logging.getLogger(__name__).warning("broker unavailable; delivery %s left for the sweep", delivery_id)


def users_notify(*, users: Iterable, title: str, url: str, key: str, subject: str, body: str) -> int:
    """An in-app notification and an e-mail for each user; returns how many were told."""
    count = 0
    for user in users:
        Notification.objects.create(recipient=user, title=title[:255], url=url)
        email_enqueue(key=f"{key}:user:{user.pk}", recipient=user, subject=subject, body=body)
        count += 1
    return count
