"""The query planner's statistics: kept fresh after migrations and after large inserts.

SQLite plans with `sqlite_stat1`, which only ANALYZE writes; without it, a table of a million
movements looks like any other and a list page of 10,000 units may pick a full scan. PostgreSQL's
autovacuum analyses on its own, but only some time after a bulk load, so a bulk writer asks for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

# rows ANALYZE reads per index on SQLite: approximate statistics in milliseconds, not seconds
SQLITE_ANALYSIS_LIMIT = 1000
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _table(table: str | type[Model]) -> str:
    name = table if isinstance(table, str) else table._meta.db_table
    if not _NAME.match(name):
        raise ValueError(f"not a table name: {name!r}")
    return name


def refresh_statistics(tables: Iterable[str | type[Model]] = (), *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Refresh the planner's statistics of `tables` (names or models) after a large insert.

    SQLite: ANALYZE each table given, or every table when none is (approximate: at most
    SQLITE_ANALYSIS_LIMIT rows read per index). PostgreSQL: ANALYZE the tables given; nothing
    without tables (autovacuum keeps the others).
    """
    names = [_table(t) for t in tables]
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit")
            previous = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
            try:
                for statement in [f'ANALYZE "{name}"' for name in names] or ["ANALYZE"]:
                    cursor.execute(statement)
            finally:
                cursor.execute(f"PRAGMA analysis_limit = {int(previous)}")
        elif connection.vendor == "postgresql" and names:
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(n) for n in names))


def optimize_after_migrate(*, using: str = DEFAULT_DB_ALIAS, **_kwargs: Any) -> None:
    """`post_migrate` handler: on SQLite, statistics for every table (and a new index) at once."""
    if connections[using].vendor == "sqlite":
        refresh_statistics(using=using)
