"""docker-compose.yml, read as YAML: the services of the stack, the volumes that keep its data,
a health check on every long-running service, the order of start (nothing runs on an unmigrated
database), two replicas of web and worker with exactly one beat, and environment variables that
the settings really read (a renamed setting breaks this test, not the deployment)."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ["migrate", "web", "worker", "beat"]  # the portal's image, its settings
LONG_RUNNING = ["postgres", "redis", "web", "worker", "beat", "proxy", "mailpit"]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def mounts(service: dict) -> dict[str, str]:
    """Mount point -> named volume (or host path) of a service."""
    found = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        found[target] = source
    return found


def settings_env_names() -> set[str]:
    text = (ROOT / "iconet" / "settings.py").read_text()
    return set(re.findall(r"""env(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""", text))


def test_the_stack_has_its_services(compose):
    assert set(compose["services"]) >= {*LONG_RUNNING, "migrate"}


def test_database_redis_and_stored_files_are_on_volumes(compose):
    services = compose["services"]
    named = set(compose["volumes"])
    assert mounts(services["postgres"])["/var/lib/postgresql/data"] in named
    assert mounts(services["redis"])["/data"] in named
    # Redis writes what it holds to its volume (append-only file), not only at shutdown.
    assert "--appendonly" in services["redis"]["command"]
    for name in APP_SERVICES:
        service = services[name]
        media = service["environment"]["MEDIA_ROOT"]
        assert mounts(service)[media] == "media" and "media" in named, name


def test_every_long_running_service_has_a_health_check(compose):
    for name in LONG_RUNNING:
        check = compose["services"][name].get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), name
    assert compose["services"]["migrate"]["restart"] == "no"  # a one-shot job


def test_nothing_starts_on_a_database_the_migrations_have_not_reached(compose):
    for name in ("web", "worker", "beat"):
        depends = compose["services"][name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
    assert compose["services"]["migrate"]["command"].split()[-2:] == ["migrate", "--noinput"]


def test_two_web_and_two_worker_replicas_behind_the_proxy_and_one_beat(compose):
    services = compose["services"]
    assert services["web"]["deploy"]["replicas"] == 2
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    # Replicas cannot share a host port: only the proxy publishes one, and it reaches every
    # replica through the service name.
    assert "ports" not in services["web"]
    assert services["proxy"]["ports"] == ["127.0.0.1:8000:8000"]
    caddyfile = ROOT / mounts(services["proxy"])["/etc/caddy/Caddyfile"]
    assert re.search(r"dynamic a web 8000", caddyfile.read_text())


def test_every_environment_variable_the_portal_gets_is_a_setting(compose):
    read = settings_env_names()
    assert {"DATABASE_URL", "REDIS_URL", "EMAIL_USE_TLS", "MEDIA_ROOT"} <= read  # the grep works
    for name in APP_SERVICES:
        given = set(compose["services"][name]["environment"])
        assert given - read == set(), name


def test_production_sends_mail_over_tls_unless_told_otherwise(compose, monkeypatch):
    """EMAIL_USE_TLS is on by default in production and off in development; the compose file
    turns it off only for its own mail catcher."""
    import importlib

    import iconet.settings as module

    production = {
        "ICONET_ENV": "production",
        "DJANGO_SECRET_KEY": "x" * 50,
        "SITE_URL": "https://iconet.example.eu",
    }
    try:
        for name in ("EMAIL_USE_TLS", *production):
            monkeypatch.delenv(name, raising=False)
        for name, value in production.items():
            monkeypatch.setenv(name, value)
        assert importlib.reload(module).EMAIL_USE_TLS is True
        monkeypatch.setenv("ICONET_ENV", "development")
        assert importlib.reload(module).EMAIL_USE_TLS is False
    finally:
        monkeypatch.undo()
        importlib.reload(module)
    environment = compose["x-env"]
    assert environment["EMAIL_USE_TLS"] == "false" and environment["EMAIL_HOST"] == "mailpit"


def test_beats_schedule_outlives_its_container(compose):
    """Beat keeps when each job last ran on a volume: a re-created container neither runs the
    daily digest again nor waits a day for it."""
    beat = compose["services"]["beat"]
    command = beat["command"].split()
    schedule = command[command.index("-s") + 1]
    folder = schedule.rpartition("/")[0]
    assert mounts(beat).get(folder) in set(compose["volumes"]), schedule
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert folder in dockerfile  # made in the image, owned by the portal's user


def test_the_load_balancer_and_docker_check_only_what_a_web_replica_needs(compose):
    web = compose["services"]["web"]["healthcheck"]["test"]
    assert any("/health/ready/" in part for part in web)
    worker = compose["services"]["worker"]["healthcheck"]["test"]
    assert not any("inspect ping" in part for part in worker)  # no broadcast through the broker
