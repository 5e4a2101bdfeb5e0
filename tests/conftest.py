"""The shared fixtures: a named cast of users, signed-in clients, and real SMTP and Celery.

The cast, by role and Member State (visibility tests read like the permission story):
- fr_ncp, de_ncp, nl_ncp, be_ncp, it_ncp, es_ncp: national contact points for every area
- fr_officer, de_officer: officers of their national service, every area
- fr_colleague: another French officer with every area, who authors nothing the tests make
  (a colleague of the author, neither author nor manager)
- fr_admin: France's national administrator
- fr_no_area: a French officer without any area of competence
- commission_admin: a Commission administrator (manages access, reads only what is shared)
- frontex_user: an EU agency user (observer)
- ilo_fr_tr, ilo_de_tr: immigration liaison officers of France and Germany posted in Türkiye

The test database is built once per test process: the migrations, then the cast. Each ordinary
test runs in a transaction rolled back at its end; a transactional test (live server, worker)
empties the tables at its end, and the rows of the migrations and the cast are copied back
from a schema that keeps them (`baseline_copy`, `baseline_load`). Larger worlds that several
tests read (the permission matrix's items, the demo network) are built once too: see
`module_world` and tests/browser/conftest.py.
"""

import os
import socket
import threading
import time
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from iconet import celery_app
from iconet.directory.data import countries_ensure
from iconet.models import Area, Organisation, Role, User

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
# content types...), and the cast; the flush after each transactional test empties their
# tables with the rest. They are copied once, after the cast is made, into a schema of the test
# database, and copied back after each flush.
BASELINE_SCHEMA = "iconet_test_baseline"
# (table, its written columns) of every table that holds rows in the baseline.
baseline_tables: list[tuple[str, str]] = []


def is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool({"transactional_db", "live_server"} & set(request.fixturenames)) or bool(
        marker and marker.kwargs.get("transaction")
    )


def snapshot_copy(schema: str) -> list[tuple[str, str]]:
    """Copy every table that holds rows into `schema`; (table, its written columns) of each."""
    from django.db import connection

    tables = []
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
            tables.append((table, columns))
    return tables


def snapshot_load(schema: str, tables: list[tuple[str, str]], *, empty_first=False) -> None:
    """Put a snapshot's rows back (with the ids they had), into tables emptied before when
    `empty_first`."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        if empty_first:
            for table in connection.introspection.django_table_names(only_existing=True):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
        for table, columns in tables:
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                f"INSERT INTO {quoted} ({columns}) SELECT {columns} FROM {schema}.{quoted}"
            )


def baseline_copy() -> None:
    """Copy the rows of the migrations and the cast, once per test database."""
    baseline_tables[:] = snapshot_copy(BASELINE_SCHEMA)


def baseline_load() -> None:
    """Put the baseline's rows back into the emptied tables (with the ids they had)."""
    snapshot_load(BASELINE_SCHEMA, baseline_tables)


@pytest.fixture(scope="session", autouse=True)
def baseline_copied(django_db_setup, django_db_blocker):
    """The cast is made once per test database, committed, and copied with what the migrations
    and `post_migrate` left (content types and permissions, with their ids): the flush need not
    make them again, under new ids."""
    from django.core.management.commands import flush
    from django.db import connection

    with django_db_blocker.unblock():
        # pytest-django sets up no database for a run whose tests use none (a lint alone):
        # there is then nothing to build the cast in.
        if "iconet_country" not in connection.introspection.table_names():
            yield
            return
        cast_build()
        baseline_copy()
    emit = flush.emit_post_migrate_signal
    flush.emit_post_migrate_signal = lambda *args, **kwargs: None
    yield
    flush.emit_post_migrate_signal = emit
    baseline_tables.clear()
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


# Set while a module's world is kept in a transaction open around the module's tests.
module_world_open: list[str] = []


@pytest.fixture(autouse=True)
def baseline(request, django_db_blocker):
    """Every test starts from the baseline: a transactional test's flush empties the tables at
    its teardown, and `pytest_runtest_teardown` below loads the baseline again right after it
    (also for the ordinary tests that a parallel worker runs next, inside their own
    transaction)."""
    if is_transactional(request):
        if module_world_open:
            pytest.fail(
                f"{request.node.nodeid} commits, but {module_world_open[0]} keeps a world in a "
                "transaction around its module's tests: give the test a module of its own"
            )
        request.node.iconet_reload_data = django_db_blocker


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield  # the fixtures are torn down: a transactional test's tables are flushed now
    blocker = getattr(item, "iconet_reload_data", None)
    # After the session's last test the test database is gone too: nothing to reload into
    # (the connection would point at the development database).
    if blocker is not None and nextitem is not None:
        with blocker.unblock():
            baseline_load()


