"""Writes of the returns area: problems, operations and their seat offer, participations,
allocation, the operation's state machine, checklist and incidents. Each takes the acting
user, checks it with `can`, and owns its transaction."""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from iconet.audit.services import audited
from iconet.dates import date_shown
from iconet.limits import one_line_text
from iconet.models import Area, Organisation, State, User
from iconet.outbox.services.notify import message_in_language, site_url, users_notify
from iconet.sharing.access import can, require
from iconet.sharing.services import grants_sync, item_update

from .models import (
    INCIDENT_TRANSITIONS,
    OPERATION_TRANSITIONS,
    Authorisation,
    ChecklistEntry,
    Incident,
    OperationAction,
    OperationStatus,
    Participation,
    Phase,
    ReturnOperation,
)

# The steps every operation's checklist starts with; the organiser ticks them off.
CHECKLIST_STEPS = [
    (Phase.PRE_RETURN, _("Travel documents obtained for every returnee")),
    (Phase.PRE_RETURN, _("Transit and overflight authorisations granted")),
    (Phase.PRE_DEPARTURE, _("Medical fitness checked")),
    (Phase.PRE_DEPARTURE, _("Escort briefing held")),
    (Phase.IN_FLIGHT, _("Monitor on board")),
    (Phase.TRANSIT, _("Stopover authorities informed")),
    (Phase.ARRIVAL, _("Handover to the authorities of the country of return")),
]


def returns_contact_points(organisation_ids) -> list[User]:
    """The active returns-area contact points of the given organisations."""
    return list(
        User.objects.filter(
            organisation_id__in=list(organisation_ids),
            is_active=True,
            areas__contains=[Area.RETURNS],
            ncp_areas__contains=[Area.RETURNS],
        ).select_related("organisation")
    )


def _tell(
    operation: ReturnOperation, users, *, key: str, title: Callable[[], str], url: str = ""
) -> int:
    """In-app and e-mail message about the operation, only to those who may read it, each in
    their language (`title()` translates and names the operation)."""
    url = url or operation.get_absolute_url()
    return users_notify(
        item=operation,
        users=users,
        url=url,
        key=key,
        **message_in_language(
            title,
            subject=lambda text: one_line_text(
                f"[{operation.get_marking_display()}] ICONet: {text}"
            ),
            template="returns/email_operation.txt",
            context={"operation": operation, "url": site_url(url)},
            title_as="message",
        ),
    )


# --- return problems ----------------------------------------------------------------------


# --- operations -----------------------------------------------------------------------------


def operation_created(*, actor: User, item: ReturnOperation) -> None:
    """A new operation starts with its phase checklist (`ItemType.created`, run by the core's
    `item_create` in its transaction)."""
    ChecklistEntry.objects.bulk_create(
        [
            ChecklistEntry(operation=item, phase=phase, label=str(label))
            for phase, label in CHECKLIST_STEPS
        ]
    )


@audited
@transaction.atomic
def operation_update(*, actor: User, operation: ReturnOperation) -> ReturnOperation:
    """Save changes; the capacity can never drop below the seats already allocated."""
    if operation.seat_capacity < operation.seats_allocated:
        raise ValidationError(
            {
                "seat_capacity": _(
                    "%(n)s seats are already allocated: the capacity cannot be lower."
                )
                % {"n": operation.seats_allocated}
            }
        )
    return item_update(actor=actor, item=operation)


def _status_set(operation: ReturnOperation, target: str) -> None:
    """Move the locked row along the state machine, or refuse."""
    locked = ReturnOperation.objects.select_for_update().get(pk=operation.pk)
    if target not in OPERATION_TRANSITIONS[locked.status]:
        raise ValidationError(
            _("An operation that is %(from)s cannot become %(to)s.")
            % {
                "from": locked.get_status_display().lower(),
                "to": OperationStatus(target).label.lower(),
            }
        )
    ReturnOperation.objects.filter(pk=operation.pk).update(status=target)
    operation.status = target


