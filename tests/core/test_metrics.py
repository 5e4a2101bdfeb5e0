"""/metrics/ against the real PostgreSQL, Redis and a real Celery worker: refused without its
token, and with it the figures move as the portal works, without a word of content."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from alerts.models import Alert
from iconet.models import EmailDelivery
from iconet.outbox.tasks import email_sweep_pending
from iconet.sharing.registry import shared_item_models
from tests.alerts.conftest import alert_published
from tests.alerts.test_delivery import until

TOKEN = "metrics-token-for-the-tests-0123456789abcdef"
FAMILIES = {
    "iconet_http_requests",
    "iconet_http_request_duration_seconds",
    "iconet_access_events",
    "iconet_signin_lockouts",
    "iconet_email_deliveries",
    "iconet_email_oldest_pending_age_seconds",
    "iconet_acknowledgements_overdue",
    "iconet_signin_locked_out",
    "iconet_celery_tasks",
    "iconet_metrics_source_up",
}


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []
    return TOKEN


def scrape(token=TOKEN) -> str:
    response = Client().get(reverse("metrics"), HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain; version=")
    return response.content.decode()


def value(text: str, name: str, **labels) -> float:
    """The sample `name{labels}` (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def test_without_a_configured_token_the_endpoint_does_not_exist(settings, db):
    settings.METRICS_TOKEN = ""
    response = Client().get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer anything")
    assert response.status_code == 404


@pytest.mark.django_db
def test_without_or_with_a_wrong_token_it_is_refused(token):
    url = reverse("metrics")
    missing = Client().get(url)
    wrong = Client().get(url, HTTP_AUTHORIZATION="Bearer " + "x" * len(token))
    basic = Client().get(url, HTTP_AUTHORIZATION=f"Basic {token}")
    for response in (missing, wrong, basic):
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert b"iconet_" not in response.content


@pytest.mark.django_db
def test_an_address_outside_the_allowed_networks_is_refused_even_with_the_token(token, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    header = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert Client().get(reverse("metrics"), **header).status_code == 403
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8", "127.0.0.0/8"]
    assert Client().get(reverse("metrics"), **header).status_code == 200


@pytest.mark.django_db
def test_with_the_token_every_family_is_there_and_requests_are_counted_by_view(token, cast):
    Client().get(reverse("health_live"))
    text = scrape()
    names = {family.name for family in text_string_to_metric_families(text)}
    assert FAMILIES <= names, FAMILIES - names
    before = value(text, "iconet_http_requests_total", view="health_live", status="200")
    Client().get(reverse("health_live"))
    after = scrape()
    assert value(after, "iconet_http_requests_total", view="health_live", status="200") == (
        before + 1
    )
    assert value(after, "iconet_http_request_duration_seconds_count", view="health_live") >= 1
    assert value(after, "iconet_metrics_source_up", source="database") == 1
    assert value(after, "iconet_metrics_source_up", source="redis") == 1


@pytest.mark.django_db
def test_a_pending_delivery_shows_in_the_pending_gauge_and_its_age(token, cast):
    before = scrape()
    row = EmailDelivery.objects.create(
        key="metrics:pending",
        recipient=cast.de_ncp,
        to_email=cast.de_ncp.email,
        subject="s",
        body="b",
    )
    EmailDelivery.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    after = scrape()
    pending = "iconet_email_deliveries"
    assert value(after, pending, status="pending") == value(before, pending, status="pending") + 1
    assert value(after, "iconet_email_oldest_pending_age_seconds") >= 3600
    EmailDelivery.objects.filter(pk=row.pk).update(status=EmailDelivery.Status.FAILED)
    failed = scrape()
    assert value(failed, pending, status="failed") == value(before, pending, status="failed") + 1
    assert value(failed, pending, status="pending") == value(before, pending, status="pending")


@pytest.mark.django_db
def test_failed_sign_ins_move_the_failure_counter_and_a_lockout_is_counted(token, cast, settings):
    failures = {"name": "iconet_access_events_total", "event": "sign_in_failed"}
    before = scrape()
    client = Client()
    login = reverse("accounts:login")
    client.post(login, {"username": cast.fr_ncp.username, "password": "not the password"})
    once = scrape()
    assert value(once, **failures) == value(before, **failures) + 1
    assert value(once, "iconet_signin_locked_out") == 0
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(login, {"username": cast.fr_ncp.username, "password": "not the password"})
    locked = scrape()
    assert value(locked, "iconet_signin_lockouts_total") == (
        value(before, "iconet_signin_lockouts_total") + 1
    )
    assert value(locked, "iconet_signin_locked_out") == 1
    # No user name, no address: only counts.
    assert cast.fr_ncp.username not in locked and "127.0.0.1" not in locked


@pytest.mark.django_db(transaction=True)
def test_a_task_run_by_the_real_worker_moves_the_task_counter(token, celery_worker):
    labels = {"task": "iconet.tasks.email_sweep_pending", "outcome": "succeeded"}
    before = value(scrape(), "iconet_celery_tasks_total", **labels)
    email_sweep_pending.delay()
    assert until(
        lambda: value(scrape(), "iconet_celery_tasks_total", **labels) == before + 1, timeout=20
    )


@pytest.mark.django_db
def test_acknowledgements_overdue_count_the_silent_organisations_without_naming_anything(
    token, cast, settings
):
    alert = alert_published(cast.fr_ncp, destinations=["DE", "NL"])
    overdue = {"name": "iconet_acknowledgements_overdue", "item_type": alert.type_slug()}
    assert value(scrape(), **overdue) == 0  # still within its time
    late = timezone.now() - datetime.timedelta(minutes=settings.ALERTS_ESCALATION_MINUTES + 1)
    Alert.objects.filter(pk=alert.pk).update(published_at=late)
    text = scrape()
    assert value(text, **overdue) == 2  # Germany and the Netherlands
    alert.recipients.filter(user=cast.de_ncp).update(acknowledged_at=timezone.now())
    assert value(scrape(), **overdue) == 1
    # One sample for every item type that declares a deadline, and no content of the item.
    with_deadline = {
        slug for slug, model in shared_item_models().items() if model.recipients_escalation()
    }
    samples = {
        sample.labels["item_type"]
        for family in text_string_to_metric_families(text)
        if family.name == "iconet_acknowledgements_overdue"
        for sample in family.samples
    }
    assert samples == with_deadline
    for secret in (alert.reference, alert.headline, cast.de_ncp.username, cast.fr_ncp.email):
        assert secret not in text


PROBE = """
from iconet.operations.metrics import request_observe
request_observe(view="probe", method="GET", status=200, seconds=0.02)
"""


@pytest.mark.django_db
def test_several_web_processes_add_up_in_multiprocess_mode(tmp_path, monkeypatch):
    """Two processes (as two gunicorn workers) count into PROMETHEUS_MULTIPROC_DIR; a scrape
    answered by either one shows both requests."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    from iconet.operations.metrics_scrape import exposition

    tmp_path = tmp_path / "not-made-yet"  # made by the first process that counts
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _worker in range(2):
        subprocess.run(
            [sys.executable, "-c", PROBE], env=environment, cwd=settings.BASE_DIR, check=True
        )
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    text = exposition().decode()
    assert value(text, "iconet_http_requests_total", view="probe", status="200") == 2
    assert value(text, "iconet_http_request_duration_seconds_count", view="probe") == 2
    assert value(text, "iconet_metrics_source_up", source="database") == 1
