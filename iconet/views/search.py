"""The search page: full-text search across every area the user has (iconet.services.search)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..forms import SavedSearchForm, SearchFilterForm, SearchForm
from ..models import SavedSearch
from ..services.saved_searches import saved_search_create as saved_search_make
from ..services.search import PAGE_SIZE, SearchFilters, search, searchable_types

# Deeper pages than this are not offered: narrow the search instead.
MAX_PAGE = 500


def _areas_of(user) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for config, _item_type in searchable_types():
        if user.has_area(config.code):
            seen.setdefault(config.code, str(config.label))
    return list(seen.items())


def search_page(request):
    user = request.user
    areas = _areas_of(user)
    form = SearchForm(request.GET or None, areas=areas)
    results = None
    page_obj = None
    filters = None
    if form.is_bound and form.is_valid() and form.cleaned_data["q"].strip():
        data = form.cleaned_data
        filters = SearchFilters(
            text=data["q"].strip(),
            area=data["area"],
            type_slug=data["type"],
            country=data["country"],
            marking=data["marking"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            year=data["year"],
        )
        try:
            wanted = min(max(1, int(request.GET.get("page", 1))), MAX_PAGE)
        except ValueError:
            wanted = 1
        results = search(user, filters, page=wanted)
        page_obj = Paginator(range(results.total), PAGE_SIZE).get_page(wanted)
        if results.total and page_obj.number != wanted:
            results = search(user, filters, page=page_obj.number)
    area_labels = dict(areas)
    query = request.GET.get("q", "")
    return render(
        request,
        "search.html",
        {
            "form": form,
            # The filters wait after the results; clearing them keeps the words searched.
            "filter_form": SearchFilterForm(request.GET or None, areas=areas, auto_id="filter_%s"),
            "clear_url": f"?{urlencode({'q': query})}" if query else "",
            "results": results,
            "page_obj": page_obj,
            "filters": filters,
            "area_labels": area_labels,
            "save_form": SavedSearchForm() if results is not None else None,
        },
    )


@require_POST
def saved_search_create(request):
    """Save the search of the page (its words and filters come with the form)."""
    search_form = SearchForm(request.POST, areas=_areas_of(request.user))
    form = SavedSearchForm(request.POST)
    if search_form.is_valid() and search_form.cleaned_data["q"].strip() and form.is_valid():
        saved_search_make(
            user=request.user,
            name=form.cleaned_data["name"],
            query=search_form.cleaned_data["q"],
            frequency=form.cleaned_data["frequency"],
            filters=search_form.cleaned_data,
        )
        messages.success(request, _("Your search is saved: you will be told of new items."))
        return redirect("accounts:saved_searches")
    return render(
        request,
        "search.html",
        {
            "form": search_form,
            "filter_form": SearchFilterForm(request.POST, areas=_areas_of(request.user)),
            "save_form": form,
            "results": None,
            "filters": None,
        },
        status=400,
    )


def saved_search_list(request):
    return render(
        request,
        "search/saved_searches.html",
        {"saved_searches": SavedSearch.objects.filter(user=request.user)},
    )


@require_POST
def saved_search_delete(request, pk):
    saved = get_object_or_404(SavedSearch, pk=pk, user=request.user)
    saved.delete()
    messages.success(request, _("The saved search “%(name)s” is deleted.") % {"name": saved.name})
    return redirect("accounts:saved_searches")
