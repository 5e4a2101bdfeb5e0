"""The administration area: Commission administrators manage countries, organisations,
access groups and users; national administrators manage their own organisation's users.

Administrators manage access; exchanged items are deliberately absent from this site, so
managing the network never means reading its restricted content. Audit records are shown
read-only.
"""

from auditlog.models import LogEntry
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite

from .models import AccessGroup, AccessLog, Country, Organisation, Role, User


def is_commission_admin(request) -> bool:
    return request.user.is_active and request.user.is_commission_admin


def is_national_admin(request) -> bool:
    return request.user.is_active and request.user.is_national_admin and request.user.organisation_id is not None


class ManageSite(OTPAdminSite):
    site_header = _("ICONet administration")
    site_title = _("ICONet administration")
    index_title = _("Organisations, users and access groups")

    def has_permission(self, request):
        # OTPAdminSite demands a verified second factor; the role decides the rest.
        return (
            request.user.is_active and request.user.is_verified()
            and (is_commission_admin(request) or is_national_admin(request))
        )


manage_site = ManageSite(name="manage")


class CommissionOnly(admin.ModelAdmin):
    def has_module_permission(self, request):
        return is_commission_admin(request)

    def has_view_permission(self, request, obj=None):
        return is_commission_admin(request)

    def has_add_permission(self, request):
        return is_commission_admin(request)

    def has_change_permission(self, request, obj=None):
        return is_commission_admin(request)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: the audit trail refers to them


@admin.register(Country, site=manage_site)
class CountryAdmin(CommissionOnly):
    list_display = ["code", "name", "is_eu_member", "is_schengen_associated"]
    list_filter = ["is_eu_member", "is_schengen_associated"]
    search_fields = ["code", "name"]


@admin.register(Organisation, site=manage_site)
class OrganisationAdmin(CommissionOnly):
    list_display = ["name", "short_name", "kind", "country", "is_active"]
    list_filter = ["kind", "is_active", "country"]
    search_fields = ["name", "short_name"]


@admin.register(AccessGroup, site=manage_site)
class AccessGroupAdmin(CommissionOnly):
    list_display = ["name", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    filter_horizontal = ["organisations", "members"]


class UserForm(forms.ModelForm):
    areas = forms.MultipleChoiceField(
        label=_("Areas of competence"), choices=User._meta.get_field("areas").base_field.choices,
        widget=forms.CheckboxSelectMultiple, required=False,
    )
    ncp_areas = forms.MultipleChoiceField(
        label=_("National contact point for"), choices=User._meta.get_field("ncp_areas").base_field.choices,
        widget=forms.CheckboxSelectMultiple, required=False,
    )

    class Meta:
        model = User
        fields = "__all__"

    def clean(self):
        data = super().clean()
        missing = set(data.get("ncp_areas") or []) - set(data.get("areas") or [])
        if missing:
            self.add_error("ncp_areas", _("A contact point must also have the area."))
        return data


@admin.register(User, site=manage_site)
class UserAdmin(DjangoUserAdmin):
    form = UserForm
    list_display = ["username", "first_name", "last_name", "organisation", "role", "is_active"]
    list_filter = ["role", "is_active", "organisation__country"]
    search_fields = ["username", "first_name", "last_name", "email"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "email", "job_title", "phone"]}),
        (_("Network"), {"fields": ["organisation", "role", "areas", "ncp_areas", "host_country", "is_active"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "password1", "password2"]}),
        (_("Network"), {"fields": ["first_name", "last_name", "email", "organisation", "role", "areas", "ncp_areas", "host_country"]}),
    ]

    actions = ["second_factor_reset"]

    @admin.action(description=_("Reset the second factor (the user enrols again at next sign-in)"))
    def second_factor_reset(self, request, queryset):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from .models import BackupCodeDevice
        from .services.audit import access_log_write

        # get_queryset has already limited the rows to the users this administrator manages.
        for user in queryset:
            TOTPDevice.objects.filter(user=user).delete()
            BackupCodeDevice.objects.filter(user=user).delete()
            access_log_write(event=AccessLog.Event.OTP_RESET, request=request, detail=f"for {user.get_username()}")
        self.message_user(request, _("Second factor reset for %(n)s user(s).") % {"n": queryset.count()})

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("organisation")
        if is_commission_admin(request):
            return queryset
        if is_national_admin(request):
            return queryset.filter(organisation_id=request.user.organisation_id)
        return queryset.none()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organisation" and not is_commission_admin(request):
            kwargs["queryset"] = Organisation.objects.filter(pk=request.user.organisation_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not is_commission_admin(request):
            kwargs["choices"] = [(v, label) for v, label in Role.choices if v not in (Role.COMMISSION_ADMIN, Role.AGENCY_USER)]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def _manages(self, request, obj=None) -> bool:
        if is_commission_admin(request):
            return True
        return is_national_admin(request) and (obj is None or obj.organisation_id == request.user.organisation_id)

    def has_module_permission(self, request):
        return self._manages(request)

    def has_view_permission(self, request, obj=None):
        return self._manages(request, obj)

    def has_add_permission(self, request):
        return self._manages(request)

    def has_change_permission(self, request, obj=None):
        return self._manages(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAudit(CommissionOnly):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLog, site=manage_site)
class AccessLogAdmin(ReadOnlyAudit):
    list_display = ["created_at", "event", "username", "organisation", "object_repr", "marking", "remote_addr"]
    list_filter = ["event", "marking"]
    search_fields = ["username", "object_repr"]
    date_hierarchy = "created_at"


@admin.register(LogEntry, site=manage_site)
class ChangeLogAdmin(ReadOnlyAudit):
    list_display = ["timestamp", "action", "content_type", "object_repr", "actor", "actor_organisation", "remote_addr"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr"]
    date_hierarchy = "timestamp"
    list_select_related = ["actor__organisation", "content_type"]

    @admin.display(description=_("organisation"))
    def actor_organisation(self, entry):
        # Users are deactivated, never deleted or moved silently: the actor's organisation is
        # the one recorded on their account, itself audited.
        return getattr(entry.actor, "organisation", None) or "—"
