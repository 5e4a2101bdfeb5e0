"""Pages of the alerts area; rows come from `Alert.objects.visible_to(user)` only."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from iconet.middleware import is_same_site_navigation
from iconet.models import Action
from iconet.outbox.views import item_recipients
from iconet.sharing.access import can, get_item_for_action
from iconet.sharing.services import item_create, item_publish, item_update
from iconet.sharing.views.items import ItemCreateView, ItemDetailView, ItemListView, ItemUpdateView
from iconet.sharing.views.sharing import publish_page
from iconet.sharing.views.steps import workflow_step

from . import services
from .forms import AlertFilterForm, AlertForm, NationalityFormSet
from .models import Alert
from .selectors import alerts_listed


def _alert(request, pk: int, action: Action = Action.READ) -> Alert:
    return get_item_for_action(Alert, request.user, pk, action)


class AlertListView(ItemListView):
    model = Alert
    filter_form_class = AlertFilterForm
    template_name = "alerts/alert_list.html"
    context_object_name = "alerts"
    export_fields = ("alert_type", "urgency", "origin_country")

    def get_queryset(self):
        return alerts_listed(super().get_queryset(), self.request.user)


class NationalitiesMixin:
    """The alert form together with its nationality table, saved in one transaction."""

    model = Alert
    form_class: type[AlertForm] | None = AlertForm
    template_name: str | None = "alerts/alert_form.html"

    def get_formset(self):
        instance = self.object if getattr(self, "object", None) else Alert()
        return NationalityFormSet(
            self.request.POST if self.request.method == "POST" else None,
            instance=instance,
            prefix="nationalities",
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("formset", self.get_formset())
        # The nationality rows are shown in the form's persons section, which counts their errors.
        context["form"].formset = context["formset"]
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object() if self.editing else None
        form = self.get_form()
        formset = self.get_formset()
        if not (form.is_valid() and formset.is_valid()):
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        try:
            with transaction.atomic():
                alert = form.save(commit=False)
                self.object = self.save_alert(alert)
                form.save_m2m()
                formset.instance = self.object
                formset.save()
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        messages.success(request, self.success_message % {"ref": self.object.reference})
        return HttpResponseRedirect(self.object.get_absolute_url())


class AlertCreateView(NationalitiesMixin, ItemCreateView):
    editing = False
    success_message = gettext_lazy(
        "Draft %(ref)s saved. Check it, then publish it to notify the Member States concerned."
    )

    def save_alert(self, alert):
        return item_create(actor=self.request.user, item=alert)


class AlertUpdateView(NationalitiesMixin, ItemUpdateView):
    editing = True
    success_message = gettext_lazy("Changes to %(ref)s saved.")

    def save_alert(self, alert):
        return item_update(actor=self.request.user, item=alert)


class AlertDetailView(ItemDetailView):
    model = Alert
    template_name = "alerts/alert_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("owner__country", "author", "reporting_contact")
            .prefetch_related(
                "destination_states",
                "nationalities",
                "attachments",
            )
        )

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        # A page another site makes the browser load is not a reading by the recipient.
        if is_same_site_navigation(request):
            services.alert_mark_read(actor=request.user, alert=self.object)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        alert, user = self.object, self.request.user
        receipt = alert.recipients.filter(user=user).first()
        context.update(
            {
                "receipt": receipt,
                "may_acknowledge": receipt is not None and alert.allows(user, Action.ACKNOWLEDGE),
                "ask_acknowledge": "acknowledge" in self.request.GET,
                "related": alert.related_visible_to(user).select_related("owner"),
                "linked_from": alert.linked_from_visible_to(user).select_related("owner"),
                "is_owner": alert.is_owner_member(user),
                "publish_url": reverse("alerts:publish", args=[alert.pk]),
            }
        )
        return context


@require_http_methods(["GET", "POST"])
def alert_publish(request, pk):
    """The core's publish page, saying how many recipients the publication told."""
    alert = _alert(request, pk, Action.PUBLISH)
    if alert.state not in ("draft", "published"):
        raise PermissionDenied

    def publish(**choice) -> str:
        told = item_publish(actor=request.user, item=alert, **choice)
        return ngettext(
            "%(ref)s is published; %(count)s recipient notified.",
            "%(ref)s is published; %(count)s recipients notified.",
            len(told),
        ) % {"ref": alert.reference, "count": len(told)}

    return publish_page(
        request,
        alert,
        publish=publish,
        template="alerts/alert_publish.html",
        context={"alert": alert},
    )


@require_POST
def alert_acknowledge(request, pk):
    alert = _alert(request, pk, Action.ACKNOWLEDGE)
    return workflow_step(
        request,
        lambda: services.alert_acknowledge(actor=request.user, alert=alert),
        _("You acknowledged %(ref)s.") % {"ref": alert.reference},
        alert.get_absolute_url(),
    )


@require_POST
def alerts_acknowledge(request):
    """Acknowledge the alerts ticked on the list at once; those the user may not read are
    not found, and those he is no recipient of are left as they are."""
    pks = [pk for pk in request.POST.getlist("alert") if pk.isdigit()][:200]
    done = []
    for alert in Alert.objects.visible_to(request.user).filter(pk__in=pks).order_by("pk"):
        if can(request.user, Action.ACKNOWLEDGE, alert):
            services.alert_acknowledge(actor=request.user, alert=alert)
            done.append(alert.reference)
    if done:
        messages.success(
            request,
            ngettext(
                "You acknowledged %(refs)s.",
                "You acknowledged %(count)s alerts: %(refs)s.",
                len(done),
            )
            % {"count": len(done), "refs": ", ".join(done)},
        )
    else:
        messages.error(request, _("Tick the alerts to acknowledge."))
    return redirect(reverse("alerts:list") + "?" + request.POST.get("query", "")[:2000])


def alert_deliveries(request, pk):
    """The alert's delivery table at the address alerts always had: the core's page."""
    return item_recipients(request, Alert.type_slug(), pk)
