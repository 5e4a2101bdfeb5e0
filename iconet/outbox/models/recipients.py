"""Who was told of a shared item, and what became of it: delivered, read, acknowledged,
escalated. Any item type uses it through `iconet.outbox.services.recipients`."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ...directory.models.directory import Organisation
from .notifications import EmailDelivery

# The reason the core itself gives; item types declare theirs in `recipient_reasons`.
ESCALATION = "escalation"
# An organisation's system (an API client) acknowledging for the organisation it acts for: its
# account was not told in person, the organisation was.
FOR_ORGANISATION = "for_organisation"


class ItemRecipientQuerySet(models.QuerySet):
    """Recipient rows are read through their item, or as a user's own receipts."""

    def of_type(self, model) -> "ItemRecipientQuerySet":
        return self.filter(content_type=ContentType.objects.get_for_model(model))

    def of_item(self, item) -> "ItemRecipientQuerySet":
        return self.of_type(type(item)).filter(object_id=item.pk)


class ItemRecipient(models.Model):
    """One person told of an item: the delivery, reading and acknowledgement its owner follows."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    item = GenericForeignKey("content_type", "object_id")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="item_receipts",
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    # A short code whose label the item type declares (`SharedItem.recipient_reasons`).
    reason = models.CharField(_("reason"), max_length=32)
    # Several rows share one e-mail when it is a digest.
    email = models.ForeignKey(
        EmailDelivery,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    in_digest = models.BooleanField(_("in the daily digest"), default=False)
    # A default, not auto_now_add: moved rows keep their time.
    notified_at = models.DateTimeField(_("notified"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    escalated = models.BooleanField(_("added by escalation"), default=False)

    objects = ItemRecipientQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__country_id", "organisation__name", "user__last_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "user"],
                name="iconet_item_recipient_unique",
            ),
        ]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        verbose_name = _("recipient")

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} → {self.user_id}"

    def get_reason_display(self) -> str:
        if self.reason == ESCALATION:
            return str(_("Escalation"))
        if self.reason == FOR_ORGANISATION:
            return str(_("Acknowledged for the organisation by its system"))
        model = self.content_type.model_class()
        labels = getattr(model, "recipient_reasons", {})
        return str(labels.get(self.reason, self.reason))

    @property
    def delivered_at(self):
        return self.email.sent_at if self.email_id and self.email else None

    @property
    def delivery_status(self) -> str:
        email = self.email if self.email_id else None
        if email is None:
            return "digest" if self.in_digest else "none"
        return email.status


class ItemEscalation(models.Model):
    """An item a recipient organisation did not acknowledge in time: escalated once."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    item = GenericForeignKey("content_type", "object_id")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    escalated_at = models.DateTimeField(_("escalated"), default=timezone.now)
    notified_count = models.PositiveIntegerField(_("people told"), default=0)

    class Meta:
        ordering = ["escalated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "organisation"],
                name="iconet_item_escalation_unique",
            ),
        ]
        verbose_name = _("escalation")

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} → {self.organisation_id}"
