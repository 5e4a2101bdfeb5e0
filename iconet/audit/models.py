"""The access log: sign-ins, second-factor events, reads of restricted items and downloads.

Changes are recorded by django-auditlog; both tables refuse UPDATE and DELETE in PostgreSQL
(see the migration that installs the trigger), and the models refuse it in Python too.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImmutableRecordError(Exception):
    """Raised on any attempt to change or delete an audit record."""


class AccessLog(models.Model):
    """One read, download or authentication event, with who, from where and when."""

    class Event(models.TextChoices):
        SIGN_IN = "sign_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
        SIGN_OUT = "sign_out", _("Signed out")
        OTP_VERIFIED = "otp_verified", _("Second factor verified")
        OTP_FAILED = "otp_failed", _("Second factor refused")
        OTP_ENROLLED = "otp_enrolled", _("Authenticator enrolled")
        BACKUP_CODES = "backup_codes", _("Backup codes generated")
        OTP_RESET = "otp_reset", _("Second factor reset by an administrator")
        PASSWORD_RESET = "password_reset", _("Password reset requested")
        READ = "read", _("Read a restricted item")
        DOWNLOAD = "download", _("Downloaded or exported")
        FOOTPRINT = "footprint", _("Read the footprint of an item")
        BACKUP = "backup", _("Backup taken")
        RESTORE = "restore", _("Backup restored into a new database")

    event = models.CharField(_("event"), max_length=20, choices=Event.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField(_("user name given"), max_length=150, blank=True)
    organisation = models.ForeignKey(
        "iconet.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    owner = models.ForeignKey(
        "iconet.Organisation",
        verbose_name=_("item owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    object_repr = models.CharField(_("item"), max_length=255, blank=True)
    marking = models.CharField(_("marking"), max_length=20, blank=True)
    detail = models.CharField(_("detail"), max_length=255, blank=True)
    remote_addr = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["owner", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_event_display()} {self.username}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ImmutableRecordError("access log entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError("access log entries cannot be deleted")
