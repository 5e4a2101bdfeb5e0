"""The pages where an organisation's national administrator manages its API clients."""

from datetime import datetime, time

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ..models import AccessChangeRequest, Area
from .models import ApiAction, ApiClient, WebhookEndpoint
from .services import (
    api_client_create,
    api_client_manageable,
    api_client_revoke,
    api_client_rotate,
)


class ApiClientForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    areas = forms.MultipleChoiceField(
        label=gettext_lazy("Areas it reads"),
        choices=Area.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    actions = forms.MultipleChoiceField(
        label=gettext_lazy("What it may do"),
        choices=ApiAction.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[ApiAction.READ],
    )
    expires_on = forms.DateField(
        label=gettext_lazy("Expires on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("The key stops working at the start of this day."),
    )
    allowed_networks = forms.CharField(
        label=gettext_lazy("Allowed networks"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One network a line (CIDR, e.g. 192.0.2.0/24); empty: any."),
    )


def _own_client(request, pk: int) -> ApiClient:
    client = get_object_or_404(ApiClient, pk=pk, organisation_id=request.user.organisation_id)
    if not api_client_manageable(request.user, client.organisation_id):
        raise PermissionDenied
    return client


def _manager(request) -> None:
    if not api_client_manageable(request.user, request.user.organisation_id):
        raise PermissionDenied


def api_clients(request):
    _manager(request)
    clients = list(
        ApiClient.objects.filter(organisation_id=request.user.organisation_id).prefetch_related(
            "webhooks"
        )
    )
    endpoints = [endpoint for client in clients for endpoint in client.webhooks.all()]
    decided = dict(
        AccessChangeRequest.objects.filter(
            kind=AccessChangeRequest.Kind.WEBHOOK_ENDPOINT,
            payload__endpoint__in=[endpoint.pk for endpoint in endpoints],
        )
        .order_by("requested_at")
        .values_list("payload__endpoint", "status")
    )
    for endpoint in endpoints:
        if endpoint.is_active:
            endpoint.state_shown = _("Active")
        elif endpoint.turned_off_at:
            endpoint.state_shown = _("Turned off")
        elif decided.get(endpoint.pk) == AccessChangeRequest.Status.REFUSED:
            endpoint.state_shown = _("Refused")
        else:
            endpoint.state_shown = _("Waiting for approval")
        # Active, or waiting: turned off, no approval can turn it on.
        endpoint.may_turn_off = endpoint.turned_off_at is None and (
            endpoint.is_active or decided.get(endpoint.pk) != AccessChangeRequest.Status.REFUSED
        )
    return render(request, "api/clients.html", {"clients": clients})


def _key_shown(request, client: ApiClient, key: str):
    return render(request, "api/key_shown.html", {"client": client, "key": key})


@require_http_methods(["GET", "POST"])
def api_client_new(request):
    _manager(request)
    form = ApiClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        expires_at = timezone.make_aware(datetime.combine(data["expires_on"], time.min))
        try:
            client, key = api_client_create(
                actor=request.user,
                organisation_id=request.user.organisation_id,
                name=data["name"],
                areas=data["areas"],
                actions=data["actions"],
                expires_at=expires_at,
                allowed_networks=data["allowed_networks"].split(),
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                target = "expires_on" if field == "expires_at" else field
                for message in errors:
                    form.add_error(target if target in form.fields else None, message)
        else:
            return _key_shown(request, client, key)
    return render(request, "api/client_form.html", {"form": form})


@require_POST
def api_client_rotate_page(request, pk: int):
    client = _own_client(request, pk)
    return _key_shown(request, client, api_client_rotate(actor=request.user, client=client))


@require_POST
def api_client_revoke_page(request, pk: int):
    client = _own_client(request, pk)
    api_client_revoke(actor=request.user, client=client)
    messages.success(request, _("%(name)s is revoked: its key no longer works.") % {"name": client})
    return redirect("api_clients")


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(
        label=gettext_lazy("Address"),
        max_length=500,
        assume_scheme="https",
        help_text=gettext_lazy("The address of your system that receives the events (HTTPS)."),
    )
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events sent to it"),
        choices=WebhookEndpoint.Event.choices,
        widget=forms.CheckboxSelectMultiple,
    )


@require_POST
def webhook_endpoint_turn_off_page(request, pk: int):
    from .webhooks import webhook_endpoint_turn_off

    _manager(request)
    endpoint = (
        WebhookEndpoint.objects.filter(client__organisation_id=request.user.organisation_id)
        .select_related("client")
        .filter(pk=pk)
        .first()
    )
    if endpoint is None:
        raise Http404
    webhook_endpoint_turn_off(actor=request.user, endpoint=endpoint)
    messages.success(request, _("No event leaves for %(url)s any more.") % {"url": endpoint.url})
    return redirect("api_clients")


@require_http_methods(["GET", "POST"])
def webhook_endpoint_new(request, pk: int):
    """Register an address of a client's system for events; a second administrator approves
    it before any event leaves for it. Its signing secret is shown once."""
    from .webhooks import webhook_endpoint_create

    client = _own_client(request, pk)
    if client.is_revoked:
        raise PermissionDenied
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = webhook_endpoint_create(
                actor=request.user,
                client=client,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            return render(
                request,
                "api/webhook_secret_shown.html",
                {"client": client, "endpoint": endpoint, "secret": secret},
            )
    return render(request, "api/webhook_form.html", {"form": form, "client": client})
