"""The webhooks' worker tasks: one attempt per delivery, and the sweep that hands over the due."""

from celery import shared_task

from .webhooks import deliveries_due, webhook_send


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def webhook_deliver(delivery_id: int) -> str:
    """One attempt at one delivery (idempotent: only a due row is claimed)."""
    return webhook_send(delivery_id)


@shared_task(ignore_result=True)
def webhooks_sweep() -> int:
    """Hand over the deliveries due (retries, and rows whose worker died)."""
    due = deliveries_due()
    for pk in due:
        webhook_deliver.delay(pk)
    return len(due)
