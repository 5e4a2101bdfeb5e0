"""The shared item: what every exchanged piece of information is, and who may see it.

An item belongs to its owner organisation. Read access is held as django-guardian group
object permissions in one direct foreign-key table per item type (see `grant_model_for`);
each row says why it exists: ownership, the publication audience, or an approved disclosure.
`iconet.sharing.access` reads those rows; `iconet.sharing.services` is the only code that writes
them.
"""

from collections.abc import Callable
from datetime import timedelta
from enum import Enum, StrEnum
from functools import wraps
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from guardian.models import GroupObjectPermissionBase

from ..directory.models.directory import AccessGroup, Organisation
from ..limits import single_line, text_limit
from .counts import VERSIONS_TABLE
from .declarations import ItemType, Row
from .querysets import ARCHIVED, NETWORK_GROUP, OPEN_TO, PUBLIC_GROUP, SharedItemQuerySet

# What `display_sections` gives: headed groups of (label, value); labels may be lazy strings.
Label = str | Promise
DisplaySections = list[tuple[Label, list[tuple[Label, object]]]]


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ARCHIVED = ARCHIVED, _("Archived")


class Action(StrEnum):
    """What a user may try to do with a shared item, asked of `allows` through `can`.

    The core's actions; a type adds its own in a str enum of its own that it declares
    (`ItemType.actions`). A str enum: `Action.READ == "read"`, but `can` and `allows` refuse a
    plain string."""

    READ = "read"
    DOWNLOAD = "download"
    CHANGE = "change"
    PUBLISH = "publish"
    WITHDRAW = "withdraw"
    REQUEST_DISCLOSURE = "request_disclosure"
    DECIDE_DISCLOSURE = "decide_disclosure"
    # the discussion of an item (iconet.discussion.services) and following its changes
    REPLY = "reply"
    FOLLOW = "follow"
    # recipient tracking (iconet.outbox.services.recipients)
    ACKNOWLEDGE = "acknowledge"
    DELIVERIES = "deliveries"
    # follow-ups, of a type that declares them (`ItemType.follow_ups`)
    FOLLOW_UP = "follow_up"


def action_check(action: object) -> None:
    """`can` and `allows` take a member of an action enum only (the core's `Action` or a type's
    own, `ItemType.actions`): a mistyped plain string would otherwise quietly answer no."""
    if not isinstance(action, Enum):
        raise TypeError(f"an action is a member of an action enum, not {action!r}")


def _action_checked(allows: Callable[..., bool]) -> Callable[..., bool]:
    @wraps(allows)
    def checked(self: "SharedItem", user: Any, action: Enum) -> bool:
        action_check(action)
        return allows(self, user, action)

    checked.action_checked = True  # type: ignore[attr-defined]
    return checked


class Audience(models.TextChoices):
    OWNER = "owner", _("Owner organisation only")
    GROUPS = "groups", _("Named access groups")
    NETWORK = "network", _("The whole network")
    PUBLIC = "public", _("Public (no restriction)")


class Marking(models.TextChoices):
    """Traffic Light Protocol 2.0."""

    RED = "RED", "TLP:RED"
    AMBER_STRICT = "AMBER+STRICT", "TLP:AMBER+STRICT"
    AMBER = "AMBER", "TLP:AMBER"
    GREEN = "GREEN", "TLP:GREEN"
    CLEAR = "CLEAR", "TLP:CLEAR"


# How wide each handling marking may be published (TLP 2.0): RED and AMBER+STRICT go only to
# the owner and to named access groups (named organisations), never to the whole network or
# the public; AMBER never to the public. The one table that the publish service enforces, the
# model's validation checks and the publish page shows.
MARKING_AUDIENCES: dict[str, frozenset[str]] = {
    Marking.RED: frozenset({Audience.OWNER, Audience.GROUPS}),
    Marking.AMBER_STRICT: frozenset({Audience.OWNER, Audience.GROUPS}),
    Marking.AMBER: frozenset({Audience.OWNER, Audience.GROUPS, Audience.NETWORK}),
    Marking.GREEN: frozenset(Audience.values),
    Marking.CLEAR: frozenset(Audience.values),
}


class Standing(models.TextChoices):
    """What a user is to an item, for the question "how wide may this person publish it"."""

    OFFICER = "officer", _("Officer of the owner organisation")
    CONTACT_POINT = "contact_point", _("Contact point of the owner organisation for the area")
    NATIONAL_ADMIN = "national_admin", _("National administrator of the owner organisation")
    WORKFLOW = "workflow", _("Publisher named by the item type's workflow (e.g. the reviewer)")


