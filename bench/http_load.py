"""Pages under load, measured from outside: gunicorn serves the portal on loopback against the
visibility benchmark's network (bench/visibility.py seeds it), and signed-in users request the
home page, the alert list (page 1 and page 400), an alert's page and a search, beside a
trivial page of the same server behind the same middleware.

For each page it prints requests/s and the p50/p95 latency at 1, 4 and 16 concurrent users,
the server time split into SQL and the rest (a header the bench settings add) and the number
of queries. With --repeat N it measures N times and prints min/median/max of each figure.

    .venv/bin/python bench/http_load.py [--repeat 3] [--requests 40] [--workers 3]
"""

import sys
from pathlib import Path

# The project's root, not this folder, on the path: the benchmark imports `bench.visibility`
# and gunicorn loads `bench.http_server.settings`.
BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import http.client  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from http.cookies import SimpleCookie  # noqa: E402

os.environ.setdefault("ICONET_BENCH_DB", "iconet_bench")
from bench import visibility  # noqa: E402, I001  (sets Django up on the bench database)

# isort: split
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from iconet.dashboard.trends import trends_rebuild  # noqa: E402
from iconet.models import User  # noqa: E402
from iconet.sharing.registry import shared_item_models  # noqa: E402

HOST = "127.0.0.1"
CONCURRENCY = (1, 4, 16)
ROUTE = ["TR", "GR", "RS", "MA", "LY", "TN", "AL", "UA", "BA", "MK"]
NATIONALITIES = ["SY", "AF", "IQ", "ER", "NG", "PK", "BD", "MA", "SO", "TR"]
WORDS = "smuggling route border lorry forged passport network crossing port ferry visa".split()


def figures_give(model) -> None:
    """Once: what the home page's trends and the search read (the seeded alerts have neither):
    a border type, a route, destination states, nationalities, and words in the headline."""
    if model.objects.exclude(transit_countries=[]).exists():
        return
    print("Giving the seeded alerts a route, nationalities and searchable words (once)...")
    table = model._meta.db_table
    through = model.destination_states.through._meta.db_table
    nationalities = model.nationalities.rel.related_model._meta.db_table
    states = list(visibility.Country.objects.values_list("code", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET border_type = (ARRAY['land','sea','air','inland'])[1 + id %% 4],"
            " transit_countries ="
            " ARRAY[(%s::text[])[1 + id %% 10], (%s::text[])[1 + (id / 10) %% 10]],"
            " headline = (%s::text[])[1 + id %% 11] || ' ' || (%s::text[])[1 + (id / 11) %% 11]"
            " || ' ' || (%s::text[])[1 + (id / 121) %% 11]",
            [ROUTE, ROUTE, WORDS, WORDS, WORDS],
        )
        cursor.execute(
            f"INSERT INTO {through} (alert_id, country_id) "
            f"SELECT id, (%s::text[])[1 + id %% %s] FROM {table} ON CONFLICT DO NOTHING",
            [states, len(states)],
        )
        cursor.execute(
            f"INSERT INTO {nationalities} (alert_id, nationality, count) "
            f"SELECT id, (%s::text[])[1 + id %% 10], 1 + id %% 20 FROM {table} WHERE id %% 2 = 0",
            [NATIONALITIES],
        )
    print("Counting the trends of every alert (once)...")
    trends_rebuild()


def sessions_for(user, n: int) -> list[str]:
    """`n` sessions of users of `user`'s organisation (the same items visible), each signed in
    with a passed second factor, as the tests' verified client makes them."""
    people = list(User.objects.filter(organisation_id=user.organisation_id, is_active=True))
    people = [user] + [p for p in people if p.pk != user.pk]
    cookies = []
    for i in range(n):
        person = people[i % len(people)]
        if set(person.areas) != set(user.areas):
            person.areas = user.areas
            person.save(update_fields=["areas"])
        client = Client()
        client.force_login(person)
        device = TOTPDevice.objects.filter(
            user=person, confirmed=True
        ).first() or TOTPDevice.objects.create(user=person, name="bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
    return cookies


def request(port: int, path: str, cookie: str) -> tuple[float, int, dict]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    conn.request("GET", path, headers={"Cookie": cookie, "Host": f"{HOST}:{port}"})
    response = conn.getresponse()
    response.read()
    seconds = time.perf_counter() - started
    headers = {k.lower(): v for k, v in response.getheaders()}
    conn.close()
    return seconds, response.status, headers


def cookie_refresh(headers: dict, cookie: str) -> str:
    """The session cookie the server answered with, if it set a new one."""
    jar = SimpleCookie()
    jar.load(headers.get("set-cookie", ""))
    morsel = jar.get(settings.SESSION_COOKIE_NAME)
    return f"{settings.SESSION_COOKIE_NAME}={morsel.value}" if morsel else cookie


def load(port: int, path: str, cookies: list[str], users: int, total: int) -> dict:
    """`total` requests of `path` by `users` concurrent users (each its own session)."""
    latencies: list[float] = []
    timings: list[tuple[float, float, int]] = []
    errors: list[str] = []
    lock = threading.Lock()
    budget = iter(range(total))

    def user(index: int) -> None:
        cookie = cookies[index]
        while True:
            with lock:
                if next(budget, None) is None:
                    return
            seconds, status, headers = request(port, path, cookie)
            cookie = cookie_refresh(headers, cookie)
            with lock:
                if status != 200:
                    errors.append(f"{status} {headers.get('location', '')}")
                latencies.append(seconds)
                parts = dict(
                    part.strip().split(";dur=")
                    for part in headers.get("server-timing", "").split(",")
                    if ";dur=" in part
                )
                if parts:
                    timings.append(
                        (
                            float(parts["sql"]),
                            float(parts["app"]),
                            int(headers.get("x-bench-queries", 0)),
                        )
                    )

    started = time.perf_counter()
    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{path}: {len(errors)} requests failed, e.g. {errors[0]}")
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))] * 1000,
        "sql": statistics.median(t[0] for t in timings),
        "rest": statistics.median(t[1] for t in timings),
        "queries": max(t[2] for t in timings),
    }


