"""Retention of shared items: how long each type is kept before its owner reviews it, and the
review of each item that fell due (kept, archived, or held by the Commission for an inquiry)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class RetentionRule(models.Model):
    """The Commission's period for one item type; a type without a row keeps the default it
    declares (`SharedItem.retention_months`)."""

    type_slug = models.CharField(_("item type"), max_length=100, unique=True)
    months = models.PositiveSmallIntegerField(_("months before review"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    changed_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("retention rule")

    def __str__(self) -> str:
        return f"{self.type_slug}: {self.months}"


class ItemRetention(models.Model):
    """The retention record of one item, made when its review first falls due: who was asked,
    what they decided, and any hold that stops the clock."""

    class Status(models.TextChoices):
        ASKED = "asked", _("Review asked of the owner")
        ESCALATED = "escalated", _("Escalated to the national administrators")
        KEPT = "kept", _("Kept for another period")
        ARCHIVED = "archived", _("Archived")
        DELETED = "deleted", _("Deleted")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    item = GenericForeignKey("content_type", "object_id")
    owner = models.ForeignKey("iconet.Organisation", on_delete=models.PROTECT, related_name="+")
    review_on = models.DateField(_("review date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    asked_at = models.DateTimeField(_("asked"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # A hold (an inquiry) stops the clock: no review is asked and nothing is archived.
    held = models.BooleanField(_("on hold"), default=False)
    hold_reason = models.CharField(_("reason for the hold"), max_length=500, blank=True)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("held by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("item retention")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"], name="iconet_itemretention_one_per_item"
            )
        ]
        indexes = [models.Index(fields=["status", "review_on"])]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} {self.status}"
