"""Generic views of shared items, used by every area app and by the core's sharing pages.

Each reads its rows through `visible_to` (out of scope is 404) and checks actions with the
item's policy (visible but not allowed is 403).
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.generic import CreateView, DetailView, ListView, UpdateView

from ...audit.services import item_read_record
from ...exports.sources import export_offer
from ...forms import quick_selects
from ...middleware import is_same_site_navigation
from ...models import Action, DisclosureRequest
from ...outbox.services.notify import notifications_read_for
from .. import services as sharing_services

# The query parameter of a list that shows archived items too.
ARCHIVED_PARAMETER = "archived"


class ItemQuerysetMixin:
    """The only source of rows for item views: the visibility filter."""

    model: Any = None  # the item's model, set by each view

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user)


def item_actions(user, item) -> dict[str, bool]:
    """What the page may offer; the item is already known to be visible."""
    return {
        action.value: item.allows(user, action)
        for action in (
            Action.CHANGE,
            Action.PUBLISH,
            Action.WITHDRAW,
            Action.DECIDE_DISCLOSURE,
            Action.REQUEST_DISCLOSURE,
            Action.DOWNLOAD,
        )
    }


class KeysFirstPaginator(Paginator):
    """Pages of a list read in two steps: the keys of the page's rows in the list's order (a
    narrow query that skips the rows before it cheaply), then those rows with every column and
    annotation the page shows. A far page then costs about what the first does, instead of
    computing the annotations of every row it skips."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        queryset = self.object_list
        keys = list(queryset.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in queryset.filter(pk__in=keys)} if keys else {}
        return self._get_page([rows[key] for key in keys if key in rows], number, self)


class ItemListView(ItemQuerysetMixin, ListView):
    """A list of items with its filter form. A list registered as an item type's `list_url`
    is exportable (iconet.exports): `export_fields` names the columns it shows beyond the
    shared ones (reference, title, state, marking, owner, dates)."""

    paginate_by = 25
    paginator_class = KeysFirstPaginator
    filter_form_class: Any = None
    export_fields: tuple[str, ...] = ()

    def get_filter_form(self):
        if self.filter_form_class is None:
            return None
        if not hasattr(self, "_filter_form"):
            self._filter_form = quick_selects(
                self.filter_form_class(self.request.GET or None, user=self.request.user)
            )
        return self._filter_form

    def shows_archived(self) -> bool:
        """Archived items (read-only, iconet.retention.services) are listed only when asked for."""
        return self.request.GET.get(ARCHIVED_PARAMETER) == "1"

    def get_queryset(self):
        queryset = super().get_queryset()
        if not self.shows_archived():
            queryset = queryset.without_archived()
        form = self.get_filter_form()
        if form is not None and form.is_valid():
            queryset = form.filter(queryset)
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.get_filter_form()
        params = self.request.GET.copy()
        params.pop("page", None)
        if self.shows_archived():
            params.pop(ARCHIVED_PARAMETER, None)
        else:
            params[ARCHIVED_PARAMETER] = "1"
        context["archived_toggle"] = {
            "shown": self.shows_archived(),
            "url": f"?{params.urlencode()}" if params else self.request.path,
        }
        match = self.request.resolver_match
        context["export"] = export_offer(self.request, match.view_name) if match else None
        return context


class ItemDetailView(ItemQuerysetMixin, DetailView):
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        item_read_record(request=request, item=self.object)
        # Opened from the portal or a mail link: what told the user of it is read. A page that
        # another site makes the browser load is not.
        if is_same_site_navigation(request):
            notifications_read_for(user=request.user, item=self.object)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item = self.object
        user = self.request.user
        context["item"] = item
        context["actions"] = item_actions(user, item)
        if item.is_owner_member(user):
            context["grants"] = sharing_services.grants_explained(item)
            context["disclosures"] = DisclosureRequest.objects.filter(
                content_type__app_label=item._meta.app_label,
                content_type__model=item._meta.model_name,
                object_id=item.pk,
            ).select_related("requested_by", "requester_organisation")
        return context


class ItemCreateView(CreateView):
    """A new draft, owned by the author's organisation."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_area(self.model.area) or not request.user.organisation_id:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        try:
            self.object = self.save_item(form)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Draft %(ref)s saved.") % {"ref": self.object.reference})
        return HttpResponseRedirect(self.get_success_url())

    def save_item(self, form):
        item = sharing_services.item_create(actor=self.request.user, item=form.save(commit=False))
        form.save_m2m()
        return item


class ItemUpdateView(ItemQuerysetMixin, UpdateView):
    def get_object(self, queryset=None):
        item = super().get_object(queryset)
        if not item.allows(self.request.user, Action.CHANGE):
            raise PermissionDenied
        return item

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        try:
            self.object = sharing_services.item_update(
                actor=self.request.user, item=form.save(commit=False)
            )
            form.save_m2m()
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, _("Changes to %(ref)s saved.") % {"ref": self.object.reference}
        )
        return HttpResponseRedirect(self.get_success_url())
