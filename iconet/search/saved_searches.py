"""Saved searches: who is told of a newly published item, through the search page's own search.

An item found by a saved search is recorded once (`SavedSearchMatch`), so its user is told
once: at once, or in the daily digest. Only a user who may read the item finds it, since the
match is the search run through `visible_to(user)`; the telling reads it through `visible_to`
again, and titles and e-mails about RED and AMBER+STRICT items carry no content.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..limits import one_line_text
from ..models import CONTENT_FREE_MARKINGS, SavedSearch, SavedSearchMatch
from ..outbox.services.notify import Message, message_in_language, site_url, users_tell
from .services import SearchFilters, matching_pks

logger = logging.getLogger(__name__)

# The filters of the search page a saved search keeps (the period is "from now on").
KEPT_FILTERS = ("area", "type", "country", "marking")
# How far back the sweep looks for publications whose check was lost with the broker.
SWEEP_WINDOW = datetime.timedelta(days=2)


def saved_search_filters(saved: SavedSearch) -> SearchFilters:
    kept = saved.filters or {}
    return SearchFilters(
        text=saved.query,
        area=kept.get("area", ""),
        type_slug=kept.get("type", ""),
        country=kept.get("country", ""),
        marking=kept.get("marking", ""),
    )


class SavedSearchRefused(Exception):
    """A search the user may not save: saved already, or one too many."""


def saved_search_create(
    *, user, name: str, query: str, frequency: str, filters: dict
) -> SavedSearch:
    """Save a search for `user`, unless they saved the same one already or keep as many as
    ``SAVED_SEARCHES_PER_USER`` (each is run at every publication)."""
    saved = SavedSearch(
        user=user,
        name=name.strip(),
        query=query.strip(),
        frequency=frequency,
        filters={key: str(filters[key]) for key in KEPT_FILTERS if filters.get(key)},
    )
    saved.full_clean()
    with transaction.atomic():
        # One user's saves are checked one at a time, so a double click saves once.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        mine = SavedSearch.objects.filter(user=user)
        same = mine.filter(query__iexact=saved.query, filters=saved.filters).first()
        if same is not None:
            raise SavedSearchRefused(
                _("You saved this search already, as “%(name)s”.") % {"name": same.name}
            )
        if mine.count() >= settings.SAVED_SEARCHES_PER_USER:
            raise SavedSearchRefused(
                _("You keep %(count)s saved searches, the most one may keep: delete one first.")
                % {"count": settings.SAVED_SEARCHES_PER_USER}
            )
        saved.save()
    return saved


def saved_search_update(*, saved: SavedSearch, name: str, frequency: str) -> SavedSearch:
    """Rename a saved search or change how its user is told (its words and filters stay: a
    different search is saved as a new one)."""
    saved.name = name.strip()
    saved.frequency = frequency
    saved.full_clean()
    saved.save(update_fields=["name", "frequency"])
    return saved


def item_line(item) -> str:
    """How a message names an item: its reference, and its title unless its marking forbids."""
    if item.marking in CONTENT_FREE_MARKINGS:
        return f"{item.reference} ({item.get_marking_display()})"
    return f"{item.reference} ({item.get_marking_display()}): {item.title}"


def _told_before(user, content_type, pk) -> bool:
    return SavedSearchMatch.objects.filter(
        saved_search__user=user, content_type=content_type, object_id=pk, told_at__isnull=False
    ).exists()


def _tell_now(saved: SavedSearch, match: SavedSearchMatch, model) -> bool:
    user = saved.user
    item = model.objects.visible_to(user).filter(pk=match.object_id).first()
    if item is None or _told_before(user, match.content_type, match.object_id):
        return False
    url = item.get_absolute_url()
    content_free = item.marking in CONTENT_FREE_MARKINGS
    told, _emails = users_tell(
        item=item,
        users=[user],
        url=url,
        key=f"saved-search:{saved.pk}:{item.type_slug()}:{item.pk}",
        **message_in_language(
            lambda: (
                _("Your saved search “%(name)s” found %(item)s")
                % {"name": saved.name, "item": item_line(item)}
            ),
            subject=lambda title: one_line_text(
                _("[ICONet] Saved search “%(name)s”: %(item)s")
                % {"name": saved.name, "item": item_line(item)}
            ),
            template="search/email_saved_search.txt",
            context=lambda: {
                "saved": saved,
                "items": [(item_line(item), site_url(url))],
                "content_free": content_free,
            },
        ),
    )
    SavedSearchMatch.objects.filter(pk=match.pk).update(told_at=timezone.now())
    return bool(told)


def item_check(model, pk: int, saved_searches=None) -> int:
    """Record the item for every saved search that finds it for its user, and tell those who
    asked to be told at once; returns how many were told."""
    content_type = ContentType.objects.get_for_model(model)
    searches = saved_searches if saved_searches is not None else SavedSearch.objects.all()
    told = 0
    for saved in searches.select_related("user").filter(user__is_active=True):
        if not matching_pks(saved.user, saved_search_filters(saved), model=model, pks=[pk]):
            continue
        with transaction.atomic():
            match, created = SavedSearchMatch.objects.get_or_create(
                saved_search=saved, content_type=content_type, object_id=pk
            )
            if created and saved.frequency == SavedSearch.Frequency.IMMEDIATE:
                told += _tell_now(saved, match, model)
    return told


def item_published_receive(sender, item, **kwargs) -> None:
    """`item_published`: check the saved searches once the publication is committed."""
    slug, pk = item.type_slug(), item.pk

    def hand_over() -> None:
        from ..celery import app

        try:
            # By name: the task module calls these services, so they do not import it.
            app.send_task("iconet.search_tasks.saved_searches_item_check", args=(slug, pk))
        except Exception:  # noqa: BLE001 - a broker down: the sweep checks the item later
            logger.warning(
                "broker unavailable; saved searches of %s %s left for the sweep", slug, pk
            )

    transaction.on_commit(hand_over)


def sweep() -> int:
    """Check the recent publications for each saved search (those a lost task left out)."""
    since = timezone.now() - SWEEP_WINDOW
    told = 0
    for saved in SavedSearch.objects.select_related("user").filter(user__is_active=True):
        for model, pk in matching_pks(
            saved.user, saved_search_filters(saved), published_since=max(since, saved.created_at)
        ):
            told += item_check(model, pk, SavedSearch.objects.filter(pk=saved.pk))
    return told


def _digest(lines: list) -> Message:
    """The daily digest of the items found, `(item, url)` each, in its reader's language."""
    return message_in_language(
        lambda: _("Your saved searches found %(count)s new items") % {"count": len(lines)},
        subject=lambda title: _("[ICONet] Daily digest of your saved searches"),
        template="search/email_saved_search.txt",
        context=lambda: {"saved": None, "items": [(item_line(i), url) for i, url in lines]},
    )


