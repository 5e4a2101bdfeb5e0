"""Deployment settings, the audit trail's immutability and the administration area."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import reverse

from iconet.models import AccessLog, ImmutableRecordError, Organisation, User
from tests.conftest import CAST_USERNAMES

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    # Without what the test run's own settings read (services.env lands in os.environ).
    prefixes = ("DJANGO_", "ICONET_", "SITE_URL", "ALERTS_", "ILO_")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_check():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        ICONET_ENV="production",
        DJANGO_SECRET_KEY="x" * 20 + "production-secret-key-of-sufficient-length-0987654321",
        DJANGO_ALLOWED_HOSTS="iconet.example.eu",
        SITE_URL="https://iconet.example.eu",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_a_site_url_fails_at_start():
    """Links in mails would otherwise point at http://127.0.0.1:8000."""
    result = run_manage(
        "check",
        ICONET_ENV="production",
        DJANGO_ALLOWED_HOSTS="iconet.example.eu",
        DJANGO_SECRET_KEY="x" * 20 + "production-secret-key-of-sufficient-length-0987654321",
    )
    assert result.returncode != 0
    assert "SITE_URL" in result.stderr


SHOW_SETTINGS = (
    "from django.conf import settings as s; print(s.SITE_URL, s.ALERTS_ESCALATION_MINUTES, "
    "s.ILO_REPORT_DUE_DAYS, s.ILO_REPORT_REMINDER_DAYS, s.ILO_REVIEWER_GROUP, sep='|')"
)


def test_area_settings_are_declared_with_defaults_and_read_from_the_environment():
    result = run_manage("shell", "--no-imports", "-c", SHOW_SETTINGS, ICONET_ENV="development")
    assert result.returncode == 0, result.stderr
    # Development keeps its local address as the default SITE_URL.
    assert result.stdout.strip() == ("http://127.0.0.1:8000|120|30|(14, 3)|ILO report reviewers")
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        SHOW_SETTINGS,
        ICONET_ENV="development",
        SITE_URL="https://x.example/",
        ALERTS_ESCALATION_MINUTES="45",
        ILO_REPORT_DUE_DAYS="60",
        ILO_REPORT_REMINDER_DAYS="21,7,1",
        ILO_REVIEWER_GROUP="Reviewers of ILO reports",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("https://x.example|45|60|(21, 7, 1)|Reviewers of ILO reports")


def test_production_without_a_secret_fails_at_start():
    result = run_manage("check", ICONET_ENV="production", DJANGO_ALLOWED_HOSTS="iconet.example.eu")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_access_log_cannot_be_changed_or_deleted():
    entry = AccessLog.objects.create(event=AccessLog.Event.SIGN_IN_FAILED, username="someone")
    with pytest.raises(ImmutableRecordError):
        entry.save()
    with pytest.raises(ImmutableRecordError):
        entry.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLog.objects.filter(pk=entry.pk).update(username="someone else")
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLog.objects.filter(pk=entry.pk).delete()
    assert AccessLog.objects.get(pk=entry.pk).username == "someone"


