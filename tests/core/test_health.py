"""The health endpoints, against the real PostgreSQL, Redis and a real Celery worker: up or
down per component, open without signing in, and never a word of data. A web replica is ready
whenever it can serve pages (the database); the background (Redis, worker, beat, outbox) is
reported on its own endpoint and metric, and never takes a replica out of service."""

import datetime
import time

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from iconet.models import EmailDelivery
from iconet.operations.health import (
    heartbeat_key,
    sweep_heartbeat_record,
    worker_heartbeat_key,
    worker_heartbeat_record,
)
from iconet.outbox.tasks import email_sweep_pending
from tests.alerts.test_delivery import broker_down, until
from tests.conftest import worker_running


def ready() -> tuple[int, dict]:
    response = Client().get(reverse("health_ready"))
    return response.status_code, response.json()


def background() -> tuple[int, dict]:
    response = Client().get(reverse("health_background"))
    return response.status_code, response.json()


READY = (200, {"status": "up", "checks": {"database": "up", "migrations": "up"}})


@pytest.fixture
def no_heartbeat():
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(heartbeat_key(), worker_heartbeat_key())
    yield
    client.delete(heartbeat_key(), worker_heartbeat_key())


def test_live_answers_without_signing_in_and_says_nothing_else():
    response = Client().get(reverse("health_live"))
    assert response.status_code == 200 and response.json() == {"status": "up"}


@pytest.mark.django_db(transaction=True)
def test_every_component_up_and_the_check_does_not_wait_on_the_workers(celery_worker, no_heartbeat):
    email_sweep_pending.delay()  # beat's job, run by the real worker: it leaves a heartbeat
    assert until(lambda: background()[0] == 200, timeout=20), background()
    assert ready() == READY
    started = time.monotonic()
    status, body = background()
    assert time.monotonic() - started < 0.9  # a heartbeat read, not a 1 s broadcast to the workers
    assert (status, body) == (
        200,
        {
            "status": "up",
            "checks": {"redis": "up", "worker": "up", "beat": "up", "outbox": "up"},
        },
    )


@pytest.mark.django_db(transaction=True)
def test_a_web_replica_stays_ready_with_the_worker_and_beat_down(no_heartbeat):
    with worker_running():
        email_sweep_pending.delay()
        assert until(lambda: background()[0] == 200, timeout=20), background()
    # The worker stopped (and beat with it: nothing runs the sweep any more).
    assert ready() == READY
    status, body = background()
    assert status == 503 and body["status"] == "down"
    assert body["checks"]["worker"] == "down" and body["checks"]["redis"] == "up"


@pytest.mark.django_db(transaction=True)
def test_a_web_replica_stays_ready_with_redis_down(celery_worker, no_heartbeat):
    sweep_heartbeat_record()
    with broker_down():
        started = time.monotonic()
        assert ready() == READY
        status, body = background()
        assert time.monotonic() - started < 1.5
    assert status == 503 and body["status"] == "down"
    assert body["checks"] == {"redis": "down", "worker": "down", "beat": "down", "outbox": "up"}


def heartbeats_aged(seconds: float) -> None:
    """Make the worker's and beat's last heartbeats `seconds` old."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.hset(worker_heartbeat_key(), "gone@host", str(time.time() - seconds))
    client.set(heartbeat_key(), str(time.time() - seconds))


@pytest.mark.django_db
def test_the_background_reports_a_worker_that_stopped_writing_its_heartbeat(settings, no_heartbeat):
    settings.HEALTH_WORKER_MAX_AGE_SECONDS = 45
    worker_heartbeat_record("gone@host")
    assert background()[1]["checks"]["worker"] == "up"
    heartbeats_aged(46)
    assert background()[1]["checks"]["worker"] == "down"
    heartbeats_aged(30)
    assert background()[1]["checks"]["worker"] == "up"
    heartbeats_aged(46)
    assert ready() == READY


@pytest.mark.django_db
def test_the_background_reports_beat_stopped_sweeping(settings, no_heartbeat):
    settings.HEALTH_BEAT_MAX_AGE_SECONDS = 180
    sweep_heartbeat_record()
    assert background()[1]["checks"]["beat"] == "up"
    heartbeats_aged(181)
    assert background()[1]["checks"]["beat"] == "down"
    assert ready() == READY


@pytest.mark.django_db
def test_the_background_reports_mail_waiting_in_the_outbox(cast, no_heartbeat):
    row = EmailDelivery.objects.create(
        key="health:stuck", recipient=cast.fr_ncp, to_email=cast.fr_ncp.email, subject="s", body="b"
    )
    assert background()[1]["checks"]["outbox"] == "up"
    EmailDelivery.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert background()[1]["checks"]["outbox"] == "down"
    assert ready() == READY
    # Waiting for its next attempt after a temporary refusal is not being stuck.
    EmailDelivery.objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    assert background()[1]["checks"]["outbox"] == "up"


@pytest.mark.django_db
def test_the_metrics_carry_the_background_for_operators_to_alert_on(settings, no_heartbeat):
    from iconet.operations.metrics_scrape import exposition

    sweep_heartbeat_record()
    text = exposition().decode()
    assert 'iconet_background_up{component="beat"} 1.0' in text
    assert 'iconet_background_up{component="worker"} 0.0' in text