def server_start(workers: int, log) -> tuple[subprocess.Popen, int]:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]
    # The bench database (bench/visibility.py put its URL in the environment).
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.http_server.settings"}
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "iconet.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            request(port, "/sign-in/", "")
            return process, port
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit(f"gunicorn did not answer (its log: {log.name})")


def measure(port: int, pages: dict[str, str], cookies: list[str], requests: int) -> dict:
    results = {}
    for name, path in pages.items():
        for _ in range(3):  # warm every worker: plans, caches, imports
            request(port, path, cookies[0])
        for users in CONCURRENCY:
            results[(name, users)] = load(port, path, cookies, users, max(requests, 4 * users))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--requests", type=int, default=40, help="per page and concurrency")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (compose: 3)")
    args = parser.parse_args()

    visibility.ensure_database()
    call_command("migrate", verbosity=0)
    model = shared_item_models()["alerts.alert"]
    if model.objects.count() < 200_000:
        print("Seeding the visibility benchmark's network (once)...")
        visibility.ensure_database(fresh=True)
        call_command("migrate", verbosity=0)
        visibility.seed(model, 200_000, random.Random(2005))
    figures_give(model)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    user, org = visibility.typical_user()
    cookies = sessions_for(user, max(CONCURRENCY))
    visible = model.objects.visible_to(user)
    detail = visible.order_by("?").values_list("pk", flat=True).first()
    pages = {
        "trivial page": "/bench/trivial/",
        "home page": "/",
        "alert list, page 1": "/alerts/",
        "alert list, page 400": "/alerts/?page=400",
        "alert page": f"/alerts/{detail}/",
        "search": "/search/?q=forged+passport",
    }
    print(f"Typical user: {user.username} of {org}, sees {visible.count()} alerts")
    connection.close()

    runs = []
    log = tempfile.NamedTemporaryFile("w", prefix="bench-http-", suffix=".log", delete=False)
    for run in range(args.repeat):
        process, port = server_start(args.workers, log)
        try:
            runs.append(measure(port, pages, cookies, args.requests))
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        print(f"run {run + 1} of {args.repeat} done", flush=True)

    def cell(key, figure, fmt):
        values = sorted(run[key][figure] for run in runs)
        if len(values) == 1:
            return fmt.format(values[0])
        return "/".join(fmt.format(v) for v in (values[0], statistics.median(values), values[-1]))

    print()
    print(
        f"{args.workers} gunicorn workers, {args.requests} requests per page and concurrency"
        + (f"; min/median/max of {args.repeat} runs" if args.repeat > 1 else "")
    )
    for name in pages:
        print(f"{name}  ({pages[name]})")
        one = (name, 1)
        print(
            f"    server time: SQL {cell(one, 'sql', '{:.1f}')} ms, "
            f"the rest {cell(one, 'rest', '{:.1f}')} ms; "
            f"{cell(one, 'queries', '{:.0f}')} queries"
        )
        for users in CONCURRENCY:
            key = (name, users)
            print(
                f"    {users:>2} users: {cell(key, 'rps', '{:.1f}')} req/s, "
                f"p50 {cell(key, 'p50', '{:.0f}')} ms, p95 {cell(key, 'p95', '{:.0f}')} ms"
            )


if __name__ == "__main__":
    random.seed(2005)
    main()
