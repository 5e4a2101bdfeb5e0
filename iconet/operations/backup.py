"""Backup and restore of the database and the stored files, consistent with each other.

A backup is a directory:
    database.dump   `pg_dump --format=custom` of the whole database
    media/...       every stored file the database references, under its storage name
    manifest.json   written last: versions, the dump's checksum, each file's size and SHA-256

Consistency: the dump and the list of referenced files come from one snapshot of the database
(a REPEATABLE READ transaction whose snapshot pg_dump shares through `--snapshot`). A file is
written to the storage before the row that names it commits, and is never rewritten under the
same name, so every file named in the snapshot is complete in the storage when it is copied.
A file the snapshot names may have been removed since (an image redacted again, an item
deleted): the backup then starts over, and fails after a few attempts rather than keep a
database that names a file the backup lacks.

A restore verifies the manifest first and refuses a backup that does not match it; it creates a
new database (never overwrites one), writes the files through the default storage (refusing a
different file stored under the same name), then runs pg_restore in one transaction.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.db import connection, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
MANIFEST_DATABASE_KEYS = {
    "name",
    "server_major",
    "pg_dump_major",
    "file",
    "size",
    "sha256",
    "deliveries",
}
MEDIA = "media"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup that cannot be taken, or one that must not be restored; says why."""


@dataclass(frozen=True)
class PgTool:
    path: str
    major: int


