"""A state-changing form submitted twice at once (a double click on a slow page) is applied
once: the core services lock the item and find the second request already applied."""

import functools
import threading

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.urls import reverse

from iconet.models import EmailDelivery, Notification
from tests.alerts.conftest import alert_draft


def state_entries(alert, state: str) -> int:
    """Audit entries that record the item entering `state`."""
    return sum(
        1
        for e in LogEntry.objects.get_for_object(alert)
        if e.action == LogEntry.Action.UPDATE
        and e.changes_dict.get("state", [None, None])[1] == state
    )


def posted_at_once(users, url: str, data: dict) -> list[int]:
    """The same POST by each of `users`' browsers, released together."""
    from tests.conftest import verified_client

    clients = [verified_client(user) for user in users]
    start = threading.Barrier(len(clients))
    statuses = []

    def submit(client):
        try:
            start.wait()
            statuses.append(client.post(url, data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


@pytest.mark.django_db(transaction=True)
def test_a_publish_double_submitted_at_once_is_applied_once(cast):
    alert = alert_draft(cast.fr_ncp, destinations=["NL", "BE"])
    url = reverse("sharing:publish", args=[alert.type_slug(), alert.pk])
    statuses = posted_at_once([cast.fr_ncp] * 2, url, {"audience": "network", "marking": "GREEN"})
    assert statuses == [302, 302]
    assert state_entries(alert, "published") == 1
    assert Notification.objects.filter(recipient=cast.nl_ncp).count() == 1
    assert EmailDelivery.objects.filter(key__startswith=f"alert:{alert.pk}:").count() == 2
    # A different choice is still applied.
    assert posted_at_once([cast.fr_ncp], url, {"audience": "network", "marking": "AMBER"}) == [302]
    alert.refresh_from_db()
    assert alert.marking == "AMBER"


@pytest.mark.django_db(transaction=True)
def test_a_withdrawal_double_submitted_at_once_is_recorded_once(cast):
    alert = alert_draft(cast.fr_ncp, destinations=["NL"])
    publish = reverse("sharing:publish", args=[alert.type_slug(), alert.pk])
    assert posted_at_once([cast.fr_ncp], publish, {"audience": "network", "marking": "GREEN"}) == [
        302
    ]
    url = reverse("sharing:state", args=[alert.type_slug(), alert.pk])
    assert posted_at_once([cast.fr_ncp] * 2, url, {"state": "withdrawn"}) == [302, 302]
    alert.refresh_from_db()
    assert alert.state == "withdrawn"
    assert state_entries(alert, "withdrawn") == 1


def at_once(*calls) -> list[int]:
    """The status codes of `calls` (each a request), released together from their threads."""
    start = threading.Barrier(len(calls))
    statuses: list[int] = []

    def act(call):
        try:
            start.wait()
            statuses.append(call().status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return sorted(statuses)


@pytest.mark.django_db(transaction=True)
def test_a_preview_beside_a_publication_never_answers_500(cast):
    """The publish page's preview (which tries the audience on the grant rows and rolls back)
    and the publication of the same item, at the same moment, fifty times."""
    from tests.conftest import verified_client

    viewer, publisher = verified_client(cast.fr_ncp), verified_client(cast.fr_ncp)
    for _round in range(50):
        alert = alert_draft(cast.fr_ncp, destinations=["NL"])
        url = reverse("sharing:publish", args=[alert.type_slug(), alert.pk])
        statuses = at_once(
            functools.partial(viewer.get, url),
            functools.partial(publisher.post, url, {"audience": "network", "marking": "GREEN"}),
        )
        assert statuses in ([200, 302], [302, 302]), statuses
        assert state_entries(alert, "published") == 1
