"""Never more seats than capacity: many Member States reply and are allocated the last seats
at once, each from its own database connection."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from iconet.models import Area, Country
from returns.models import Participation, ReturnOperation
from returns.services import seats_allocate
from tests.conftest import national_service
from tests.factories import UserFactory

from .conftest import offer_open, operation_published, reply

STATES = ["AT", "PT", "PL", "SE", "FI", "DK", "IE", "CZ", "SK", "HU", "RO", "BG"]


def run_at_once(functions) -> list[BaseException]:
    """Run each function in its own thread, all released together; the errors they raised."""
    start = threading.Barrier(len(functions))
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(function):
        try:
            start.wait()
            function()
        except BaseException as exc:  # noqa: BLE001 - reported to the caller
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(f,)) for f in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_many_states_requesting_and_being_allocated_the_last_seats_at_once_never_overbook(cast):
    for code in STATES:
        Country.objects.get_or_create(code=code, defaults={"name": code})
    contacts = [
        UserFactory(
            username=f"{code.lower()}_ncp",
            organisation=national_service(code),
            areas=[Area.RETURNS],
            ncp_areas=[Area.RETURNS],
        )
        for code in STATES
    ]
    capacity = 20
    operation = operation_published(cast.fr_ncp, capacity=capacity)
    offer_open(cast.fr_ncp, operation, states=STATES)

    # Every state replies at once: no reply is lost, none is counted twice.
    errors = run_at_once([(lambda user=user: reply(user, operation, seats=3)) for user in contacts])
    assert errors == []
    rows = list(Participation.objects.filter(operation=operation))
    assert len(rows) == len(STATES)
    assert sum(row.seats_requested for row in rows) == 3 * len(STATES)

    # The organiser's staff allocate 3 seats to each of the 12 states at once: 36 asked, 20 exist.
    refused: list[int] = []
    granted: list[int] = []
    lock = threading.Lock()

    def allocate(row):
        try:
            seats_allocate(
                actor=cast.fr_ncp,
                operation=ReturnOperation.objects.get(pk=operation.pk),
                participation=row,
                seats=3,
            )
        except ValidationError:
            with lock:
                refused.append(row.pk)
        else:
            with lock:
                granted.append(row.pk)

    errors = run_at_once([(lambda row=row: allocate(row)) for row in rows])
    assert errors == []
    operation.refresh_from_db()
    allocated = list(Participation.objects.filter(operation=operation, seats_allocated__gt=0))
    assert len(granted) == capacity // 3 and len(refused) == len(STATES) - capacity // 3
    assert sorted(granted) == sorted(row.pk for row in allocated)
    assert operation.seats_allocated == sum(row.seats_allocated for row in allocated) == 18

    # The last two seats, asked by every refused state at once: exactly one gets them.
    last: list[int] = []

    def allocate_last(pk):
        try:
            seats_allocate(
                actor=cast.fr_ncp,
                operation=ReturnOperation.objects.get(pk=operation.pk),
                participation=Participation.objects.get(pk=pk),
                seats=2,
            )
        except ValidationError:
            return
        with lock:
            last.append(pk)

    assert run_at_once([(lambda pk=pk: allocate_last(pk)) for pk in refused]) == []
    operation.refresh_from_db()
    assert len(last) == 1
    assert operation.seats_allocated == capacity
    assert (
        sum(
            Participation.objects.filter(operation=operation).values_list(
                "seats_allocated", flat=True
            )
        )
        == capacity
    )