def _tool_major(path: str) -> int | None:
    try:
        out = subprocess.run(
            [path, "--version"], capture_output=True, text=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
    return int(found.group(1)) if found else None


def _tool_candidates(name: str) -> list[str]:
    """Where a PostgreSQL client program may be: ICONET_PG_BIN_DIR, Debian's versioned
    directories, PATH, and the embedded server of the development tooling."""
    places: list[Path] = []
    if settings.ICONET_PG_BIN_DIR:
        places.append(Path(settings.ICONET_PG_BIN_DIR))
    places += sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    try:
        import pgserver  # the development tooling's embedded PostgreSQL

        places.append(Path(pgserver.__file__).parent / "pginstall" / "bin")
    except ImportError:
        pass
    found = [str(place / name) for place in places if (place / name).is_file()]
    on_path = shutil.which(name)
    if on_path:
        found.append(on_path)
    return found


def pg_tool(name: str, server_major: int) -> PgTool:
    """The client program `name` of the server's major version, else the newest newer one; an
    older client cannot dump a newer server (pg_dump refuses), so none is taken."""
    tools = []
    for path in _tool_candidates(name):
        major = _tool_major(path)
        if major is not None:
            tools.append(PgTool(path, major))
    fitting = [t for t in tools if t.major >= server_major]
    if not fitting:
        seen = ", ".join(f"{t.path} ({t.major})" for t in tools) or "none"
        raise BackupError(
            f"{name} of PostgreSQL {server_major} or newer is needed (found: {seen}); install "
            f"the package postgresql-client-{server_major} (`make pgclient`) or set "
            "ICONET_PG_BIN_DIR to the directory of the right client programs."
        )
    exact = [t for t in fitting if t.major == server_major]
    return exact[0] if exact else max(fitting, key=lambda t: t.major)


def server_major(alias: str = "default") -> int:
    with connections[alias].cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def _libpq(database: str, alias: str = "default") -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for a client program, from the Django settings."""
    conf = connections[alias].settings_dict
    args = [f"--dbname={database}"]
    if conf.get("HOST"):
        args.append(f"--host={conf['HOST']}")
    if conf.get("PORT"):
        args.append(f"--port={conf['PORT']}")
    if conf.get("USER"):
        args.append(f"--username={conf['USER']}")
    env = {**os.environ}
    if conf.get("PASSWORD"):
        env["PGPASSWORD"] = str(conf["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode:
        raise BackupError(
            f"{Path(command[0]).name} failed ({result.returncode}): {result.stderr.strip()}"
        )


def file_fields() -> list[tuple[type[models.Model], str]]:
    """Every (model, field name) that stores a file, in every installed app."""
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField)
    ]


def referenced_files() -> set[str]:
    """The storage names of every file the database references (in the current transaction)."""
    names: set[str] = set()
    for model, field in file_fields():
        names.update(
            name for name in model._base_manager.values_list(field, flat=True).iterator() if name
        )
    return names


def safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"a stored file has a name outside the storage: {name!r}")
    return path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _copy_out(name: str, target: Path) -> dict[str, Any]:
    """Copy one stored file out of the default storage; its size and checksum."""
    storage = storages["default"]
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with storage.open(name, "rb") as source, target.open("wb") as out:
        for block in iter(lambda: source.read(CHUNK), b""):
            digest.update(block)
            size += len(block)
            out.write(block)
    return {"name": name, "size": size, "sha256": digest.hexdigest()}


def _backup_once(directory: Path) -> dict[str, Any]:
    major = server_major()
    pg_dump = pg_tool("pg_dump", major)
    db_name = connection.settings_dict["NAME"]
    args, env = _libpq(db_name)
    dump = directory / DUMP
    with transaction.atomic(), connection.cursor() as cursor:
        # The snapshot pg_dump takes and the list of files read below are one and the same.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        _run(
            [pg_dump.path, *args, "--format=custom", f"--snapshot={snapshot}", f"--file={dump}"],
            env,
        )
        names = sorted(referenced_files())
        migrations = sorted(
            f"{app}.{name}"
            for app, name in MigrationRecorder.Migration.objects.values_list("app", "name")
        )
        deliveries: dict[str, int] = {}
        from ..models import EmailDelivery

        for status in EmailDelivery.objects.values_list("status", flat=True):
            deliveries[status] = deliveries.get(status, 0) + 1
    files = []
    for name in names:
        try:
            files.append(_copy_out(name, directory / MEDIA / safe_name(name)))
        except FileNotFoundError as exc:
            raise _FileGone(name) from exc
    return {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "database": {
            "name": db_name,
            "server_major": major,
            "pg_dump_major": pg_dump.major,
            "file": DUMP,
            "size": dump.stat().st_size,
            "sha256": sha256_of(dump),
            "migrations": len(migrations),
            "deliveries": deliveries,
        },
        "files": files,
    }


def operator_name() -> str:
    """Who runs the command on this machine: a backup or a restore has no portal user."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for the process's user id (a bare container)
        return f"uid {os.getuid()}"


def _audit(event: str, detail: str) -> None:
    """A backup reads every item and a restore brings them all back: each goes into the
    access log of the database the settings name, with the operator's system user name."""
    from ..audit.services import access_log_write

    access_log_write(event=event, username=operator_name()[:150], detail=detail)


class _FileGone(Exception):
    def __init__(self, name: str):
        self.name = name


def backup_create(directory: Path, *, attempts: int = 3) -> dict[str, Any]:
    """Write a backup into `directory` (new or empty) and return its manifest."""
    if connection.in_atomic_block:
        raise BackupError("a backup takes its own snapshot: call it outside a transaction")
    directory = Path(directory)
    try:
        if directory.exists() and any(directory.iterdir()):
            raise BackupError(f"{directory} is not empty: a backup goes into a new directory")
        directory.mkdir(parents=True, exist_ok=True)
        (directory / ".writable").touch()
        (directory / ".writable").unlink()
    except OSError as exc:
        raise BackupError(f"cannot write a backup into {directory}: {exc.strerror or exc}") from exc
    gone: list[str] = []
    for _attempt in range(attempts):
        directory.mkdir(parents=True, exist_ok=True)
        try:
            manifest = _backup_once(directory)
        except _FileGone as exc:
            gone.append(exc.name)
            shutil.rmtree(directory)
            continue
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        partial = directory / f".{MANIFEST}.partial"
        partial.write_text(json.dumps(manifest, indent=2, sort_keys=True))
        partial.rename(directory / MANIFEST)  # last: a backup without it is incomplete
        _audit(
            "backup",
            f"backup into {directory}: database {manifest['database']['name']}, "
            f"{len(manifest['files'])} stored files",
        )
        return manifest
    raise BackupError(
        "stored files named by the database were removed while the backup ran ("
        + ", ".join(gone)
        + "); run it again"
    )


def manifest_read(directory: Path) -> dict[str, Any]:
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{directory} has no {MANIFEST}: the backup is incomplete")
    try:
        manifest = json.loads(path.read_text())
    except ValueError as exc:
        raise BackupError(f"{path} is not readable: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a backup manifest of format {FORMAT}")
    database, files = manifest.get("database"), manifest.get("files")
    if not (
        "created_at" in manifest
        and isinstance(database, dict)
        and MANIFEST_DATABASE_KEYS <= set(database)
        and isinstance(files, list)
        and all(
            isinstance(entry, dict) and {"name", "size", "sha256"} <= set(entry) for entry in files
        )
    ):
        raise BackupError(f"{path} lacks entries of a backup manifest (its database, its files)")
    return manifest


def backup_verify(directory: Path) -> list[str]:
    """What does not match the manifest (empty when the backup is whole)."""
    directory = Path(directory)
    manifest = manifest_read(directory)
    problems = []
    database = manifest["database"]
    dump = directory / database["file"]
    if not dump.is_file():
        problems.append(f"{database['file']} is missing")
    elif dump.stat().st_size != database["size"] or sha256_of(dump) != database["sha256"]:
        problems.append(f"{database['file']} does not match its checksum")
    listed = set()
    for entry in manifest["files"]:
        try:
            path = directory / MEDIA / safe_name(entry["name"])
        except BackupError as exc:
            problems.append(str(exc))
            continue
        listed.add(path)
        if not path.is_file():
            problems.append(f"stored file {entry['name']} is missing")
        elif path.stat().st_size != entry["size"] or sha256_of(path) != entry["sha256"]:
            problems.append(f"stored file {entry['name']} does not match its checksum")
    media = directory / MEDIA
    if media.is_dir():
        for path in media.rglob("*"):
            if path.is_file() and path not in listed:
                problems.append(f"{path.relative_to(media)} is not in the manifest")
    return problems


def _database_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _files_restore(directory: Path, manifest: dict[str, Any]) -> tuple[int, int]:
    """Write the backup's files into the default storage; (written, already there)."""
    storage = storages["default"]
    written = present = 0
    for entry in manifest["files"]:
        name = entry["name"]
        source = directory / MEDIA / safe_name(name)
        if storage.exists(name):
            with storage.open(name, "rb") as stored:
                digest = hashlib.sha256()
                for block in iter(lambda: stored.read(CHUNK), b""):
                    digest.update(block)
            if digest.hexdigest() != entry["sha256"]:
                raise BackupError(
                    f"a different file is already stored as {name}: restore into an empty storage"
                )
            present += 1
            continue
        with source.open("rb") as stream:
            saved = storage.save(name, File(stream, name=name))
        if saved != name:
            raise BackupError(f"the storage kept {name} as {saved}")
        written += 1
    return written, present


def backup_restore(directory: Path, database: str, *, files: bool = True) -> dict[str, Any]:
    """Restore a verified backup into the new database `database` (on the server of the
    settings) and its files into the default storage; what was restored."""
    directory = Path(directory)
    problems = backup_verify(directory)
    if problems:
        raise BackupError("the backup is broken, nothing was restored: " + "; ".join(problems))
    manifest = manifest_read(directory)
    major = server_major()
    if manifest["database"]["server_major"] > major:
        raise BackupError(
            f"the backup comes from PostgreSQL {manifest['database']['server_major']}; this "
            f"server is {major}: restore into a server of that version or newer"
        )
    pg_restore = pg_tool("pg_restore", max(major, manifest["database"]["pg_dump_major"]))
    if _database_exists(database):
        raise BackupError(f"the database {database} exists: a restore creates a new one")
    written, present = _files_restore(directory, manifest) if files else (0, 0)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {_quote(database)}")
    args, env = _libpq(database)
    try:
        _run(
            [
                pg_restore.path,
                *args,
                "--exit-on-error",
                "--single-transaction",
                str(directory / manifest["database"]["file"]),
            ],
            env,
        )
    except BackupError:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {_quote(database)}")
        raise
    _audit(
        "restore",
        f"restore of the backup of {manifest['database']['name']} taken at "
        f"{manifest['created_at']} from {directory} into the new database {database}",
    )
    return {
        "database": database,
        "files_written": written,
        "files_present": present,
        "deliveries": manifest["database"]["deliveries"],
    }
