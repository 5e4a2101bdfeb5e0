"""The operator commands, run as an operator runs them (`manage.py` in its own process): a task
they cannot do ends in one clear line on standard error and a non-zero exit, never a
traceback."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-W", "ignore", "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_one_clear_line(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("CommandError: "), lines
    for word in words:
        assert word in lines[0], lines


def test_a_backup_into_a_folder_that_cannot_be_written(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert_one_clear_line(
        manage("backup", str(blocker / "backup")), "cannot write a backup into", "Not a directory"
    )


def test_a_backup_into_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "something").write_text("kept")
    assert_one_clear_line(manage("backup", str(tmp_path)), "is not empty")
    assert (tmp_path / "something").read_text() == "kept"


def test_a_backup_when_the_database_does_not_answer(tmp_path):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    result = manage(
        "backup", str(tmp_path / "backup"), DATABASE_URL=f"postgres://u@127.0.0.1:{closed}/x"
    )
    assert_one_clear_line(result, "the database refused or did not answer")
    assert not (tmp_path / "backup").exists()


@pytest.mark.parametrize("verify_only", [False, True], ids=["restore", "verify"])
def test_a_restore_of_a_folder_that_does_not_exist(tmp_path, verify_only):
    option = ["--verify-only"] if verify_only else ["--database", "iconet_never_made"]
    assert_one_clear_line(
        manage("restore", str(tmp_path / "missing"), *option), "has no manifest.json"
    )


def test_a_restore_of_a_backup_whose_dump_is_missing_or_whose_manifest_is_cut(tmp_path):
    manifest = {
        "format": 1,
        "created_at": "2026-01-01T00:00:00+00:00",
        "database": {
            "name": "iconet",
            "server_major": 16,
            "pg_dump_major": 16,
            "file": "database.dump",
            "size": 10,
            "sha256": "0" * 64,
            "deliveries": {},
        },
        "files": [],
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    result = manage("restore", str(tmp_path), "--database", "iconet_never_made")
    assert_one_clear_line(result, "nothing was restored", "database.dump is missing")
    del manifest["database"]["sha256"]
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert_one_clear_line(manage("restore", str(tmp_path), "--verify-only"), "lacks entries")
    (tmp_path / "manifest.json").write_text("{not json")
    assert_one_clear_line(manage("restore", str(tmp_path), "--verify-only"), "is not readable")