# Who may publish how wide: the audiences each standing may choose (the marking's cap above
# still applies). An officer drafts; a contact point or the national administrator publishes
# beyond the organisation. Shown on the publish page.
PUBLISH_REACH: dict[str, frozenset[str]] = {
    Standing.OFFICER: frozenset(),
    Standing.CONTACT_POINT: frozenset(Audience.values),
    Standing.NATIONAL_ADMIN: frozenset(Audience.values),
    Standing.WORKFLOW: frozenset(Audience.values),
}

# Markings whose publication a second person releases: never the item's author alone.
FOUR_EYES_MARKINGS = frozenset({Marking.RED})


# Reads of these are written to the access log; e-mails about the first two carry no content.
LOGGED_MARKINGS = frozenset({Marking.RED, Marking.AMBER_STRICT, Marking.AMBER})
CONTENT_FREE_MARKINGS = frozenset({Marking.RED, Marking.AMBER_STRICT})


class Language(models.TextChoices):
    """The language an item is written in: it chooses the stemming of the full-text search."""

    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")


def marking_cap_message(marking: str) -> str:
    """Why the marking refuses an audience, in the reader's words."""
    allowed = MARKING_AUDIENCES.get(marking, frozenset(Audience.values))
    return _("An item marked %(marking)s may only be published to: %(audiences)s.") % {
        "marking": Marking(marking).label,
        "audiences": ", ".join(str(a.label) for a in Audience if a.value in allowed),
    }


def row_value(item: models.Model, row: Row) -> object:
    """What a row of a section shows of the item: its own `value`, else the field by its kind."""
    if row.value is not None:
        return row.value(item)
    field: Any = item._meta.get_field(row.name)
    value = getattr(item, row.name)
    if isinstance(field, CountryField):
        if field.multiple:
            return ", ".join(country.name for country in value)
        return value.name if value else ""
    if field.many_to_many:
        return ", ".join(str(related) for related in value.all())
    if isinstance(field, models.BooleanField):
        return _("Yes") if value else _("No")
    if field.choices and value not in (None, ""):
        return getattr(item, f"get_{row.name}_display")()
    if value is None:
        return ""
    return value


def _verbose_name(item: models.Model, name: str) -> str:
    field: Any = item._meta.get_field(name)
    return capfirst(field.verbose_name)


