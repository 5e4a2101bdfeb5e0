"""The shared fixtures: a named cast of users, signed-in clients, and real SMTP and Celery.

The cast, by role and Member State (visibility tests read like the permission story):
- fr_ncp, de_ncp, nl_ncp, be_ncp, it_ncp, es_ncp: national contact points for every area
- fr_officer, de_officer: officers of their national service, every area
- fr_admin: France's national administrator
- fr_no_area: a French officer without any area of competence
- commission_admin: a Commission administrator (manages access, reads only what is shared)
- frontex_user: an EU agency user (observer)
- ilo_fr_tr, ilo_de_tr: immigration liaison officers of France and Germany posted in Türkiye
"""

import os
import socket
import threading
import time
from types import SimpleNamespace

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from iconet import celery_app
from iconet.directory.data import countries_ensure
from iconet.models import Area, Organisation, Role

from .factories import OrganisationFactory, UserFactory

# Tests use a queue of their own, so a portal running beside them never takes their tasks.
TEST_QUEUE = f"iconet-test-{os.getpid()}"
celery_app.conf.task_default_queue = TEST_QUEUE

ALL_AREAS = list(Area.values)
MEMBER_STATES = ["FR", "DE", "NL", "BE", "IT", "ES"]


@pytest.fixture(scope="session", autouse=True)
def test_queue_removed():
    """Tasks queued by tests that run no worker are dropped with the test queue at the end."""
    yield
    try:
        with celery_app.connection_for_write() as connection:
            connection.default_channel.queue_delete(TEST_QUEUE)
            connection.default_channel.exchange_delete(TEST_QUEUE)
        from iconet.operations.health import broker_client, heartbeat_key
        from iconet.operations.metrics import tasks_key

        # The outbox sweep's heartbeat and the task counts of the metrics, for this queue.
        broker_client().delete(heartbeat_key(), tasks_key())
    except Exception:  # noqa: BLE001 - a broker that is down has nothing to clean
        pass


@pytest.fixture(scope="session", autouse=True)
def audit_trail_flushable_in_tests():
    """Transactional tests empty every table after each test, which the audit tables refuse
    (migration iconet 0004). Only that flush of the test database skips the triggers, with
    `session_replication_role`, which only a superuser may set. It deletes the rows rather
    than truncating: tests leave few rows, and TRUNCATE costs a new file for every table and
    index whether it holds rows or not."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables:
            return []
        if reset_sequences:
            statements = original(
                self, style, tables, reset_sequences=True, allow_cascade=allow_cascade
            )
        else:
            # The triggers of foreign keys are off too, so the order of the tables is free.
            statements = [f"DELETE FROM {self.quote_name(table)}" for table in tables]
        return ["SET LOCAL session_replication_role = replica", *statements]

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = original


# Rows that the migrations leave and the code relies on (groups, templates, vocabularies,
# content types...); the flush after each transactional test empties their tables with the
# rest. They are copied once, after the migrations, into a schema of the test database, and
# copied back after each flush.
MIGRATION_DATA_SCHEMA = "iconet_test_migration_data"
# (table, its written columns) of every table that holds rows after the migrations.
migration_data_tables: list[tuple[str, str]] = []


def is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool({"transactional_db", "live_server"} & set(request.fixturenames)) or bool(
        marker and marker.kwargs.get("transaction")
    )


def migration_data_copy() -> None:
    """Copy the rows the migrations left, once per test database."""
    from django.db import connection

    schema = MIGRATION_DATA_SCHEMA
    migration_data_tables.clear()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        cursor.execute(f"CREATE SCHEMA {schema}")
        for table in connection.introspection.django_table_names(only_existing=True):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {quoted})")
            if not cursor.fetchone()[0]:
                continue
            cursor.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                "current_schema() AND table_name = %s AND is_generated = 'NEVER' "
                "ORDER BY ordinal_position",
                [table],
            )
            columns = ", ".join(connection.ops.quote_name(row[0]) for row in cursor.fetchall())
            cursor.execute(f"CREATE TABLE {schema}.{quoted} AS SELECT {columns} FROM {quoted}")
            migration_data_tables.append((table, columns))


def migration_data_load() -> None:
    """Put the migrations' rows back into the emptied tables (with the ids they had)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table, columns in migration_data_tables:
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                f"INSERT INTO {quoted} ({columns}) SELECT {columns} "
                f"FROM {MIGRATION_DATA_SCHEMA}.{quoted}"
            )


@pytest.fixture(scope="session", autouse=True)
def migration_data_copied(django_db_setup, django_db_blocker):
    """The copy holds what `post_migrate` made after the migrations too (content types and
    permissions, with their ids): the flush need not make them again, under new ids."""
    from django.core.management.commands import flush

    with django_db_blocker.unblock():
        migration_data_copy()
    emit = flush.emit_post_migrate_signal
    flush.emit_post_migrate_signal = lambda *args, **kwargs: None
    yield
    flush.emit_post_migrate_signal = emit
    migration_data_tables.clear()
    # A connection a worker or live-server thread left open would keep the test database from
    # being dropped next (it would stay on the server after the run): close them first.
    from django.db import connection

    # A test that terminated backends may have ended this thread's own connection too: start
    # from a fresh one.
    connection.close()
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        # A terminated backend takes a moment to go: wait, or dropping the database would find
        # it still there.
        for _attempt in range(50):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if not cursor.fetchone()[0]:
                break
            time.sleep(0.1)


