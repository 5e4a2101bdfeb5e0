"""Networks, chairs and the report template in the administration area (the technical superuser;
see iconet.admin).

Reports themselves are absent: managing the network never means reading its content.
Postings are recorded on the area's own pages, where national administrators manage theirs.
"""

from django.contrib import admin

from iconet.admin import TechnicalOnly, manage_site

from .models import Network, NetworkChair, TemplateQuestion, TemplateSection, TemplateVersion
from .services import network_members_sync


class NetworkChairInline(admin.TabularInline):
    model = NetworkChair
    extra = 1

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Network, site=manage_site)
class NetworkAdmin(TechnicalOnly):
    list_display = ["name", "host_country", "is_active"]
    inlines = [NetworkChairInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        network_members_sync(form.instance)


class TemplateSectionInline(admin.TabularInline):
    model = TemplateSection
    extra = 0
    show_change_link = True
    has_add_permission = NetworkChairInline.has_add_permission
    has_change_permission = NetworkChairInline.has_change_permission
    has_view_permission = NetworkChairInline.has_view_permission
    has_delete_permission = NetworkChairInline.has_delete_permission


class TemplateQuestionInline(TemplateSectionInline):
    model = TemplateQuestion


@admin.register(TemplateVersion, site=manage_site)
class TemplateVersionAdmin(TechnicalOnly):
    list_display = ["number", "title", "active"]
    inlines = [TemplateSectionInline]


@admin.register(TemplateSection, site=manage_site)
class TemplateSectionAdmin(TechnicalOnly):
    list_display = ["version", "part", "order", "heading", "source"]
    list_filter = ["version", "source"]
    inlines = [TemplateQuestionInline]
