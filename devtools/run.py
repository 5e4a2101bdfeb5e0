"""Run the whole portal in the foreground for development: `python -m devtools.run`.

Starts, with the environment of var/services.env (written by `python -m devtools.services
ensure`; the process environment wins):

    web      manage.py runserver 127.0.0.1:8000
    worker   celery -A iconet worker
    beat     celery -A iconet beat
    mail     python -m devtools.mailsink (SMTP on EMAIL_PORT, web page on ICONET_MAIL_HTTP_PORT)

Each child runs in its own process group, and its output is shown prefixed with its name.
Run as root, the worker and beat run as an unprivileged account instead (`worker_account`):
ICONET_RUN_AS if set, else the owner of the checkout, else a system account `iconet` made for
the purpose (the way the embedded PostgreSQL makes its own); it can read the project and
owns var/celery/, where beat keeps its schedule.
Ctrl-C or SIGTERM stops them all and exits 0; if one of them dies, the others are stopped and
the exit status is non-zero. Needs no terminal.
"""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

from devtools.services import ROOT, SERVICES_ENV, read_env_file

STOP_TIMEOUT = 10  # seconds a child gets to exit after SIGTERM before it is killed
SYSTEM_ACCOUNT = "iconet"  # made when run as root in a checkout that root owns
CELERY_DIR = ROOT / "var" / "celery"  # written by the worker and beat
UNPRIVILEGED = ("worker", "beat")  # the children that never run as root


def commands(env):
    python = sys.executable
    web = urlsplit(env.get("SITE_URL", "http://127.0.0.1:8000"))
    return {
        # With the autoreloader: code changes restart the server (its reloader child is in the
        # same process group, so stopping the group stops both).
        "web": [python, "manage.py", "runserver", f"{web.hostname}:{web.port or 80}"],
        "worker": [
            python,
            "-m",
            "celery",
            "-A",
            "iconet",
            "worker",
            "-l",
            "info",
            "--concurrency",
            "2",
        ],
        "beat": [
            python,
            "-m",
            "celery",
            "-A",
            "iconet",
            "beat",
            "-l",
            "info",
            "-s",
            str(CELERY_DIR.relative_to(ROOT) / "celerybeat-schedule"),
        ],
        "mail": [
            python,
            "-m",
            "devtools.mailsink",
            "--smtp-port",
            env["EMAIL_PORT"],
            "--http-port",
            env["ICONET_MAIL_HTTP_PORT"],
            "--maildir",
            "var/mail",
        ],
    }


def relay_output(name, stream):
    """Copy a child's output to ours, each line prefixed with the child's name."""
    for line in iter(stream.readline, b""):
        sys.stdout.buffer.write(f"{name:<6} | ".encode() + line)
        sys.stdout.buffer.flush()


def worker_account(environ=os.environ) -> pwd.struct_passwd | None:
    """The account the worker and beat run as when this runs as root; None when it does not
    (they then run as whoever runs this)."""
    if os.geteuid() != 0:
        return None
    name = environ.get("ICONET_RUN_AS")
    if name:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            sys.exit(f"devrun: ICONET_RUN_AS={name} names no account on this machine.")
    owner = ROOT.stat().st_uid
    if owner != 0:
        return pwd.getpwuid(owner)
    try:
        return pwd.getpwnam(SYSTEM_ACCOUNT)
    except KeyError:
        subprocess.run(
            [
                shutil.which("useradd") or "useradd",
                "--system",
                "--no-create-home",
                "--home-dir",
                str(CELERY_DIR),
                "--shell",
                "/usr/sbin/nologin",
                SYSTEM_ACCOUNT,
            ],
            check=True,
        )
        return pwd.getpwnam(SYSTEM_ACCOUNT)