@audited
@transaction.atomic
def seat_offer_open(*, actor: User, operation: ReturnOperation, states, deadline) -> int:
    """Offer seats to the chosen Member States until the deadline; their national services
    may then read the operation, and their returns contact points are told. Returns how
    many people were told."""
    require(actor, OperationAction.ORGANISE, operation)
    if operation.state != State.PUBLISHED:
        raise ValidationError(_("Publish the operation before offering seats."))
    states = [s for s in states if s.code != operation.owner.country_id]
    if not states:
        raise ValidationError({"states": _("Choose at least one other Member State.")})
    if deadline < timezone.localdate():
        raise ValidationError({"deadline": _("The deadline cannot be in the past.")})
    _status_set(operation, OperationStatus.OFFER_OPEN)
    operation.offer_deadline = deadline
    operation.save(update_fields=["offer_deadline", "updated_at"])
    operation.offered_to.set(states)
    grants_sync(operation)
    organisations = (
        Organisation.objects.filter(
            kind=Organisation.Kind.NATIONAL,
            country__in=states,
        )
        .exclude(pk=operation.owner_id)
        .values_list("pk", flat=True)
    )
    return _tell(
        operation,
        returns_contact_points(organisations),
        key=f"returns:operation:{operation.pk}:offer",
        title=lambda: (
            _("Seats offered on return operation %(ref)s until %(deadline)s")
            % {"ref": operation.reference, "deadline": date_shown(deadline)}
        ),
    )


@audited
@transaction.atomic
def seats_request(
    *,
    actor: User,
    operation: ReturnOperation,
    participation: Participation,
) -> Participation:
    """A Member State offered seats states its interest and requests seats with its escort
    composition (counts only); a second reply replaces the first. The reply is the offer's
    acknowledgement; the organiser's returns contact points are told."""
    require(actor, OperationAction.PARTICIPATE, operation)
    participation.operation = operation
    if actor.organisation is None:  # _require has checked it; this tells the type checker
        raise PermissionDenied
    participation.organisation = actor.organisation
    participation.replied_by = actor
    participation.replied_at = timezone.now()
    if participation.interest == Participation.Interest.NOT_INTERESTED:
        participation.seats_requested = 0
    participation.full_clean(exclude=["operation", "organisation", "replied_by"])
    fields = {
        name: getattr(participation, name)
        for name in (
            "replied_by",
            "replied_at",
            "interest",
            "seats_requested",
            "returnees",
            "escort_leaders",
            "escorts",
            "medical_staff",
            "interpreters",
            "representatives",
            "travel_documents_ready",
            "embassy_notified",
        )
    }
    # One row per (operation, organisation), created or replaced in one statement: two
    # replies at once from the same state never make two rows.
    row, _created = Participation.objects.update_or_create(
        operation=operation,
        organisation_id=actor.organisation_id,
        defaults=fields,
    )
    _tell(
        operation,
        returns_contact_points([operation.owner_id]),
        key=f"returns:participation:{row.pk}:{row.replied_at.timestamp()}",
        title=lambda: (
            _("%(org)s replied to the seat offer of %(ref)s")
            % {"org": participation.organisation, "ref": operation.reference}
        ),
    )
    return row


@audited
@transaction.atomic
def seats_allocate(
    *, actor: User, operation: ReturnOperation, participation: Participation, seats: int
) -> Participation:
    """Give a participant `seats` seats in all. The operation's count changes in one
    conditional UPDATE that only succeeds while the seats fit the capacity, so that two
    allocations at once can never over-book; the CHECK constraint stands behind it."""
    require(actor, OperationAction.ORGANISE, operation)
    if seats < 0:
        raise ValidationError(_("The number of seats cannot be negative."))
    if operation.status not in (OperationStatus.OFFER_OPEN, OperationStatus.CONFIRMED):
        raise ValidationError(_("Seats are allocated while the offer is open or confirmed."))
    row = Participation.objects.select_for_update().get(pk=participation.pk, operation=operation)
    if seats > row.seats_requested:
        raise ValidationError(
            _("%(org)s requested %(requested)s seats: allocate at most that many.")
            % {"org": row.organisation, "requested": row.seats_requested}
        )
    delta = seats - row.seats_allocated
    if delta == 0:
        return row  # the same allocation saved again: nothing changes, nobody is told again
    updated = ReturnOperation.objects.filter(
        pk=operation.pk,
        seats_allocated__lte=F("seat_capacity") - delta,
    ).update(seats_allocated=F("seats_allocated") + delta)
    if not updated:
        raise ValidationError(_("Not enough free seats: %(n)s requested.") % {"n": delta})
    row.seats_allocated = seats
    row.save(update_fields=["seats_allocated"])
    operation.refresh_from_db(fields=["seats_allocated"])
    users = returns_contact_points([row.organisation_id])
    _tell(
        operation,
        users,
        key=f"returns:participation:{row.pk}:allocated:{seats}",
        title=lambda: (
            _("%(n)s seats allocated to you on %(ref)s") % {"n": seats, "ref": operation.reference}
        ),
    )
    return row


