"""Requests for a change of access: asked by one administrator, decided by a second one."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessChangeRequest(models.Model):
    """A change that can let someone read, waiting for (or decided by) a second administrator.

    What each kind changes, who may approve it and who is told is the table
    `ACCESS_CHANGE_KINDS` of `iconet.directory.services.access_changes`; this row is the
    register's entry.
    """

    class Kind(models.TextChoices):
        ACCOUNT = "account", _("Creation of an account (invitation)")
        AREAS = "areas", _("Areas of competence")
        CONTACT_POINT = "contact_point", _("Contact-point designations")
        ROLE = "role", _("Role")
        ADMINISTRATOR = "administrator", _("Administrator rights")
        ORGANISATION = "organisation", _("Organisation")
        GROUP_MEMBER = "group_member", _("Access-group membership of a user")
        GROUP_ORGANISATION = "group_organisation", _("Access-group membership of an organisation")
        MEMBERSHIP_END = "membership_end", _("End date of an access-group membership")
        NETWORK_MEMBER = "network_member", _("ILO-network membership (posting)")
        EMAIL = "email", _("E-mail address")
        SECOND_FACTOR_RESET = "second_factor_reset", _("Reset of the second factor")
        REACTIVATION = "reactivation", _("Re-activation of an account")
        API_CLIENT = "api_client", _("API client of an organisation")
        WEBHOOK_ENDPOINT = "webhook_endpoint", _("Webhook endpoint of an organisation")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    kind = models.CharField(_("change"), max_length=30, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    organisation = models.ForeignKey(
        "iconet.Organisation",
        verbose_name=_("organisation concerned"),
        on_delete=models.PROTECT,
        related_name="access_change_requests",
    )
    # The person whose access changes (empty for an account not yet created, or for an
    # organisation joining a group).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person concerned"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_changes_concerning",
    )
    group = models.ForeignKey(
        "iconet.AccessGroup",
        verbose_name=_("access group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_change_requests",
    )
    # What the change sets, in the terms of the service that applies it (ids, codes, dates).
    payload = models.JSONField(default=dict, blank=True)
    summary = models.CharField(_("change requested"), max_length=300)
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="access_changes_requested",
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_changes_decided",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason of the decision"), blank=True)
    applied_at = models.DateTimeField(_("in effect since"), null=True, blank=True)
    # An address change takes effect once the new address confirms it (only the digest is kept).
    confirm_token_hash = models.CharField(max_length=64, blank=True, editable=False)
    confirm_expires_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("access change request")
        verbose_name_plural = _("access change requests")
        indexes = [models.Index(fields=["status", "organisation"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(decided_by=models.F("requested_by")),
                name="iconet_access_change_not_decided_by_requester",
            ),
            models.CheckConstraint(
                condition=~models.Q(decided_by=models.F("user")),
                name="iconet_access_change_not_decided_by_person_concerned",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.summary}"
