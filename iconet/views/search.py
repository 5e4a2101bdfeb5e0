"""The search page: full-text search across every area the user has (iconet.services.search)."""

from django.core.paginator import Paginator
from django.shortcuts import render

from ..forms import SearchForm
from ..services.search import PAGE_SIZE, SearchFilters, search, searchable_types


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
            wanted = max(1, int(request.GET.get("page", 1)))
        except ValueError:
            wanted = 1
        results = search(user, filters, page=wanted)
        page_obj = Paginator(range(results.total), PAGE_SIZE).get_page(wanted)
        if results.total and page_obj.number != wanted:
            results = search(user, filters, page=page_obj.number)
    area_labels = dict(areas)
    return render(
        request,
        "search.html",
        {
            "form": form,
            "results": results,
            "page_obj": page_obj,
            "filters": filters,
            "area_labels": area_labels,
        },
    )
