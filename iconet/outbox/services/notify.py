"""Telling users: in-app notifications and e-mails through the Celery outbox."""

from collections.abc import Callable, Iterable
from typing import Any, TypedDict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from ...limits import one_line_text
from ...models import EmailDelivery, Notification

# Deliveries handed to one task: they share one SMTP connection.
DISPATCH_CHUNK = 25


def site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def user_language(user) -> str:
    """The language a user reads the portal and their e-mails in: their choice on the account,
    else the portal's default."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


class InLanguage:
    """A text built in each reader's own language: `build()` runs under
    `translation.override`, once per language. Pass it wherever a notification title, an
    e-mail subject or body is expected; a plain string stays as it was written."""

    def __init__(self, build: Callable[[], Any]):
        self.build = build
        self._built: dict[str, Any] = {}

    def current(self) -> Any:
        """Built in the language active now (for a text built from another `InLanguage`)."""
        language = translation.get_language() or settings.LANGUAGE_CODE
        if language not in self._built:
            self._built[language] = self.build()
        return self._built[language]

    def for_user(self, user) -> Any:
        with translation.override(user_language(user)):
            return self.current()


Text = str | InLanguage


def localised(text: Text, user) -> str:
    """`text` as `user` reads it: an `InLanguage` is built in their language."""
    return str(text.for_user(user) if isinstance(text, InLanguage) else text)


class Message(TypedDict):
    """A notification's title with its e-mail's subject and body, each built per reader; the
    keyword arguments `users_notify` and `users_tell` take for them."""

    title: InLanguage
    subject: InLanguage
    body: InLanguage


def message_in_language(
    title: Callable[[], str],
    *,
    subject: Callable[[str], str],
    template: str,
    context: dict | Callable[[], dict],
    title_as: str = "title",
) -> Message:
    """A message written in each reader's language: `title()` translates and fills the title,
    `subject(title)` makes the e-mail's subject of it, and the body is `template` rendered with
    `context` (or what `context()` builds, for values that are themselves translated) and the
    title (as `title_as`), all three under the reader's language."""
    built = InLanguage(title)

    def body() -> str:
        values = context() if callable(context) else context
        return render_to_string(template, {**values, title_as: built.current()})

    return {
        "title": built,
        "subject": InLanguage(lambda: subject(built.current())),
        "body": InLanguage(body),
    }


def emails_enqueue(messages: list[dict]) -> dict[str, EmailDelivery]:
    """Write outbox rows (idempotent on each message's `key`) and hand the new ones to Celery
    after commit. Each message: key, recipient, subject, body, and optionally priority (an
    `EmailDelivery.Priority`; urgent rows are sent first); subject and body may be `InLanguage`
    texts, built in each recipient's language. Returns the rows by key."""
    messages = [m for m in messages if m["recipient"].email]
    keys = [m["key"] for m in messages]
    existing = {d.key: d for d in EmailDelivery.objects.filter(key__in=keys)}
    now = timezone.now()
    fresh = [
        EmailDelivery(
            key=m["key"],
            recipient=m["recipient"],
            to_email=m["recipient"].email,
            subject=one_line_text(localised(m["subject"], m["recipient"]), 255),
            body=localised(m["body"], m["recipient"]),
            next_attempt_at=now,
            priority=m.get("priority", EmailDelivery.Priority.ROUTINE),
            body_is_secret=m.get("secret", False),
        )
        for m in messages
        if m["key"] not in existing
    ]
    try:
        with transaction.atomic():
            created = EmailDelivery.objects.bulk_create(fresh)
        ids = [row.pk for row in created]
    except IntegrityError:
        # Another transaction wrote some of these keys meanwhile: its rows stand, and it
        # dispatches them; this one dispatches only the rows it wrote itself.
        created, ids = [], []
        for row in fresh:
            values = {
                f.attname: getattr(row, f.attname)
                for f in EmailDelivery._meta.concrete_fields
                if f.name != "id"
            }
            stored, was_created = EmailDelivery.objects.get_or_create(key=row.key, defaults=values)
            created.append(stored)
            if was_created:
                ids.append(stored.pk)
    if ids:
        urgent = {row.pk for row in created if row.priority == EmailDelivery.Priority.URGENT}
        transaction.on_commit(
            lambda: emails_dispatch([pk for pk in ids if pk in urgent], urgent=True)
        )
        transaction.on_commit(lambda: emails_dispatch([pk for pk in ids if pk not in urgent]))
    return {**existing, **{d.key: d for d in created}}


