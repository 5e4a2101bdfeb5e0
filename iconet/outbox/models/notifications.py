"""In-app notifications and the e-mail outbox that Celery delivers."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet):
    def for_reader(self, user) -> "NotificationQuerySet":
        """The user's notifications, each annotated `item_visible`: whether the item it is
        about (if any) is still visible to the user, through the visibility filter, in the
        same query (one subquery per item type, not one query per row)."""
        return self.filter(recipient=user).annotate(
            item_visible=models.Case(
                models.When(notification_visible_q(user), then=models.Value(True)),
                default=models.Value(False),
                output_field=models.BooleanField(),
            ),
        )

    def unread_visible_count(self, user) -> int:
        """Unread notifications whose item (if any) the user may still see."""
        unread = self.filter(recipient=user, read_at__isnull=True)
        # Every page shows the count: the visibility filter is built only for the item types the
        # unread notifications are about, and not at all when there are none.
        types = set(unread.order_by().values_list("content_type_id", flat=True).distinct())
        if not types:
            return 0
        return unread.filter(notification_visible_q(user, content_type_ids=types)).count()


def notification_visible_q(user, *, content_type_ids=None) -> models.Q:
    """Notifications about no item, or about an item of a type the user may still see (of the
    types in `content_type_ids` only, where given)."""
    from django.contrib.contenttypes.models import ContentType

    from ...sharing.registry import shared_item_models

    condition = models.Q(content_type__isnull=True)
    for model in shared_item_models().values():
        content_type = ContentType.objects.get_for_model(model)
        if content_type_ids is not None and content_type.pk not in content_type_ids:
            continue
        condition |= models.Q(
            content_type=content_type,
            object_id__in=model.objects.visible_to(user).values("pk"),
        )
    return condition


class Notification(models.Model):
    """A message shown to one user in the portal.

    A notification about a shared item links to it (`content_type`, `object_id`); its title is
    shown only while the reader may still see the item (see `NotificationQuerySet.for_reader`).
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(_("title"), max_length=255)
    url = models.CharField(_("link"), max_length=500, blank=True)
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    object_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def about(cls, item, **fields) -> "Notification":
        """An unsaved notification about `item` (None for a message about no item)."""
        from django.contrib.contenttypes.models import ContentType

        if item is not None:
            content_type = ContentType.objects.get_for_model(type(item))
            fields.update(content_type=content_type, object_id=item.pk)
        return cls(**fields)

    @property
    def shown_title(self) -> str:
        """The title, or "an item you cannot see" once the item left the reader's view (needs
        the `item_visible` annotation of `for_reader`)."""
        from ...sharing.related import HIDDEN_ITEM

        if self.content_type_id is not None and not getattr(self, "item_visible", False):
            return str(HIDDEN_ITEM)
        return self.title

    @property
    def shown_url(self) -> str:
        if self.content_type_id is not None and not getattr(self, "item_visible", False):
            return ""
        return self.url


def delivery_due() -> models.Q:
    """Outbox rows waiting for a send: pending and due, or handed over once without an answer
    and due for their one resend (an unknown outcome without a next attempt is never sent
    again)."""
    from django.utils import timezone

    status = EmailDelivery.Status
    return models.Q(status=status.PENDING, next_attempt_at__isnull=True) | models.Q(
        status__in=[status.PENDING, status.UNKNOWN], next_attempt_at__lte=timezone.now()
    )


class EmailDelivery(models.Model):
    """One e-mail to one recipient: the outbox row and the idempotency key in one.

    The row is written in the same transaction as the event it announces; Celery is only told
    after commit, and the periodic sweep hands over any row still pending, so a broker or
    worker outage delays a message but never loses it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        # Handed over to the relay (or maybe, by a worker that died) without its answer: a
        # copy may have arrived. Sent again at most once, never called failed.
        UNKNOWN = "unknown", _("Outcome unknown")

    class Priority(models.IntegerChoices):
        # Lower goes first, as with Celery's priorities on the Redis transport.
        URGENT = 0, _("Urgent")
        ROUTINE = 6, _("Routine")

    key = models.CharField(_("key"), max_length=200, unique=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_email = models.EmailField(_("address"))
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    # The body holds a one-time link (an invitation, an address confirmation): it is emptied
    # once the relay has it, so that the outbox keeps only subject and headers.
    body_is_secret = models.BooleanField(default=False, editable=False)
    # Files sent with the message, each {"name", "mimetype", "content"} (text only: a calendar
    # file of a meeting invitation), written with the row so that a resend carries them too.
    attachments = models.JSONField(_("attached files"), default=list, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # A claim is a lease: a worker that dies mid-send stops renewing it, and the sweep releases
    # the row once it has expired.
    lease_until = models.DateTimeField(null=True, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"),
        choices=Priority.choices,
        default=Priority.ROUTINE,
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # Times the message may have reached the relay without a "sent" on the row: the relay did
    # not answer the end of DATA, or the worker holding the row died. At two it is not sent again.
    uncertain_handovers = models.PositiveSmallIntegerField(_("uncertain handovers"), default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("e-mail delivery")
        verbose_name_plural = _("e-mail deliveries")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["status", "lease_until"], name="iconet_emaildelivery_lease"),
        ]

    def __str__(self) -> str:
        return f"{self.to_email}: {self.subject} ({self.status})"
