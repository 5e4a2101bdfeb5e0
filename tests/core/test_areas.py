"""The area registry: the core shows the areas, item types and preferences the apps declare,
and names none itself."""

import pytest
from django.urls import reverse

from alerts.models import Alert
from iconet.sharing import declarations as areas
from iconet.sharing.declarations import AreaConfig, Preference, preference, register_area
from ilo_reports.models import IloReport
from tests.items import item_make


def nav_labels(client) -> list[str]:
    return [str(item["label"]) for item in client.get(reverse("home")).context["nav_items"]]


@pytest.fixture
def only_areas():
    """Replace the registered areas for one test, then put the real ones back."""
    saved = dict(areas._AREAS)

    def replace(*configs):
        areas._AREAS.clear()
        for config in configs:
            register_area(config)

    yield replace
    areas._AREAS.clear()
    areas._AREAS.update(saved)


def test_alerts_and_ilo_declare_their_area_and_item_types():
    registered = {config.code: config for config in areas.registered_areas()}
    assert [config.code for config in areas.registered_areas()][:2] == ["alerts", "ilo"]
    assert areas.item_type_for(Alert).detail_url == "alerts:detail"
    assert areas.item_type_for(IloReport).list_url == "ilo_reports:list"
    assert [p.key for p in registered["alerts"].preferences] == ["digest_routine"]
    assert registered["ilo"].preferences == ()


def test_the_navigation_lists_exactly_the_registered_areas_the_user_has(cast, client_for):
    everything = nav_labels(client_for(cast.de_ncp))
    areas = ["Early-warning alerts", "ILO network reports", "Document fraud notes", "Returns"]
    assert [label for label in everything if label in areas] == areas  # in registered order
    ilo_only = nav_labels(client_for(cast.ilo_fr_tr))
    assert "ILO network reports" in ilo_only
    assert not {"Early-warning alerts", "Document fraud notes", "Returns"} & set(ilo_only)
    nothing = nav_labels(client_for(cast.fr_no_area))
    assert not set(areas) & set(nothing)


def test_an_area_with_two_item_types_has_one_menu_entry_and_a_page_per_type(
    cast,
    client_for,
    only_areas,
):
    # One area holding two item types (returns: problems and operations), each declared on its
    # model: one menu entry, and each type keeps its own pages.
    only_areas(AreaConfig(code="returns", label="Returns", nav_url="returns:list"))
    client = client_for(cast.de_ncp)
    labels = nav_labels(client)
    assert "Returns" in labels and "Early-warning alerts" not in labels
    home = client.get(reverse("home"))
    panel_urls = [panel["url"] for panel in home.context["panels"]]
    assert panel_urls == [reverse("returns:list"), reverse("returns:operation_list")]
    problem = item_make("returns.returnproblem", author=cast.fr_ncp)
    operation = item_make("returns.returnoperation", author=cast.fr_ncp)
    assert problem.get_absolute_url() == reverse("returns:problem_detail", args=[problem.pk])
    assert operation.get_absolute_url() == reverse("returns:operation_detail", args=[operation.pk])


def test_a_user_without_the_area_is_not_offered_its_preferences(cast, client_for):
    page = client_for(cast.ilo_fr_tr).get(reverse("accounts:security"))
    assert page.context["preferences"] is None
    assert "daily digest for routine alerts" not in page.content.decode().lower()


def test_an_area_preference_is_offered_stored_and_read_through_the_registry(
    cast,
    client_for,
    only_areas,
):
    only_areas(
        AreaConfig(
            code="returns",
            label="Returns",
            nav_url="alerts:list",
            preferences=(Preference("weekly_summary", "weekly summary of returns", default=True),),
        )
    )
    client = client_for(cast.de_ncp)
    assert "weekly summary of returns" in client.get(reverse("accounts:security")).content.decode()
    assert preference(cast.de_ncp, "returns", "weekly_summary")  # the declared default
    client.post(reverse("accounts:security"), {})
    cast.de_ncp.refresh_from_db()
    assert cast.de_ncp.preferences == {"returns": {"weekly_summary": False}}
    assert not preference(cast.de_ncp, "returns", "weekly_summary")
