"""The controlled vocabularies in Django's admin: terms are added, relabelled or retired
(never deleted: notes refer to them)."""

from django.contrib import admin

from iconet.admin import TechnicalOnly, manage_site

from .models import Term, Vocabulary


class TermInline(admin.TabularInline):
    model = Term
    fields = ["code", "name", "name_fr", "order", "is_active"]
    extra = 1
    can_delete = False


@admin.register(Vocabulary, site=manage_site)
class VocabularyAdmin(TechnicalOnly):
    list_display = ["code", "name", "name_fr"]
    inlines = [TermInline]


@admin.register(Term, site=manage_site)
class TermAdmin(TechnicalOnly):
    list_display = ["vocabulary", "code", "name", "name_fr", "order", "is_active"]
    list_filter = ["vocabulary", "is_active"]
    search_fields = ["code", "name", "name_fr"]
