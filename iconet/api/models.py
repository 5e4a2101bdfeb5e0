"""API clients: the keys through which an organisation's own systems use the API."""

import ipaddress

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..limits import single_line
from ..models import Area, Organisation


class ApiAction(models.TextChoices):
    """What an API client may do with the items it may read."""

    READ = "read", _("Read items")
    CREATE = "create", _("Create drafts")
    CHANGE = "change", _("Change items")
    PUBLISH = "publish", _("Publish items")
    RESPOND = "respond", _("Acknowledge, follow up and request disclosure")


class ApiClient(models.Model):
    """A system of an organisation that uses the API with a key, acting for that organisation.

    It reads through its own account (`user`): a user of the organisation with the client's
    areas and no membership of its own, so it never reads more than such a user could. The
    secret is shown once when made or rotated; only its SHA-256 digest is kept."""

    name = models.CharField(_("name"), max_length=120, validators=[single_line])
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client"
    )
    areas = ArrayField(
        models.CharField(max_length=20, choices=Area.choices),
        verbose_name=_("areas"),
        default=list,
    )
    actions = ArrayField(
        models.CharField(max_length=20, choices=ApiAction.choices),
        verbose_name=_("actions"),
        default=list,
    )
    expires_at = models.DateTimeField(_("expires"))
    allowed_networks = ArrayField(
        models.CharField(max_length=50),
        verbose_name=_("allowed networks"),
        default=list,
        blank=True,
        help_text=_("Addresses (CIDR) the client may call from; empty: any."),
    )
    # The public part of the key, by which a request finds its client.
    key_id = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    rotated_at = models.DateTimeField(_("secret last changed"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    last_used_from = models.GenericIPAddressField(_("last used from"), null=True, blank=True)

    class Meta:
        ordering = ["organisation", "name"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return self.name

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    def allows_address(self, address: str | None) -> bool:
        if not self.allowed_networks:
            return True
        if not address:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in ipaddress.ip_network(net, strict=False) for net in self.allowed_networks)

    def may(self, action: str) -> bool:
        return action in self.actions


class IdempotencyKey(models.Model):
    """The answer to a POST that carried an `Idempotency-Key`, replayed for the same key."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    request_digest = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="api_idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return self.key


class WebhookEndpoint(models.Model):
    """An address of an API client's system told of events, each delivery signed with the
    endpoint's secret (HMAC-SHA256), holding only what the client may read."""

    class Event(models.TextChoices):
        ITEM_PUBLISHED = "item.published", _("An item was published")
        AWAITING_ACKNOWLEDGEMENT = (
            "item.awaiting_acknowledgement",
            _("An item awaits the organisation's acknowledgement"),
        )
        ACCESS_CHANGE = "access_change", _("A change of access concerns the organisation")

    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="webhooks")
    url = models.URLField(_("address"), max_length=500)
    events = ArrayField(
        models.CharField(max_length=40, choices=Event.choices), verbose_name=_("events")
    )
    # The signing key: kept as is, since signing needs it; shown once, like an API key.
    secret = models.CharField(max_length=64, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Turned off by an administrator of its organisation: no event leaves for it again (a new
    # registration, approved by a second person, is needed).
    turned_off_at = models.DateTimeField(_("turned off"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event for one endpoint: the outbox row and, with its event id, the idempotency key.

    Written in the transaction of the event; the worker claims it with a lease, and the sweep
    hands over what is due, so a receiver that is down or slow delays it but never loses it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="+")
    event_id = models.UUIDField()
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"], name="api_webhook_delivery_unique"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} {self.event_id}"