def account_prepare(account: pwd.struct_passwd, python: str, env: dict) -> str:
    """var/celery/ belongs to the account; returns why the account cannot run the project's
    Python and settings, or "" when it can."""
    CELERY_DIR.mkdir(parents=True, exist_ok=True)
    os.chown(CELERY_DIR, account.pw_uid, account.pw_gid)
    for path in CELERY_DIR.iterdir():
        os.chown(path, account.pw_uid, account.pw_gid)
    try:
        probe = subprocess.run(
            [python, "-c", "import iconet.celery, django; django.setup()"],
            cwd=ROOT,
            env={**env, "HOME": str(CELERY_DIR)},
            user=account.pw_uid,
            group=account.pw_gid,
            extra_groups=[],
            capture_output=True,
            text=True,
        )
    except PermissionError as exc:  # the interpreter itself is out of the account's reach
        return str(exc)
    if probe.returncode != 0:
        return (probe.stderr.strip().splitlines() or [f"status {probe.returncode}"])[-1]
    return ""


def start(name, argv, env, account: pwd.struct_passwd | None = None):
    """Start a child; with `account`, it runs as that account from the start (root's rights
    are dropped before the command runs)."""
    as_account: dict = {}
    if account is not None:
        as_account = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        env = {**env, "HOME": str(CELERY_DIR), "USER": account.pw_name, "LOGNAME": account.pw_name}
    process = subprocess.Popen(
        argv,
        cwd=ROOT,
        env=env,
        **as_account,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # own process group: signals from the terminal reach only us
    )
    threading.Thread(target=relay_output, args=(name, process.stdout), daemon=True).start()
    return process


def stop_all(children):
    """SIGTERM every child's process group, wait, then SIGKILL whatever is left."""
    for process in children.values():
        signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    for process in children.values():
        try:
            process.wait(max(0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    for process in children.values():
        # Also for children that did exit: their own children (celery's pool, the reloader's
        # server) may still be alive in the group.
        signal_group(process, signal.SIGKILL)
        process.wait()


def signal_group(process, signum):
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass  # the whole group is already gone


def answers(url):
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port or 80), timeout=1).close()
        return True
    except OSError:
        return False


def banner(env):
    lines = [
        "",
        "ICONet is running.",
        f"  Portal:     {env['SITE_URL']}/",
        f"  Sent mail:  {env['MAIL_URL']} "
        f"(SMTP sink on 127.0.0.1:{env['EMAIL_PORT']}, files in var/mail/)",
        "  Demo accounts and how to sign in with them were printed by seed_demo above,",
        "  and are listed in README.md.",
        "Press Ctrl-C to stop everything.",
        "",
    ]
    print("\n".join(lines), flush=True)


def main():
    if not SERVICES_ENV.exists():
        sys.exit(f"devrun: {SERVICES_ENV} is missing; run `make services` (or `make run`) first.")
    env = {**read_env_file(SERVICES_ENV), **os.environ}
    env.setdefault("ICONET_MAIL_HTTP_PORT", "8025")
    env.setdefault("SITE_URL", "http://127.0.0.1:8000")
    env["MAIL_URL"] = f"http://127.0.0.1:{env['ICONET_MAIL_HTTP_PORT']}/"
    env["PYTHONUNBUFFERED"] = "1"  # children write to a pipe; without this, logs come late

    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())

    argvs = commands(env)
    account = worker_account() if set(UNPRIVILEGED) & argvs.keys() else None
    if account is not None:
        problem = account_prepare(account, sys.executable, env)
        if problem:
            print(
                f"devrun: the worker and beat run as ROOT: the account {account.pw_name} cannot "
                f"run {sys.executable} with the project ({problem}). Install Python where "
                "that account can read it, or set ICONET_RUN_AS to an account that can.",
                flush=True,
            )
            account = None
        else:
            print(
                f"devrun: started by root, so the worker and beat run as the account "
                f"{account.pw_name} (as intended; nothing to do).",
                flush=True,
            )
    children = {
        name: start(name, argv, env, account if name in UNPRIVILEGED else None)
        for name, argv in argvs.items()
    }
    shown_banner = False
    status = 0
    while not stopping.wait(0.5):
        dead = {name: p.returncode for name, p in children.items() if p.poll() is not None}
        if dead:
            for name, code in dead.items():
                print(f"devrun: {name} exited with status {code}; stopping the others.", flush=True)
            status = 1
            break
        if not shown_banner and answers(env["SITE_URL"]):
            banner(env)
            shown_banner = True

    print("devrun: stopping...", flush=True)
    stop_all(children)
    print("devrun: stopped.", flush=True)
    sys.exit(status)


if __name__ == "__main__":
    main()