def digest_send() -> int:
    """One message per user of the items their daily saved searches found; returns how many."""
    from ..sharing.registry import shared_item_models

    by_model = {ContentType.objects.get_for_model(m).pk: m for m in shared_item_models().values()}
    waiting = SavedSearchMatch.objects.filter(
        told_at__isnull=True, saved_search__frequency=SavedSearch.Frequency.DAILY
    ).select_related("saved_search__user", "content_type")
    per_user: dict[int, list[SavedSearchMatch]] = {}
    for match in waiting:
        per_user.setdefault(match.saved_search.user_id, []).append(match)
    sent = 0
    day = timezone.localdate().isoformat()
    for matches in per_user.values():
        user = matches[0].saved_search.user
        lines, seen = [], set()
        for match in matches:
            model = by_model.get(match.content_type_id)
            key = (match.content_type_id, match.object_id)
            if (
                model is None
                or key in seen
                or _told_before(user, match.content_type, match.object_id)
            ):
                continue
            item = model.objects.visible_to(user).filter(pk=match.object_id).first()
            if item is not None and user.is_active:
                seen.add(key)
                lines.append((item, site_url(item.get_absolute_url())))
        SavedSearchMatch.objects.filter(pk__in=[m.pk for m in matches]).update(
            told_at=timezone.now()
        )
        if not lines:
            continue
        url = reverse("accounts:saved_searches")
        told, _emails = users_tell(
            item=None,
            users=[user],
            url=url,
            key=f"saved-search-digest:{user.pk}:{day}",
            **_digest(lines),
        )
        sent += len(told)
    return sent