@contextmanager
def module_world(name: str, django_db_blocker):
    """Rows made in the block stay for every test of a module, whose own transactions are
    savepoints inside the one opened here; it is rolled back after the module's last test.
    Only ordinary tests may run meanwhile (a transactional test commits: it fails at once)."""
    from django.db import transaction

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
    module_world_open.append(name)
    try:
        yield
    finally:
        module_world_open.remove(name)
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


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


CAST_USERNAMES = (
    *(f"{code.lower()}_ncp" for code in MEMBER_STATES),
    "fr_officer",
    "de_officer",
    "fr_colleague",
    "fr_admin",
    "fr_no_area",
    "commission_admin",
    "frontex_user",
    "ilo_fr_tr",
    "ilo_de_tr",
)


def cast_build() -> None:
    """Make the cast; done once per test database (`baseline_copied`)."""
    countries_ensure()
    for code in MEMBER_STATES:
        org = national_service(code)
        UserFactory(
            username=f"{code.lower()}_ncp",
            organisation=org,
            areas=ALL_AREAS,
            ncp_areas=ALL_AREAS,
        )
    fr = Organisation.objects.get(short_name="BP-FR")
    de = Organisation.objects.get(short_name="BP-DE")
    UserFactory(username="fr_officer", organisation=fr)
    UserFactory(username="de_officer", organisation=de)
    UserFactory(username="fr_colleague", organisation=fr)
    UserFactory(username="fr_admin", organisation=fr, role=Role.NATIONAL_ADMIN)
    UserFactory(username="fr_no_area", organisation=fr, areas=[])
    commission = OrganisationFactory(
        name="European Commission, DG Migration and Home Affairs",
        short_name="EC",
        country=None,
        kind=Organisation.Kind.COMMISSION,
    )
    UserFactory(
        username="commission_admin",
        organisation=commission,
        role=Role.COMMISSION_ADMIN,
    )
    frontex = OrganisationFactory(
        name="Frontex", short_name="Frontex", country=None, kind=Organisation.Kind.AGENCY
    )
    UserFactory(username="frontex_user", organisation=frontex, role=Role.AGENCY_USER)
    UserFactory(
        username="ilo_fr_tr", organisation=fr, role=Role.ILO, areas=[Area.ILO], host_country="TR"
    )
    UserFactory(
        username="ilo_de_tr", organisation=de, role=Role.ILO, areas=[Area.ILO], host_country="TR"
    )


def cast_users() -> SimpleNamespace:
    """The cast as the database holds it now, fresh objects (one query)."""
    users = User.objects.select_related("organisation").filter(username__in=CAST_USERNAMES)
    return SimpleNamespace(**{user.username: user for user in users})


@pytest.fixture
def cast(db):
    """The cast, made once per test database; each test gets its own objects."""
    people = cast_users()
    assert len(vars(people)) == len(CAST_USERNAMES), "a test left the cast incomplete"
    return people


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


# The slow layers, marked at collection so that `-m "not slow"` (make test-fast) leaves them:
# - browser: headless Chromium against a live server (tests/browser);
# - worker: tests whose rows must be committed for another thread or process to see them (a
#   Celery worker, a live server, an SMTP conversation on a fresh connection): each empties and
#   reloads the tables at its end;
# - walk: the long generated walks of every page, role and item (prefixes of their node ids).
WALKS = (
    "tests/core/test_permission_matrix.py::",
    "tests/core/test_url_fuzz.py::",
    "tests/core/test_french_walk.py::",
)


def pytest_itemcollected(item):
    if item.nodeid.startswith("tests/browser/"):
        item.add_marker(pytest.mark.browser)
    marker = item.get_closest_marker("django_db")
    if {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())) or (
        marker and marker.kwargs.get("transaction")
    ):
        item.add_marker(pytest.mark.worker)
    if item.nodeid.startswith(WALKS):
        item.add_marker(pytest.mark.walk)
    if {"browser", "worker", "walk"} & {mark.name for mark in item.iter_markers()}:
        item.add_marker(pytest.mark.slow)


# The longest tests (minutes each) are shared out between the parallel workers: pytest-xdist's
# work-stealing scheduler first gives each worker one contiguous slice of the collection, so
# each slice starts with its share of them (one worker would otherwise run them all at the end).
LONGEST = (
    "tests/core/test_permission_matrix.py::test_every_item_page_answers_as_the_policy_says",
    "tests/core/test_url_fuzz.py::test_no_page_answers_500_to_hostile_query_parameters",
    "tests/api/test_schema_fuzz.py::test_generated_requests_never_crash_nor_break_the_schema",
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
