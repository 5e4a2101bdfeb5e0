"""The discussion of any shared item and the users who follow it: replies, following and
unfollowing, and the worker's job that tells followers of what changed.

Every registered item type has both through the core (`Action.REPLY`, `Action.FOLLOW` in
`SharedItem.allows`); an area declares nothing. A follower is told in the portal and by
e-mail, in their language, only while they may still read the item: visibility is checked
when the job runs, not when they began to follow."""

from collections import defaultdict

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..audit.services import audited
from ..limits import one_line_text
from ..models import Action, ItemFollow, ItemReply, User
from ..outbox.services.notify import message_in_language, site_url, users_tell
from ..search.saved_searches import item_line
from ..sharing.access import require
from ..sharing.models import SharedItem


def _content_type(item: SharedItem) -> ContentType:
    return ContentType.objects.get_for_model(type(item))


@audited
@transaction.atomic
def item_reply_add(*, actor: User, item: SharedItem, text: str) -> ItemReply:
    """A dated reply by anyone who may read the (published) item; its author is told."""
    require(actor, Action.REPLY, item)
    if actor.organisation_id is None:
        raise PermissionDenied  # a reply is given on behalf of an organisation
    reply = ItemReply(
        content_type=_content_type(item),
        object_id=item.pk,
        author=actor,
        organisation_id=actor.organisation_id,
        text=text.strip(),
    )
    reply.full_clean()
    reply.save()
    if item.author_id != actor.pk:
        url = item.get_absolute_url() + "#discussion"
        users_tell(
            item=item,
            users=[item.author],
            url=url,
            key=f"reply:{reply.pk}",
            **message_in_language(
                lambda: _("New reply on %(item)s") % {"item": item_line(item)},
                subject=lambda title: one_line_text(_("[ICONet] %(title)s") % {"title": title}),
                template="discussion/email_reply.txt",
                context=lambda: {
                    "item": item_line(item),
                    "who": f"{actor} ({actor.organisation})",
                    "url": site_url(url),
                },
            ),
        )
    return reply


def is_following(user: User, item: SharedItem) -> bool:
    return ItemFollow.objects.of_item(item).filter(user=user).exists()


@audited
@transaction.atomic
def item_follow(*, actor: User, item: SharedItem) -> ItemFollow:
    """The actor is told of the item's changes from now on (following twice is following)."""
    require(actor, Action.FOLLOW, item)
    now = LogEntry.objects.aggregate(last=Max("pk"))["last"] or 0
    follow, _created = ItemFollow.objects.get_or_create(
        content_type=_content_type(item),
        object_id=item.pk,
        user=actor,
        defaults={"told_up_to": now},
    )
    return follow


@audited
@transaction.atomic
def item_unfollow(*, actor: User, item: SharedItem) -> bool:
    """The actor is no longer told of the item's changes; False if they did not follow it."""
    follows = list(ItemFollow.objects.of_item(item).filter(user=actor))
    for follow in follows:
        follow.delete()  # one by one, so that each is in the change log
    return bool(follows)


def _changes_since(model, follows: list[ItemFollow]) -> dict[int, list[tuple[int, int, str]]]:
    """{item pk: [(log entry id, actor id, "change" or "reply")]} of the followed items of one
    type, after the earliest cursor of `follows`."""
    content_type = ContentType.objects.get_for_model(model)
    floor = min(follow.told_up_to for follow in follows)
    pks = {follow.object_id for follow in follows}
    found: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    changes = LogEntry.objects.filter(
        content_type=content_type,
        object_id__in=pks,
        pk__gt=floor,
        action=LogEntry.Action.UPDATE,
    ).values_list("object_id", "pk", "actor_id")
    for pk, entry, actor in changes:
        found[pk].append((entry, actor, "change"))
    replies = dict(
        ItemReply.objects.filter(content_type=content_type, object_id__in=pks).values_list(
            "pk", "object_id"
        )
    )
    if replies:
        reply_entries = LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(ItemReply),
            object_id__in=list(replies),
            pk__gt=floor,
            action=LogEntry.Action.CREATE,
        ).values_list("object_id", "pk", "actor_id")
        for reply, entry, actor in reply_entries:
            found[replies[reply]].append((entry, actor, "reply"))
    return found


def _what_changed(changes: int, replies: int) -> str:
    parts = []
    if changes:
        parts.append(
            ngettext("%(count)s change", "%(count)s changes", changes) % {"count": changes}
        )
    if replies:
        parts.append(
            ngettext("%(count)s new reply", "%(count)s new replies", replies) % {"count": replies}
        )
    return ", ".join(parts)


