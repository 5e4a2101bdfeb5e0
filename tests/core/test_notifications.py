"""Notifications name the item they are about, and are read once the item is opened from the
portal (or its action is done): generated over every registered item type."""

import pytest

from iconet.models import Notification
from iconet.outbox.services.notify import users_notify
from iconet.sharing.registry import shared_item_models
from tests.items import item_make

pytestmark = pytest.mark.django_db

TYPES = sorted(shared_item_models())


def tell(item, user, title="Something happened"):
    users_notify(
        item=item,
        users=[user],
        title=title,
        url=item.get_absolute_url(),
        key=f"test:{item.type_slug()}:{item.pk}",
        subject="ICONet",
        body="See the portal.",
    )
    return Notification.objects.filter(recipient=user).latest("pk")


@pytest.mark.parametrize("type_slug", TYPES)
def test_a_notification_about_an_item_is_titled_with_its_reference(cast, type_slug):
    item = item_make(type_slug, author=cast.fr_officer)
    notification = tell(item, cast.de_ncp)
    assert notification.title == f"{item.reference}: Something happened"
    # A title that already names the item keeps it once.
    again = tell(item, cast.de_ncp, title=f"News on {item.reference}")
    assert again.title == f"News on {item.reference}"


@pytest.mark.parametrize("type_slug", TYPES)
def test_opening_the_item_from_the_portal_reads_its_notifications(cast, client_for, type_slug):
    item = item_make(type_slug, author=cast.fr_officer)
    notification = tell(item, cast.de_ncp)
    other = tell(item_make(type_slug, author=cast.fr_officer), cast.de_ncp)
    client = client_for(cast.de_ncp)
    # Another site that makes the browser load the page reads nothing.
    assert client.get(item.get_absolute_url(), HTTP_SEC_FETCH_SITE="cross-site").status_code == 200
    notification.refresh_from_db()
    assert notification.read_at is None
    assert client.get(item.get_absolute_url(), HTTP_SEC_FETCH_SITE="same-origin").status_code == 200
    notification.refresh_from_db()
    other.refresh_from_db()
    assert notification.read_at is not None
    assert other.read_at is None  # about another item


def test_acknowledging_an_alert_reads_its_notification(cast, client_for):
    from django.urls import reverse

    from tests.alerts.conftest import alert_published

    alert = alert_published(cast.fr_ncp, destinations=["DE"])
    notification = Notification.objects.get(recipient=cast.de_ncp)
    assert alert.reference in notification.title
    client_for(cast.de_ncp).post(reverse("alerts:acknowledge", args=[alert.pk]))
    notification.refresh_from_db()
    assert notification.read_at is not None
