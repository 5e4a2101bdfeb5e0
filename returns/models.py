"""Returns (DESIGN.md 5.4): return problems per third country, and joint return operations
with their participations, authorisations, checklist and incidents. Counts only: no names of
returnees are ever stored."""

from enum import StrEnum
from typing import ClassVar

from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import CountryField

from iconet.limits import single_line, text_limit
from iconet.models import (
    Action,
    Area,
    Audience,
    Country,
    Organisation,
    SharedItem,
    State,
    grant_model_for,
)
from iconet.search.models import (
    SEARCH_DOCUMENT,
    search_document_field,
    search_document_index,
)
from iconet.sharing.declarations import ItemType, Row, Section
from iconet.sharing.querysets import SharedItemQuerySet

PERSONAL_DATA_WARNING = _(
    "Do not enter personal data of returnees or names of persons: aggregate numbers only."
)


class ProblemCategory(models.TextChoices):
    IDENTIFICATION = "identification", _("Identification and nationality determination")
    TRAVEL_DOCUMENT = "travel_document", _("Travel document / consular laissez-passer")
    EU_LAISSEZ_PASSER = "eu_laissez_passer", _("Acceptance of the EU laissez-passer")
    READMISSION = "readmission", _("Application of a readmission agreement")
    CONSULAR_INTERVIEWS = "consular_interviews", _("Consular interviews")
    TRANSIT = "transit", _("Transit or overflight authorisation")
    CARRIER = "carrier", _("Carrier acceptance")
    ESCORT = "escort", _("Escort and coercive measures")
    MEDICAL = "medical", _("Medical fitness")
    RECEPTION = "reception", _("Reception at arrival")
    FUNDAMENTAL_RIGHTS = (
        "fundamental_rights",
        _("Fundamental-rights, dignity or physical-integrity incident"),
    )
    VOLUNTARY = "voluntary", _("Voluntary return")
    LEGAL_FRAMEWORK = "legal_framework", _("Legal framework")
    OTHER = "other", _("Other")


class ReturnProblemQuerySet(SharedItemQuerySet):
    """Return problems; read them through `visible_to` like every shared item."""

    def with_list_columns(self) -> "ReturnProblemQuerySet":
        return self.select_related("owner__country")


