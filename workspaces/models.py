"""Closed-group workspaces: each access group's library (folders, documents with versions)
and its meetings (agenda, invitations with replies, minutes). ILO networks work in theirs
through their access group.

Library documents and meetings are shared items: their audience is the group, and the group
reads them by the type's workflow (`extra_reader_group_ids`) whatever the audience, so a
member removed from the group loses them with the next request."""

import secrets
import zoneinfo
from enum import Enum
from typing import ClassVar

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from iconet.dates import moment_shown
from iconet.limits import single_line, text_limit
from iconet.models import (
    AccessGroup,
    Action,
    Area,
    Attachment,
    Audience,
    SharedItem,
    State,
    grant_model_for,
)
from iconet.search.models import search_document_field, search_document_index
from iconet.sharing.declarations import ItemType
from iconet.sharing.models import DisplaySections
from iconet.sharing.querysets import SharedItemQuerySet

PERSONAL_DATA_WARNING = _("Do not enter personal data of migrants or names of persons.")


class Contributor(models.Model):
    """A member of a group whom its managers named to add to its library and call meetings."""

    group = models.ForeignKey(AccessGroup, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    named_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="workspaces_contributor_unique")
        ]
        verbose_name = _("contributor")
        verbose_name_plural = _("contributors")

    def __str__(self) -> str:
        return f"{self.user} ({self.group})"


def is_group_manager(user, group: AccessGroup) -> bool:
    """Who looks after the group's access (the core's rule: the Commission's administrators and
    the managing organisation's national administrators). They name who adds; they read
    nothing of the group by it."""
    from iconet.directory.services.directory import groups_manageable_by

    return bool(
        getattr(user, "is_authenticated", False)
        and groups_manageable_by(user).filter(pk=group.pk).exists()
    )


def may_add(user, group: AccessGroup) -> bool:
    """Whether the user adds to the group's library and calls its meetings: its managers and the
    contributors they named (the caller has checked that the user is a member)."""
    if not user.has_area(Area.WORKSPACES) or not user.organisation_id:
        return False
    if user.is_national_admin and user.organisation_id == group.managing_organisation_id:
        return True
    return Contributor.objects.filter(group=group, user=user).exists()


