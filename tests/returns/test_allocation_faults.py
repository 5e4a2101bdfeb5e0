"""The organiser allocates at most the seats a participant requested, and saving the same
allocation again tells nobody again."""

import pytest
from django.core.exceptions import ValidationError

from iconet.models import Notification
from returns.services import seats_allocate

from .conftest import offer_open, operation_published, reply

pytestmark = pytest.mark.django_db


def test_the_organiser_cannot_allocate_more_seats_than_were_requested(cast):
    operation = operation_published(cast.fr_ncp, capacity=10)
    offer_open(cast.fr_ncp, operation)
    de = reply(cast.de_ncp, operation, seats=3)
    with pytest.raises(ValidationError, match="requested 3 seats"):
        seats_allocate(actor=cast.fr_ncp, operation=operation, participation=de, seats=4)
    operation.refresh_from_db()
    assert operation.seats_allocated == 0
    seats_allocate(actor=cast.fr_ncp, operation=operation, participation=de, seats=3)
    operation.refresh_from_db()
    assert operation.seats_allocated == 3


def test_saving_the_same_allocation_again_tells_nobody_again(cast):
    operation = operation_published(cast.fr_ncp, capacity=10)
    offer_open(cast.fr_ncp, operation)
    de = reply(cast.de_ncp, operation, seats=3)
    told = Notification.objects.filter(recipient=cast.de_ncp)
    seats_allocate(actor=cast.fr_ncp, operation=operation, participation=de, seats=2)
    after_first = told.count()
    seats_allocate(actor=cast.fr_ncp, operation=operation, participation=de, seats=2)
    assert told.count() == after_first
    seats_allocate(actor=cast.fr_ncp, operation=operation, participation=de, seats=3)
    assert told.count() == after_first + 1
