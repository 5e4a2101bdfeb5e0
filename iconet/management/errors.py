"""Operator commands that cannot do their work say why in one line and exit non-zero: no
traceback for a folder that cannot be written, a file that is missing or a database that does
not answer (`--traceback` still shows one, for a developer)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import CommandError
from django.db import DatabaseError


def one_line(text: str) -> str:
    return " ".join(str(text).split())


@contextmanager
def operator_errors(*expected: type[Exception]) -> Iterator[None]:
    """Turn the command's own errors (`expected`), the system's (a folder, a file) and the
    database's into one clear line (Django's `CommandError`: exit status 1)."""
    try:
        yield
    except CommandError as exc:
        raise CommandError(one_line(str(exc))) from exc
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        raise CommandError(one_line(f"{where}{exc.strerror or exc}")) from exc
    except DatabaseError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CommandError(one_line(f"the database refused or did not answer: {first}")) from exc
    except expected as exc:
        raise CommandError(one_line(str(exc))) from exc
