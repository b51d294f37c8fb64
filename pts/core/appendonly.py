"""Append-only tables: the database refuses UPDATE and DELETE on ledger movements and audit rows.

The guard is a trigger on each table (PostgreSQL: a PL/pgSQL function; SQLite: `RAISE(ABORT)` in a
BEFORE trigger). Both raise an integrity error, so Django reports `IntegrityError` whatever the
database. The only way past it is `rewrite_allowed()`, for wiping a whole test database (`flush`)
and for tests that plant a damaged ledger on purpose: on PostgreSQL it sets the session setting
`pts.allow_rewrite`, on SQLite it flips a flag read by the connection function
`pts_rewrite_allowed()`, which only this process's connections have (the sqlite3 shell lacks it, so
a delete there fails too).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from django.db import connections
from django.db.backends.signals import connection_created

MESSAGE = "append-only table: rows are never updated or deleted; record a correction instead"
_state = threading.local()


def _allowed() -> int:
    return 1 if getattr(_state, "allowed", 0) else 0


def _register(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("pts_rewrite_allowed", 0, _allowed)


def install() -> None:
    """Give every new SQLite connection the `pts_rewrite_allowed()` function (AppConfig.ready)."""
    connection_created.connect(_register, dispatch_uid="pts.core.appendonly")


@contextlib.contextmanager
def rewrite_allowed(using: str = "default") -> Iterator[None]:
    """Let this thread's connection update or delete append-only rows (flush; damaged-ledger tests)."""
    connection = connections[using]
    before = getattr(_state, "allowed", 0)
    _state.allowed = before + 1
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET pts.allow_rewrite = 'on'")
        yield
    finally:
        _state.allowed = before
        if connection.vendor == "postgresql" and not before and connection.connection is not None:
            with contextlib.suppress(Exception), connection.cursor() as cursor:
                cursor.execute("RESET pts.allow_rewrite")


def guard_sql(vendor: str, table: str) -> list[str]:
    """Statements that make `table` append-only on `vendor`."""
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION pts_refuse_rewrite()",
        ]
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_update",
        f"DROP TRIGGER IF EXISTS {table}_no_delete",
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} WHEN NOT pts_rewrite_allowed() "
        f"BEGIN SELECT RAISE(ABORT, '{table}: {MESSAGE}'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} WHEN NOT pts_rewrite_allowed() "
        f"BEGIN SELECT RAISE(ABORT, '{table}: {MESSAGE}'); END",
    ]


POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION pts_refuse_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('pts.allow_rewrite', true), '') = 'on' THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '%: {MESSAGE} (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = '23000';
END $$
"""


def unguard_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"]
    return [f"DROP TRIGGER IF EXISTS {table}_no_update", f"DROP TRIGGER IF EXISTS {table}_no_delete"]


def guard_table(schema_editor: Any, table: str) -> None:
    """Make `table` append-only from a migration (the PostgreSQL function first, where needed)."""
    vendor = schema_editor.connection.vendor
    statements = [POSTGRES_FUNCTION] if vendor == "postgresql" else []
    with schema_editor.connection.cursor() as cursor:
        for sql in statements + guard_sql(vendor, table):
            cursor.execute(sql)


def unguard_table(schema_editor: Any, table: str) -> None:
    """Undo `guard_table` (a migration's reverse)."""
    with schema_editor.connection.cursor() as cursor:
        for sql in unguard_sql(schema_editor.connection.vendor, table):
            cursor.execute(sql)
