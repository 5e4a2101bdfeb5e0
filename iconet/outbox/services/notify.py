"""Telling users: in-app notifications and e-mails through the Celery outbox."""

import json
from collections.abc import Callable, Iterable
from typing import Any, TypedDict

from django.conf import settings
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from ...limits import one_line_text
from ...models import EmailDelivery, Notification


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
        self._by_language: dict[str, Any] = {}

    def current(self) -> Any:
        """Built in the language active now (for a text built from another `InLanguage`)."""
        language = translation.get_language() or settings.LANGUAGE_CODE
        if language not in self._built:
            self._built[language] = self.build()
        return self._built[language]

    def for_user(self, user) -> Any:
        language = user_language(user)
        # Read per recipient of a fan-out: a language already built is not activated again.
        if language not in self._by_language:
            with translation.override(language):
                self._by_language[language] = self.current()
        return self._by_language[language]


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


def rows_insert(
    model,
    template,
    varying: dict[str, list],
    *,
    conflict: str | None = None,
    returning: tuple[str, ...] = (),
) -> list[tuple]:
    """Write one row of `model` per position of the lists in `varying` (field name: the values
    of that column, a foreign key's as ids), every other column as `template` has it (its
    defaults and `auto_now_add` times included), in one INSERT ... SELECT FROM unnest(...): the
    values go to the database as one array per column instead of one parameter per cell,
    with no model instance per row. Rows that would break a unique constraint are skipped (on
    `conflict`'s column, or any when it is "*"). Returns (id, *the `returning` fields) of each
    row written."""
    fields = {f.name: f for f in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    columns, selects, params, unnest, aliases = [], [], [], [], []
    for position, name in enumerate(varying):
        field = fields[name]
        alias = f"v{position}"
        aliases.append(alias)
        columns.append(quote(field.column))
        selects.append(f"m.{alias}")
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in varying:
            continue
        value = field.get_db_prep_save(field.pre_save(template, add=True), connection)
        if value is None:
            continue  # the column's NULL
        cast = field.cast_db_type(connection)
        columns.append(quote(field.column))
        selects.append(f"%s::{cast}")
        params.append(value)
    for name, values in varying.items():
        field = fields[name]
        cast = field.cast_db_type(connection)
        unnest.append(f"%s::{cast}[]")
        params.append(list(values))
    on_conflict = ""
    if conflict == "*":
        on_conflict = " ON CONFLICT DO NOTHING"
    elif conflict:
        on_conflict = f" ON CONFLICT ({quote(fields[conflict].column)}) DO NOTHING"
    returned = [quote(model._meta.pk.column), *(quote(fields[name].column) for name in returning)]
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(selects)} FROM unnest({', '.join(unnest)}) "
        f"AS m({', '.join(aliases)}){on_conflict} "
        f"RETURNING {', '.join(returned)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def outbox_rows_insert(template: EmailDelivery, messages: list[dict]) -> dict[str, int]:
    """Write one outbox row per message (its key, recipient and address), every other column as
    `template` has it, in one statement that skips keys already written; returns the ids of the
    rows written, by key."""
    written = rows_insert(
        EmailDelivery,
        template,
        {
            "key": [m["key"] for m in messages],
            "recipient": [m["recipient"].pk for m in messages],
            "to_email": [m["recipient"].email for m in messages],
        },
        conflict="key",
        returning=("key",),
    )
    return {key: pk for pk, key in written}


def emails_enqueue(messages: list[dict]) -> dict[str, EmailDelivery]:
    """Write outbox rows (idempotent on each message's `key`) and hand the new ones to Celery
    after commit. Each message: key, recipient, subject, body, and optionally priority (an
    `EmailDelivery.Priority`; urgent rows are sent first); subject and body may be `InLanguage`
    texts, built in each recipient's language; `attachments`, files sent with it (see
    `EmailDelivery.attachments`). Returns the rows by key."""
    messages = [m for m in messages if m["recipient"].email]
    keys = [m["key"] for m in messages]
    existing = {d.key: d for d in EmailDelivery.objects.filter(key__any_of=keys)}
    now = timezone.now()
    subjects: dict[str, str] = {}  # one clean line per distinct subject, not per recipient

    def subject_line(text: str) -> str:
        if text not in subjects:
            subjects[text] = one_line_text(text, 255)
        return subjects[text]

    # One INSERT per distinct message (a publication's mails differ by language, not by
    # recipient): its text is sent once, the recipients as arrays.
    groups: dict[tuple, list[dict]] = {}
    for m in messages:
        if m["key"] in existing:
            continue
        text = (
            subject_line(localised(m["subject"], m["recipient"])),
            localised(m["body"], m["recipient"]),
            m.get("priority", EmailDelivery.Priority.ROUTINE),
            m.get("secret", False),
            json.dumps(m.get("attachments") or [], sort_keys=True),
        )
        groups.setdefault(text, []).append(m)
    created: list[EmailDelivery] = []
    raced: list[str] = []
    for (subject, body, priority, secret, attached), group in groups.items():
        attachments = json.loads(attached)
        template = EmailDelivery(
            subject=subject,
            body=body,
            next_attempt_at=now,
            priority=priority,
            body_is_secret=secret,
            attachments=attachments,
        )
        written = outbox_rows_insert(template, group)
        for m in group:
            pk = written.get(m["key"])
            if pk is None:
                raced.append(m["key"])  # another transaction wrote it meanwhile
                continue
            row = EmailDelivery(
                id=pk,
                key=m["key"],
                recipient=m["recipient"],
                to_email=m["recipient"].email,
                subject=subject,
                body=body,
                next_attempt_at=now,
                priority=priority,
                body_is_secret=secret,
                attachments=attachments,
                created_at=template.created_at,
            )
            row._state.adding = False
            created.append(row)
    if raced:
        # Their rows stand, and the transaction that wrote them dispatches them.
        existing.update({d.key: d for d in EmailDelivery.objects.filter(key__any_of=raced)})
    ids = [row.pk for row in created]
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
    from ..tasks import emails_hand_over

    priority = EmailDelivery.Priority.URGENT if urgent else EmailDelivery.Priority.ROUTINE
    try:
        emails_hand_over(delivery_ids, priority)
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
    attachments: Callable[[Any], list[dict]] | None = None,
) -> tuple[list, dict[str, EmailDelivery]]:
    """`users_notify`, telling what it did: the users told (readers of `item` only) and their
    outbox rows by key (`<key>:user:<pk>`). `email_to` keeps the e-mail from users for whom it
    answers False (they wait for a digest); `priority` is the outbox's; `attachments`, ``f(user)``
    giving the files sent with each user's e-mail (`EmailDelivery.attachments`)."""
    from ...sharing.access import readers_among

    users = list(users) if item is None else readers_among(item, list(users))
    if users:
        rows_insert(
            Notification,
            Notification.about(item, url=url),
            {
                "recipient": [user.pk for user in users],
                "title": [
                    titled_with_reference(item, localised(title, user))[:255] for user in users
                ],
            },
        )
    emails = emails_enqueue(
        [
            {
                "key": f"{key}:user:{user.pk}",
                "recipient": user,
                "subject": subject,
                "body": body,
                "priority": priority,
                "attachments": attachments(user) if attachments else [],
            }
            for user in users
            if email_to is None or email_to(user)
        ]
    )
    return users, emails
