"""Yearly references of shared items: <prefix>-<year>-<owner country>-<number>."""

from django.db import connection
from django.utils import timezone

from .models import ReferenceSequence


def reference_next(*, prefix: str, year: int, country: str) -> int:
    """The next number of the (prefix, year, country) counter, safe under concurrency: one
    statement creates or increments the row and returns the new value under its row lock."""
    table = ReferenceSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} (prefix, year, country_code, last_number) VALUES (%s, %s, %s, 1)
            ON CONFLICT (prefix, year, country_code)
            DO UPDATE SET last_number = {table}.last_number + 1
            RETURNING last_number""",
            [prefix, year, country],
        )
        return cursor.fetchone()[0]


def item_reference_allocate(item) -> str:
    """The next reference of an item of a type that declares a `reference_prefix`
    (`ItemType`), e.g. EWS-2026-FR-0042 for the owner's country and the current year."""
    prefix = type(item).declaration.reference_prefix
    if not prefix:
        raise ValueError(f"{type(item).__name__} declares no reference_prefix")
    year = timezone.localdate().year
    country = item.owner.country_id or "EU"
    number = reference_next(prefix=prefix, year=year, country=country)
    return f"{prefix}-{year}-{country}-{number:04d}"