@pytest.mark.django_db
def test_change_log_cannot_be_changed_or_deleted(cast):
    entry = LogEntry.objects.get_for_object(cast.fr_officer).first()
    assert entry is not None
    with pytest.raises(DatabaseError), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).update(changes_text="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).delete()


@pytest.mark.django_db
def test_the_admin_shows_audit_records_read_only(cast, client_for, technical_admin):
    client = client_for(technical_admin)
    entry = LogEntry.objects.get_for_object(cast.fr_officer).first()
    change_url = reverse("manage:auditlog_logentry_change", args=[entry.pk])
    page = client.get(change_url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    delete_url = reverse("manage:auditlog_logentry_delete", args=[entry.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert client.post(change_url, {"changes_text": "x"}).status_code == 403
    assert LogEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db
def test_technical_admin_changes_are_audited_with_actor_and_address(client_for, technical_admin):
    from iconet.models import Country

    client = client_for(technical_admin)
    country = Country.objects.get(code="FR")
    response = client.post(
        reverse("manage:iconet_country_change", args=["FR"]),
        {
            "code": "FR",
            "name": "France",
            "is_eu_member": "on",
            "is_schengen_associated": "on",
        },
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = LogEntry.objects.get_for_object(country).order_by("-timestamp").first()
    assert entry.actor == technical_admin
    assert entry.remote_addr == "10.1.2.3"
    assert "is_schengen_associated" in entry.changes_dict


@pytest.mark.django_db
def test_django_admin_is_for_the_technical_superuser_only(cast, client_for, technical_admin):
    # Commission and national administrators work in the portal's administration pages.
    for name in ("commission_admin", "fr_admin", "fr_ncp"):
        response = client_for(getattr(cast, name)).get(reverse("manage:index"))
        assert response.status_code == 302, name
    client = client_for(technical_admin)
    assert client.get(reverse("manage:index")).status_code == 200
    # Who has access changes only through the portal's services: read-only here.
    page = client.get(reverse("manage:iconet_user_change", args=[cast.fr_officer.pk]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert cast.fr_officer.password.split("$")[0].encode() not in page.content
    org = cast.fr_officer.organisation
    response = client.post(
        reverse("manage:iconet_organisation_change", args=[org.pk]),
        {
            "name": org.name,
            "short_name": "renamed",
            "kind": org.kind,
            "country": "FR",
            "is_active": "on",
        },
    )
    assert response.status_code == 403
    org.refresh_from_db()
    assert org.short_name != "renamed"
    group_add = client.post(reverse("manage:iconet_accessgroup_add"), {"name": "Backdoor"})
    assert group_add.status_code == 403


@pytest.mark.django_db
def test_administration_area_holds_no_exchanged_items(client_for, technical_admin):
    page = client_for(technical_admin).get(reverse("manage:index")).content.decode()
    assert "alerts/alert" not in page and "ilo_reports/iloreport" not in page


@pytest.mark.django_db
def test_seed_demo_is_idempotent():
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    counts = (User.objects.count(), Organisation.objects.count())
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    assert (User.objects.count(), Organisation.objects.count()) == counts
    assert (
        # the demo network's contact points, beside the cast that every test database holds
        User.objects.filter(
            ncp_areas__contains=["alerts"],
            organisation__country__in=["FR", "DE", "NL", "BE", "IT", "ES"],
        )
        .exclude(username__in=CAST_USERNAMES)
        .count()
        == 6
    )


@pytest.mark.django_db
def test_missing_pages_answer_404_without_a_traceback(cast, client_for):
    response = client_for(cast.fr_officer).get("/no/such/page/")
    assert response.status_code == 404
    assert b"Traceback" not in response.content


@pytest.mark.django_db
def test_the_interface_speaks_french_when_chosen(cast, client_for):
    client = client_for(cast.fr_ncp)
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert response.status_code == 302
    page = client.get(reverse("home")).content.decode()
    assert 'lang="fr"' in page and "Alertes précoces" in page
    assert (
        "Se connecter"
        in Client().get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    )


@pytest.mark.django_db
def test_notifications_are_listed_opened_and_marked_read(cast, client_for):
    from iconet.models import Notification

    for n in range(3):
        Notification.objects.create(
            recipient=cast.de_ncp, title=f"Alert number {n}", url=reverse("alerts:list")
        )
    Notification.objects.create(recipient=cast.fr_ncp, title="Not for Germany", url="/")
    client = client_for(cast.de_ncp)
    page = client.get(reverse("notifications")).content.decode()
    assert "Notifications (3 unread)" in page
    assert "Alert number 2" in page and "Not for Germany" not in page
    first = Notification.objects.get(title="Alert number 0")
    assert client.post(reverse("notification_open", args=[first.pk]))["Location"] == reverse(
        "alerts:list"
    )
    assert "Notifications (2 unread)" in client.get(reverse("home")).content.decode()
    # Someone else's notification cannot be opened.
    other = Notification.objects.get(title="Not for Germany")
    assert client.post(reverse("notification_open", args=[other.pk])).status_code == 404
    client.post(reverse("notifications_read"))
    assert not Notification.objects.filter(recipient=cast.de_ncp, read_at__isnull=True).exists()


@pytest.mark.django_db
def test_an_ordinary_refusal_is_one_log_line_without_a_traceback(cast, client_for, caplog):
    from tests.items import item_make

    draft = item_make("alerts.alert", author=cast.fr_officer, state="draft", audience="owner")
    client = client_for(cast.fr_officer)
    with caplog.at_level("WARNING"):
        forbidden = client.get(reverse("alerts:publish", args=[draft.pk]))
        missing = client_for(cast.de_ncp).get(reverse("alerts:detail", args=[draft.pk]))
    assert (forbidden.status_code, missing.status_code) == (403, 404)
    # The request line says it; Django's own line for it is dropped.
    answers = [r for r in caplog.records if r.name in ("django.request", "iconet.request")]
    assert [(r.name, r.status) for r in answers] == [
        ("iconet.request", 403),
        ("iconet.request", 404),
    ]
    assert all(r.exc_info is None for r in answers)
    assert "Traceback" not in caplog.text


@pytest.mark.django_db
def test_every_page_names_its_icon_and_the_icon_is_served(cast, client_for):
    page = client_for(cast.fr_ncp).get(reverse("home")).content.decode()
    assert 'rel="icon"' in page
    from django.contrib.staticfiles import finders

    assert finders.find("iconet/favicon.svg")


@pytest.mark.django_db
def test_times_are_shown_in_brussels_time_in_one_format_per_language(cast, client_for):
    import datetime

    from tests.items import item_make

    alert = item_make("alerts.alert", author=cast.fr_officer)
    summer = datetime.datetime(2026, 7, 1, 10, 0, tzinfo=datetime.UTC)
    type(alert).objects.filter(pk=alert.pk).update(published_at=summer)
    client = client_for(cast.de_ncp)
    page = client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert "1 Jul 2026, 12:00 CEST" in page  # 10:00 UTC is noon in Brussels in summer
    assert "Brussels time" in page
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    page = client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert "1 juillet 2026, 12:00 CEST" in page