def email_enqueue(
    *,
    key: str,
    recipient,
    subject: Text,
    body: Text,
    priority: int = EmailDelivery.Priority.ROUTINE,
    secret: bool = False,
) -> EmailDelivery | None:
    """One outbox row; see `emails_enqueue`. A `secret` body (a one-time link) is emptied
    once sent."""
    rows = emails_enqueue(
        [
            {
                "key": key,
                "recipient": recipient,
                "subject": subject,
                "body": body,
                "priority": priority,
                "secret": secret,
            },
        ]
    )
    return rows.get(key)


def emails_dispatch(delivery_ids: list[int], *, urgent: bool = False) -> None:
    """Queue the delivery tasks; a broker that is down only delays them until the next sweep."""
    from ..tasks import emails_deliver

    priority = EmailDelivery.Priority.URGENT if urgent else EmailDelivery.Priority.ROUTINE
    try:
        for start in range(0, len(delivery_ids), DISPATCH_CHUNK):
            emails_deliver.apply_async(
                (delivery_ids[start : start + DISPATCH_CHUNK],), priority=priority
            )
    except Exception:  # noqa: BLE001 - any broker failure: the sweep picks the rows up later
        import logging

        logging.getLogger(__name__).warning(
            "broker unavailable; %s deliveries left for the sweep", len(delivery_ids)
        )


def users_notify(
    *, item, users: Iterable, title: Text, url: str, key: str, subject: Text, body: Text
) -> int:
    """An in-app notification and an e-mail for each user who may read `item`; returns how many
    were told. Notifications about an item go through the visibility rule like every other
    read; `item=None` is for messages about no item (a reminder of a deadline)."""
    told, _emails = users_tell(
        item=item, users=users, title=title, url=url, key=key, subject=subject, body=body
    )
    return len(told)


def notifications_read_for(*, user, item) -> int:
    """The user's unread notifications about `item` are read once the item is opened or its
    action done; returns how many."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    return Notification.objects.filter(
        recipient=user,
        content_type=ContentType.objects.get_for_model(type(item)),
        object_id=item.pk,
        read_at__isnull=True,
    ).update(read_at=timezone.now())


def titled_with_reference(item, title: str) -> str:
    """A notification about an item names it: its reference leads the title (once)."""
    reference = getattr(item, "reference", "") if item is not None else ""
    if not reference or reference in title:
        return str(title)
    return f"{reference}: {title}"


def users_tell(
    *,
    item,
    users: Iterable,
    title: Text,
    url: str,
    key: str,
    subject: Text,
    body: Text,
    priority: int = EmailDelivery.Priority.ROUTINE,
    email_to: Callable[[Any], bool] | None = None,
) -> tuple[list, dict[str, EmailDelivery]]:
    """`users_notify`, telling what it did: the users told (readers of `item` only) and their
    outbox rows by key (`<key>:user:<pk>`). `email_to` keeps the e-mail from users for whom it
    answers False (they wait for a digest); `priority` is the outbox's."""
    from ...access import readers_among

    users = list(users) if item is None else readers_among(item, list(users))
    Notification.objects.bulk_create(
        [
            Notification.about(
                item,
                recipient=user,
                title=titled_with_reference(item, localised(title, user))[:255],
                url=url,
            )
            for user in users
        ]
    )
    emails = emails_enqueue(
        [
            {
                "key": f"{key}:user:{user.pk}",
                "recipient": user,
                "subject": subject,
                "body": body,
                "priority": priority,
            }
            for user in users
            if email_to is None or email_to(user)
        ]
    )
    return users, emails