def _follower_tell(follow: ItemFollow, item: SharedItem, changes: int, replies: int, last: int):
    url = item.get_absolute_url()
    told, _emails = users_tell(
        item=item,  # only while the follower may still read it
        users=[follow.user],
        url=url,
        key=f"follow:{follow.pk}:{last}",
        **message_in_language(
            lambda: (
                _("%(item)s, which you follow: %(what)s")
                % {"item": item_line(item), "what": _what_changed(changes, replies)}
            ),
            subject=lambda title: one_line_text(_("[ICONet] %(title)s") % {"title": title}),
            template="discussion/email_follow.txt",
            context=lambda: {
                "item": item_line(item),
                "what": _what_changed(changes, replies),
                "url": site_url(url),
            },
        ),
    )
    return len(told)


def followers_tell() -> int:
    """Tell each follower of the changes and replies that others made to the items they follow
    since they were last told; returns how many were told. Each follower's cursor moves by a
    conditional update, in the same transaction as what tells them: a job run twice at once
    tells nobody twice."""
    from ..sharing.registry import shared_item_models

    by_type: dict[int, list[ItemFollow]] = defaultdict(list)
    for follow in ItemFollow.objects.select_related("user").order_by("pk"):
        by_type[follow.content_type_id].append(follow)
    models = {ContentType.objects.get_for_model(m).pk: m for m in shared_item_models().values()}
    told = 0
    for content_type_id, follows in by_type.items():
        model = models.get(content_type_id)
        if model is None:
            continue
        found = _changes_since(model, follows)
        items = {item.pk: item for item in model._base_manager.filter(pk__in=list(found))}
        for follow in follows:
            new = [row for row in found.get(follow.object_id, ()) if row[0] > follow.told_up_to]
            if not new:
                continue
            last = max(row[0] for row in new)
            by_others = [row for row in new if row[1] != follow.user_id]
            with transaction.atomic():
                claimed = ItemFollow.objects.filter(
                    pk=follow.pk, told_up_to=follow.told_up_to
                ).update(told_up_to=last)
                item = items.get(follow.object_id)
                if not claimed or not by_others or item is None:
                    continue
                told += _follower_tell(
                    follow,
                    item,
                    sum(1 for row in by_others if row[2] == "change"),
                    sum(1 for row in by_others if row[2] == "reply"),
                    last,
                )
    return told


# --- links between items ------------------------------------------------------------------


def item_find_by_reference(*, reader: User, reference: str) -> SharedItem | None:
    """The item of any type with this reference that `reader` may read, or None."""
    from ..sharing.registry import shared_item_models

    reference = reference.strip()
    if not reference:
        return None
    for model in shared_item_models().values():
        if not any(field.name == "reference_code" for field in model._meta.concrete_fields):
            continue
        found = model.objects.visible_to(reader).filter(reference_code__iexact=reference).first()
        if found is not None:
            return found
    return None


@audited
@transaction.atomic
def item_link_add(*, actor: User, item: SharedItem, reference: str):
    """Link the item (which the actor may change) to the item of `reference` (which the actor
    may read); linking twice is linking."""
    from ..models import ItemLink

    require(actor, Action.CHANGE, item)
    other = item_find_by_reference(reader=actor, reference=reference)
    if other is None:
        raise ValidationError(
            _("No item you may read has the reference %(ref)s.") % {"ref": reference.strip()}
        )
    if type(other) is type(item) and other.pk == item.pk:
        raise ValidationError(_("An item cannot be linked to itself."))
    link, _created = ItemLink.objects.get_or_create(
        content_type=_content_type(item),
        object_id=item.pk,
        other_type=_content_type(other),
        other_id=other.pk,
        defaults={"created_by": actor},
    )
    return link


@audited
@transaction.atomic
def item_link_remove(*, actor: User, item: SharedItem, link_pk: int) -> bool:
    """Remove a link made from the item, which the actor may change."""
    from ..models import ItemLink

    require(actor, Action.CHANGE, item)
    links = list(ItemLink.objects.filter(pk=link_pk, **_of(item)))
    for link in links:
        link.delete()
    return bool(links)


def _of(item: SharedItem) -> dict:
    return {"content_type": _content_type(item), "object_id": item.pk}


def item_links_for_reader(item: SharedItem, reader: User) -> list[tuple[object, SharedItem]]:
    """(link, other item) of the links from and to `item` (already found visible) whose other
    end the reader may read too; the others are not shown at all."""
    from django.db.models import Q

    from ..models import ItemLink
    from ..sharing.related import items_for_reader

    content_type = _content_type(item)
    links = list(
        ItemLink.objects.filter(
            Q(content_type=content_type, object_id=item.pk)
            | Q(other_type=content_type, other_id=item.pk)
        ).order_by("created_at", "pk")
    )

    def far_end(link):
        if link.content_type_id == content_type.pk and link.object_id == item.pk:
            return ContentType.objects.get_for_id(link.other_type_id).model_class(), link.other_id
        return ContentType.objects.get_for_id(link.content_type_id).model_class(), link.object_id

    ends = [(link, *far_end(link)) for link in links]
    found = items_for_reader(reader, [(model, pk) for _link, model, pk in ends if model])
    return [(link, found[(model, pk)]) for link, model, pk in ends if (model, pk) in found]