@audited
@transaction.atomic
def operation_transition(
    *,
    actor: User,
    operation: ReturnOperation,
    status: str,
) -> ReturnOperation:
    """Move the operation along its state machine; confirming or cancelling tells the
    participants."""
    require(actor, OperationAction.ORGANISE, operation)
    if status == OperationStatus.OFFER_OPEN:
        raise ValidationError(_("Open the seat offer with its deadline and Member States."))
    if status not in OperationStatus.values:
        raise ValidationError(_("Unknown status."))
    _status_set(operation, status)
    if status in (OperationStatus.CONFIRMED, OperationStatus.CANCELLED):
        participants = operation.participations.values_list("organisation_id", flat=True)
        _tell(
            operation,
            returns_contact_points(participants),
            key=f"returns:operation:{operation.pk}:{status}",
            title=lambda: (
                _("Return operation %(ref)s is %(status)s")
                % {"ref": operation.reference, "status": OperationStatus(status).label.lower()}
            ),
        )
    return operation


@audited
@transaction.atomic
def checklist_tick(*, actor: User, operation: ReturnOperation, entry_id: int, done: bool) -> None:
    """Tick a step of the phase checklist off, or on again."""
    require(actor, OperationAction.ORGANISE, operation)
    entry = ChecklistEntry.objects.get(pk=entry_id, operation=operation)
    entry.done_at = timezone.now() if done else None
    entry.save(update_fields=["done_at"])


@audited
@transaction.atomic
def authorisation_record(
    *, actor: User, operation: ReturnOperation, country: str, kind: str, status: str
) -> Authorisation:
    """Record a transit or overflight authorisation of a state, or its new status."""
    require(actor, OperationAction.ORGANISE, operation)
    row = Authorisation.objects.filter(operation=operation, country=country, kind=kind).first()
    row = row or Authorisation(operation=operation, country=country, kind=kind)
    row.status = status
    row.full_clean()
    row.save()
    return row


# --- incidents ------------------------------------------------------------------------------


def incident_readers(operation: ReturnOperation) -> list[User]:
    """Who is told of a fundamental-rights concern at once: the organiser's returns contact
    points and the Commission's (when they may read the operation)."""
    commission = Organisation.objects.filter(kind=Organisation.Kind.COMMISSION)
    return returns_contact_points([operation.owner_id, *commission.values_list("pk", flat=True)])


@audited
@transaction.atomic
def incident_report(*, actor: User, operation: ReturnOperation, incident: Incident) -> Incident:
    """Record an incident as a draft of the actor's organisation; a fundamental-rights
    concern tells the organiser's contact points and the Commission at once."""
    if not (
        can(actor, OperationAction.ORGANISE, operation)
        or can(actor, OperationAction.REPORT_INCIDENT, operation)
    ):
        raise PermissionDenied
    incident.operation = operation
    incident.author = actor
    if actor.organisation is None:  # _require has checked it; this tells the type checker
        raise PermissionDenied
    incident.organisation = actor.organisation
    incident.full_clean()
    incident.save()
    if incident.category == Incident.Category.FUNDAMENTAL_RIGHTS:
        _tell(
            operation,
            incident_readers(operation),
            key=f"returns:incident:{incident.pk}:fundamental_rights",
            title=lambda: (
                _("Fundamental-rights concern reported on %(ref)s") % {"ref": operation.reference}
            ),
        )
    return incident


@audited
@transaction.atomic
def incident_transition(*, actor: User, incident: Incident, status: str) -> Incident:
    """Submit (its author's organisation), validate and close (the organiser)."""
    operation = incident.operation
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if status not in INCIDENT_TRANSITIONS[locked.status]:
        raise ValidationError(_("This change of status is not possible."))
    if status == Incident.Status.SUBMITTED:
        allowed = actor.organisation_id == locked.organisation_id
    else:
        allowed = can(actor, OperationAction.ORGANISE, operation)
    if not allowed:
        raise PermissionDenied
    locked.status = status
    locked.save(update_fields=["status"])
    return locked
