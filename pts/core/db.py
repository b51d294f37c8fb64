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


# -- bulk writes prepared ahead -----------------------------------------------------------------
# Django's bulk_create spends most of its time turning each value into its database form; a write
# transaction that must stay short takes rows already in that form (`db_row`, before it begins)
# and sends them with executemany (SQLite: one statement however many rows).


def db_row(obj: Model, fields: Iterable[str], *, using: str = DEFAULT_DB_ALIAS) -> list[Any]:
    """The values of `obj`'s fields (names; a relation by its id) as the database stores them."""
    connection = connections[using]
    meta = obj._meta
    row = []
    for name in fields:
        f = meta.get_field(name)
        row.append(f.get_db_prep_save(getattr(obj, f.attname), connection))  # type: ignore[union-attr]
    return row


def db_value(model: type[Model], field: str, value: Any, *, using: str = DEFAULT_DB_ALIAS) -> Any:
    return model._meta.get_field(field).get_db_prep_save(value, connections[using])  # type: ignore[union-attr]


def _columns(model: type[Model], fields: Iterable[str]) -> list[str]:
    return [str(model._meta.get_field(name).column) for name in fields]  # type: ignore[union-attr]


def insert_rows(model: type[Model], fields: list[str], rows: list[list[Any]], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """INSERT rows prepared by `db_row` (values in the order of `fields`)."""
    if not rows:
        return
    connection = connections[using]
    q = connection.ops.quote_name
    sql = (f"INSERT INTO {q(_table(model))} ({', '.join(q(c) for c in _columns(model, fields))}) "  # noqa: S608 - names from the model, quoted
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def update_rows(model: type[Model], fields: list[str], rows: list[list[Any]], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """UPDATE rows by primary key: each row the new values of `fields`, then the key."""
    if not rows:
        return
    connection = connections[using]
    q = connection.ops.quote_name
    sets = ", ".join(f"{q(c)} = %s" for c in _columns(model, fields))
    sql = f"UPDATE {q(_table(model))} SET {sets} WHERE {q(model._meta.pk.column)} = %s"  # noqa: S608 - names from the model, quoted
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def reserve_ids(model: type[Model], n: int, *, using: str = DEFAULT_DB_ALIAS) -> list[int]:
    """`n` new primary keys for `model`, taken inside the writing transaction. SQLite: past the
    highest ever given (the write lock is held from BEGIN IMMEDIATE); PostgreSQL: from the sequence."""
    if n <= 0:
        return []
    connection = connections[using]
    table = _table(model)
    pk = str(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, n])
            return [row[0] for row in cursor.fetchall()]
        q = connection.ops.quote_name
        cursor.execute(f"SELECT MAX({q(pk)}) FROM {q(table)}")  # noqa: S608 - names from the model, quoted
        top = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        seq = cursor.fetchone()
        start = max(top, seq[0] if seq else 0) + 1
        return list(range(start, start + n))
