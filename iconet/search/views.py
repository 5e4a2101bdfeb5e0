"""The search page: full-text search across every area the user has (iconet.search.services)."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..exports.sources import export_offer
from ..models import SavedSearch
from .forms import SavedSearchForm, SearchFilterForm, SearchForm
from .saved_searches import KEPT_FILTERS, SavedSearchRefused, saved_search_update
from .saved_searches import saved_search_create as saved_search_make
from .services import (
    PAGE_SIZE,
    RankedMatches,
    SearchFilters,
    ranked_matches,
    search,
    searchable_types,
)

# Deeper pages than this are not offered: narrow the search instead.
MAX_PAGE = 500


def _areas_of(user) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for config, _item_type in searchable_types():
        if user.has_area(config.code):
            seen.setdefault(config.code, str(config.label))
    return list(seen.items())


def search_filters(data, areas) -> tuple[SearchForm, SearchFilters | None]:
    """The search form for the query `data`, and what it asks for (None until it holds valid
    words and filters)."""
    form = SearchForm(data or None, areas=areas)
    if not (form.is_bound and form.is_valid() and form.cleaned_data["q"].strip()):
        return form, None
    cleaned = form.cleaned_data
    return form, SearchFilters(
        text=cleaned["q"].strip(),
        area=cleaned["area"],
        type_slug=cleaned["type"],
        country=cleaned["country"],
        marking=cleaned["marking"],
        date_from=cleaned["date_from"],
        date_to=cleaned["date_to"],
        year=cleaned["year"],
        archived=cleaned["archived"],
    )


def search_export_rows(user, params) -> RankedMatches | list:
    """The rows of an export of the search (the export source "search", iconet.apps): every
    match the user may read, in the order of the pages."""
    _form, filters = search_filters(params, _areas_of(user))
    return ranked_matches(user, filters) if filters is not None else []


def search_page(request):
    return _search_response(request)


def _search_response(request, *, data=None, save_form=None, status=200):
    """The search page for the words and filters of the query string. A save that was refused
    comes back here with its form, so the results stay on the page beside its errors."""
    user = request.user
    areas = _areas_of(user)
    data = data if data is not None else request.GET
    form, filters = search_filters(data, areas)
    results = None
    page_obj = None
    if filters is not None:
        try:
            wanted = min(max(1, int(request.GET.get("page", 1))), MAX_PAGE)
        except ValueError:
            wanted = 1
        results = search(user, filters, page=wanted)
        page_obj = Paginator(range(results.total), PAGE_SIZE).get_page(wanted)
        if results.total and page_obj.number != wanted:
            results = search(user, filters, page=page_obj.number)
    area_labels = dict(areas)
    query = data.get("q", "")
    return render(
        request,
        "search.html",
        {
            "form": form,
            # The filters wait after the results; clearing them keeps the words searched.
            "filter_form": SearchFilterForm(data or None, areas=areas, auto_id="filter_%s"),
            "clear_url": f"?{urlencode({'q': query})}" if query else "",
            "results": results,
            "page_obj": page_obj,
            "filters": filters,
            "area_labels": area_labels,
            "save_form": (save_form or SavedSearchForm()) if results is not None else save_form,
            "export": (
                export_offer(request, "search")
                if results and results.total and request.GET
                else None
            ),
        },
        status=status,
    )


@require_POST
def saved_search_create(request):
    """Save the search of the page (its words and filters come with the form)."""
    search_form, searched = search_filters(request.POST, _areas_of(request.user))
    form = SavedSearchForm(request.POST)
    if searched is not None and form.is_valid():
        try:
            saved_search_make(
                user=request.user,
                name=form.cleaned_data["name"],
                query=searched.text,
                frequency=form.cleaned_data["frequency"],
                filters=search_form.cleaned_data,
            )
        except SavedSearchRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your search is saved: you will be told of new items."))
            return redirect("accounts:saved_searches")
    return _search_response(request, data=request.GET or request.POST, save_form=form, status=400)


def saved_filters_text(user) -> Callable[[SavedSearch], list[str]]:
    """How the filters a saved search keeps read on `user`'s search page ("Country:
    Türkiye"): the names are read once, for every saved search of a page."""
    form = SearchForm(areas=_areas_of(user))
    names: dict[str, tuple[str, dict[str, str]]] = {
        "type": (
            _("Type of information"),
            {
                item_type.model.type_slug(): str(item_type.model._meta.verbose_name_plural)
                for _config, item_type in searchable_types()
            },
        )
    }
    for key in KEPT_FILTERS:
        if key not in names:  # a choice field of the page: area, country, marking
            field = form.fields[key]
            choices = {str(code): str(label) for code, label in getattr(field, "choices", ())}
            names[key] = (str(field.label), choices)

    def text(saved: SavedSearch) -> list[str]:
        shown = []
        for key in KEPT_FILTERS:
            value = (saved.filters or {}).get(key)
            if value:
                label, values = names[key]
                shown.append(f"{label}: {values.get(value, value)}")
        return shown

    return text


def saved_search_list(request):
    filters_text = saved_filters_text(request.user)
    saved_searches = [
        (saved, filters_text(saved)) for saved in SavedSearch.objects.filter(user=request.user)
    ]
    return render(request, "search/saved_searches.html", {"saved_searches": saved_searches})


def saved_search_edit(request, pk):
    saved = get_object_or_404(SavedSearch, pk=pk, user=request.user)
    initial = {"name": saved.name, "frequency": saved.frequency}
    form = SavedSearchForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved_search_update(
            saved=saved, name=form.cleaned_data["name"], frequency=form.cleaned_data["frequency"]
        )
        messages.success(
            request, _("The saved search “%(name)s” is changed.") % {"name": saved.name}
        )
        return redirect("accounts:saved_searches")
    filters = saved_filters_text(request.user)(saved)
    return render(
        request,
        "search/saved_search_edit.html",
        {"saved": saved, "form": form, "filters": filters},
        status=400 if form.is_bound else 200,
    )


@require_POST
def saved_search_delete(request, pk):
    saved = get_object_or_404(SavedSearch, pk=pk, user=request.user)
    saved.delete()
    messages.success(request, _("The saved search “%(name)s” is deleted.") % {"name": saved.name})
    return redirect("accounts:saved_searches")
