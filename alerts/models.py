"""Early-warning alerts (DESIGN.md 5.1): the alert, its child rows, and who was told."""

from datetime import timedelta
from typing import ClassVar

from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import CountryField

from iconet.limits import LONG_TEXT, PERSONAL_DATA_WARNING, single_line, text_limit
from iconet.models import (
    Area,
    Audience,
    Country,
    SharedItem,
    grant_model_for,
)
from iconet.search.models import (
    SEARCH_DOCUMENT,
    search_document_field,
    search_document_index,
)
from iconet.sharing.declarations import ItemType, Row, Section
from iconet.sharing.querysets import SharedItemQuerySet

# The area preference "routine alerts in a daily digest" (declared in apps.py).
DIGEST_ROUTINE = "digest_routine"


class Urgency(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediate")
    ROUTINE = "routine", _("Routine")


class AlertType(models.TextChoices):
    FIRST_INDICATION = "first_indication", _("First indication")
    ROUTE_CHANGE = "route_change", _("Change of route")
    METHOD_CHANGE = "method_change", _("Change of method")
    INCIDENT = "incident", _("Incident")
    NEW_TREND = "new_trend", _("New trend")
    OTHER = "other", _("Other")


class BorderType(models.TextChoices):
    LAND = "land", _("Land")
    SEA = "sea", _("Sea")
    AIR = "air", _("Air")
    INLAND = "inland", _("Inland")


class Transport(models.TextChoices):
    LORRY = "lorry", _("Lorry")
    REFRIGERATED_LORRY = "refrigerated_lorry", _("Refrigerated lorry")
    TANKER = "tanker", _("Tanker")
    BOAT = "boat", _("Boat")
    FLIGHT = "flight", _("Flight")
    RAIL = "rail", _("Rail")
    ON_FOOT = "on_foot", _("On foot")
    OTHER = "other", _("Other")


class SourceReliability(models.TextChoices):
    A = "A", _("A – completely reliable")
    B = "B", _("B – usually reliable")
    C = "C", _("C – fairly reliable")
    D = "D", _("D – not usually reliable")
    E = "E", _("E – unreliable")
    F = "F", _("F – reliability cannot be judged")


class InformationCredibility(models.TextChoices):
    CONFIRMED = "1", _("1 – confirmed by other sources")
    PROBABLY_TRUE = "2", _("2 – probably true")
    POSSIBLY_TRUE = "3", _("3 – possibly true")
    DOUBTFUL = "4", _("4 – doubtful")
    IMPROBABLE = "5", _("5 – improbable")
    UNKNOWN = "6", _("6 – truth cannot be judged")


class RecipientReason(models.TextChoices):
    """Why a contact point was told of an alert (the core adds "escalation")."""

    DESTINATION = "destination", _("Destination Member State")
    TRANSIT = "transit", _("Transit Member State")
    AUDIENCE = "audience", _("Audience")


class AlertQuerySet(SharedItemQuerySet):
    """Alerts; read them through `visible_to` like every shared item."""

    def with_list_columns(self) -> "AlertQuerySet":
        return self.select_related("owner__country")


class Alert(SharedItem):
    """An early warning of illegal immigration, a facilitator network or a change of route or
    method."""

    area = Area.ALERTS
    # Trends age fast: the owner reviews an alert three years after its publication.
    retention_months = 36
    recipient_reasons = dict(RecipientReason.choices)
    declaration = ItemType(
        list_url="alerts:list",
        detail_url="alerts:detail",
        reference_prefix="EWS",
        form="alerts.forms.AlertForm",
        # What the portal's search reads of an alert (stored in search_document).
        search_fields=(
            ("reference_code", "A"),
            ("headline", "A"),
            ("summary", "B"),
            ("place_of_detection", "C"),
            ("crossing_point", "C"),
            ("route_description", "C"),
            ("concealment_method", "C"),
            ("recommended_measures", "D"),
        ),
        # A country "on the route": of origin, of transit or of destination.
        country_fields=("origin_country", "transit_countries", "destination_states"),
        # An alert is addressed to the contact points of its destination and transit states:
        # the whole network is what lets them read it.
        publish_audience=Audience.NETWORK,
        publication_recipients="alerts.services.alert_publication_recipients",
        publication_message="alerts.services.alert_publication_message",
        # The alert's follow-ups are the core's discussion of any item (iconet.ItemReply).
        follow_ups="replies",
        follow_up_add="iconet.discussion.services.item_reply_add",
        sections=(
            Section(
                _("Alert"),
                (
                    Row("reference", _("Reference"), lambda alert: alert.reference, on_form=False),
                    "alert_type",
                    "urgency",
                    "headline",
                    "summary",
                    "period_from",
                    "period_to",
                    "reporting_contact",
                    Row("language", shown=False),
                ),
                form_heading=_("The alert"),
            ),
            Section(
                _("Geography"),
                (
                    "origin_country",
                    Row("transit_countries", value=lambda a: " → ".join(a.transit_country_names())),
                    Row(
                        "destination_states",
                        value=lambda a: ", ".join(c.name for c in a.destination_states.all()),
                    ),
                    "border_type",
                    "crossing_point",
                    "place_of_detection",
                ),
            ),
            Section(
                _("Persons (aggregate)"),
                (
                    "persons_count",
                    Row(
                        "nationalities",
                        _("By nationality"),
                        lambda a: ", ".join(
                            f"{row.nationality.name}: {row.count}" for row in a.nationalities.all()
                        ),
                        on_form=False,
                    ),
                    "minors_count",
                    "vulnerable_count",
                    "suspected_trafficking",
                    "illegal_employment_link",
                ),
                form_heading=_("Persons (aggregate numbers only)"),
            ),
            Section(
                _("Modus operandi"),
                (
                    Row("transport_means", value=lambda a: ", ".join(a.transport_labels())),
                    "concealment_method",
                    "route_description",
                    "intermediaries",
                ),
            ),
            Section(
                _("Facilitator network"),
                (
                    Row("network_structure", _("Structure")),
                    Row("network_nationalities", _("Nationalities")),
                    "price_charged",
                    "recruitment_channel",
                    "document_fraud_links",
                ),
                form_heading=_("Facilitator network (never names of persons)"),
            ),
            Section(
                _("Assessment"),
                (
                    "expected_development",
                    "recommended_measures",
                    "source_reliability",
                    "information_credibility",
                    Row("related_alerts", shown=False),
                ),
            ),
        ),
    )

    # Allocated by iconet.sharing.references.item_reference_allocate, e.g. EWS-2026-FR-0042.
    reference_code = models.CharField(
        _("reference"), max_length=32, unique=True, null=True, blank=True, editable=False
    )
    reporting_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporting contact point"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    urgency = models.CharField(
        _("urgency"),
        max_length=10,
        choices=Urgency.choices,
        default=Urgency.IMMEDIATE,
        help_text=_(
            "Immediate alerts are e-mailed at once; routine ones may go in the daily digest."
        ),
    )
    alert_type = models.CharField(
        _("type"), max_length=20, choices=AlertType.choices, default=AlertType.FIRST_INDICATION
    )
    headline = models.CharField(
        _("headline"),
        max_length=200,
        help_text=PERSONAL_DATA_WARNING,
        validators=[single_line],
    )
    summary = models.TextField(
        _("summary"),
        help_text=PERSONAL_DATA_WARNING,
        **text_limit(LONG_TEXT),
    )
    period_from = models.DateField(_("observed from"))
    period_to = models.DateField(_("observed until"), null=True, blank=True)

    # Geography
    origin_country = CountryField(_("country of origin"), blank=True)
    transit_countries = ArrayField(
        # A CountryField, so that the change log shows country names.
        CountryField(),
        verbose_name=_("transit countries"),
        default=list,
        blank=True,
        help_text=_("In the order of the route."),
    )
    destination_states = models.ManyToManyField(
        Country,
        verbose_name=_("destination Member States"),
        blank=True,
        related_name="+",
    )
    border_type = models.CharField(
        _("border type"), max_length=10, choices=BorderType.choices, blank=True
    )
    crossing_point = models.CharField(
        _("crossing point, airport or port"),
        max_length=200,
        blank=True,
        validators=[single_line],
    )
    place_of_detection = models.CharField(
        _("place of detection"),
        max_length=200,
        blank=True,
        validators=[single_line],
    )

    # Persons, in aggregate only
    persons_count = models.PositiveIntegerField(_("number of persons"), null=True, blank=True)
    minors_count = models.PositiveIntegerField(_("of whom minors"), null=True, blank=True)
    vulnerable_count = models.PositiveIntegerField(
        _("of whom vulnerable persons"), null=True, blank=True
    )
    suspected_trafficking = models.BooleanField(
        _("suspected trafficking in human beings"), default=False
    )
    illegal_employment_link = models.BooleanField(_("link with illegal employment"), default=False)

    # Modus operandi
    transport_means = ArrayField(
        models.CharField(max_length=20, choices=Transport.choices),
        verbose_name=_("means of transport"),
        default=list,
        blank=True,
    )
    concealment_method = models.TextField(
        _("concealment method"),
        blank=True,
        help_text=PERSONAL_DATA_WARNING,
        **text_limit(),
    )
    route_description = models.TextField(
        _("route description"),
        blank=True,
        help_text=PERSONAL_DATA_WARNING,
        **text_limit(),
    )
    intermediaries = models.TextField(
        _("intermediaries involved"),
        blank=True,
        help_text=PERSONAL_DATA_WARNING,
        **text_limit(),
    )

    # Facilitator network
    network_structure = models.TextField(
        _("structure of the network"),
        blank=True,
        help_text=PERSONAL_DATA_WARNING,
        **text_limit(),
    )
    network_nationalities = CountryField(
        _("nationalities of facilitators"), multiple=True, blank=True
    )
    price_charged = models.CharField(
        _("price charged"),
        max_length=200,
        blank=True,
        help_text=_("For example: EUR 3,000–5,000 per person."),
        validators=[single_line],
    )
    recruitment_channel = models.TextField(
        _("recruitment channel"),
        blank=True,
        help_text=PERSONAL_DATA_WARNING,
        **text_limit(),
    )
    document_fraud_links = models.TextField(
        _("related document-fraud notes"),
        blank=True,
        help_text=_("References of document-fraud notes, one a line."),
        **text_limit(),
    )

    # Assessment
    expected_development = models.TextField(
        _("expected development"),
        blank=True,
        help_text=PERSONAL_DATA_WARNING,
        **text_limit(),
    )
    recommended_measures = models.TextField(
        _("recommended measures"),
        blank=True,
        help_text=PERSONAL_DATA_WARNING,
        **text_limit(),
    )
    source_reliability = models.CharField(
        _("source reliability"),
        max_length=1,
        choices=SourceReliability.choices,
        default=SourceReliability.F,
    )
    information_credibility = models.CharField(
        _("information credibility"),
        max_length=1,
        choices=InformationCredibility.choices,
        default=InformationCredibility.UNKNOWN,
    )

    # A link is its author's alone: it belongs to the alert that names the other one, and the
    # other's owner sees it only as "linked from" (when it may see the linking alert).
    related_alerts = models.ManyToManyField(
        "self",
        verbose_name=_("related alerts"),
        blank=True,
        symmetrical=False,
        related_name="linked_from",
    )

    search_document = search_document_field(declaration.search_fields)

    objects: ClassVar = AlertQuerySet.as_manager()

    class Meta:
        # Newest publication first; drafts (not yet published) after them, newest first.
        ordering = [models.F("published_at").desc(nulls_last=True), "-created_at"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        indexes = [
            models.Index(fields=["state", "urgency", "published_at"]),
            # The list's default order: the first page walks this index and probes the grants.
            models.Index(
                models.F("published_at").desc(nulls_last=True),
                models.F("created_at").desc(),
                name="alerts_alert_recent",
            ),
            search_document_index("alerts_alert_search"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.headline}"

    def clean(self) -> None:
        # A new alert names its author as its reporting contact point unless another was named.
        if self._state.adding and self.reporting_contact_id is None and self.author_id:
            self.reporting_contact_id = self.author_id
        super().clean()

    # --- policy ---------------------------------------------------------------------------

    @classmethod
    def recipients_escalation(cls):
        """Immediate alerts left unacknowledged past the set time are escalated (DESIGN 5.1)."""
        after = timedelta(minutes=settings.ALERTS_ESCALATION_MINUTES)
        return after, models.Q(urgency=Urgency.IMMEDIATE)

    # --- presentation ---------------------------------------------------------------------

    @property
    def reference(self) -> str:
        return self.reference_code or f"EWS-DRAFT-{self.pk or 'new'}"

    @property
    def title(self) -> str:
        return self.headline

    @property
    def is_immediate(self) -> bool:
        return self.urgency == Urgency.IMMEDIATE

    def transit_country_names(self) -> list[str]:
        return [countries.name(code) or code for code in self.transit_countries]

    def transport_labels(self) -> list[str]:
        labels = dict(Transport.choices)
        return [str(labels.get(value, value)) for value in self.transport_means]

    def related_visible_to(self, user):
        """Related alerts, only those the user may see as well."""
        return Alert.objects.visible_to(user).filter(pk__in=self.related_alerts.values("pk"))

    def linked_from_visible_to(self, user):
        """Alerts of others that name this one as related, only those the user may see."""
        return Alert.objects.visible_to(user).filter(pk__in=self.linked_from.values("pk"))


AlertGrant = grant_model_for(Alert)


class NationalityCount(models.Model):
    """One line of an alert's breakdown of persons by nationality (aggregate numbers)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="nationalities")
    nationality = CountryField(_("nationality"))
    count = models.PositiveIntegerField(_("number of persons"))

    class Meta:
        ordering = ["-count"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "nationality"], name="alerts_nationality_unique"
            )
        ]
        verbose_name = _("nationality breakdown")

    def __str__(self) -> str:
        return f"{self.nationality.name}: {self.count}"


def attachment_path(instance, filename: str) -> str:
    """Upload path of the former alerts.Attachment; migration 0001 still names it."""
    return f"alerts/{instance.alert_id}/{filename}"


# Links to other alerts are recorded by primary key by the core (iconet.sharing.related).
auditlog.register(
    Alert, m2m_fields={"destination_states", "audience_groups"}, exclude_fields=[SEARCH_DOCUMENT]
)
auditlog.register(NationalityCount)