class SharedItem(models.Model):
    """Abstract base of every exchanged item (alert, report, note, return problem...)."""

    area: ClassVar[str]
    # Everything the core knows of the type, declared once on its model
    # (iconet.sharing.declarations.ItemType) and checked at start-up (iconet.sharing.registry).
    declaration: ClassVar[ItemType]
    # Recipient tracking: the label of each reason code the type gives when it tells people.
    recipient_reasons: ClassVar[dict[str, Label]] = {}
    # Months after publication (or creation, for a draft) before the owner is asked to review
    # the item: the portal's default, which the Commission's administrators may change per
    # type (iconet.models.retention.RetentionRule).
    retention_months: ClassVar[int] = 60

    owner = models.ForeignKey(
        Organisation,
        verbose_name=_("owner organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    audience = models.CharField(
        _("audience"),
        max_length=10,
        choices=Audience.choices,
        default=Audience.OWNER,
    )
    audience_groups = models.ManyToManyField(
        AccessGroup,
        verbose_name=_("access groups"),
        blank=True,
        related_name="+",
    )
    marking = models.CharField(
        _("handling marking"),
        max_length=12,
        choices=Marking.choices,
        default=Marking.AMBER,
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    # Four eyes (FOUR_EYES_MARKINGS): the author asks, a second person who may publish the
    # item releases it; both names stay on the item and in its change log.
    release_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("release asked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    release_requested_at = models.DateTimeField(_("release asked"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("released by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Files of the item (iconet.Attachment), read only after the item itself was found visible.
    attachments = GenericRelation("iconet.Attachment")
    # The item's discussion (iconet.discussion.services), read through the item's visibility.
    replies = GenericRelation("iconet.ItemReply")
    # Who was told of the item and what became of it (iconet.outbox.services.recipients).
    recipients = GenericRelation("iconet.ItemRecipient")
    escalations = GenericRelation("iconet.ItemEscalation")

    objects = SharedItemQuerySet.as_manager()

    class Meta:
        abstract = True

    # --- the state machine: {(from, to): action}, applied by sharing.services.transition_apply
    # An area with its own workflow declares its field and table (see IloReport).
    WORKFLOW_FIELD: ClassVar[str] = "state"
    TRANSITIONS: ClassVar[dict[tuple[str, str], Enum]] = {}

    def clean(self) -> None:
        super().clean()
        if self.state != State.DRAFT and self.audience not in MARKING_AUDIENCES.get(
            self.marking, frozenset(Audience.values)
        ):
            raise ValidationError({"audience": marking_cap_message(self.marking)})

    # --- policy: what, beyond seeing it, a user may do with this item -----------------------
    # `iconet.sharing.access.can` checks visibility first and then asks the item. Area models
    # override these to add their own workflow rules; they never bypass visibility.

    def is_owner_member(self, user) -> bool:
        return user.organisation_id is not None and user.organisation_id == self.owner_id

    def is_owner_manager(self, user) -> bool:
        """The owner's NCPs for the item's area and its national administrators."""
        return self.is_owner_member(user) and (user.is_ncp(self.area) or user.is_national_admin)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Every type's own `allows` refuses a plain string before it compares anything.
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("allows")
        if own is not None and not getattr(own, "action_checked", False):
            cls.allows = _action_checked(own)  # type: ignore[method-assign]

    @_action_checked
    def allows(self, user, action: Enum) -> bool:
        if action in (Action.READ, Action.DOWNLOAD, Action.FOLLOW):
            return True
        if action in (Action.REQUEST_DISCLOSURE, Action.REPLY, Action.FOLLOW_UP):
            # A draft is discussed inside its organisation, not in its discussion thread.
            return self.state != State.DRAFT
        if action == Action.CHANGE:
            # Authorship alone is not enough: an author who moved to another organisation
            # no longer changes the items of the one they left.
            changeable = self.state in (State.DRAFT, State.PUBLISHED)
            return (
                changeable
                and self.is_owner_member(user)
                and (self.author_id == user.pk or self.is_owner_manager(user))
            )
        if action in (Action.PUBLISH, Action.DECIDE_DISCLOSURE, Action.WITHDRAW):
            return self.is_owner_manager(user)
        if action == Action.ACKNOWLEDGE:
            if self.state == State.DRAFT:
                return False
            if getattr(user, "acts_for_organisation", False):
                # An organisation's system acknowledges what its organisation was told.
                return self.recipients.filter(organisation_id=user.organisation_id).exists()
            return self.recipients.filter(user=user).exists()
        if action == Action.DELIVERIES:
            return self.is_owner_member(user)
        return False

    # --- presentation shared by detail pages, print views, exports and e-mails -------------

    @property
    def reference(self) -> str:
        return f"{str(self._meta.model_name).upper()}-{self.pk}"

    @property
    def title(self) -> str:
        return str(self)

    def get_absolute_url(self) -> str:
        return reverse(type(self).declaration.detail_url, args=[self.pk])

    @classmethod
    def type_slug(cls) -> str:
        return f"{cls._meta.app_label}.{cls._meta.model_name}"

    def display_sections(self) -> DisplaySections:
        """Headed groups of (label, value) that the detail page, print view, PDF and API show:
        the sections the type declares (`ItemType.sections`), each row labelled by its field's
        verbose_name unless it says otherwise."""
        return [
            (
                section.heading,
                [
                    (row.label or _verbose_name(self, row.name), value)
                    for row in section.entries()
                    if row.shown
                    for value in [row_value(self, row)]
                ],
            )
            for section in type(self).declaration.sections
        ]

    @classmethod
    def recipients_escalation(cls) -> tuple[timedelta, models.Q] | None:
        """Whether and when items of the type escalate: how long recipients have to acknowledge
        before the item is re-sent and escalated to their organisation's other contact points,
        and which items escalate; None (the default): never."""
        return None

    def extra_draft_group_ids(self) -> list[int]:
        """Guardian groups that read a draft beside its owner, by the area's workflow
        (e.g. the members of the ILO network drafting a report); none by default."""
        return []

    def extra_reader_group_ids(self) -> list[int]:
        """Guardian groups that read a published (or withdrawn, archived) item beside its
        audience, by the area's workflow (e.g. the national services of the Member States
        offered seats on a return operation); none by default. `desired_grants` gives them
        audience grants, so they change only through `grants_sync` like every grant."""
        return []


class Grant(GroupObjectPermissionBase):
    """Abstract base of the per-type grant tables: a guardian group object permission with its
    reason."""

    class Reason(models.TextChoices):
        OWNERSHIP = "ownership", _("Ownership")
        AUDIENCE = "audience", _("Publication audience")
        DISCLOSURE = "disclosure", _("Approved disclosure")

    class OpenTo(models.TextChoices):
        NOBODY = "", _("Named readers only")
        NETWORK = OPEN_TO[NETWORK_GROUP], _("The network")
        PUBLIC = OPEN_TO[PUBLIC_GROUP], _("Every user")

    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    # The widest open audience of the item, the same on every grant row of it (kept so by
    # `grants_sync`): a count of visible items then skips the items a reader sees through an
    # open audience without joining the grant table to itself. Visibility never reads it.
    open_to = models.CharField(
        _("open to"), max_length=7, choices=OpenTo.choices, default=OpenTo.NOBODY, blank=True
    )
    disclosure = models.ForeignKey(
        "iconet.DisclosureRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = True


def grant_model_for(item_model: type[SharedItem]) -> type[Grant]:
    """Declare the direct foreign-key grant table of an item type (call in its models.py)."""
    name = f"{item_model.__name__}Grant"
    meta = type(
        "Meta",
        (),
        {
            "unique_together": [("group", "permission", "content_object")],
            "indexes": [
                models.Index(
                    fields=["permission", "group", "content_object"], name=f"{name.lower()}_lookup"
                ),
                models.Index(
                    fields=["group", "open_to", "content_object"], name=f"{name.lower()}_open"
                ),
            ],
            "verbose_name": _("grant"),
        },
    )
    return type(
        name,
        (Grant,),
        {
            "__module__": item_model.__module__,
            "content_object": models.ForeignKey(
                item_model, on_delete=models.CASCADE, related_name="grants"
            ),
            "Meta": meta,
        },
    )


class DisclosureRequest(models.Model):
    """A request to widen an item's audience; only the owner decides."""

    class TargetKind(models.TextChoices):
        ORGANISATION = "organisation", _("An organisation of the network")
        ACCESS_GROUP = "access_group", _("An access group")
        THIRD_PARTY = "third_party", _("A named third party outside the network")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.BigIntegerField()
    item = GenericForeignKey("content_type", "object_id")
    owner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="disclosures_to_decide"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requester_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+"
    )
    target_kind = models.CharField(_("disclose to"), max_length=20, choices=TargetKind.choices)
    target_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    target_group = models.ForeignKey(
        AccessGroup,
        verbose_name=_("access group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    third_party = models.CharField(
        _("third party"),
        max_length=255,
        blank=True,
        validators=[single_line],
        help_text=_(
            "The authority or body outside the network, e.g. a third-country border police."
        ),
    )
    purpose = models.TextField(
        _("purpose"),
        help_text=_("Why the information is needed and how it will be used."),
        **text_limit(),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True, **text_limit())
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("disclosure request")
        verbose_name_plural = _("disclosure requests")
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["owner", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.target_label}"

    @property
    def reference(self) -> str:
        return f"DR-{self.created_at:%Y}-{self.pk:06d}" if self.pk and self.created_at else "DR-new"

    @property
    def target_label(self) -> str:
        if self.target_kind == self.TargetKind.ORGANISATION:
            return str(self.target_organisation)
        if self.target_kind == self.TargetKind.ACCESS_GROUP:
            return str(self.target_group)
        return self.third_party

    @property
    def target_group_id_for_grant(self) -> int | None:
        """The guardian group that approval grants read access to (None for a third party)."""
        if self.target_kind == self.TargetKind.ORGANISATION and self.target_organisation:
            return self.target_organisation.group_id
        if self.target_kind == self.TargetKind.ACCESS_GROUP and self.target_group:
            return self.target_group.group_id
        return None


class PersonalDataConfirmation(models.Model):
    """A publisher's recorded reason for keeping text that the personal-data check flagged
    (`iconet.personal_data`): the matches it covers, who confirmed them, when and why."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.BigIntegerField()
    item = GenericForeignKey("content_type", "object_id")
    # SHA-256 of each text kept: the record says what was confirmed without holding it again.
    fingerprints = models.JSONField(_("text kept (fingerprints)"), default=list)
    reason = models.TextField(_("reason"), **text_limit())
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"), on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("confirmed"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("personal-data confirmation")
        verbose_name_plural = _("personal-data confirmations")
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.content_type.model} {self.object_id}: {len(self.fingerprints)}"


class ReferenceSequence(models.Model):
    """The last number handed out per reference prefix, year and owner country
    (EWS-2026-FR-0042); `iconet.sharing.references.reference_next` is the only writer."""

    prefix = models.CharField(max_length=16)
    year = models.PositiveSmallIntegerField()
    country_code = models.CharField(max_length=2)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["prefix", "year", "country_code"],
                name="iconet_reference_sequence_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}-{self.country_code}: {self.last_number}"


class GrantsVersion(models.Model):
    """A token per grant table that every statement writing to the table replaces, in its own
    transaction (a trigger, `iconet.sharing.counts`): figures kept for a token, such as a
    reader's count of visible items, are read no more once any grant of the table changed."""

    grant_table = models.CharField(max_length=100, primary_key=True)
    token = models.CharField(max_length=32)

    class Meta:
        db_table = VERSIONS_TABLE

    def __str__(self) -> str:
        return f"{self.grant_table}: {self.token}"
