"""What a reader notices on a country's page of returns and on the calendar of operations: the
problems grouped and counted by category, the delays by month, the other areas' published
items about the country (five at most, newest first), the operations by month of departure
with their status, and what neither page shows."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from returns.models import OperationStatus
from tests.conftest import verified_client
from tests.html import table

from .conftest import offer_open, operation_published, problem_published

pytestmark = pytest.mark.django_db


def country_page(user, code="NG") -> str:
    return verified_client(user).get(reverse("returns:country", args=[code])).content.decode()


def section(page: str, heading_id: str) -> str:
    """The text of the section labelled by `heading_id`, up to the next section."""
    start = page.index(f'aria-labelledby="{heading_id}"')
    end = page.find("<section", start)
    return page[start : end if end != -1 else None]


def test_problems_are_grouped_by_category_with_their_count_newest_first(cast):
    older = problem_published(
        cast.fr_officer, manager=cast.fr_ncp, category="identification", observed_on="2026-01-05"
    )
    newer = problem_published(
        cast.de_officer, manager=cast.de_ncp, category="identification", observed_on="2026-03-05"
    )
    travel = problem_published(cast.fr_officer, manager=cast.fr_ncp, observed_on="2026-02-01")
    problem_published(cast.fr_officer, manager=cast.fr_ncp, country="GN")
    problems = section(country_page(cast.it_ncp), "problems-title")
    assert "Identification and nationality determination (2)" in problems
    assert "Travel document / consular laissez-passer (1)" in problems
    assert problems.index(newer.reference) < problems.index(older.reference)
    assert travel.reference in problems
    assert problems.count("RP-") == 3  # the Guinean problem is on Guinea's page


def test_delays_are_averaged_by_month_of_observation_oldest_first(cast):
    for days, observed in ((30, "2026-02-03"), (50, "2026-02-20"), (10, "2026-01-15")):
        problem_published(
            cast.fr_officer, manager=cast.fr_ncp, average_delay_days=days, observed_on=observed
        )
    problem_published(cast.fr_officer, manager=cast.fr_ncp, average_delay_days=None)
    page = country_page(cast.de_ncp)
    assert "Average 30.0 days, median 30 days." in page
    assert table(page, "Average delay by month") == [
        ["Month", "Average delay", "Problems"],
        ["2026-01", "10.0", "1"],
        ["2026-02", "40.0", "2"],
    ]


def test_a_country_without_readable_problems_says_so(cast):
    problem_published(cast.de_officer, manager=cast.de_ncp, audience="owner")
    page = country_page(cast.fr_ncp)
    assert "No delay recorded." in page
    assert "No return problem you may read." in page
    assert section(page, "agreements-title").count("None recorded.") == 1
    assert section(page, "practices-title").count("None recorded.") == 1
    assert "<polyline" not in page


def test_an_unknown_country_is_not_found(cast):
    client = verified_client(cast.fr_ncp)
    assert client.get(reverse("returns:country", args=["XX"])).status_code == 404
    assert client.get(reverse("returns:country", args=["gn"])).status_code == 200


def test_the_other_areas_show_five_published_items_newest_first_never_a_draft(cast):
    from tests.alerts.conftest import alert_published
    from tests.items import item_make

    alerts = [
        alert_published(cast.fr_ncp, origin_country="NG", headline=f"Lagos route {n}")
        for n in range(6)
    ]
    now = timezone.now()
    for age, alert in enumerate(reversed(alerts)):
        type(alert).objects.filter(pk=alert.pk).update(
            published_at=now - datetime.timedelta(hours=age)
        )
    draft = item_make(
        "alerts.alert", author=cast.fr_ncp, state="draft", origin_country="NG", audience="owner"
    )
    page = country_page(cast.fr_ncp)
    shown = re.findall(r"Lagos route (\d)", page)
    assert shown == ["5", "4", "3", "2", "1"]
    assert draft.reference not in page


def calendar(user) -> str:
    return verified_client(user).get(reverse("returns:calendar")).content.decode()


def test_the_calendar_lists_months_soonest_first_with_each_operation_status(cast):
    june = operation_published(
        cast.fr_ncp, code="JRO-JUNE", departure_date="2026-06-20", audience="network"
    )
    operation_published(
        cast.fr_ncp, code="JRO-EARLY-JUNE", departure_date="2026-06-02", audience="network"
    )
    operation_published(
        cast.de_ncp, code="JRO-MAY", departure_date="2026-05-11", audience="network"
    )
    offer_open(cast.fr_ncp, june)
    page = calendar(cast.it_ncp)
    assert re.findall(r'id="month-([\d-]+)"', page) == ["2026-05", "2026-06"]
    assert page.index("JRO-MAY") < page.index("JRO-EARLY-JUNE") < page.index("JRO-JUNE")
    june_line = re.search(r"<li>[^<]*<a [^>]*>[^<]*JRO-JUNE</a>[^<]*</li>", page).group(0)
    assert "Seat offer open" in june_line and str(june.owner) in june_line
    assert str(OperationStatus.PLANNING.label) in page


def test_an_operation_kept_to_its_organiser_is_on_the_calendar_of_the_states_offered_seats(cast):
    operation = operation_published(cast.fr_ncp, code="JRO-OFFERED", departure_date="2026-09-01")
    assert "JRO-OFFERED" not in calendar(cast.de_ncp)
    offer_open(cast.fr_ncp, operation, states=("DE",))
    assert "JRO-OFFERED" in calendar(cast.de_ncp)
    assert "JRO-OFFERED" not in calendar(cast.nl_ncp)
    assert "JRO-OFFERED" in calendar(cast.fr_officer)


def test_an_empty_calendar_says_so(cast):
    operation_published(cast.de_ncp, code="JRO-HIDDEN")
    page = calendar(cast.fr_ncp)
    assert "No operation" in page and "JRO-HIDDEN" not in page
