"""Return problems and joint return operations, as the cast of users lives them: fr_ncp
organises, de_ncp and nl_ncp are offered seats, be_ncp and it_ncp are not, the Commission is
told of fundamental-rights concerns."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from iconet.models import Notification
from iconet.sharing.services import item_state_set
from returns.models import Incident, OperationStatus, Participation, ReturnOperation, ReturnProblem
from returns.services import (
    authorisation_record,
    incident_report,
    incident_transition,
    operation_transition,
    seats_allocate,
)
from tests.conftest import verified_client

from .conftest import offer_open, operation_published, problem_published, reply

pytestmark = pytest.mark.django_db


def test_a_problem_gets_a_yearly_reference_and_its_own_detail_page(cast):
    problem = problem_published(cast.fr_officer, manager=cast.fr_ncp)
    assert problem.reference.startswith("RP-") and "-FR-" in problem.reference
    page = verified_client(cast.de_ncp).get(problem.get_absolute_url())
    assert page.status_code == 200
    assert "Consular laissez-passer takes months." in page.content.decode()
    # the core's shared pages find the item's own page through get_absolute_url
    history = reverse("sharing:history", args=[problem.type_slug(), problem.pk])
    assert verified_client(cast.de_ncp).get(history).status_code == 200


def test_a_draft_problem_is_hidden_from_other_states_and_from_users_without_the_area(cast):
    problem = problem_published(cast.fr_officer, audience=None)
    assert verified_client(cast.de_ncp).get(problem.get_absolute_url()).status_code == 404
    assert verified_client(cast.fr_no_area).get(problem.get_absolute_url()).status_code == 404
    assert verified_client(cast.fr_ncp).get(problem.get_absolute_url()).status_code == 200


def test_a_problem_is_created_through_the_form(cast):
    client = verified_client(cast.fr_officer)
    response = client.post(
        reverse("returns:problem_create"),
        {
            "country_of_return": "GN",
            "category": "identification",
            "observed_on": "2026-03-01",
            "description": "Nationality interviews are postponed.",
            "average_delay_days": "45",
        },
    )
    assert response.status_code == 302
    problem = ReturnProblem.objects.get(country_of_return="GN")
    assert problem.state == "draft" and problem.owner_id == cast.fr_officer.organisation_id
    listing = client.get(reverse("returns:list")).content.decode()
    assert problem.reference in listing


def test_the_country_page_shows_only_visible_problems_and_their_delays(cast):
    problem_published(
        cast.fr_officer,
        manager=cast.fr_ncp,
        average_delay_days=30,
        observed_on="2026-01-10",
        good_practice="Pre-identification missions.",
        readmission_agreement="EU–NG agreement (negotiating)",
    )
    problem_published(
        cast.de_officer, manager=cast.de_ncp, average_delay_days=90, observed_on="2026-02-10"
    )
    problem_published(
        cast.de_officer,
        manager=cast.de_ncp,
        average_delay_days=600,
        audience="owner",
        description="Secret German delay.",
    )
    page = (
        verified_client(cast.it_ncp).get(reverse("returns:country", args=["ng"])).content.decode()
    )
    assert "Average 60.0 days, median 60.0 days." in page
    assert "Pre-identification missions." in page
    assert "EU–NG agreement (negotiating)" in page
    # One bar a month, drawn by the core's chart and named by the table's caption.
    assert 'aria-labelledby="delays-caption"' in page
    assert "<title>2026-01: 30.0</title>" in page and "<title>2026-02: 90.0</title>" in page
    assert "Secret German delay" not in page
    # Germany sees its own restricted problem in its figures
    german = (
        verified_client(cast.de_ncp).get(reverse("returns:country", args=["NG"])).content.decode()
    )
    assert "Average 240.0 days, median 90" in german


def test_the_country_page_lists_alerts_about_the_country_that_the_user_may_see(cast):
    from tests.alerts.conftest import alert_published

    alert_published(cast.fr_ncp, origin_country="NG", headline="Nigerian route change")
    alert_published(cast.fr_ncp, origin_country="NG", headline="Hidden alert", audience="owner")
    page = (
        verified_client(cast.de_ncp).get(reverse("returns:country", args=["NG"])).content.decode()
    )
    assert "Nigerian route change" in page
    assert "Hidden alert" not in page


def test_the_seat_offer_lets_the_chosen_states_read_the_operation_and_tells_them(cast):
    operation = operation_published(cast.fr_ncp)
    assert verified_client(cast.de_ncp).get(operation.get_absolute_url()).status_code == 404
    told = offer_open(cast.fr_ncp, operation)
    assert told == 2  # de_ncp and nl_ncp, the returns contact points of the chosen states
    assert Notification.objects.filter(recipient=cast.de_ncp).exists()
    assert not Notification.objects.filter(recipient=cast.it_ncp).exists()
    assert verified_client(cast.de_ncp).get(operation.get_absolute_url()).status_code == 200
    assert verified_client(cast.it_ncp).get(operation.get_absolute_url()).status_code == 404
    operation.refresh_from_db()
    assert operation.status == OperationStatus.OFFER_OPEN


def test_participants_request_and_the_organiser_allocates_within_capacity(cast):
    operation = operation_published(cast.fr_ncp, capacity=10)
    offer_open(cast.fr_ncp, operation)
    de = reply(cast.de_ncp, operation, seats=6)
    nl = reply(cast.nl_ncp, operation, seats=6)
    assert Notification.objects.filter(recipient=cast.fr_ncp).count() == 2
    seats_allocate(actor=cast.fr_ncp, operation=operation, participation=de, seats=6)
    with pytest.raises(ValidationError):
        seats_allocate(actor=cast.fr_ncp, operation=operation, participation=nl, seats=6)
    seats_allocate(actor=cast.fr_ncp, operation=operation, participation=nl, seats=4)
    operation.refresh_from_db()
    assert operation.seats_allocated == 10
    # lowering one allocation frees seats for the other
    seats_allocate(actor=cast.fr_ncp, operation=operation, participation=de, seats=5)
    operation.refresh_from_db()
    assert operation.seats_allocated == 9
    with pytest.raises(PermissionDenied):
        seats_allocate(actor=cast.de_ncp, operation=operation, participation=de, seats=6)
    page = verified_client(cast.nl_ncp).get(operation.get_absolute_url()).content.decode()
    assert "Your organisation requested 6 seats; 4 allocated." in page
    assert "BP-DE" not in page.split('id="participants"')[1].split("</section>")[0]


def test_a_second_reply_replaces_the_first(cast):
    operation = operation_published(cast.fr_ncp)
    offer_open(cast.fr_ncp, operation)
    reply(cast.de_ncp, operation, seats=3)
    reply(cast.de_officer, operation, seats=5)
    row = Participation.objects.get(operation=operation)
    assert row.seats_requested == 5


def test_only_offered_states_may_reply(cast):
    operation = operation_published(cast.fr_ncp, audience="network")
    offer_open(cast.fr_ncp, operation)
    with pytest.raises(PermissionDenied):
        reply(cast.it_ncp, operation)
    assert (
        verified_client(cast.it_ncp).get(reverse("returns:reply", args=[operation.pk])).status_code
        == 403
    )


def test_the_capacity_cannot_drop_below_what_is_allocated_even_in_the_database(cast):
    operation = operation_published(cast.fr_ncp, capacity=4)
    offer_open(cast.fr_ncp, operation)
    seats_allocate(
        actor=cast.fr_ncp, operation=operation, participation=reply(cast.de_ncp, operation), seats=4
    )
    response = verified_client(cast.fr_ncp).post(
        reverse("returns:operation_edit", args=[operation.pk]),
        {
            "code": operation.code,
            "operation_type": "joint",
            "return_type": "forced",
            "flight_type": "charter",
            "countries_of_return": ["NG"],
            "departure_date": "2026-12-01",
            "seat_capacity": "3",
        },
    )
    assert response.status_code == 200 and "already allocated" in response.content.decode()
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ReturnOperation.objects.filter(pk=operation.pk).update(seat_capacity=3)


def test_the_state_machine_refuses_skipped_steps_and_cancelling_tells_participants(cast):
    operation = operation_published(cast.fr_ncp)
    with pytest.raises(ValidationError):
        operation_transition(actor=cast.fr_ncp, operation=operation, status="executed")
    offer_open(cast.fr_ncp, operation)
    reply(cast.de_ncp, operation)
    before = Notification.objects.filter(recipient=cast.de_ncp).count()
    operation_transition(actor=cast.fr_ncp, operation=operation, status="cancelled")
    assert Notification.objects.filter(recipient=cast.de_ncp).count() == before + 1
    with pytest.raises(ValidationError):
        operation_transition(actor=cast.fr_ncp, operation=operation, status="confirmed")


def test_a_withdrawn_operation_can_no_longer_be_organised(cast):
    operation = operation_published(cast.fr_ncp)
    item_state_set(actor=cast.fr_ncp, item=operation, state="withdrawn")
    with pytest.raises(PermissionDenied):
        authorisation_record(
            actor=cast.fr_ncp,
            operation=operation,
            country="TR",
            kind="overflight",
            status="granted",
        )


def test_a_fundamental_rights_concern_tells_the_organiser_and_the_commission_at_once(cast):
    cast.commission_admin.ncp_areas = ["returns"]
    cast.commission_admin.save()
    operation = operation_published(cast.fr_ncp, audience="network")
    offer_open(cast.fr_ncp, operation)
    reply(cast.de_ncp, operation)
    incident = incident_report(
        actor=cast.de_ncp,
        operation=operation,
        incident=Incident(
            occurred_at="2026-05-01T10:00Z",
            place="Lagos airport",
            category="fundamental_rights",
            facts="Restraints kept on after landing.",
        ),
    )
    assert Notification.objects.filter(
        recipient=cast.fr_ncp, title__contains="Fundamental"
    ).exists()
    assert Notification.objects.filter(recipient=cast.commission_admin).exists()
    # the incident's own organisation submits it, the organiser validates and closes it
    with pytest.raises(PermissionDenied):
        incident_transition(actor=cast.fr_ncp, incident=incident, status="submitted")
    incident = incident_transition(actor=cast.de_ncp, incident=incident, status="submitted")
    with pytest.raises(PermissionDenied):
        incident_transition(actor=cast.de_ncp, incident=incident, status="validated")
    incident = incident_transition(actor=cast.fr_ncp, incident=incident, status="validated")
    assert (
        incident_transition(actor=cast.fr_ncp, incident=incident, status="closed").status
        == "closed"
    )


def test_the_calendar_groups_visible_operations_by_month(cast):
    operation_published(cast.fr_ncp, code="JRO-A", departure_date="2026-06-03", audience="network")
    operation_published(cast.fr_ncp, code="JRO-B", departure_date="2026-07-09", audience="owner")
    page = verified_client(cast.de_ncp).get(reverse("returns:calendar")).content.decode()
    assert "2026-06" in page and "JRO-A" in page
    assert "JRO-B" not in page