@pytest.fixture(autouse=True)
def migration_data(request, django_db_blocker):
    """Every test starts from the database the migrations leave, data included: a transactional
    test's flush empties the tables at its teardown, and `pytest_runtest_teardown` below loads
    the data again right after it (also for the ordinary tests that a parallel worker runs
    next, inside their own transaction)."""
    if is_transactional(request):
        request.node.iconet_reload_data = django_db_blocker


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield  # the fixtures are torn down: a transactional test's tables are flushed now
    blocker = getattr(item, "iconet_reload_data", None)
    # After the session's last test the test database is gone too: nothing to reload into
    # (the connection would point at the development database).
    if blocker is not None and nextitem is not None:
        with blocker.unblock():
            migration_data_load()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """A test database per run, so that runs side by side on one server never collide."""
    from django.conf import settings

    test = settings.DATABASES["default"].setdefault("TEST", {})
    test["NAME"] = f"test_{settings.DATABASES['default']['NAME']}_{os.getpid()}"
    # The live server's request threads must not keep connections open past the test, or the
    # test database cannot be dropped at the end.
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


def national_service(code: str) -> Organisation:
    return OrganisationFactory(
        name=f"Border police {code}", short_name=f"BP-{code}", country_id=code
    )


@pytest.fixture
def cast(db):
    countries_ensure()
    people = {}
    for code in MEMBER_STATES:
        org = national_service(code)
        people[f"{code.lower()}_ncp"] = UserFactory(
            username=f"{code.lower()}_ncp",
            organisation=org,
            areas=ALL_AREAS,
            ncp_areas=ALL_AREAS,
        )
    fr = Organisation.objects.get(short_name="BP-FR")
    de = Organisation.objects.get(short_name="BP-DE")
    people["fr_officer"] = UserFactory(username="fr_officer", organisation=fr)
    people["de_officer"] = UserFactory(username="de_officer", organisation=de)
    people["fr_admin"] = UserFactory(username="fr_admin", organisation=fr, role=Role.NATIONAL_ADMIN)
    people["fr_no_area"] = UserFactory(username="fr_no_area", organisation=fr, areas=[])
    commission = OrganisationFactory(
        name="European Commission, DG Migration and Home Affairs",
        short_name="EC",
        country=None,
        kind=Organisation.Kind.COMMISSION,
    )
    people["commission_admin"] = UserFactory(
        username="commission_admin",
        organisation=commission,
        role=Role.COMMISSION_ADMIN,
    )
    frontex = OrganisationFactory(
        name="Frontex", short_name="Frontex", country=None, kind=Organisation.Kind.AGENCY
    )
    people["frontex_user"] = UserFactory(
        username="frontex_user", organisation=frontex, role=Role.AGENCY_USER
    )
    people["ilo_fr_tr"] = UserFactory(
        username="ilo_fr_tr", organisation=fr, role=Role.ILO, areas=[Area.ILO], host_country="TR"
    )
    people["ilo_de_tr"] = UserFactory(
        username="ilo_de_tr", organisation=de, role=Role.ILO, areas=[Area.ILO], host_country="TR"
    )
    return SimpleNamespace(**people)


@pytest.fixture
def technical_admin(cast):
    """The technical superuser, the only user of Django's admin at /manage/."""
    return UserFactory(
        username="technical",
        organisation=cast.commission_admin.organisation,
        areas=[],
        is_superuser=True,
        is_staff=True,
    )


def verified_client(user) -> Client:
    """A browser session that signed in with a password and passed the second factor."""
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(
        user=user, confirmed=True
    ).first() or TOTPDevice.objects.create(
        user=user,
        name="test authenticator",
        confirmed=True,
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def client_for(db):
    return verified_client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """A real SMTP server on loopback that keeps what it receives."""

    def __init__(self):
        from email import message_from_bytes

        from aiosmtpd.controller import Controller

        self.messages = []
        self._lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                with sink._lock:
                    sink.messages.append(message_from_bytes(envelope.content))
                return "250 Message accepted for delivery"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()

    def stop(self):
        self.controller.stop()

    def wait_for(self, count: int, timeout: float = 15.0) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        with self._lock:
            return list(self.messages)


@pytest.fixture
def smtp_server(settings):
    sink = SmtpSink()
    sink.start()
    settings.EMAIL_BACKEND = "iconet.outbox.mail.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    yield sink
    sink.stop()


def until(condition, timeout: float = 20.0) -> bool:
    """Wait for `condition()` to hold, at most `timeout` seconds; whether it does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def worker_running():
    """A real Celery worker thread consuming the test queue on the real Redis broker, for a
    `with` block (its database connection opens on its first task)."""
    from celery.contrib.testing.worker import start_worker

    return start_worker(
        celery_app,
        pool="solo",
        concurrency=1,
        perform_ping_check=False,
        queues=[TEST_QUEUE],
        shutdown_timeout=30,
    )


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker thread for the whole test."""
    with worker_running() as worker:
        yield worker


# The longest tests (minutes each) are shared out between the parallel workers: pytest-xdist's
# work-stealing scheduler first gives each worker one contiguous slice of the collection, so
# each slice starts with its share of them (one worker would otherwise run them all at the end).
LONGEST = (
    "tests/core/test_permission_matrix.py::test_every_item_page_answers_as_the_policy_says",
    "tests/core/test_url_fuzz.py::test_no_page_answers_500_to_hostile_query_parameters",
    "tests/core/test_permission_matrix.py::",
    "tests/browser/",
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    def rank(item) -> int:
        for position, prefix in enumerate(LONGEST):
            if item.nodeid.startswith(prefix):
                return position
        return len(LONGEST)

    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    ordered = sorted(items, key=rank)  # stable: the order within each rank is kept
    long = [item for item in ordered if rank(item) < len(LONGEST)]
    short = [item for item in ordered if rank(item) == len(LONGEST)]
    size = -(-len(items) // workers)
    slices = []
    for worker in range(workers):
        share = long[worker::workers]
        take = max(size - len(share), 0)
        slices += [*share, *short[:take]]
        short = short[take:]
    items[:] = slices + short
