"""A state-changing form sent twice (a double click, a resent POST) is applied once."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from alerts.models import AlertRecipient
from iconet.models import EmailDelivery, Notification
from tests.alerts.conftest import alert_draft


def publication_entries(alert) -> int:
    return sum(
        1 for e in LogEntry.objects.get_for_object(alert)
        if e.action == LogEntry.Action.UPDATE and e.changes_dict.get("state", [None, None])[1] == "published"
    )


@pytest.mark.parametrize("page", ["sharing:publish", "alerts:publish"])
def test_a_publish_posted_twice_is_applied_once(cast, client_for, page):
    alert = alert_draft(cast.fr_ncp, destinations=["NL", "BE"])
    args = [alert.type_slug(), alert.pk] if page == "sharing:publish" else [alert.pk]
    client = client_for(cast.fr_ncp)
    before = LogEntry.objects.get_for_object(alert).count()
    for _attempt in range(2):
        response = client.post(reverse(page, args=args), {"audience": "network", "marking": "GREEN"})
        assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.state == "published"
    assert publication_entries(alert) == 1
    assert LogEntry.objects.get_for_object(alert).count() == before + 1
    assert Notification.objects.filter(recipient=cast.nl_ncp).count() == 1
    assert AlertRecipient.objects.filter(alert=alert).count() == 2
    assert EmailDelivery.objects.filter(key__startswith=f"alert:{alert.pk}:").count() == 2


def test_a_withdrawal_posted_twice_is_recorded_once(cast, client_for):
    alert = alert_draft(cast.fr_ncp, destinations=["NL"])
    client = client_for(cast.fr_ncp)
    client.post(reverse("sharing:publish", args=[alert.type_slug(), alert.pk]),
                {"audience": "network", "marking": "GREEN"})
    before = LogEntry.objects.get_for_object(alert).count()
    url = reverse("sharing:state", args=[alert.type_slug(), alert.pk])
    for _attempt in range(2):
        assert client.post(url, {"state": "withdrawn"}).status_code == 302
    alert.refresh_from_db()
    assert alert.state == "withdrawn"
    assert LogEntry.objects.get_for_object(alert).count() == before + 1


def test_changing_the_audience_of_a_published_item_still_applies(cast, client_for):
    alert = alert_draft(cast.fr_ncp, destinations=["NL"])
    client = client_for(cast.fr_ncp)
    url = reverse("sharing:publish", args=[alert.type_slug(), alert.pk])
    client.post(url, {"audience": "network", "marking": "GREEN"})
    client.post(url, {"audience": "network", "marking": "AMBER"})
    alert.refresh_from_db()
    assert alert.marking == "AMBER"