class Folder(models.Model):
    """A folder of a group's library; a folder may hold folders."""

    group = models.ForeignKey(AccessGroup, on_delete=models.CASCADE, related_name="+")
    parent = models.ForeignKey(
        "self",
        verbose_name=_("in folder"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
    )
    name = models.CharField(_("name"), max_length=150, validators=[single_line])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("folder")
        verbose_name_plural = _("folders")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "parent", "name"], name="workspaces_folder_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class GroupItem(SharedItem):
    """What the library documents and the meetings share: their group reads them."""

    group = models.ForeignKey(
        AccessGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True

    def extra_draft_group_ids(self) -> list[int]:
        return [self.group.group_id]

    def extra_reader_group_ids(self) -> list[int]:
        return [self.group.group_id]

    def allows(self, user, action: Enum) -> bool:
        # Those who add to the group change its items beside the owner's people, and publish
        # those of their own organisation.
        if action == Action.CHANGE and self.state in (State.DRAFT, State.PUBLISHED):
            if may_add(user, self.group):
                return True
        if action == Action.PUBLISH and self.is_owner_member(user) and may_add(user, self.group):
            return True
        return super().allows(user, action)


class FolderSubscription(models.Model):
    """A member asks to be told of new documents and versions in a folder of the library."""

    folder = models.ForeignKey(Folder, on_delete=models.CASCADE, related_name="subscriptions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("folder subscription")
        verbose_name_plural = _("folder subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["folder", "user"], name="workspaces_folder_subscription_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.folder}"


class LibraryDocument(GroupItem):
    """A working document of a group (agenda, minutes, manual, presentation), with versions."""

    area = Area.WORKSPACES
    declaration = ItemType(
        list_url="workspaces:documents",
        detail_url="workspaces:document",
        # A group's documents are read by the group.
        publish_audience=Audience.GROUPS,
        search_fields=(("title", "A"), ("description", "B"), ("file_text", "D")),
        # Its files are its versions, added on its own page.
        takes_attachments=False,
    )

    folder = models.ForeignKey(
        Folder,
        verbose_name=_("folder"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
    )
    title = models.CharField(_("title"), max_length=200, validators=[single_line])
    description = models.TextField(
        _("description"), blank=True, help_text=PERSONAL_DATA_WARNING, **text_limit()
    )
    # The text of the latest version's file (a PDF's text layer), which search reads.
    file_text = models.TextField(_("text of the latest version"), blank=True, editable=False)

    search_document = search_document_field(declaration.search_fields)

    objects: ClassVar = SharedItemQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("library document")
        verbose_name_plural = _("library documents")
        indexes = [search_document_index("workspaces_document_search")]

    def __str__(self) -> str:
        return self.title

    @property
    def reference(self) -> str:
        return f"LIB-{self.pk or 'new'}"

    def get_absolute_url(self) -> str:
        return reverse("workspaces:document", args=[self.pk])

    def latest_version(self):
        return self.versions.order_by("-number").select_related("attachment").first()

    def display_sections(self) -> DisplaySections:
        return [
            (
                _("Library document"),
                [
                    (_("Group"), self.group.name),
                    (_("Folder"), self.folder.name if self.folder is not None else ""),
                    (_("Title"), self.title),
                    (_("Description"), self.description),
                ],
            )
        ]


LibraryDocumentGrant = grant_model_for(LibraryDocument)


class DocumentVersion(models.Model):
    """One version of a library document: its file, who uploaded it when, and why."""

    document = models.ForeignKey(LibraryDocument, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    attachment = models.ForeignKey(
        # RESTRICT: a file stays while a version names it, unless the document goes with both.
        Attachment,
        verbose_name=_("file"),
        on_delete=models.RESTRICT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True, validators=[single_line])
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="workspaces_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.document_id} v{self.number}"


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name]


class Meeting(GroupItem):
    """A meeting of a group: when, where (or the video link), its agenda and, after, minutes."""

    area = Area.WORKSPACES
    declaration = ItemType(
        list_url="workspaces:meetings",
        detail_url="workspaces:meeting",
        publish_audience=Audience.GROUPS,
        search_fields=(("title", "A"), ("place", "C"), ("minutes", "C")),
    )

    title = models.CharField(_("title"), max_length=200, validators=[single_line])
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Europe/Brussels",
        choices=time_zone_choices,
        help_text=_("Where the meeting's times are given; calendar files carry it."),
    )
    place = models.CharField(_("place"), max_length=200, blank=True, validators=[single_line])
    video_link = models.URLField(_("video link"), blank=True)
    minutes = models.TextField(
        _("minutes"), blank=True, help_text=PERSONAL_DATA_WARNING, **text_limit()
    )
    minutes_at = models.DateTimeField(_("minutes recorded"), null=True, blank=True)
    # A calendar program recognises later versions of the same meeting by its SEQUENCE.
    sequence = models.PositiveIntegerField(default=0, editable=False)

    search_document = search_document_field(declaration.search_fields)

    objects: ClassVar = SharedItemQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        indexes = [
            models.Index(fields=["starts_at"]),
            search_document_index("workspaces_meeting_search"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def reference(self) -> str:
        return f"MTG-{self.pk or 'new'}"

    def get_absolute_url(self) -> str:
        return reverse("workspaces:meeting", args=[self.pk])

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def local_start(self):
        return timezone.localtime(self.starts_at, self.zone)

    @property
    def local_end(self):
        return timezone.localtime(self.ends_at, self.zone)

    @property
    def is_past(self) -> bool:
        return self.starts_at <= timezone.now()

    def display_sections(self) -> DisplaySections:
        return [
            (
                _("Meeting"),
                [
                    (_("Group"), self.group.name),
                    (_("Title"), self.title),
                    (_("Starts"), f"{moment_shown(self.starts_at, self.zone)} ({self.time_zone})"),
                    (_("Ends"), f"{moment_shown(self.ends_at, self.zone)} ({self.time_zone})"),
                    (_("Place"), self.place),
                    (_("Video link"), self.video_link),
                ],
            ),
            (_("Minutes"), [(_("Minutes"), self.minutes)]),
        ]


MeetingGrant = grant_model_for(Meeting)


class AgendaItem(models.Model):
    """A point of a meeting's agenda, with a document of the group's library if any."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("item"), max_length=300, validators=[single_line])
    document = models.ForeignKey(
        LibraryDocument,
        verbose_name=_("document"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self) -> str:
        return self.title


class Reply(models.TextChoices):
    PENDING = "pending", _("No reply yet")
    ATTENDING = "attending", _("Attending")
    NOT_ATTENDING = "not_attending", _("Not attending")
    DELEGATE = "delegate", _("Sending a delegate")


class Invitation(models.Model):
    """A member invited to a meeting, and their reply."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reply = models.CharField(
        _("reply"), max_length=16, choices=Reply.choices, default=Reply.PENDING
    )
    delegate = models.CharField(
        _("delegate"),
        max_length=200,
        blank=True,
        validators=[single_line],
        help_text=_("Who comes in your place (name and service)."),
    )
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name", "user__username"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="workspaces_invitation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.meeting_id}: {self.reply}"


def feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A user's secret calendar address: their groups' meetings, for a calendar program.
    Revoking it deletes the row; a new one has a new token."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(max_length=64, unique=True, default=feed_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user} feed"


auditlog.register(Contributor)
auditlog.register(Folder)
auditlog.register(
    LibraryDocument,
    m2m_fields={"audience_groups"},
    exclude_fields=["search_document", "file_text"],
)
auditlog.register(DocumentVersion)
auditlog.register(FolderSubscription)
auditlog.register(Meeting, m2m_fields={"audience_groups"}, exclude_fields=["search_document"])
auditlog.register(AgendaItem)
auditlog.register(Invitation)
# The feed's token is a secret: its creation and revocation are in the trail, never its value.
auditlog.register(CalendarFeed, exclude_fields=["token"])
