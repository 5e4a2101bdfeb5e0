"""Pages of the returns area; rows come from each model's `visible_to(user)` only."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_countries import countries

from iconet.models import Action
from iconet.sharing.access import get_item_for_action
from iconet.sharing.views.items import ItemCreateView, ItemDetailView, ItemListView, ItemUpdateView

from . import selectors, services
from .forms import (
    AllocationForm,
    AuthorisationForm,
    IncidentForm,
    OperationFilterForm,
    ParticipationForm,
    ProblemFilterForm,
    ReturnOperationForm,
    ReturnProblemForm,
    SeatOfferForm,
    TransitionForm,
)
from .models import (
    OPERATION_TRANSITIONS,
    OperationAction,
    Participation,
    ReturnOperation,
    ReturnProblem,
)


def _error(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


# --- return problems ----------------------------------------------------------------------


class ProblemListView(ItemListView):
    model = ReturnProblem
    filter_form_class = ProblemFilterForm
    template_name = "returns/problem_list.html"
    context_object_name = "problems"
    export_fields = ("country_of_return", "category", "observed_on")

    def get_queryset(self):
        return super().get_queryset().with_list_columns()


class ProblemCreateView(ItemCreateView):
    model = ReturnProblem
    form_class = ReturnProblemForm
    template_name = "returns/item_form.html"


class ProblemUpdateView(ItemUpdateView):
    model = ReturnProblem
    form_class = ReturnProblemForm
    template_name = "returns/item_form.html"


class ProblemDetailView(ItemDetailView):
    model = ReturnProblem
    template_name = "returns/problem_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("owner__country", "author")


def country_page(request, code: str):
    """A country of return: problems by category, delays, good practices, and what the other
    areas hold about it that the user may see."""
    code = code.upper()
    if code not in dict(countries):
        raise Http404
    return render(
        request,
        "returns/country.html",
        selectors.country_overview(
            user=request.user,
            code=code,
        ),
    )


# --- operations -----------------------------------------------------------------------------


class OperationListView(ItemListView):
    model = ReturnOperation
    filter_form_class = OperationFilterForm
    template_name = "returns/operation_list.html"
    context_object_name = "operations"
    export_fields = ("code", "departure_date", "status", "seats_allocated", "seat_capacity")

    def get_queryset(self):
        return super().get_queryset().with_list_columns()


class OperationCreateView(ItemCreateView):
    model = ReturnOperation
    form_class = ReturnOperationForm
    template_name = "returns/item_form.html"


class OperationUpdateView(ItemUpdateView):
    model = ReturnOperation
    form_class = ReturnOperationForm
    template_name = "returns/item_form.html"

    def form_valid(self, form):
        try:
            self.object = services.operation_update(
                actor=self.request.user,
                operation=form.save(commit=False),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, _("Changes to %(ref)s saved.") % {"ref": self.object.reference}
        )
        return redirect(self.object.get_absolute_url())


class OperationDetailView(ItemDetailView):
    model = ReturnOperation
    template_name = "returns/operation_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("owner__country", "author")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        operation, user = self.object, self.request.user
        organise = operation.allows(user, OperationAction.ORGANISE)
        participations = list(
            operation.participations.select_related("organisation__country", "replied_by"),
        )
        mine = next((p for p in participations if p.organisation_id == user.organisation_id), None)
        context.update(
            {
                "operation": operation,
                "may_organise": organise,
                "may_participate": operation.allows(user, OperationAction.PARTICIPATE),
                "may_report_incident": organise
                or operation.allows(user, OperationAction.REPORT_INCIDENT),
                # The organiser sees every participation; a participant sees its own only.
                "participations": participations if organise else [p for p in [mine] if p],
                "mine": mine,
                "next_statuses": [
                    (s, label)
                    for s, label in TransitionForm.base_fields["status"].choices
                    if s in OPERATION_TRANSITIONS[operation.status] and s != "offer_open"
                ],
                "checklist": operation.checklist.all(),
                "incidents": selectors.incidents_visible(operation=operation, user=user),
                "authorisations": operation.authorisations.all(),
                "authorisation_form": AuthorisationForm(),
                "offered_to": operation.offered_to.all(),
            }
        )
        return context


def _operation(request, pk: int, action: Action | OperationAction) -> ReturnOperation:
    return get_item_for_action(ReturnOperation, request.user, pk, action)


@require_http_methods(["GET", "POST"])
def seat_offer_open(request, pk):
    operation = _operation(request, pk, OperationAction.ORGANISE)
    form = SeatOfferForm(request.POST or None, operation=operation)
    if request.method == "POST" and form.is_valid():
        try:
            told = services.seat_offer_open(
                actor=request.user,
                operation=operation,
                states=form.cleaned_data["states"],
                deadline=form.cleaned_data["deadline"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Seat offer open; %(n)s contact points told.") % {"n": told}
            )
            return redirect(operation.get_absolute_url())
    return render(
        request,
        "returns/operation_action.html",
        {
            "item": operation,
            "operation": operation,
            "form": form,
            "heading": _("Open the seat offer"),
            "submit": _("Open the seat offer"),
        },
    )


@require_http_methods(["GET", "POST"])
def seats_request(request, pk):
    operation = _operation(request, pk, OperationAction.PARTICIPATE)
    current = operation.participations.filter(organisation_id=request.user.organisation_id).first()
    form = ParticipationForm(request.POST or None, instance=current or Participation())
    if request.method == "POST" and form.is_valid():
        try:
            services.seats_request(
                actor=request.user,
                operation=operation,
                participation=form.save(commit=False),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your reply to the seat offer was sent."))
            return redirect(operation.get_absolute_url())
    return render(
        request,
        "returns/operation_action.html",
        {
            "item": operation,
            "operation": operation,
            "form": form,
            "heading": _("Reply to the seat offer"),
            "submit": _("Send the reply"),
            "lead": _("Counts only: never names of returnees or escorts."),
        },
    )


@require_POST
def seats_allocate(request, pk):
    operation = _operation(request, pk, OperationAction.ORGANISE)
    form = AllocationForm(request.POST)
    participation = None
    if form.is_valid():
        participation = operation.participations.filter(
            pk=form.cleaned_data["participation"],
        ).first()
    if participation is None:
        messages.error(request, _("Choose a participant and a number of seats."))
        return redirect(operation.get_absolute_url())
    try:
        services.seats_allocate(
            actor=request.user,
            operation=operation,
            participation=participation,
            seats=form.cleaned_data["seats"],
        )
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Seats allocated."))
    return redirect(operation.get_absolute_url() + "#participants")


@require_POST
def operation_transition(request, pk):
    operation = _operation(request, pk, OperationAction.ORGANISE)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the new status."))
        return redirect(operation.get_absolute_url())
    try:
        services.operation_transition(
            actor=request.user, operation=operation, status=form.cleaned_data["status"]
        )
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(
            request,
            _("The operation is now %(status)s.")
            % {"status": operation.get_status_display().lower()},
        )
    return redirect(operation.get_absolute_url())


@require_POST
def authorisation_record(request, pk):
    operation = _operation(request, pk, OperationAction.ORGANISE)
    form = AuthorisationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the state, the authorisation and its status."))
        return redirect(operation.get_absolute_url() + "#authorisations")
    try:
        services.authorisation_record(actor=request.user, operation=operation, **form.cleaned_data)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Authorisation recorded."))
    return redirect(operation.get_absolute_url() + "#authorisations")


@require_POST
def checklist_tick(request, pk):
    operation = _operation(request, pk, OperationAction.ORGANISE)
    entry = request.POST.get("entry", "")
    if entry.isdigit() and operation.checklist.filter(pk=int(entry)).exists():
        services.checklist_tick(
            actor=request.user,
            operation=operation,
            entry_id=int(entry),
            done=request.POST.get("done") == "1",
        )
    return redirect(operation.get_absolute_url() + "#checklist")


@require_http_methods(["GET", "POST"])
def incident_report(request, pk):
    operation = _operation(request, pk, OperationAction.REPORT_INCIDENT)
    form = IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.incident_report(
                actor=request.user, operation=operation, incident=form.save(commit=False)
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Incident recorded as a draft."))
            return redirect(operation.get_absolute_url() + "#incidents")
    return render(
        request,
        "returns/operation_action.html",
        {
            "item": operation,
            "operation": operation,
            "form": form,
            "heading": _("Report an incident"),
            "submit": _("Save the incident"),
            "lead": _("Facts only: no names of returnees or escorts."),
        },
    )


@require_POST
def incident_transition(request, pk, incident_pk):
    operation = _operation(request, pk, OperationAction.REPORT_INCIDENT)
    incident = operation.incidents.filter(pk=incident_pk).first()
    if incident is None:
        raise Http404
    # Another organisation's incident on an operation the user sees: visible, not theirs.
    if (
        not selectors.incidents_visible(operation=operation, user=request.user)
        .filter(
            pk=incident.pk,
        )
        .exists()
    ):
        raise PermissionDenied
    try:
        services.incident_transition(
            actor=request.user, incident=incident, status=request.POST.get("status", "")
        )
    except ValidationError as exc:
        _error(request, exc)
    return redirect(operation.get_absolute_url() + "#incidents")


def operation_calendar(request):
    """The operations the user may see, by month of departure."""
    return render(
        request,
        "returns/calendar.html",
        {
            "months": selectors.operations_by_month(user=request.user),
        },
    )
