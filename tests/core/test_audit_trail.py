"""The audit trail (django-auditlog's change log and the access log) cannot be emptied: not by
TRUNCATE, not by `manage.py auditlogflush`, and a role that does not own the tables (the role
the portal runs as in production) cannot switch the protecting triggers off."""

import os

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from iconet.audit.services import access_log_write
from iconet.models import AccessLog
from tests.alerts.conftest import alert_published

AUDIT_TABLES = ["auditlog_logentry", "iconet_accesslog"]


@pytest.fixture
def trail(cast):
    alert_published(cast.fr_ncp, destinations=["DE"])
    access_log_write(event=AccessLog.Event.READ, actor=cast.de_ncp, detail="read")
    counts = (LogEntry.objects.count(), AccessLog.objects.count())
    assert all(counts)
    return counts


def refused(sql: str) -> str:
    with pytest.raises(DatabaseError) as error, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    return str(error.value)


@pytest.mark.django_db(transaction=True)  # TRUNCATE needs a transaction of its own
@pytest.mark.parametrize("table", AUDIT_TABLES)
def test_truncate_is_refused(trail, table):
    assert "audit records cannot be changed or deleted" in refused(f"TRUNCATE {table} CASCADE")
    assert (LogEntry.objects.count(), AccessLog.objects.count()) == trail


@pytest.mark.django_db(transaction=True)
def test_the_flush_command_refuses_and_leaves_the_rows(trail):
    for arguments in (["-y", "--truncate"], ["-y"], ["-y", "--before-date", "2100-01-01"]):
        with pytest.raises(CommandError, match="audit records cannot be changed or deleted"):
            call_command("auditlogflush", *arguments)
    assert (LogEntry.objects.count(), AccessLog.objects.count()) == trail


def test_a_role_that_does_not_own_the_tables_cannot_disable_the_triggers(trail):
    role = f"iconet_test_app_{os.getpid()}"
    with connection.cursor() as cursor:
        # Rolled back with the test's transaction, as the role is created in it.
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(AUDIT_TABLES)} TO {role}"
        )
        cursor.execute(f"SET ROLE {role}")
    try:
        for table in AUDIT_TABLES:
            assert "must be owner" in refused(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
            assert "must be owner" in refused(f"DROP TRIGGER {table}_no_truncate ON {table}")
            refused(f"DELETE FROM {table}")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    assert (LogEntry.objects.count(), AccessLog.objects.count()) == trail
