"""Periodic and queued jobs of saved searches (iconet.search.saved_searches)."""

from celery import shared_task

from ..sharing.registry import shared_item_models
from . import saved_searches


# Each task keeps the name it had before its module moved, so that queued messages and
# beat's schedule still reach it.
@shared_task(
    name="iconet.search_tasks.saved_searches_item_check",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def saved_searches_item_check(type_slug: str, pk: int) -> int:
    model = shared_item_models().get(type_slug)
    return saved_searches.item_check(model, pk) if model is not None else 0


@shared_task(
    name="iconet.search_tasks.saved_searches_sweep",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def saved_searches_sweep() -> int:
    return saved_searches.sweep()


@shared_task(
    name="iconet.search_tasks.saved_searches_digest_send",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def saved_searches_digest_send() -> int:
    return saved_searches.digest_send()
