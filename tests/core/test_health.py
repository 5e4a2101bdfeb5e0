"""The health endpoints, against the real PostgreSQL, Redis and a real Celery worker: up or
down per component, open without signing in, and never a word of data."""

import datetime
import time

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from iconet.health import heartbeat_key, sweep_heartbeat_record
from iconet.models import EmailDelivery
from iconet.tasks import email_sweep_pending
from tests.alerts.test_delivery import broker_down, until


def ready() -> tuple[int, dict]:
    response = Client().get(reverse("health_ready"))
    return response.status_code, response.json()


@pytest.fixture
def no_heartbeat():
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(heartbeat_key())
    yield
    client.delete(heartbeat_key())


def test_live_answers_without_signing_in_and_says_nothing_else():
    response = Client().get(reverse("health_live"))
    assert response.status_code == 200 and response.json() == {"status": "up"}


@pytest.mark.django_db(transaction=True)
def test_ready_when_every_component_is_up(celery_worker, no_heartbeat):
    email_sweep_pending.delay()  # beat's job, run by the real worker: it leaves a heartbeat
    assert until(lambda: ready()[0] == 200, timeout=20), ready()
    status, body = ready()
    assert body == {
        "status": "up",
        "checks": {
            "database": "up",
            "migrations": "up",
            "redis": "up",
            "worker": "up",
            "beat": "up",
            "outbox": "up",
        },
    }


@pytest.mark.django_db(transaction=True)
def test_ready_turns_unhealthy_when_redis_is_down(celery_worker, no_heartbeat):
    sweep_heartbeat_record()
    with broker_down():
        status, body = ready()
    assert status == 503 and body["status"] == "down"
    assert body["checks"]["redis"] == "down" and body["checks"]["worker"] == "down"
    assert body["checks"]["database"] == "up"


@pytest.mark.django_db
def test_ready_turns_unhealthy_when_no_worker_runs(no_heartbeat):
    sweep_heartbeat_record()  # beat ran a moment ago, but no worker consumes the queue now
    status, body = ready()
    assert status == 503
    assert body["checks"]["worker"] == "down" and body["checks"]["redis"] == "up"


@pytest.mark.django_db
def test_ready_turns_unhealthy_when_beat_stopped_sweeping(settings, no_heartbeat):
    settings.HEALTH_BEAT_MAX_AGE_SECONDS = 3  # the worker check before it waits up to 1 s
    sweep_heartbeat_record()
    assert ready()[1]["checks"]["beat"] == "up"
    time.sleep(3.2)
    assert ready()[1]["checks"]["beat"] == "down"


@pytest.mark.django_db
def test_ready_turns_unhealthy_when_mail_waits_in_the_outbox(cast, no_heartbeat):
    row = EmailDelivery.objects.create(
        key="health:stuck", recipient=cast.fr_ncp, to_email=cast.fr_ncp.email, subject="s", body="b"
    )
    assert ready()[1]["checks"]["outbox"] == "up"
    EmailDelivery.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert ready()[1]["checks"]["outbox"] == "down"
    # Waiting for its next attempt after a temporary refusal is not being stuck.
    EmailDelivery.objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    assert ready()[1]["checks"]["outbox"] == "up"
