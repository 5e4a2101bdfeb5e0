"""Make sure the PostgreSQL client programs of the server's version are there (`make pgclient`).

    python -m devtools.pgclient

`manage.py backup` and `restore` (iconet/operations/backup.py) run the pg_dump and pg_restore of the
server's major version (or newer): pg_dump refuses to dump a newer server. This asks the server
of the settings for its version, looks for the programs where iconet/operations/backup.py
looks (Debian's /usr/lib/postgresql/NN/bin, PATH, the embedded server's own, ICONET_PG_BIN_DIR)
and, when none fits and this runs as root with apt-get, installs Debian's `postgresql-client-NN`.
"""

import os
import shutil
import subprocess
import sys


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iconet.settings")
    import django

    django.setup()
    from iconet.operations.backup import BackupError, pg_tool, server_major

    major = server_major()
    try:
        found = [pg_tool(name, major) for name in ("pg_dump", "pg_restore")]
    except BackupError as exc:
        print(f"pgclient: {exc}")
    else:
        for tool in found:
            print(f"pgclient: {tool.path} (PostgreSQL {tool.major}) for server {major}")
        return 0
    package = f"postgresql-client-{major}"
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        print(f"pgclient: install {package} (sudo apt-get install {package}); skipping.")
        return 0
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update"], check=True, env=env)
    installed = subprocess.run(
        ["apt-get", "install", "-y", "--no-install-recommends", package], env=env
    )
    if installed.returncode:
        print(f"pgclient: {package} is not in this machine's package sources.")
        return installed.returncode
    for name in ("pg_dump", "pg_restore"):
        tool = pg_tool(name, major)
        print(f"pgclient: {tool.path} (PostgreSQL {tool.major}) for server {major}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
