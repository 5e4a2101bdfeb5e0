"""Other shared items shown beside an item: links, history, notifications.

Any relation from one shared item to another (foreign key or many-to-many, any item type) is
shown through the visibility filter of the reader: `items_for_reader` resolves references in
one query per item type, and a reference the reader may not see is shown as `HIDDEN_ITEM`,
with no reference or title. The change log stores such relations by primary key (see
`relations_audit_by_pk`), never by the other item's text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db.models.signals import m2m_changed
from django.utils.translation import gettext_lazy as _

HIDDEN_ITEM = _("An item you cannot see")


def is_shared_item_model(model) -> bool:
    from .models import SharedItem

    return isinstance(model, type) and issubclass(model, SharedItem)


@cache
def item_paths() -> dict[type[Any], tuple[str, ...]]:
    """Every model whose rows are exchanged content, with the foreign-key path from it to its
    shared item: () for the item types, ("alert",) for a follow-up, ("content_object",) for a
    grant... A disclosure request (generic relation) maps to ("item",). From the app registry,
    so that a new area or child model is covered without being named here."""
    from django.apps import apps
    from django.contrib.contenttypes.fields import GenericForeignKey

    paths: dict[Any, tuple[str, ...]] = {
        model: () for model in apps.get_models() if is_shared_item_model(model)
    }
    # Rows tied to an item by a generic relation named `item` (disclosure requests,
    # attachments) belong to it as much as a child row with a foreign key does.
    for model in apps.get_models():
        if isinstance(getattr(model, "item", None), GenericForeignKey):
            paths[model] = ("item",)
    changed = True
    while changed:
        changed = False
        for model in apps.get_models():
            if model in paths:
                continue
            links = [
                (field.name, *paths[field.related_model])
                for field in model._meta.concrete_fields
                if (field.many_to_one or field.one_to_one) and field.related_model in paths
            ]
            if links:
                # The shortest path, preferring one without the generic relation (a grant
                # belongs to its item directly, not through its disclosure request).
                paths[model] = min(links, key=lambda link: ("item" in link, len(link)))
                changed = True
    return paths


def is_content_model(model) -> bool:
    """A shared item, or a row that belongs to one (the administration never shows its values,
    the history never looks it up by id)."""
    return model is not None and model in item_paths()


def item_relation_fields(model) -> list:
    """The concrete foreign keys and many-to-many fields of `model` that point to a shared item."""
    return [
        field
        for field in model._meta.get_fields()
        if (field.concrete or field.many_to_many)
        and not field.auto_created
        and field.is_relation
        and is_shared_item_model(field.related_model)
    ]


@dataclass(frozen=True)
class ItemMention:
    """Another item as one reader may see it: the item, or nothing but "an item you cannot see"."""

    item: Any

    @property
    def visible(self) -> bool:
        return self.item is not None

    @property
    def url(self) -> str:
        return self.item.get_absolute_url() if self.item is not None else ""

    def __str__(self) -> str:
        if self.item is None:
            return str(HIDDEN_ITEM)
        return f"{self.item.reference} {self.item.title}"


def items_for_reader(reader, refs: Iterable[tuple[Any, Any]]) -> dict[tuple[type, int], Any]:
    """{(model, pk): item} of the referenced items the reader may see; one query per item type."""
    wanted: dict[Any, set[int]] = defaultdict(set)
    for model, pk in refs:
        try:
            wanted[model].add(int(pk))
        except (TypeError, ValueError):
            continue
    found = {}
    for model, pks in wanted.items():
        for item in model.objects.visible_to(reader).filter(pk__in=pks):
            found[(model, item.pk)] = item
    return found


def mention(found: dict, model, pk) -> ItemMention:
    try:
        return ItemMention(found.get((model, int(pk))))
    except (TypeError, ValueError):
        return ItemMention(None)


def items_linking_to(item, reader) -> list[tuple[str, list]]:
    """(verbose name plural, items) of the items of other types that link to `item` through a
    many-to-many relation (a note naming an alert), only those the reader may see."""
    from .registry import shared_item_models

    found = []
    for model in shared_item_models().values():
        if model is type(item):
            continue
        for field in item_relation_fields(model):
            if field.many_to_many and field.related_model is type(item):
                linking = (
                    model.objects.visible_to(reader)
                    .filter(
                        pk__in=field.remote_field.through.objects.filter(
                            **{field.m2m_reverse_field_name(): item.pk},
                        ).values(field.m2m_field_name()),
                    )
                    .select_related("owner")
                )
                if linking:
                    found.append((str(model._meta.verbose_name_plural), list(linking)))
    return found


# --- the change log stores relations between items by primary key ----------------------------


def relations_audit_by_pk() -> None:
    """Record changes of every many-to-many relation between shared items in the item's change
    log with the other items' primary keys (auditlog's own m2m recording copies their text,
    e.g. a headline, which no history page could then filter). Register such fields with
    auditlog without `m2m_fields`; this covers them."""
    from .registry import shared_item_models

    for model in shared_item_models().values():
        for field in item_relation_fields(model):
            if field.many_to_many:
                m2m_changed.connect(
                    _relation_receiver(model, field.name),
                    sender=field.remote_field.through,
                    dispatch_uid=f"iconet-relation-audit:{model._meta.label}.{field.name}",
                    weak=False,
                )


def _relation_receiver(model, field_name: str):
    from auditlog.receivers import check_disable

    @check_disable
    def receiver(sender, instance, action, reverse, pk_set, **kwargs):
        if action == "pre_clear":
            # The rows are gone after the clear: say which ones now.
            if reverse:
                sources = model.objects.filter(**{field_name: instance}).values_list(
                    "pk", flat=True
                )
                for source_pk in sources:
                    _log(model, source_pk, field_name, "delete", [instance.pk])
            else:
                targets = getattr(instance, field_name).values_list("pk", flat=True)
                _log(model, instance.pk, field_name, "delete", list(targets))
            return
        if action not in ("post_add", "post_remove") or not pk_set:
            return
        operation = "add" if action == "post_add" else "delete"
        if reverse:
            for source_pk in pk_set:
                _log(model, source_pk, field_name, operation, [instance.pk])
        else:
            _log(model, instance.pk, field_name, operation, sorted(pk_set))

    return receiver


def _log(model, pk, field_name: str, operation: str, target_pks: list[int]) -> None:
    from auditlog.models import LogEntry

    if not target_pks:
        return
    instance = model.objects.filter(pk=pk).first()
    if instance is None:
        return
    # auditlog writes each object as its text: give it the primary keys as text.
    LogEntry.objects.log_m2m_changes(
        [str(target) for target in target_pks], instance, operation, field_name
    )
