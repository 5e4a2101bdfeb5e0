"""Exports of item lists that run in the background (see `iconet.exports.sources`)."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def export_storage_name(instance, filename: str) -> str:
    """A random name under exports/: nothing of the list or its filters reaches the path."""
    extension = filename.rpartition(".")[2] if "." in filename else "bin"
    return f"exports/{secrets.token_hex(16)}.{extension}"


class ExportJob(models.Model):
    """One export of a list, produced by the worker for its owner only.

    The rows are chosen when the file is produced, with the owner's visibility at that time;
    `parameters` keeps the list's filters as the query string gave them. A job is never lost
    to a broker or worker failure: `iconet.outbox.tasks.exports_sweep_pending` hands over again a
    pending job nobody took and a running one whose lease expired.
    """

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        PDF = "pdf", "PDF"

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("In progress")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Removed")
        CANCELLED = "cancelled", _("Cancelled")
        # The file held an item its owner may no longer read: it was removed unread.
        WITHDRAWN = "withdrawn", _("Withdrawn")

    ACTIVE_STATES = (State.PENDING, State.RUNNING)

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(_("list"), max_length=100)
    parameters = models.JSONField(_("filters"), default=dict, blank=True)
    format = models.CharField(_("format"), max_length=3, choices=Format.choices)
    language = models.CharField(_("language"), max_length=10, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    progress = models.PositiveIntegerField(_("rows written"), default=0)
    total = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    marking = models.CharField(_("highest marking"), max_length=12, blank=True)
    file = models.FileField(_("file"), upload_to=export_storage_name, max_length=255, blank=True)
    # The items in the file, by type slug ({"alerts.alert": [pk, ...]}): each download checks
    # that the owner may still read every one of them.
    items = models.JSONField(_("items"), default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("error"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [models.Index(fields=["owner", "state"])]

    def __str__(self) -> str:
        return f"{self.source} {self.get_format_display()} ({self.get_state_display()})"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.state == self.State.DONE else 0
        return min(100, round(100 * self.progress / self.total))
