"""The administration area: Commission administrators manage countries, organisations,
access groups and users; national administrators manage their own organisation's users.

Administrators manage access; exchanged items are deliberately absent from this site, so
managing the network never means reading its restricted content. Audit records are shown
read-only, and for exchanged content (an item and everything that belongs to it) they say
who, when, which item reference and which fields, never a value: the values of an item's
changes are read on the item's own history page, through the visibility filter.
"""

import re
from collections import defaultdict
from typing import Any, ClassVar

from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite

from .models import (
    AccessGroup,
    AccessLog,
    Country,
    DisclosureRequest,
    Organisation,
    User,
)
from .sharing.related import is_content_model, item_paths


def is_technical_admin(request) -> bool:
    """The technical superuser. Commission and national administrators work in the portal's own
    administration pages, whose services enforce separation of duties and record reasons."""
    return request.user.is_active and request.user.is_superuser


class ManageSite(OTPAdminSite):
    site_header = _("ICONet technical administration")
    site_title = _("ICONet technical administration")
    index_title = _("Reference data and audit records")

    def has_permission(self, request):
        # OTPAdminSite demands a verified second factor; only the technical superuser enters.
        return request.user.is_active and request.user.is_verified() and is_technical_admin(request)

    def get_urls(self):
        # The object redirect would tell whether an item exists: for content it answers 404.
        urls = super().get_urls()
        for pattern in urls:
            if getattr(pattern, "name", None) == "view_on_site":
                pattern.callback = self.admin_view(view_on_site)
        return urls


manage_site = ManageSite(name="manage")


# --- exchanged content, as the administration area refers to it -------------------------


def _item_of(row, path: tuple[str, ...]) -> Any:
    for name in path:
        row = getattr(row, name, None) if row is not None else None
    return row


def content_references(pairs) -> dict[tuple[int, str], str]:
    """{(content type id, object pk): reference} for rows of content models: the item's
    reference, and for a child row the item's reference and the kind of row. Never a title."""
    wanted: dict[int, set[str]] = defaultdict(set)
    for content_type_id, object_pk in pairs:
        if content_type_id is not None and object_pk not in (None, ""):
            wanted[content_type_id].add(str(object_pk))
    references: dict[tuple[int, str], str] = {}
    for content_type_id, pks in wanted.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None or not is_content_model(model):
            continue
        path = item_paths()[model]
        valid = [pk for pk in pks if pk.isdigit()]
        rows = model._default_manager.filter(pk__in=valid)
        if path and "item" not in path:
            rows = rows.select_related("__".join(path))
        found = {str(row.pk): row for row in rows}
        for pk in pks:
            row = found.get(pk)
            label = f"{model._meta.verbose_name} #{pk}"
            if row is None:
                references[(content_type_id, pk)] = f"{label} ({_('deleted')})"
                continue
            item = _item_of(row, path)
            if not path:
                references[(content_type_id, pk)] = item.reference
            elif model is DisclosureRequest:
                item_reference = getattr(item, "reference", "?")
                references[(content_type_id, pk)] = (
                    f"{getattr(row, 'reference', '?')} · {item_reference}"
                )
            else:
                references[(content_type_id, pk)] = f"{getattr(item, 'reference', '?')} · {label}"
    return references


def content_reference(content_type_id, object_pk) -> str | None:
    return content_references([(content_type_id, object_pk)]).get((content_type_id, str(object_pk)))


def content_matching_reference(term: str) -> dict[int, list[int]]:
    """{content type id: [pk, ...]} of the items whose reference is `term` and of everything
    that belongs to them: a search by reference, never by content."""
    term = term.strip()
    if not term or len(term) > 64:
        return {}
    numbers = {int(n) for n in re.findall(r"\d+", term) if len(n) < 18}
    items: dict[type, list[int]] = {}
    for model, path in item_paths().items():
        if path:
            continue
        lookup = models.Q(pk__in=numbers)
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField) and "reference" in field.name:
                lookup |= models.Q(**{f"{field.name}__iexact": term})
        rows = model._default_manager.filter(lookup)
        matched = [row.pk for row in rows if row.reference.lower() == term.lower()]
        if matched:
            items[model] = matched
    found: dict[int, list[int]] = {}
    for model, path in item_paths().items():
        if not path:
            pks = items.get(model, [])
        elif path == ("item",):
            rows = model._default_manager.filter(_generic_item_condition(items))
            pks = list(rows.values_list("pk", flat=True))
        elif "item" not in path and _path_target(model, path) in items:
            within = {"__".join(path) + "__in": items[_path_target(model, path)]}
            rows = model._default_manager.filter(**within)
            pks = list(rows.values_list("pk", flat=True))
        else:
            pks = []
        if pks:
            found[ContentType.objects.get_for_model(model).pk] = pks
    return found


