"""Visa, border and travel-document fraud notes (DESIGN.md 5.3): the note, its images with
their redaction, and the controlled vocabularies that describe them in every language."""

from enum import StrEnum
from typing import ClassVar

from auditlog.registry import auditlog
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from iconet.files.pipeline import storage_name
from iconet.limits import LONG_TEXT, single_line, text_limit
from iconet.models import Action, Area, Audience, SharedItem, grant_model_for
from iconet.search.models import (
    SEARCH_DOCUMENT,
    search_document_field,
    search_document_index,
)
from iconet.sharing.declarations import ItemType, Row, Section
from iconet.sharing.querysets import SharedItemQuerySet
from iconet.translated import Translated

PERSONAL_DATA_WARNING = _(
    "Do not enter personal data of migrants or names of persons: trends, routes, methods "
    "and aggregate numbers only."
)


class Vocabulary(models.Model):
    """A controlled vocabulary of the standardised description (document category, fraud
    type...): data, so that Commission administrators extend it without a release."""

    CATEGORY = "category"
    FRAUD_TYPE = "fraud_type"
    ALTERED_ELEMENT = "altered_element"
    SECURITY_FEATURE = "security_feature"
    PRODUCTION_METHOD = "production_method"

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (English)"), max_length=100)
    name_fr = models.CharField(_("name (French)"), max_length=100)
    shown_name = Translated("name")

    class Meta:
        ordering = ["code"]
        verbose_name = _("vocabulary")
        verbose_name_plural = _("vocabularies")

    def __str__(self) -> str:
        return self.shown_name


class TermQuerySet(models.QuerySet):
    def of(self, vocabulary: str) -> "TermQuerySet":
        return self.filter(vocabulary__code=vocabulary, is_active=True)


