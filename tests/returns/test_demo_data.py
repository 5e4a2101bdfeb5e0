"""The demo returns data that `make run` loads."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from iconet.models import Notification, User
from returns.models import OperationStatus, ReturnOperation, ReturnProblem
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db


def test_demo_returns_data_has_two_countries_and_an_open_seat_offer_once():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_returns_demo", stdout=out)
    call_command("seed_returns_demo", stdout=out)
    assert set(ReturnProblem.objects.values_list("country_of_return", flat=True)) == {"NG", "TN"}
    assert ReturnProblem.objects.filter(state="published").count() == 5
    operation = ReturnOperation.objects.get()
    assert operation.status == OperationStatus.OFFER_OPEN
    german = User.objects.get(username="de.ncp")
    assert Notification.objects.filter(recipient=german).count() == 1
    client = verified_client(german)
    assert client.get(operation.get_absolute_url()).status_code == 200
    page = client.get(reverse("returns:country", args=["NG"])).content.decode()
    assert "median" in page and 'class="chart"' in page and "<rect" in page