def _path_target(model, path):
    for name in path:
        model = model._meta.get_field(name).related_model
    return model


def _generic_item_condition(items) -> models.Q:
    condition = models.Q(pk__in=[])
    for model, pks in items.items():
        content_type = ContentType.objects.get_for_model(model)
        condition |= models.Q(content_type=content_type, object_id__in=pks)
    return condition


def view_on_site(request, content_type_id, object_id):
    """The administration's object redirect, except for exchanged content: 404 whether or not
    the row exists, so that it never answers "this item exists"."""
    try:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
    except ContentType.DoesNotExist as exc:
        raise Http404 from exc
    if model is None or is_content_model(model):
        raise Http404
    return contenttype_views.shortcut(request, content_type_id, object_id)


class TechnicalOnly(admin.ModelAdmin):
    def get_object(self, request, object_id, from_field=None):
        # An empty `_to_field` in the query string means the primary key; Django would look
        # for a field named "" and answer 500.
        return super().get_object(request, object_id, from_field or None)

    def has_module_permission(self, request):
        return is_technical_admin(request)

    def has_view_permission(self, request, obj=None):
        return is_technical_admin(request)

    def has_add_permission(self, request):
        return is_technical_admin(request)

    def has_change_permission(self, request, obj=None):
        return is_technical_admin(request)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: the audit trail refers to them


class ViewOnly(TechnicalOnly):
    """Who has access is changed in the portal's administration pages only, where every
    change is checked (separation of duties), given a reason and told to those concerned."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Country, site=manage_site)
class CountryAdmin(TechnicalOnly):
    list_display = ["code", "name", "is_eu_member", "is_schengen_associated"]
    list_filter = ["is_eu_member", "is_schengen_associated"]
    search_fields = ["code", "name"]


@admin.register(Organisation, site=manage_site)
class OrganisationAdmin(ViewOnly):
    list_display = ["name", "short_name", "kind", "country", "is_active"]
    list_filter = ["kind", "is_active", "country"]
    search_fields = ["name", "short_name"]


@admin.register(AccessGroup, site=manage_site)
class AccessGroupAdmin(ViewOnly):
    list_display = ["name", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    exclude = ["organisations", "members"]


@admin.register(User, site=manage_site)
class UserAdmin(ViewOnly):
    # No password field at all: nobody reads or sets a password here (invitations do).
    fields: ClassVar[tuple[str, ...]] = (
        "username",
        "first_name",
        "last_name",
        "email",
        "job_title",
        "phone",
        "organisation",
        "role",
        "areas",
        "ncp_areas",
        "host_country",
        "is_active",
        "last_login",
        "date_joined",
    )
    list_display = ["username", "first_name", "last_name", "organisation", "role", "is_active"]
    list_filter = ["role", "is_active", "organisation__country"]
    search_fields = ["username", "first_name", "last_name", "email"]
    list_select_related = ["organisation"]


class ReadOnlyAudit(TechnicalOnly):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ContentReferences:
    """Shows the item a log row is about by its reference only, and searches by reference and
    actor only: never by, nor with, a value of exchanged content."""

    reference_fields: tuple[str, str] = ("content_type_id", "object_id")
    actor_search: tuple[str, ...] = ()

    def get_changelist(self, request, **kwargs):
        from django.contrib.admin.views.main import ChangeList

        type_field, pk_field = self.reference_fields

        class ReferencedChangeList(ChangeList):
            def get_results(self, request):
                super().get_results(request)
                # One look-up per content type for the whole page, kept on the rows.
                rows = list(self.result_list)
                keys = [(getattr(r, type_field), getattr(r, pk_field)) for r in rows]
                references = content_references(keys)
                for row in rows:
                    key = (getattr(row, type_field), str(getattr(row, pk_field)))
                    row._iconet_reference = references.get(key)
                self.result_list = rows

        return ReferencedChangeList

    def reference_of(self, row) -> str | None:
        """The row's item reference if it is about exchanged content, else None."""
        if hasattr(row, "_iconet_reference"):
            return row._iconet_reference
        type_field, pk_field = self.reference_fields
        content_type_id, object_pk = getattr(row, type_field), getattr(row, pk_field)
        if content_type_id is None or object_pk in (None, ""):
            return None
        return content_reference(content_type_id, object_pk)

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        type_field, pk_field = self.reference_fields
        condition = models.Q(pk__in=[])
        for term in search_term.split():
            for name in self.actor_search:
                condition |= models.Q(**{f"{name}__icontains": term})
            for content_type_id, pks in content_matching_reference(term).items():
                values = [str(pk) for pk in pks] if pk_field == "object_pk" else pks
                condition |= models.Q(**{type_field: content_type_id, f"{pk_field}__in": values})
        return queryset.filter(condition), False