class Term(models.Model):
    """One value of a vocabulary, with its label in each language of the portal."""

    vocabulary = models.ForeignKey(
        Vocabulary,
        verbose_name=_("vocabulary"),
        on_delete=models.PROTECT,
        related_name="terms",
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name (English)"), max_length=100)
    name_fr = models.CharField(_("name (French)"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    objects = TermQuerySet.as_manager()

    class Meta:
        ordering = ["vocabulary__code", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["vocabulary", "code"], name="documents_term_unique"),
        ]
        verbose_name = _("term")
        verbose_name_plural = _("terms")

    def __str__(self) -> str:
        return self.label

    # The label in the reader's language: a note entered in French reads in English.
    label = Translated("name")


class BorderType(models.TextChoices):
    LAND = "land", _("Land")
    SEA = "sea", _("Sea")
    AIR = "air", _("Air")
    INLAND = "inland", _("Inland")
    CONSULATE = "consulate", _("Consulate")


class LightSource(models.TextChoices):
    VISIBLE = "visible", _("Visible light")
    UV = "uv", _("Ultraviolet (UV)")
    IR = "ir", _("Infrared (IR)")
    TRANSMITTED = "transmitted", _("Transmitted light")
    COAXIAL = "coaxial", _("Coaxial light")


class DocumentNoteQuerySet(SharedItemQuerySet):
    """Notes; read them through `visible_to` like every shared item."""

    def with_list_columns(self) -> "DocumentNoteQuerySet":
        return self.select_related("owner__country", "category", "fraud_type")


def _term(vocabulary: str, label):
    return models.ForeignKey(
        Term,
        verbose_name=label,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"vocabulary__code": vocabulary, "is_active": True},
    )


def _labels(terms) -> str:
    return ", ".join(term.label for term in terms.all())


class NoteAction(StrEnum):
    """What a user may do with a fraud note beside the core's actions."""

    # See the unredacted images: the owner organisation only.
    ORIGINAL = "original"


class DocumentNote(SharedItem):
    """A fraudulent or misused travel document, visa or stamp, described so that border
    guards, consular staff and carriers elsewhere recognise it."""

    area: ClassVar[str] = Area.DOCUMENTS
    declaration = ItemType(
        list_url="documents:list",
        detail_url="documents:detail",
        reference_prefix="DFN",
        actions=NoteAction,
        form="documents.forms.DocumentNoteForm",
        # What the portal's search reads of a note (stored in search_document).
        search_fields=(
            ("reference_code", "A"),
            ("title_text", "A"),
            ("description", "B"),
            ("issuing_authority", "C"),
            ("series", "C"),
            ("route", "C"),
            ("detection_method", "C"),
            ("advice_border_guards", "D"),
            ("advice_consular", "D"),
            ("advice_carriers", "D"),
        ),
        # Read by the network's services, as an alert is.
        publish_audience=Audience.NETWORK,
        # A note whose images are not all reviewed is refused before anything is written.
        publish_check="documents.services.note_publish_check",
        # Its images are redacted and reviewed before anyone else sees them; a generic
        # attachment would skip that review.
        takes_attachments=False,
        personal_data_related=("images",),
        images_for_reader="documents.selectors.images_for_reader",
        image_served="documents.selectors.image_served",
        image_fields=("caption", "side", "light_source"),
        sections=(
            Section(
                _("Document"),
                (
                    Row("reference", _("Reference"), lambda note: note.reference, on_form=False),
                    Row("title_text", shown=False),  # the page's heading
                    "category",
                    "issuing_country",
                    "issuing_authority",
                    "series",
                    "version",
                    "year_of_issue",
                    Row("language", shown=False),
                ),
                form_heading=_("The document"),
            ),
            Section(
                _("Fraud"),
                (
                    "fraud_type",
                    Row("altered_elements", value=lambda note: _labels(note.altered_elements)),
                    Row("security_features", value=lambda note: _labels(note.security_features)),
                    "production_method",
                    "description",
                ),
                form_heading=_("The fraud"),
            ),
            Section(
                _("Visa"),
                ("visa_issuing_post", "visa_type", "visa_purpose", "supporting_documents"),
                form_heading=_("Visas"),
            ),
            Section(
                _("Detection"),
                (
                    "detected_on",
                    "border_type",
                    "crossing_point",
                    "route",
                    "carrier",
                    "detection_method",
                    "holder_nationality",
                    "similar_cases",
                ),
                form_heading=_("Detection (aggregate, never a person)"),
            ),
            Section(
                _("Advice"),
                (
                    "advice_border_guards",
                    "advice_consular",
                    "advice_carriers",
                    Row("related_alerts", shown=False),
                ),
                form_heading=_("Advice and links"),
            ),
        ),
    )

    reference_code = models.CharField(
        _("reference"),
        max_length=32,
        unique=True,
        null=True,
        blank=True,
        editable=False,
    )
    title_text = models.CharField(
        _("title"),
        max_length=200,
        validators=[single_line],
        help_text=PERSONAL_DATA_WARNING,
    )

    # The document
    category = _term(Vocabulary.CATEGORY, _("document category"))
    issuing_country = CountryField(_("issuing country"))
    issuing_authority = models.CharField(
        _("issuing authority"),
        max_length=200,
        blank=True,
        validators=[single_line],
    )
    series = models.CharField(_("series"), max_length=100, blank=True, validators=[single_line])
    version = models.CharField(_("version"), max_length=100, blank=True, validators=[single_line])
    year_of_issue = models.PositiveSmallIntegerField(_("year of issue"), null=True, blank=True)

    # The fraud
    fraud_type = _term(Vocabulary.FRAUD_TYPE, _("fraud type"))
    altered_elements = models.ManyToManyField(
        Term,
        verbose_name=_("altered elements"),
        blank=True,
        related_name="+",
        limit_choices_to={"vocabulary__code": Vocabulary.ALTERED_ELEMENT, "is_active": True},
    )
    security_features = models.ManyToManyField(
        Term,
        verbose_name=_("security features affected"),
        blank=True,
        related_name="+",
        limit_choices_to={"vocabulary__code": Vocabulary.SECURITY_FEATURE, "is_active": True},
    )
    production_method = models.ForeignKey(
        Term,
        verbose_name=_("production method"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        limit_choices_to={"vocabulary__code": Vocabulary.PRODUCTION_METHOD, "is_active": True},
    )
    description = models.TextField(
        _("description of the fraud"),
        help_text=PERSONAL_DATA_WARNING,
        **text_limit(LONG_TEXT),
    )

    # Visas
    visa_issuing_post = models.CharField(
        _("issuing post"),
        max_length=200,
        blank=True,
        validators=[single_line],
    )
    visa_type = models.CharField(
        _("visa type"), max_length=100, blank=True, validators=[single_line]
    )
    visa_purpose = models.CharField(
        _("purpose claimed"),
        max_length=200,
        blank=True,
        validators=[single_line],
    )
    supporting_documents = models.TextField(
        _("fraudulent supporting documents"),
        blank=True,
        help_text=_("Invitations, bank statements, fake schools..."),
        **text_limit(),
    )

    # Detection
    detected_on = models.DateField(_("date of detection"))
    border_type = models.CharField(
        _("border type"),
        max_length=10,
        choices=BorderType.choices,
        blank=True,
    )
    crossing_point = models.CharField(
        _("crossing point or airport"),
        max_length=200,
        blank=True,
        validators=[single_line],
    )
    route = models.CharField(
        _("route or flight"), max_length=200, blank=True, validators=[single_line]
    )
    carrier = models.CharField(_("carrier"), max_length=200, blank=True, validators=[single_line])
    detection_method = models.CharField(
        _("detection method"),
        max_length=200,
        blank=True,
        validators=[single_line],
    )
    holder_nationality = CountryField(_("claimed nationality of the holder"), blank=True)
    similar_cases = models.PositiveIntegerField(_("number of similar cases"), default=1)

    # Advice
    advice_border_guards = models.TextField(
        _("advice for border guards"), blank=True, **text_limit()
    )
    advice_consular = models.TextField(_("advice for consular staff"), blank=True, **text_limit())
    advice_carriers = models.TextField(_("advice for carriers"), blank=True, **text_limit())

    # Links: shown through the reader's visibility filter on both sides (iconet.sharing.related).
    related_alerts = models.ManyToManyField(
        "alerts.Alert",
        verbose_name=_("related alerts"),
        blank=True,
        related_name="document_notes",
    )

    # The base declares the manager of every shared item; this one adds the list columns.
    search_document = search_document_field(declaration.search_fields)

    objects = DocumentNoteQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = [models.F("published_at").desc(nulls_last=True), "-created_at"]
        verbose_name = _("document fraud note")
        verbose_name_plural = _("document fraud notes")
        indexes = [
            models.Index(fields=["state", "detected_on"]),
            search_document_index("documents_note_search"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title_text}"

    @property
    def reference(self) -> str:
        return self.reference_code or f"DFN-DRAFT-{self.pk or 'new'}"

    @property
    def title(self) -> str:
        return self.title_text

    def allows(self, user, action: Action | NoteAction) -> bool:
        if action == NoteAction.ORIGINAL:
            # The unredacted images stay with the owner organisation.
            return self.is_owner_member(user)
        return super().allows(user, action)

    def related_alerts_visible_to(self, user):
        # The alert model through the relation: the areas import nothing of each other.
        alert_model = type(self).related_alerts.field.related_model
        return alert_model.objects.visible_to(user).filter(pk__in=self.related_alerts.values("pk"))


DocumentNoteGrant = grant_model_for(DocumentNote)


def image_storage_name(instance, filename: str) -> str:
    """A random name: neither the user's file name nor the note is in the storage path."""
    return storage_name("documents", "." + (filename.rpartition(".")[2] or "bin"))


class NoteImage(models.Model):
    """An image of a note. The original is for the owner organisation only; everyone else is
    served the redacted copy (black boxes burnt into the pixels, re-encoded, no metadata)."""

    note = models.ForeignKey(DocumentNote, on_delete=models.CASCADE, related_name="images")
    original = models.FileField(_("original"), upload_to=image_storage_name, max_length=255)
    redacted = models.FileField(_("redacted copy"), upload_to=image_storage_name, max_length=255)
    thumbnail = models.FileField(_("thumbnail"), upload_to=image_storage_name, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    caption = models.CharField(
        _("caption"),
        max_length=200,
        validators=[single_line],
        help_text=PERSONAL_DATA_WARNING,
    )
    side = models.CharField(
        _("side or page"),
        max_length=100,
        blank=True,
        validators=[single_line],
        help_text=_("For example: front, back, biodata page, page 7."),
    )
    light_source = models.CharField(
        _("light source"),
        max_length=12,
        choices=LightSource.choices,
        default=LightSource.VISIBLE,
    )
    # [[x, y, w, h], ...] in pixels of the original image.
    redaction_boxes = models.JSONField(_("redacted areas"), default=list, blank=True)
    reviewed = models.BooleanField(_("redaction reviewed"), default=False)
    # The reviewer's separate, recorded statement that the image shows no personal data: the
    # only way to review an image without a blacked-out area.
    no_personal_data = models.BooleanField(_("shows no personal data"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("image")
        verbose_name_plural = _("images")

    def __str__(self) -> str:
        return self.caption


auditlog.register(
    DocumentNote,
    m2m_fields={"altered_elements", "security_features", "audience_groups"},
    exclude_fields=[SEARCH_DOCUMENT],
)
auditlog.register(NoteImage, exclude_fields=["original", "redacted", "thumbnail"])
auditlog.register(Vocabulary)
auditlog.register(Term)
