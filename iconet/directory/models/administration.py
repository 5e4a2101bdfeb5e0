"""Administration: access group memberships with an end date, invitations, tracked sessions."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MembershipQuerySet(models.QuerySet):
    """Memberships of access groups; `current()` leaves out those whose end date has come."""

    def current(self, on=None):
        today = on or timezone.localdate()
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gt=today))


class ReasonMixin(models.Model):
    """The reason an administrator gave travels into the change log's additional data."""

    _change_reason: str = ""

    class Meta:
        abstract = True

    def get_additional_data(self):
        reason = getattr(self, "_change_reason", "")
        return {"reason": reason} if reason else None


class AccessGroupMember(ReasonMixin):
    """One user in an access group, until an optional end date."""

    accessgroup = models.ForeignKey(
        "iconet.AccessGroup", on_delete=models.CASCADE, related_name="member_rows"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_group_rows"
    )
    ends_on = models.DateField(
        _("membership ends on"),
        null=True,
        blank=True,
        help_text=_("From this date the membership ends by itself."),
    )
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        db_table = "iconet_accessgroup_members"
        unique_together = [("accessgroup", "user")]
        verbose_name = _("access group member")
        verbose_name_plural = _("access group members")

    def __str__(self) -> str:
        return f"{self.user} in {self.accessgroup}"


class AccessGroupOrganisation(ReasonMixin):
    """One organisation (every one of its users) in an access group, until an optional end date."""

    accessgroup = models.ForeignKey(
        "iconet.AccessGroup", on_delete=models.CASCADE, related_name="organisation_rows"
    )
    organisation = models.ForeignKey(
        "iconet.Organisation",
        on_delete=models.CASCADE,
        related_name="access_group_rows",
    )
    ends_on = models.DateField(
        _("membership ends on"),
        null=True,
        blank=True,
        help_text=_("From this date the membership ends by itself."),
    )
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        db_table = "iconet_accessgroup_organisations"
        unique_together = [("accessgroup", "organisation")]
        verbose_name = _("access group organisation")
        verbose_name_plural = _("access group organisations")

    def __str__(self) -> str:
        return f"{self.organisation} in {self.accessgroup}"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """A one-time link that lets an invited user choose a password; only its digest is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("invited by"),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("valid until"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"invitation of {self.user}"

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()


class UserSession(models.Model):
    """A signed-in session of a user, so that the user can see and revoke it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tracked_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(_("signed in"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)
    remote_addr = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=255, blank=True)

    class Meta:
        ordering = ["-last_seen_at"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return f"session of {self.user} since {self.created_at:%Y-%m-%d %H:%M}"
