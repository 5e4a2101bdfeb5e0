"""ILO postings, networks, the versioned report template and the standard-format report."""

import datetime
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import CountryField

from iconet.limits import LONG_TEXT, PERSONAL_DATA_WARNING, single_line, text_limit
from iconet.models import (
    AccessGroup,
    Action,
    Area,
    Country,
    Organisation,
    SharedItem,
    State,
    grant_model_for,
)
from iconet.search.models import SEARCH_DOCUMENT, search_document_index
from iconet.sharing.declarations import ItemType
from iconet.sharing.models import DisplaySections, Label
from iconet.sharing.querysets import SharedItemQuerySet
from iconet.translated import Translated, in_reader_language

# --- semesters --------------------------------------------------------------------------

MIN_SEMESTER_YEAR, MAX_SEMESTER_YEAR = 2000, 2999


class IloAction(StrEnum):
    """What a user may do in the ILO area beside the core's actions (`iconet.models.Action`):
    a report's workflow, and a network's meetings."""

    CONTRIBUTE = "contribute"
    SUBMIT = "submit"
    REVIEW = "review"
    RETURN_FOR_CORRECTION = "return"
    REVISE = "revise"
    RECORD_MEETING = "record_meeting"


@dataclass(frozen=True)
class Semester:
    """A half-year, written "2026-S1"; its report is due some days after it ends."""

    year: int
    half: int

    @classmethod
    def parse(cls, code: str) -> "Semester":
        try:
            year, half = code.split("-S")
            semester = cls(int(year), int(half))
        except ValueError as exc:
            raise ValueError(f"not a semester: {code!r}") from exc
        # A year a date can hold on both sides (its neighbours are shown too), and not before
        # the network existed: "0-S1", "-1-S1" or "99999-S2" are not semesters.
        in_range = MIN_SEMESTER_YEAR <= semester.year <= MAX_SEMESTER_YEAR
        if semester.half not in (1, 2) or not in_range:
            raise ValueError(f"not a semester: {code!r}")
        return semester

    @classmethod
    def of(cls, day: datetime.date) -> "Semester":
        return cls(day.year, 1 if day.month <= 6 else 2)

    @classmethod
    def reporting(cls, today: datetime.date | None = None) -> "Semester":
        """The semester whose report is due next: the last one until its deadline passes."""
        today = today or timezone.localdate()
        previous = cls.of(today).previous()
        return previous if today <= previous.deadline else cls.of(today)

    def __str__(self) -> str:
        return f"{self.year}-S{self.half}"

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> datetime.date:
        return (
            datetime.date(self.year, 6, 30) if self.half == 1 else datetime.date(self.year, 12, 31)
        )

    @property
    def deadline(self) -> datetime.date:
        return self.end + datetime.timedelta(days=settings.ILO_REPORT_DUE_DAYS)

    def previous(self) -> "Semester":
        return Semester(self.year - 1, 2) if self.half == 1 else Semester(self.year, 1)

    def next(self) -> "Semester":
        return Semester(self.year, 2) if self.half == 1 else Semester(self.year + 1, 1)


def answers_validate(value) -> None:
    """Every text of a report's answers (tables included) within the long-text limit."""
    texts = [value] if not isinstance(value, dict) else list(value.values())
    while texts:
        text = texts.pop()
        if isinstance(text, dict):
            texts.extend(text.values())
        elif isinstance(text, str) and len(text) > LONG_TEXT:
            raise ValidationError(
                _("An answer may have at most %(limit)s characters."),
                params={"limit": LONG_TEXT},
                code="max_length",
            )


def semester_validate(value: str) -> None:
    try:
        Semester.parse(value)
    except ValueError as exc:
        raise ValidationError(_("Write the semester as YYYY-S1 or YYYY-S2.")) from exc


# --- postings and networks --------------------------------------------------------------


class NetworkQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Members see their own networks; the Commission, national administrators and ILO
        contact points all."""
        if not user.has_area(Area.ILO):
            return self.none()
        if user.is_commission_admin or user.is_national_admin or user.is_ncp(Area.ILO):
            return self.all()
        return self.filter(access_group__members=user)


class Network(models.Model):
    """The ILOs posted in one host country or region."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    host_country = CountryField(_("host country"))
    other_countries = CountryField(
        _("other countries of the region"),
        multiple=True,
        blank=True,
        help_text=_("For a regional network: the other countries its officers cover."),
    )
    # Members read the network's draft reports through this group (kept in step with postings).
    access_group = models.OneToOneField(
        AccessGroup,
        on_delete=models.PROTECT,
        editable=False,
        related_name="ilo_network",
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = NetworkQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("ILO network")
        verbose_name_plural = _("ILO networks")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("ilo_reports:network", args=[self.pk])

    @property
    def countries(self) -> list[str]:
        return [self.host_country.code] + [c.code for c in self.other_countries]

    def save(self, *args, **kwargs) -> None:
        if not self.access_group_id:
            self.access_group = AccessGroup.objects.create(
                name=f"ILO network – {self.name}",
                description=str(_("Officers posted in the network (kept from postings).")),
            )
        super().save(*args, **kwargs)

    def has_member(self, user) -> bool:
        return self.access_group.members.filter(pk=user.pk).exists()

    def allows(self, user, action: Action | IloAction) -> bool:
        """The network's policy, for a user who sees it (`Network.objects.visible_to`)."""
        if action == IloAction.RECORD_MEETING:
            return self.has_member(user) or user.is_commission_admin
        return False

    def chair_for(self, semester: "Semester | str"):
        return (
            self.chairs.filter(semester=str(semester))
            .select_related("organisation", "officer")
            .first()
        )


class NetworkChair(models.Model):
    """Who chairs a network in a semester: the Presidency's Member State or one acting for it."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="chairs")
    semester = models.CharField(
        _("semester"), max_length=7, validators=[semester_validate], help_text="2026-S1"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("chairing service"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chair's liaison officer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    acting_for_presidency = models.BooleanField(
        _("acting on behalf of the Presidency"), default=False
    )

    class Meta:
        ordering = ["network", "-semester"]
        unique_together = [("network", "semester")]
        verbose_name = _("network chair")
        verbose_name_plural = _("network chairs")

    def __str__(self) -> str:
        return f"{self.network} {self.semester}: {self.organisation}"


class PostingQuerySet(models.QuerySet):
    def manageable_by(self, user):
        """The postings the user records: all for the Commission, their own service's for a
        national administrator (the rule of `Posting.allows`)."""
        if not Posting.are_managed_by(user):
            return self.none()
        if user.is_commission_admin:
            return self.all()
        return self.filter(deploying_organisation_id=user.organisation_id)


class Posting(models.Model):
    """An officer posted by a Member State or an EU body to a third country."""

    class Place(models.TextChoices):
        EMBASSY = "embassy", _("Embassy or consulate")
        HOST_AUTHORITY = "host_authority", _("Host country authority")
        INTERNATIONAL = "international", _("International organisation")
        EU_DELEGATION = "eu_delegation", _("EU delegation")

    class OfficerType(models.TextChoices):
        ILO = "ilo", _("Immigration liaison officer")
        ALO = "alo", _("Airline liaison officer")
        DOCUMENT_ADVISER = "document_adviser", _("Document adviser")
        EMLO = "emlo", _("European migration liaison officer")
        ERLO = "erlo", _("European return liaison officer")
        AGENCY = "agency", _("Agency liaison officer")

    deploying_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("deploying Member State service or EU body"),
        on_delete=models.PROTECT,
        related_name="ilo_postings",
    )
    deploying_authority = models.CharField(
        _("deploying authority"),
        max_length=200,
        validators=[single_line],
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer"),
        on_delete=models.PROTECT,
        related_name="ilo_postings",
    )
    host_country = CountryField(_("host country"))
    accredited_countries = CountryField(_("other accredited countries"), multiple=True, blank=True)
    posted_at = models.CharField(_("where posted"), max_length=20, choices=Place.choices)
    officer_type = models.CharField(
        _("officer type"), max_length=20, choices=OfficerType.choices, default=OfficerType.ILO
    )
    duties = models.TextField(_("duties"), blank=True, **text_limit())
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    languages = models.CharField(
        _("languages"),
        max_length=200,
        blank=True,
        validators=[single_line],
    )
    also_represents = models.ManyToManyField(
        Country,
        verbose_name=_("Member States also represented"),
        blank=True,
        related_name="+",
    )

    objects = PostingQuerySet.as_manager()

    class Meta:
        ordering = ["host_country", "-start_date"]
        verbose_name = _("posting")
        verbose_name_plural = _("postings")

    def __str__(self) -> str:
        return f"{self.officer} – {self.host_country.name} ({self.get_officer_type_display()})"

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date is before the start date.")})

    def is_current(self, day: datetime.date | None = None) -> bool:
        day = day or timezone.localdate()
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)

    @staticmethod
    def are_managed_by(user) -> bool:
        """Commission administrators record postings, national administrators their own
        service's: may the user record any?"""
        return user.is_active and (user.is_commission_admin or user.is_national_admin)

    def allows(self, user, action: Action | IloAction) -> bool:
        if action == Action.CHANGE:
            return Posting.are_managed_by(user) and (
                user.is_commission_admin or self.deploying_organisation_id == user.organisation_id
            )
        return False


class Meeting(models.Model):
    """A meeting of a network."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="meetings")
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, validators=[single_line])
    participants = models.TextField(
        _("participants"),
        blank=True,
        help_text=_("Services and officers present."),
        **text_limit(),
    )
    agenda = models.TextField(_("agenda"), blank=True, **text_limit())
    minutes = models.TextField(
        _("minutes"),
        blank=True,
        help_text=PERSONAL_DATA_WARNING,
        **text_limit(LONG_TEXT),
    )
    decisions = models.TextField(_("decisions"), blank=True, **text_limit())

    class Meta:
        ordering = ["-date"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return f"{self.network} {self.date:%Y-%m-%d}"


# --- the report template, as data -------------------------------------------------------


def table_in_reader_language(table: dict) -> dict:
    """A table definition whose rows' and columns' labels are in the reader's language (each
    row or column may carry a "label_fr")."""
    return {
        **table,
        **{
            part: [
                {**entry, "label": in_reader_language(entry["label"], entry.get("label_fr", ""))}
                for entry in table.get(part, [])
            ]
            for part in ("rows", "columns")
            if part in table
        },
    }


class TemplateVersion(models.Model):
    """One version of the report format; reports keep the version they were written in."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    source = models.CharField(
        _("source"), max_length=200, blank=True, help_text=_("Legal basis of the format.")
    )
    active = models.BooleanField(_("used for new reports"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("report template version")
        verbose_name_plural = _("report template versions")

    def __str__(self) -> str:
        return f"v{self.number} – {self.title}"

    @classmethod
    def current(cls) -> "TemplateVersion | None":
        return (
            cls.objects.filter(active=True).order_by("-number").first()
            or cls.objects.order_by("-number").first()
        )

    def sections_with_questions(self) -> list["TemplateSection"]:
        return list(self.sections.prefetch_related("questions"))

    def edit_refusal(self) -> str:
        """Why the version may not be changed, or "" for a draft: reports keep the version
        they were opened in, so a version in use stays as it is."""
        if self.active:
            return str(
                _(
                    "This version is used for new reports, and reports opened in this version "
                    "keep it; copy it into a new draft to change it."
                )
            )
        if self.reports.exists():
            return str(
                _("Reports opened in this version keep it; copy it into a new draft to change it.")
            )
        return ""

    def edit_require(self) -> None:
        """Refuse (PermissionDenied, with the reason) a change of a version in use."""
        refusal = self.edit_refusal()
        if refusal:
            raise PermissionDenied(refusal)


class TemplateSection(models.Model):
    """A heading of the report, in one of its three parts."""

    class Part(models.TextChoices):
        I = "I", _("Part I – Activities of the network")  # noqa: E741
        II = "II", _("Part II – Situation in the host country")
        III = "III", _("Part III – Assessment and recommendations")

    class Source(models.TextChoices):
        """The text a heading comes from."""

        REGULATION_ART_1 = "r377_art1", _("Regulation (EC) No 377/2004, art. 1")
        REGULATION_ART_2_2 = "r377_art2_2", _("Regulation (EC) No 377/2004, art. 2(2)")
        REGULATION_ART_4 = "r377_art4", _("Regulation (EC) No 377/2004, art. 4")
        REGULATION_493_2011 = "r493_2011", _("Regulation (EU) No 493/2011")
        REGULATION_2019_1240 = "r2019_1240", _("Regulation (EU) 2019/1240")
        CIREFI = "cirefi", _("CIREFI statistics format")
        # Kept for sections an administrator checks against the Decision's annex; the table
        # of ilo_reports.template_sources gives none of the portal's headings this source.
        DECISION = "d2005_687", _("Commission Decision 2005/687/EC")
        PORTAL = "portal", _("Added for this portal")

    version = models.ForeignKey(TemplateVersion, on_delete=models.CASCADE, related_name="sections")
    part = models.CharField(_("part"), max_length=3, choices=Part.choices)
    order = models.PositiveIntegerField(_("order"))
    heading = models.CharField(_("heading"), max_length=255)
    heading_fr = models.CharField(_("heading in French"), max_length=255, blank=True)
    guidance = models.TextField(_("guidance"), blank=True, **text_limit())
    guidance_fr = models.TextField(_("guidance in French"), blank=True, **text_limit())
    source = models.CharField(
        _("source"),
        max_length=20,
        choices=Source.choices,
        default=Source.PORTAL,
        help_text=_("The legal text the heading comes from, if any."),
    )

    class Meta:
        ordering = ["version", "order"]
        # Checked at commit: reordering a version's sections moves them through each other.
        constraints = [
            models.UniqueConstraint(
                fields=["version", "order"],
                name="ilo_template_section_order",
                deferrable=models.Deferrable.DEFERRED,
            ),
        ]
        verbose_name = _("template section")
        verbose_name_plural = _("template sections")

    def __str__(self) -> str:
        return f"{self.part}.{self.order} {self.heading}"

    shown_heading = Translated("heading")

    shown_guidance = Translated("guidance")


class TemplateQuestion(models.Model):
    """A question of a section; `table` describes the rows and columns of a table question."""

    class FieldType(models.TextChoices):
        TEXT = "text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        NUMBER = "number", _("Number")
        DATE = "date", _("Date")
        # Nationalities: country codes, most frequent first, stored as "SY, AF, IQ".
        COUNTRIES = "countries", _("Countries")
        TABLE = "table", _("Table")
        # A figure's direction against the previous semester: stable, up or down.
        TREND = "trend", _("Trend")

    section = models.ForeignKey(TemplateSection, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveIntegerField(_("order"))
    # Stable across versions, so that semesters written with different versions compare.
    key = models.SlugField(_("key"), max_length=60)
    label = models.CharField(_("label"), max_length=255)
    label_fr = models.CharField(_("label in French"), max_length=255, blank=True)
    help = models.TextField(_("help"), blank=True, **text_limit())
    help_fr = models.TextField(_("help in French"), blank=True, **text_limit())
    field_type = models.CharField(
        _("field type"), max_length=10, choices=FieldType.choices, default=FieldType.LONG_TEXT
    )
    required = models.BooleanField(
        _("required before submission"),
        default=False,
        help_text=_(
            "A report is submitted only with this answer; for a table, with a figure in "
            "each row (0 when there was none)."
        ),
    )
    table = models.JSONField(
        _("table definition"),
        default=dict,
        blank=True,
        help_text=(
            '{"rows": [{"key": "...", "label": "..."}], '
            '"columns": [{"key": "...", "label": "...", '
            '"type": "number|text|date|countries|trend"}]}'
            '; each row or column may add "label_fr", its label in French'
        ),
    )

    class Meta:
        ordering = ["section__order", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["section", "order"],
                name="ilo_template_question_order",
                deferrable=models.Deferrable.DEFERRED,
            ),
        ]
        verbose_name = _("template question")
        verbose_name_plural = _("template questions")

    def __str__(self) -> str:
        return self.label

    shown_label = Translated("label")

    shown_help = Translated("help")

    @property
    def shown_table(self) -> dict:
        return table_in_reader_language(self.table)

    def clean(self) -> None:
        if self.field_type == self.FieldType.TABLE and not (
            self.table.get("rows") and self.table.get("columns")
        ):
            raise ValidationError({"table": _("A table question needs rows and columns.")})


# --- the report -------------------------------------------------------------------------


def country_codes(value) -> list[str]:
    """The codes of a countries answer ("SY, AF" as stored; typed text of old reports too)."""
    if not isinstance(value, str):
        return []
    return [code.strip().upper() for code in re.split(r"[,;\s]+", value) if code.strip()]


def countries_as_text(value) -> str:
    """A countries answer with the countries' names, most frequent first."""
    names = []
    for code in country_codes(value):
        name = countries.name(code)
        names.append(f"{name} ({code})" if name else code)
    return ", ".join(names)


def is_answered(value) -> bool:
    return value not in (None, "", {}, [])


class Trend(models.TextChoices):
    """How a figure moved against the previous semester."""

    STABLE = "stable", _("Stable")
    UP = "up", _("Up")
    DOWN = "down", _("Down")


@dataclass
class Missing:
    """An answer a report needs before it is submitted: a question, or one row of a table."""

    section: "TemplateSection"
    question: "TemplateQuestion"
    row: str = ""

    def __str__(self) -> str:
        label = self.question.shown_label
        return f"{label} – {self.row}" if self.row else label


class SectionState(models.TextChoices):
    """How far a section of a report is answered."""

    EMPTY = "empty", _("Empty")
    PARTLY = "partly", _("Partly answered")
    ANSWERED = "answered", _("Answered")


@dataclass
class SectionProgress:
    """A section of a report with how many of its questions are answered."""

    section: "TemplateSection"
    answered: int
    total: int

    @property
    def state(self) -> SectionState:
        if self.answered == 0:
            return SectionState.EMPTY
        if self.answered < self.total:
            return SectionState.PARTLY
        return SectionState.ANSWERED

    @property
    def state_label(self) -> str:
        return str(self.state.label)


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    REVIEWED = "reviewed", _("Reviewed")
    PUBLISHED = "published", _("Published")
    RETURNED = "returned", _("Returned for correction")


EDITABLE_STATUSES = (ReportStatus.DRAFT, ReportStatus.RETURNED)


def reviewer_access_groups():
    """Access groups whose members review reports beside the Commission administrators."""
    return AccessGroup.objects.filter(name=settings.ILO_REVIEWER_GROUP, is_active=True)


def is_reviewer(user) -> bool:
    if user.is_commission_admin:
        return True
    return (
        reviewer_access_groups()
        .filter(models.Q(members=user) | models.Q(organisations=user.organisation_id))
        .exists()
    )


class IloReportQuerySet(SharedItemQuerySet):
    """ILO reports; read them through `visible_to` like every shared item."""

    def with_list_columns(self) -> "IloReportQuerySet":
        # The reference and the title name the network and its host country.
        return self.select_related("owner__country", "network")


class IloReport(SharedItem):
    """A network's standard-format report on one semester (Decision 2005/687/EC)."""

    # The Commission's evaluations of host countries look back over a decade of reports.
    retention_months = 120

    area = Area.ILO
    declaration = ItemType(
        list_url="ilo_reports:list",
        detail_url="ilo_reports:detail",
        actions=IloAction,
        search_fields=(
            ("network__name", "A"),
            ("semester", "A"),
            ("answers", "B"),
            ("review_comment", "C"),
        ),
        country_fields=("network__host_country",),
        # Its workflow field follows its first publication (REVIEWED -> PUBLISHED), and the
        # workflow records the step in the report's timeline and tells the network, as it does
        # at each step of the workflow (submitted, reviewed, returned): those told are the
        # workflow's, not recipients tracked for acknowledgement.
        published_status=ReportStatus.PUBLISHED,
        published_follow_up="ilo_reports.services.report_published",
    )

    network = models.ForeignKey(
        Network, verbose_name=_("network"), on_delete=models.PROTECT, related_name="reports"
    )
    semester = models.CharField(_("semester"), max_length=7, validators=[semester_validate])
    template = models.ForeignKey(
        TemplateVersion,
        verbose_name=_("template version"),
        on_delete=models.PROTECT,
        related_name="reports",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    revision = models.PositiveIntegerField(_("revision"), default=1)
    previous = models.OneToOneField(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="correction",
    )
    # Answers by question id (str): text, or {row_key: {column_key: value}} for tables.
    answers = models.JSONField(
        _("answers"),
        default=dict,
        blank=True,
        validators=[answers_validate],
    )
    objects: ClassVar = IloReportQuerySet.as_manager()
    # What the portal's search reads of a report (its declaration's `search_fields`), weighted: the
    # network's name and the semester, the answers' texts, the reviewer's comment. It reads
    # the network's row and the JSON of the answers, which a generated column may not, so
    # PostgreSQL triggers keep it (migration 0011): on every write of the report, and on a
    # network's rename for its reports.
    search_document = SearchVectorField(null=True, editable=False)

    # Optimistic locking: every save of the answers increments it; a stale form is a conflict.
    lock_version = models.PositiveIntegerField(default=0)
    review_comment = models.TextField(_("reviewer's comment"), blank=True, **text_limit())
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    # The one workflow: `status`. The core's `state` follows it: a report leaves the draft
    # state only by its publication (REVIEWED -> PUBLISHED, through the core's item_publish,
    # which follows `declaration.published_status`).
    WORKFLOW_FIELD = "status"
    TRANSITIONS = {
        (ReportStatus.DRAFT, ReportStatus.SUBMITTED): IloAction.SUBMIT,
        (ReportStatus.RETURNED, ReportStatus.SUBMITTED): IloAction.SUBMIT,
        (ReportStatus.SUBMITTED, ReportStatus.REVIEWED): IloAction.REVIEW,
        (ReportStatus.SUBMITTED, ReportStatus.RETURNED): IloAction.RETURN_FOR_CORRECTION,
        (ReportStatus.REVIEWED, ReportStatus.RETURNED): IloAction.RETURN_FOR_CORRECTION,
        (ReportStatus.REVIEWED, ReportStatus.PUBLISHED): Action.PUBLISH,
    }

    class Meta:
        ordering = ["-semester", "network__name", "-revision"]
        verbose_name = _("ILO network report")
        verbose_name_plural = _("ILO network reports")
        # One report per network and semester is kept by services.report_open under a lock on
        # the network row; corrections chain through `previous` (one correction per revision).
        indexes = [
            models.Index(fields=["network", "semester"]),
            search_document_index("ilo_reports_report_search"),
        ]

    def __str__(self) -> str:
        return f"{self.network} – {self.semester}"

    @property
    def reference(self) -> str:
        suffix = f"-R{self.revision}" if self.revision > 1 else ""
        return f"ILO-{self.semester}-{self.network.host_country.code}-{self.pk or 0:04d}{suffix}"

    @property
    def title(self) -> str:
        return _("ILO network report %(network)s, %(semester)s") % {
            "network": self.network,
            "semester": self.semester,
        }

    def extra_draft_group_ids(self) -> list[int]:
        groups = [self.network.access_group.group_id]
        if self.status != ReportStatus.DRAFT:
            # Submitted, reviewed or returned: the reviewers read it too.
            groups += list(
                Organisation.objects.filter(kind=Organisation.Kind.COMMISSION).values_list(
                    "group_id", flat=True
                )
            )
            groups += list(reviewer_access_groups().values_list("group_id", flat=True))
        return groups

    # --- policy ---------------------------------------------------------------------------

    def is_drafter(self, user) -> bool:
        """The chair's side: its author, the chair service's ILOs in the network and its
        managers."""
        return self.is_owner_member(user) and (
            self.author_id == user.pk
            or self.is_owner_manager(user)
            or self.network.has_member(user)
        )

    def is_latest_revision(self) -> bool:
        return not IloReport.objects.filter(previous_id=self.pk).exists()

    def allows(self, user, action: Action | IloAction) -> bool:
        editable = self.state == State.DRAFT and self.status in EDITABLE_STATUSES
        if action in (Action.CHANGE, IloAction.SUBMIT):
            return editable and self.is_drafter(user)
        if action == IloAction.CONTRIBUTE:
            return editable and self.network.has_member(user)
        if action == IloAction.REVIEW:
            return (
                self.state == State.DRAFT
                and self.status == ReportStatus.SUBMITTED
                and is_reviewer(user)
            )
        if action == IloAction.RETURN_FOR_CORRECTION:
            return (
                self.state == State.DRAFT
                and self.status in (ReportStatus.SUBMITTED, ReportStatus.REVIEWED)
                and (is_reviewer(user))
            )
        if action == Action.PUBLISH:
            # The first publication of the reviewed report, or later its audience or marking;
            # from either publish page (the core's item_publish moves `status` along at the
            # first one: `declaration.published_status`).
            return self.status in (ReportStatus.REVIEWED, ReportStatus.PUBLISHED) and is_reviewer(
                user
            )
        if action == IloAction.REVISE:
            return (
                self.state == State.PUBLISHED
                and self.is_drafter(user)
                and self.is_latest_revision()
            )
        return super().allows(user, action)

    # --- presentation ---------------------------------------------------------------------

    def answer_for(self, question: TemplateQuestion):
        return self.answers.get(str(question.pk))

    def progress(self) -> list[SectionProgress]:
        """Every section of the template, in order, with how many questions are answered."""
        return [
            SectionProgress(
                section=section,
                answered=sum(
                    1
                    for question in section.questions.all()
                    if is_answered(self.answer_for(question))
                ),
                total=len(section.questions.all()),
            )
            for section in self.template.sections_with_questions()
        ]

    def missing(self) -> list[Missing]:
        """The required answers not given: each required question, and for a required table
        each row without its figure (its first column; 0 counts as a figure)."""
        missing = []
        for section in self.template.sections_with_questions():
            for question in section.questions.all():
                if not question.required:
                    continue
                answer = self.answer_for(question)
                if question.field_type != TemplateQuestion.FieldType.TABLE:
                    if not is_answered(answer):
                        missing.append(Missing(section, question))
                    continue
                table = question.shown_table
                first = table["columns"][0]["key"]
                for row in table.get("rows", []):
                    cells = (answer or {}).get(row["key"], {})
                    if cells.get(first) in (None, ""):
                        missing.append(Missing(section, question, row["label"]))
        return missing

    def empty_sections(self) -> list["TemplateSection"]:
        """The sections with no answer at all (questions of a section are not all required)."""
        return [p.section for p in self.progress() if p.state == SectionState.EMPTY]

    def answered_sections(self) -> list[dict]:
        """The template's sections with each question's answer (tables as rows of cells)."""
        sections = []
        for section in self.template.sections_with_questions():
            entries = []
            for question in section.questions.all():
                answer = self.answer_for(question)
                if question.field_type == TemplateQuestion.FieldType.COUNTRIES:
                    answer = countries_as_text(answer)
                entry = {"question": question, "answer": answer}
                if question.field_type == TemplateQuestion.FieldType.TABLE:
                    answer = answer or {}
                    table = question.shown_table
                    columns = table.get("columns", [])
                    entry["columns"] = columns
                    entry["rows"] = [
                        {
                            "label": row["label"],
                            "cells": [
                                cell_as_text(c, answer.get(row["key"], {}).get(c["key"]))
                                for c in columns
                            ],
                        }
                        for row in table.get("rows", [])
                    ]
                entries.append(entry)
            sections.append({"section": section, "entries": entries})
        return sections

    # A report's sections are those of its template version (administrators edit them), not
    # fixed on the model: it gives them itself instead of declaring `sections`.
    def display_sections(self) -> DisplaySections:
        sections: DisplaySections = [
            (
                str(_("Report")),
                [
                    (_("Network"), str(self.network)),
                    (_("Host country"), self.network.host_country.name),
                    (_("Semester"), self.semester),
                    (_("Drafting Member State"), str(self.owner)),
                    (_("Template version"), str(self.template)),
                    (_("Status"), self.get_status_display()),
                ],
            )
        ]
        for section in self.template.sections_with_questions():
            rows: list[tuple[Label, object]] = []
            for question in section.questions.all():
                rows.append(
                    (question.shown_label, answer_as_text(question, self.answer_for(question)))
                )
            sections.append((f"{section.get_part_display()} – {section.shown_heading}", rows))
        return sections


def answer_as_text(question: TemplateQuestion, value) -> str:
    """An answer as plain text (for exports and the differences between revisions)."""
    if question.field_type == TemplateQuestion.FieldType.COUNTRIES:
        return countries_as_text(value)
    if question.field_type == TemplateQuestion.FieldType.TREND:
        return cell_as_text({"type": question.field_type}, value) or ""
    if question.field_type != TemplateQuestion.FieldType.TABLE:
        return "" if value in (None, "") else str(value)
    value = value or {}
    lines = []
    table = question.shown_table
    for row in table.get("rows", []):
        cells = value.get(row["key"], {})
        parts = [
            f"{col['label']}: {cell_as_text(col, cells.get(col['key']))}"
            for col in table.get("columns", [])
            if cells.get(col["key"]) not in (None, "")
        ]
        if parts:
            lines.append(f"{row['label']} – " + "; ".join(parts))
    return "\n".join(lines)


def cell_as_text(column: dict, value):
    """A table cell for reading: the countries' names in a countries column."""
    if column.get("type") == TemplateQuestion.FieldType.COUNTRIES and value:
        return countries_as_text(value)
    if column.get("type") == TemplateQuestion.FieldType.TREND and value in Trend.values:
        return str(Trend(value).label)
    return value


IloReportGrant = grant_model_for(IloReport)


class Contribution(models.Model):
    """A member's contribution to one section of a draft, for the chair to incorporate."""

    report = models.ForeignKey(IloReport, on_delete=models.CASCADE, related_name="contributions")
    section = models.ForeignKey(
        TemplateSection, verbose_name=_("section"), on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(
        _("contribution"),
        help_text=PERSONAL_DATA_WARNING,
        **text_limit(LONG_TEXT),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    incorporated_at = models.DateTimeField(_("incorporated"), null=True, blank=True)
    incorporated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["section__order", "created_at"]
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")

    def __str__(self) -> str:
        return f"{self.organisation} – {self.section.heading}"


class WorkflowEvent(models.Model):
    """One step of a report's workflow, with its comment (the report's own timeline)."""

    report = models.ForeignKey(IloReport, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(_("comment"), blank=True, **text_limit())
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.status} {self.created_at:%Y-%m-%d}"


class ReminderSent(models.Model):
    """A reminder already sent to a chair; the unique key makes the beat job idempotent."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    semester = models.CharField(max_length=7)
    kind = models.CharField(max_length=20)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "semester", "kind"], name="ilo_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.network_id} {self.semester} {self.kind}"


class FollowUpTaskQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A task repeats its report's follow-up action: it is read with its report."""
        return self.filter(report__in=IloReport.objects.visible_to(user).values("pk"))


class FollowUpTask(models.Model):
    """A follow-up action of a report's Part III, tracked by the Commission until closed."""

    report = models.ForeignKey(
        IloReport, verbose_name=_("report"), on_delete=models.PROTECT, related_name="tasks"
    )
    # The row of the report's follow-up table the task comes from ("action_1").
    row_key = models.CharField(max_length=60)
    action = models.CharField(_("action"), max_length=500, validators=[single_line])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    deadline = models.DateField(_("deadline"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = FollowUpTaskQuerySet.as_manager()

    class Meta:
        ordering = ["closed_at", "deadline", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["report", "row_key"], name="ilo_follow_up_once"),
        ]
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")

    def __str__(self) -> str:
        return self.action


class FollowUpReminder(models.Model):
    """A reminder already sent about a task; the unique key makes the beat job idempotent."""

    task = models.ForeignKey(FollowUpTask, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "kind"], name="ilo_follow_up_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.kind}"


auditlog.register(Network)
auditlog.register(NetworkChair)
auditlog.register(Posting, m2m_fields={"also_represents"})
auditlog.register(Meeting)
auditlog.register(TemplateVersion)
auditlog.register(TemplateSection)
auditlog.register(TemplateQuestion)
auditlog.register(IloReport, m2m_fields={"audience_groups"}, exclude_fields=[SEARCH_DOCUMENT])
auditlog.register(Contribution)
auditlog.register(FollowUpTask)
