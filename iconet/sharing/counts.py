"""Counts of visible items kept while the grants they were read from are unchanged.

A reader's count of the items of a type is a function of the type's grant table and the
reader's principals alone (`VisibleGrants.item_count`). A statement-level trigger on every
grant table replaces the table's token in `GrantsVersion` in the writing transaction, whatever
writes it (the services, a bulk load, a cascade, a restore), so a count kept under the token
read before counting is exactly what the grants would give until any of them changes.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)

# The table of `iconet.sharing.models.GrantsVersion` (named here: this module is read by the
# querysets, which the models import).
VERSIONS_TABLE = "iconet_grantsversion"
FUNCTION = "iconet_grants_version_renew"
TRIGGER = "iconet_grants_version"
KEPT_SECONDS = 3600


def triggers_install(grant_tables: list[str]) -> None:
    """The trigger function, its trigger on every grant table and a first token for each
    (idempotent; after every migrate)."""
    versions = connection.ops.quote_name(VERSIONS_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO {versions} (grant_table, token)
                VALUES (TG_TABLE_NAME, md5(random()::text || clock_timestamp()::text))
                ON CONFLICT (grant_table) DO UPDATE SET token = EXCLUDED.token;
                RETURN NULL;
            END $$
            """
        )
        for table in grant_tables:
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
                f" ON {connection.ops.quote_name(table)}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            )
            # A first token: from here on, every change of the table renews it.
            cursor.execute(
                f"INSERT INTO {versions} (grant_table, token)"
                " VALUES (%s, md5(random()::text || clock_timestamp()::text))"
                " ON CONFLICT (grant_table) DO NOTHING",
                [table],
            )


def principals_key(groups) -> str:
    """A reader's principals as a cache key's part: the same for the same groups in any order."""
    return hashlib.sha256(",".join(map(str, sorted(groups))).encode()).hexdigest()


def kept_count(grant_table: str, groups: tuple[int, ...], count: Callable[[], int]) -> int:
    """`count()`, kept in the cache under the grant table's token and the principals. The
    token is read before counting: a count read after a change is never kept under an older
    token. A table without a token (no trigger has run) and a cache that fails count anew."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT token FROM {connection.ops.quote_name(VERSIONS_TABLE)} WHERE grant_table = %s",
            [grant_table],
        )
        row = cursor.fetchone()
    token = row[0] if row else None
    if not token:
        return count()
    key = f"iconet:visible-count:{grant_table}:{token}:{principals_key(groups)}"
    try:
        kept = cache.get(key)
    except Exception:  # noqa: BLE001 - the cache only saves time; the count is read anew
        logger.warning("The cache did not answer; counting the visible items anew")
        return count()
    if kept is not None:
        return int(kept)
    value = count()
    try:
        cache.set(key, value, timeout=KEPT_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("The cache did not keep a count of visible items")
    return value
