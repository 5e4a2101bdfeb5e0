"""Requests for a change of access: the register per organisation, one request with its
decision, re-activation of an account, and the link that confirms a new e-mail address.
Thin views over iconet.directory.services.access_changes."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ...middleware import secret_path_masked
from ...models import AccessChangeRequest, Organisation
from .. import forms as forms_admin
from ..services import access_changes, directory
from .administration import (
    _crumbs,
    administrators_only,
    errors_to_form,
    form_page,
)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("approve", gettext_lazy("Approve: the change takes effect now")),
            ("refuse", gettext_lazy("Refuse")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Needed to refuse; the requester and the people concerned read it."),
    )


def access_change_list(request):
    """The register of access changes: requested, approved or refused, by whom, why, when."""
    if not access_changes.may_read_register(request.user):
        raise PermissionDenied
    rows = access_changes.requests_readable_by(request.user)
    organisations = Organisation.objects.filter(
        pk__in=rows.values("organisation_id")
    ).select_related("country")
    chosen = request.GET.get("organisation", "")
    if chosen.isdigit():
        rows = rows.filter(organisation_id=int(chosen))
    status = request.GET.get("status", "")
    if status in AccessChangeRequest.Status.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "administration/access_change_list.html",
        {
            "page_obj": page,
            "changes": page.object_list,
            "organisations": organisations,
            "organisation": chosen,
            "statuses": AccessChangeRequest.Status.choices,
            "status": status,
        },
    )


@require_http_methods(["GET", "POST"])
def access_change_detail(request, pk):
    change = get_object_or_404(access_changes.requests_readable_by(request.user), pk=pk)
    may_decide = change.status == AccessChangeRequest.Status.PENDING and access_changes.may_approve(
        request.user, change
    )
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        if not may_decide:
            raise PermissionDenied
        if form.is_valid():
            try:
                access_changes.access_change_decide(
                    actor=request.user,
                    request=change,
                    approve=form.cleaned_data["decision"] == "approve",
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                errors_to_form(form, error)
            else:
                messages.success(
                    request, _("The decision is recorded; the people concerned are told.")
                )
                return redirect("administration:access_change", change.pk)
    return render(
        request,
        "administration/access_change_detail.html",
        {
            "change": change,
            "description": access_changes.describe(change),
            "form": form if may_decide else None,
            "is_requester": change.requested_by_id == request.user.pk,
            "approver_rule": access_changes.APPROVER_RULES[
                access_changes.ACCESS_CHANGE_KINDS[change.kind].approvers
            ],
        },
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def user_reactivate(request, pk):
    user = get_object_or_404(directory.users_manageable_by(request.user), pk=pk)
    form = forms_admin.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            change = access_changes.reactivation_request(
                actor=request.user, user=user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(
                request,
                _(
                    "The request is recorded. It takes effect once a second administrator "
                    "approves it; the people concerned are told."
                ),
            )
            return redirect("administration:access_change", change.pk)
    return form_page(
        request,
        form,
        title=_("Re-activate the account of %(user)s") % {"user": user},
        submit=_("Ask for the re-activation"),
        cancel=reverse("administration:user", args=[user.pk]),
        breadcrumbs=_crumbs(
            (_("Users"), reverse("administration:users")),
            (str(user), reverse("administration:user", args=[user.pk])),
        ),
    )


@require_http_methods(["GET", "POST"])
def email_confirm(request, token):
    """The link sent to a new address: opening it and confirming makes the change."""
    secret_path_masked(request)
    change = access_changes.email_request_for_token(token)
    if change is None:
        return render(request, "administration/email_confirm.html", {"invalid": True})
    if request.method == "POST":
        try:
            access_changes.email_confirm(token=token)
        except ValidationError as error:
            return render(
                request,
                "administration/email_confirm.html",
                {"invalid": True, "error": " ".join(error.messages)},
            )
        return render(request, "administration/email_confirm.html", {"done": True})
    return render(request, "administration/email_confirm.html", {"change": change})