@admin.register(AccessLog, site=manage_site)
class AccessLogAdmin(ContentReferences, ReadOnlyAudit):
    list_display = [
        "created_at",
        "event",
        "username",
        "organisation",
        "item",
        "marking",
        "remote_addr",
    ]
    list_filter = ["event", "marking"]
    search_fields = ["username"]  # see get_search_results: user name given, or item reference
    actor_search = ("username",)
    date_hierarchy = "created_at"
    fields: ClassVar[tuple[str, ...]] = (
        "created_at",
        "event",
        "username",
        "actor",
        "organisation",
        "owner",
        "content_type",
        "item",
        "marking",
        "event_detail",
        "remote_addr",
        "user_agent",
    )
    readonly_fields = fields

    @admin.display(description=_("item"))
    def item(self, entry):
        if entry.content_type_id is None:
            return "—"
        return self.reference_of(entry) or f"{entry.content_type} #{entry.object_id}"

    @admin.display(description=_("detail"))
    def event_detail(self, entry):
        # About an item, the detail may name a file or a third party: that is content.
        return "—" if entry.content_type_id else entry.detail


@admin.register(LogEntry, site=manage_site)
class ChangeLogAdmin(ContentReferences, ReadOnlyAudit):
    list_display = [
        "timestamp",
        "action",
        "content_type",
        "record",
        "fields_changed",
        "actor",
        "actor_organisation",
        "remote_addr",
    ]
    list_filter = ["action", "content_type"]
    search_fields = ["actor__username"]  # see get_search_results: actor, or item reference
    actor_search = ("actor__username", "actor_email")
    reference_fields = ("content_type_id", "object_pk")
    date_hierarchy = "timestamp"
    list_select_related = ["actor__organisation", "content_type"]
    fields: ClassVar[tuple[str, ...]] = (
        "timestamp",
        "action",
        "content_type",
        "record",
        "actor",
        "actor_organisation",
        "remote_addr",
        "fields_changed",
        "values",
    )
    readonly_fields = fields

    def get_object(self, request, object_id, from_field=None):
        # The page's title, breadcrumbs and history name the entry by its str(), which
        # auditlog builds from the recorded object_repr (an alert's headline): the reference
        # takes its place in memory (the row itself cannot be changed).
        entry = super().get_object(request, object_id, from_field)
        reference = self.reference_of(entry) if entry is not None else None
        if reference:
            entry.object_repr = reference
        return entry

    @admin.display(description=_("organisation"))
    def actor_organisation(self, entry):
        # Users are deactivated, never deleted or moved silently: the actor's organisation is
        # the one recorded on their account, itself audited.
        return getattr(entry.actor, "organisation", None) or "—"

    @admin.display(description=_("record"))
    def record(self, entry):
        return self.reference_of(entry) or entry.object_repr

    @admin.display(description=_("fields changed"))
    def fields_changed(self, entry):
        model = entry.content_type.model_class() if entry.content_type_id else None
        names = []
        for name in entry.changes_dict or {}:
            try:
                names.append(str(model._meta.get_field(name).verbose_name))
            except Exception:  # noqa: BLE001 - a field since removed keeps its recorded name
                names.append(name)
        return ", ".join(names) or "—"

    @admin.display(description=_("values"))
    def values(self, entry):
        model = entry.content_type.model_class() if entry.content_type_id else None
        if model is None or is_content_model(model):
            return _("Exchanged content: read its values on the item's own history page.")
        lines = []
        for name, change in (entry.changes_dict or {}).items():
            if isinstance(change, dict):  # many-to-many: {"operation": ..., "objects": [...]}
                objects = ", ".join(map(str, change.get("objects", [])))
                lines.append(f"{name}: {change.get('operation', '')} {objects}")
            else:
                lines.append(f"{name}: {change[0]} → {change[1]}")
        return "; ".join(lines) or "—"