class ReturnProblem(SharedItem):
    """What goes wrong when returning people to a third country, and what helped."""

    area = Area.RETURNS
    declaration = ItemType(
        list_url="returns:list",
        detail_url="returns:problem_detail",
        reference_prefix="RP",
        form="returns.forms.ReturnProblemForm",
        # What the portal's search reads of a problem (stored in search_document).
        search_fields=(
            ("reference_code", "A"),
            ("authority_involved", "B"),
            ("description", "B"),
            ("detention_limits_relevance", "C"),
            ("outcome", "C"),
            ("good_practice", "C"),
            ("readmission_agreement", "D"),
        ),
        country_fields=("country_of_return",),
        # Read by the network's services, as an alert is.
        publish_audience=Audience.NETWORK,
        sections=(
            Section(
                _("Return problem"),
                (
                    Row("reference", _("Reference"), lambda item: item.reference, on_form=False),
                    "country_of_return",
                    "category",
                    "authority_involved",
                    "observed_on",
                    "description",
                    Row("language", shown=False),
                ),
                form_heading=_("The problem"),
            ),
            Section(
                _("Delays and outcome"),
                (
                    "average_delay_days",
                    "detention_limits_relevance",
                    "outcome",
                    "good_practice",
                    "readmission_agreement",
                ),
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
    country_of_return = CountryField(_("country of return"))
    category = models.CharField(
        _("category"),
        max_length=24,
        choices=ProblemCategory.choices,
        default=ProblemCategory.TRAVEL_DOCUMENT,
    )
    authority_involved = models.CharField(
        _("authority involved"),
        max_length=200,
        blank=True,
        validators=[single_line],
    )
    observed_on = models.DateField(
        _("observed on"),
        default=timezone.localdate,
        help_text=_("When the problem was met; places the delay on the country's chart."),
    )
    description = models.TextField(
        _("description"),
        help_text=PERSONAL_DATA_WARNING,
        **text_limit(),
    )
    average_delay_days = models.PositiveIntegerField(
        _("average delay to obtain documents (days)"),
        null=True,
        blank=True,
    )
    detention_limits_relevance = models.TextField(
        _("relevance of national detention limits"),
        blank=True,
        **text_limit(),
    )
    outcome = models.TextField(
        _("outcome"), blank=True, help_text=PERSONAL_DATA_WARNING, **text_limit()
    )
    good_practice = models.TextField(
        _("good practice or workaround"),
        blank=True,
        help_text=PERSONAL_DATA_WARNING,
        **text_limit(),
    )
    readmission_agreement = models.CharField(
        _("readmission agreement reference"),
        max_length=200,
        blank=True,
        validators=[single_line],
        help_text=_("The agreement applied, and its state."),
    )

    search_document = search_document_field(declaration.search_fields)

    objects: ClassVar = ReturnProblemQuerySet.as_manager()

    class Meta:
        ordering = [models.F("published_at").desc(nulls_last=True), "-created_at"]
        verbose_name = _("return problem")
        verbose_name_plural = _("return problems")
        indexes = [
            models.Index(fields=["country_of_return", "category"]),
            search_document_index("returns_problem_search"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.country_of_return.name}: {self.get_category_display()}"

    @property
    def reference(self) -> str:
        return self.reference_code or f"RP-DRAFT-{self.pk or 'new'}"

    @property
    def title(self) -> str:
        return f"{self.country_of_return.name}: {self.get_category_display()}"


ReturnProblemGrant = grant_model_for(ReturnProblem)


class OperationType(models.TextChoices):
    NATIONAL = "national", _("National")
    JOINT = "joint", _("Joint")
    COLLECTING = "collecting", _("Collecting")


class ReturnType(models.TextChoices):
    FORCED = "forced", _("Forced")
    VOLUNTARY = "voluntary", _("Voluntary")


class FlightType(models.TextChoices):
    CHARTER = "charter", _("Charter")
    SCHEDULED = "scheduled", _("Scheduled")


class OperationStatus(models.TextChoices):
    PLANNING = "planning", _("Planning")
    OFFER_OPEN = "offer_open", _("Seat offer open")
    CONFIRMED = "confirmed", _("Confirmed")
    EXECUTED = "executed", _("Executed")
    EVALUATED = "evaluated", _("Evaluated")
    CANCELLED = "cancelled", _("Cancelled")


# The operation's one state machine: from each status, where it may go next.
OPERATION_TRANSITIONS: dict[str, tuple[str, ...]] = {
    OperationStatus.PLANNING: (OperationStatus.OFFER_OPEN, OperationStatus.CANCELLED),
    OperationStatus.OFFER_OPEN: (OperationStatus.CONFIRMED, OperationStatus.CANCELLED),
    OperationStatus.CONFIRMED: (OperationStatus.EXECUTED, OperationStatus.CANCELLED),
    OperationStatus.EXECUTED: (OperationStatus.EVALUATED,),
    OperationStatus.EVALUATED: (),
    OperationStatus.CANCELLED: (),
}


class OperationAction(StrEnum):
    """What a user may do with a return operation beside the core's actions."""

    ORGANISE = "organise"
    PARTICIPATE = "participate"
    REPORT_INCIDENT = "report_incident"


class ReturnOperationQuerySet(SharedItemQuerySet):
    """Joint return operations; read them through `visible_to` like every shared item."""

    def with_list_columns(self) -> "ReturnOperationQuerySet":
        return self.select_related("owner__country")


class ReturnOperation(SharedItem):
    """A return operation organised by a Member State, which may offer seats to others."""

    area = Area.RETURNS
    declaration = ItemType(
        list_url="returns:operation_list",
        detail_url="returns:operation_detail",
        reference_prefix="JRO",
        actions=OperationAction,
        form="returns.forms.ReturnOperationForm",
        # What the portal's search reads of an operation (stored in search_document).
        search_fields=(
            ("reference_code", "A"),
            ("code", "A"),
            ("departure_airport", "B"),
            ("stopovers", "C"),
            ("carrier", "C"),
            ("evaluation_report", "B"),
        ),
        # Read by the network's services, as an alert is.
        publish_audience=Audience.NETWORK,
        # A new operation starts with its phase checklist.
        created="returns.services.operation_created",
        sections=(
            Section(
                _("Operation"),
                (
                    Row("reference", _("Reference"), lambda item: item.reference, on_form=False),
                    "code",
                    Row("status", on_form=False),
                    "operation_type",
                    "return_type",
                    "flight_type",
                    Row("owner", _("Organising Member State"), on_form=False),
                ),
                form_heading=_("The operation"),
            ),
            Section(
                _("Flight"),
                (
                    Row("countries_of_return", value=lambda item: ", ".join(item.country_names())),
                    "departure_airport",
                    "stopovers",
                    "departure_date",
                    "carrier",
                    "seat_capacity",
                    Row("seats_allocated", on_form=False),
                    Row("offer_deadline", on_form=False),
                ),
            ),
            Section(_("Evaluation"), ("evaluation_report", Row("language", shown=False))),
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
    code = models.CharField(_("operation code"), max_length=40, validators=[single_line])
    operation_type = models.CharField(
        _("operation type"),
        max_length=12,
        choices=OperationType.choices,
        default=OperationType.JOINT,
    )
    return_type = models.CharField(
        _("return type"),
        max_length=12,
        choices=ReturnType.choices,
        default=ReturnType.FORCED,
    )
    flight_type = models.CharField(
        _("flight"),
        max_length=12,
        choices=FlightType.choices,
        default=FlightType.CHARTER,
    )
    countries_of_return = ArrayField(
        models.CharField(max_length=2, choices=list(countries)),
        verbose_name=_("countries of return"),
        default=list,
        blank=True,
    )
    departure_airport = models.CharField(
        _("departure airport"),
        max_length=100,
        blank=True,
        validators=[single_line],
    )
    stopovers = models.CharField(
        _("stopovers"),
        max_length=200,
        blank=True,
        validators=[single_line],
        help_text=_("Airports, in the order of the flight."),
    )
    departure_date = models.DateField(_("date"), default=timezone.localdate)
    carrier = models.CharField(_("carrier"), max_length=100, blank=True, validators=[single_line])
    seat_capacity = models.PositiveIntegerField(_("seat capacity"), default=0)
    # Kept by `seats_allocate` with a conditional UPDATE; the CHECK constraint is the last word.
    seats_allocated = models.PositiveIntegerField(_("seats allocated"), default=0, editable=False)
    offer_deadline = models.DateField(_("offer deadline"), null=True, blank=True)
    offered_to = models.ManyToManyField(
        Country,
        verbose_name=_("seats offered to"),
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("operation status"),
        max_length=12,
        choices=OperationStatus.choices,
        default=OperationStatus.PLANNING,
        editable=False,
    )
    evaluation_report = models.TextField(
        _("evaluation report"),
        blank=True,
        help_text=PERSONAL_DATA_WARNING,
        **text_limit(),
    )

    search_document = search_document_field(declaration.search_fields)

    objects: ClassVar = ReturnOperationQuerySet.as_manager()

    class Meta:
        ordering = ["-departure_date", "-created_at"]
        verbose_name = _("joint return operation")
        verbose_name_plural = _("joint return operations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(seats_allocated__lte=models.F("seat_capacity")),
                name="returns_operation_never_overbooked",
            ),
        ]
        indexes = [
            models.Index(fields=["departure_date"]),
            search_document_index("returns_operation_search"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.code}"

    @property
    def reference(self) -> str:
        return self.reference_code or f"JRO-DRAFT-{self.pk or 'new'}"

    @property
    def title(self) -> str:
        return self.code

    @property
    def seats_free(self) -> int:
        return self.seat_capacity - self.seats_allocated

    def country_names(self) -> list[str]:
        return [countries.name(code) or code for code in self.countries_of_return]

    # --- policy ---------------------------------------------------------------------------

    def is_offered_to(self, user) -> bool:
        """A member of another Member State's national service to which seats were offered."""
        organisation = user.organisation
        return (
            organisation is not None
            and not self.is_owner_member(user)
            and organisation.kind == Organisation.Kind.NATIONAL
            and self.offered_to.filter(code=organisation.country_id).exists()
        )

    def allows(self, user, action: Action | OperationAction) -> bool:
        if action == OperationAction.ORGANISE:
            return self.state in (State.DRAFT, State.PUBLISHED) and self.is_owner_manager(user)
        if action == OperationAction.PARTICIPATE:
            return (
                self.state == State.PUBLISHED
                and self.status == OperationStatus.OFFER_OPEN
                and self.is_offered_to(user)
            )
        if action == OperationAction.REPORT_INCIDENT:
            return self.state == State.PUBLISHED and (
                self.is_owner_member(user)
                or self.participations.filter(organisation_id=user.organisation_id).exists()
            )
        return super().allows(user, action)

    def extra_reader_group_ids(self) -> list[int]:
        """The national services of the Member States offered seats read the operation."""
        return list(
            Organisation.objects.filter(
                kind=Organisation.Kind.NATIONAL,
                country__in=self.offered_to.all(),
            )
            .exclude(pk=self.owner_id)
            .values_list("group_id", flat=True)
        )


ReturnOperationGrant = grant_model_for(ReturnOperation)


class Participation(models.Model):
    """One Member State's part in an operation: seats requested and allocated, escort (counts)."""

    class Interest(models.TextChoices):
        INTERESTED = "interested", _("Interested")
        NOT_INTERESTED = "not_interested", _("Not interested")

    operation = models.ForeignKey(
        ReturnOperation,
        on_delete=models.CASCADE,
        related_name="participations",
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
    )
    interest = models.CharField(
        _("interest"),
        max_length=16,
        choices=Interest.choices,
        default=Interest.INTERESTED,
    )
    seats_requested = models.PositiveIntegerField(_("seats requested"), default=0)
    seats_allocated = models.PositiveIntegerField(_("seats allocated"), default=0, editable=False)
    returnees = models.PositiveIntegerField(_("returnees (count only)"), default=0)
    escort_leaders = models.PositiveIntegerField(_("escort leaders"), default=0)
    escorts = models.PositiveIntegerField(_("escorts"), default=0)
    medical_staff = models.PositiveIntegerField(_("medical staff"), default=0)
    interpreters = models.PositiveIntegerField(_("interpreters"), default=0)
    representatives = models.PositiveIntegerField(_("representatives"), default=0)
    travel_documents_ready = models.BooleanField(_("travel documents ready"), default=False)
    embassy_notified = models.BooleanField(_("embassy notified"), default=False)
    replied_at = models.DateTimeField(_("replied"), default=timezone.now)

    class Meta:
        ordering = ["organisation__country_id", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "organisation"],
                name="returns_participation_unique",
            ),
        ]
        verbose_name = _("participation")

    def __str__(self) -> str:
        return f"{self.operation_id} {self.organisation_id}"


class Authorisation(models.Model):
    """A transit or overflight authorisation asked of a state for an operation."""

    class Kind(models.TextChoices):
        TRANSIT = "transit", _("Transit")
        OVERFLIGHT = "overflight", _("Overflight")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")

    operation = models.ForeignKey(
        ReturnOperation,
        on_delete=models.CASCADE,
        related_name="authorisations",
    )
    country = CountryField(_("state"))
    kind = models.CharField(_("authorisation"), max_length=12, choices=Kind.choices)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=Status.choices,
        default=Status.REQUESTED,
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["country", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "country", "kind"],
                name="returns_authorisation_unique",
            ),
        ]
        verbose_name = _("authorisation")

    def __str__(self) -> str:
        return f"{self.country} {self.kind}: {self.status}"


class Phase(models.TextChoices):
    PRE_RETURN = "pre_return", _("Pre-return")
    PRE_DEPARTURE = "pre_departure", _("Pre-departure")
    IN_FLIGHT = "in_flight", _("In flight")
    TRANSIT = "transit", _("Transit")
    ARRIVAL = "arrival", _("Arrival")


class ChecklistEntry(models.Model):
    """One step of the operation's phase checklist, ticked off by the organiser."""

    operation = models.ForeignKey(
        ReturnOperation, on_delete=models.CASCADE, related_name="checklist"
    )
    phase = models.CharField(_("phase"), max_length=16, choices=Phase.choices)
    label = models.CharField(_("step"), max_length=200, validators=[single_line])
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("checklist step")

    def __str__(self) -> str:
        return self.label


class Incident(models.Model):
    """Something that happened during an operation; facts only, no names of persons."""

    class Category(models.TextChoices):
        FUNDAMENTAL_RIGHTS = "fundamental_rights", _("Fundamental-rights concern")
        USE_OF_FORCE = "use_of_force", _("Use of force")
        MEDICAL = "medical", _("Medical")
        SECURITY = "security", _("Security")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        VALIDATED = "validated", _("Validated")
        CLOSED = "closed", _("Closed")

    operation = models.ForeignKey(
        ReturnOperation, on_delete=models.CASCADE, related_name="incidents"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField(_("time"))
    place = models.CharField(_("place"), max_length=200, validators=[single_line])
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    facts = models.TextField(_("facts"), help_text=PERSONAL_DATA_WARNING, **text_limit())
    follow_up = models.TextField(_("follow-up"), blank=True, **text_limit())
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        editable=False,
    )

    class Meta:
        ordering = ["occurred_at"]
        verbose_name = _("incident")

    def __str__(self) -> str:
        return f"{self.operation_id} {self.get_category_display()}"


INCIDENT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    Incident.Status.DRAFT: (Incident.Status.SUBMITTED,),
    Incident.Status.SUBMITTED: (Incident.Status.VALIDATED,),
    Incident.Status.VALIDATED: (Incident.Status.CLOSED,),
    Incident.Status.CLOSED: (),
}

auditlog.register(ReturnProblem, m2m_fields={"audience_groups"}, exclude_fields=[SEARCH_DOCUMENT])
auditlog.register(
    ReturnOperation,
    m2m_fields={"audience_groups", "offered_to"},
    exclude_fields=[SEARCH_DOCUMENT],
)
auditlog.register(Participation)
auditlog.register(Authorisation)
auditlog.register(ChecklistEntry)
auditlog.register(Incident)
