"""Around any shared item: its discussion (replies) and the users who follow its changes.

Both hang from the item by a generic relation, so every registered item type has them without
declaring anything; they are read only through an item already found visible."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..directory.models.directory import Organisation
from ..limits import PERSONAL_DATA_WARNING, text_limit


class OfItemQuerySet(models.QuerySet):
    def of_item(self, item):
        """The rows of `item`, an item the caller has already found visible."""
        return self.filter(
            content_type=ContentType.objects.get_for_model(type(item)), object_id=item.pk
        )


class ItemReply(models.Model):
    """A dated reply in the discussion of an item, by anyone who may read it."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    item = GenericForeignKey("content_type", "object_id")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("reply"), help_text=PERSONAL_DATA_WARNING, **text_limit())
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    objects = OfItemQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")

    def __str__(self) -> str:
        return f"{self.content_type_id}/{self.object_id} {self.created_at:%Y-%m-%d}"


class ItemFollow(models.Model):
    """A user who asked to be told when an item changes; `told_up_to` is the last change-log
    entry they were told of (iconet.discussion.services.followers_tell)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.BigIntegerField()
    item = GenericForeignKey("content_type", "object_id")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="item_follows"
    )
    told_up_to = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    objects = OfItemQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "user"], name="iconet_itemfollow_unique"
            )
        ]
        verbose_name = _("followed item")
        verbose_name_plural = _("followed items")

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.content_type_id}/{self.object_id}"


class ItemLink(models.Model):
    """A link from one item to another of any type (a return problem to the alerts and fraud
    notes on the same route), made by someone who may change the first; shown only to readers
    of both ends."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.BigIntegerField()
    item = GenericForeignKey("content_type", "object_id")
    other_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    other_id = models.BigIntegerField()
    other = GenericForeignKey("other_type", "other_id")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("linked"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "other_type", "other_id"],
                name="iconet_itemlink_unique",
            )
        ]
        indexes = [models.Index(fields=["other_type", "other_id"])]
        verbose_name = _("link between items")
        verbose_name_plural = _("links between items")

    def __str__(self) -> str:
        return f"{self.content_type_id}/{self.object_id} → {self.other_type_id}/{self.other_id}"
