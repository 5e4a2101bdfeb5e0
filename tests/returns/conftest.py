import datetime

from django.utils import timezone

from iconet.models import Country
from iconet.sharing.services import item_create, item_publish
from returns.models import Participation, ReturnOperation, ReturnProblem
from returns.services import (
    seat_offer_open,
    seats_request,
)


def problem_published(author, *, manager=None, country="NG", audience="network", **fields):
    """A return problem published as the publish page leaves it."""
    values = {
        "country_of_return": country,
        "category": "travel_document",
        "description": "Consular laissez-passer takes months.",
        "average_delay_days": 60,
        **fields,
    }
    problem = item_create(actor=author, item=ReturnProblem(**values))
    if audience:
        item_publish(actor=manager or author, item=problem, audience=audience, marking="AMBER")
    return problem


def operation_published(organiser, *, capacity=10, audience="owner", **fields):
    values = {
        "code": "JRO-LAGOS-01",
        "countries_of_return": ["NG"],
        "departure_airport": "CDG",
        "departure_date": timezone.localdate() + datetime.timedelta(days=30),
        "carrier": "Charter Air",
        "seat_capacity": capacity,
        **fields,
    }
    operation = item_create(actor=organiser, item=ReturnOperation(**values))
    item_publish(actor=organiser, item=operation, audience=audience, marking="AMBER")
    return operation


def offer_open(organiser, operation, states=("DE", "NL")):
    deadline = timezone.localdate() + datetime.timedelta(days=7)
    return seat_offer_open(
        actor=organiser,
        operation=operation,
        states=list(Country.objects.filter(code__in=states)),
        deadline=deadline,
    )


def reply(user, operation, *, seats=4, **counts):
    return seats_request(
        actor=user,
        operation=operation,
        participation=Participation(
            seats_requested=seats,
            returnees=seats - 2 if seats > 2 else seats,
            escort_leaders=1,
            escorts=1,
            **counts,
        ),
    )
