"""A contact point acknowledges several alerts at once from the list (boxes in the list's
"acknowledged by me" column, one button), without JavaScript."""

import pytest
from django.urls import reverse

from iconet.models import ItemRecipient
from tests.conftest import verified_client

from .conftest import alert_published

pytestmark = pytest.mark.django_db


def acknowledged(user, alert) -> bool:
    row = ItemRecipient.objects.of_item(alert).get(user=user)
    return row.acknowledged_at is not None


def test_a_contact_point_acknowledges_the_ticked_alerts_at_once(cast):
    first = alert_published(cast.fr_ncp, destinations=["DE"], headline="First route")
    second = alert_published(cast.fr_ncp, destinations=["DE"], headline="Second route")
    third = alert_published(cast.fr_ncp, destinations=["DE"], headline="Third route")
    hidden = alert_published(
        cast.nl_ncp, destinations=["DE"], audience="owner", headline="Not for Germany"
    )
    client = verified_client(cast.de_ncp)
    page = client.get(reverse("alerts:list")).content.decode()
    assert f'name="alert" value="{first.pk}"' in page
    assert "Acknowledge the ticked alerts" in page
    response = client.post(
        reverse("alerts:acknowledge_many"), {"alert": [first.pk, second.pk, hidden.pk, "x"]}
    )
    assert response.status_code == 302
    assert acknowledged(cast.de_ncp, first) and acknowledged(cast.de_ncp, second)
    assert not acknowledged(cast.de_ncp, third)
    followed = client.get(response["Location"]).content.decode()
    assert "You acknowledged 2 alerts" in followed and hidden.reference not in followed
    assert f'name="alert" value="{first.pk}"' not in followed
    assert f'name="alert" value="{third.pk}"' in followed


def test_nothing_ticked_says_so_and_a_reader_who_is_no_recipient_changes_nothing(cast):
    alert = alert_published(cast.fr_ncp, destinations=["DE"])
    client = verified_client(cast.it_ncp)
    response = client.post(reverse("alerts:acknowledge_many"), {"alert": [alert.pk]}, follow=True)
    assert "Tick the alerts to acknowledge." in response.content.decode()
    assert not ItemRecipient.objects.of_item(alert).filter(user=cast.it_ncp).exists()
