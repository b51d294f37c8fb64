"""The ledger's shared derived figures: monthly sums and per-unit stamps, kept by the database.

Two summary tables are written by triggers in the same statement as every movement insert, so every
web worker, CLI run and machine sees the same figures the moment a write commits, whatever wrote it
(an action, a bulk import, a raw INSERT):

- `LedgerMonth` — per fiscal year, unit, category and calendar month of the effective date, the
  count of movements and the sum of each component of `pts.budget.queries.Figures` (allocated,
  transfers in and out, pull-backs, reserved, committed, settled, disbursed, carried over). A
  cumulative figure at a month's end is the sum of the months up to it.
- `LedgerStamp` — per fiscal year and unit, the count of movements and the highest id: the version
  of the unit's ledger. Scores stored for a unit are reused while its stamp is unchanged.

Movements are append-only (`pts.core.appendonly`), so inserts are the only change to follow.
A movement of a bulk batch (`LedgerBatch`, an import) is not counted when inserted: the batch adds
its own monthly sums in the one transaction that commits it (`pts.budget.bulk`), and a trigger
refuses a batch row unless the batch is still pending, so each row is counted exactly once.
PostgreSQL sums a whole statement's rows at once (a statement trigger over the transition table),
so a bulk insert of a million lines costs one grouped upsert; SQLite has row triggers only.
`pts ledger-check` recomputes both tables from the movements and reports any difference.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection

# component -> ((movement kind, sign), ...); a settling disbursement also counts in `settled`
COMPONENTS: dict[str, tuple[tuple[str, int], ...]] = {
    "allocated_original": (("allocation", 1), ("carry_over_in", 1)),
    "transfers_in": (("transfer_in", 1),),
    "transfers_out": (("transfer_out", 1),),
    "pulled_back": (("pullback_out", 1),),
    "received_pullbacks": (("pullback_in", 1),),
    "reserved": (("reservation", 1), ("reservation_release", -1)),
    "committed_total": (("commitment", 1),),
    "settled": (),  # disbursements with settles_commitment
    "disbursed": (("disbursement", 1),),
    "carried_over": (("carry_over_out", 1),),
}
COLUMNS = tuple(COMPONENTS)
MONTH_TABLE = "budget_ledgermonth"
STAMP_TABLE = "budget_ledgerstamp"
MOVEMENT_TABLE = "budget_movement"
BATCH_TABLE = "budget_ledgerbatch"
BATCH_REFUSAL = "a movement of a bulk batch can only be written while the batch is pending"
# the movements every reader sees: outside any batch, or in a committed one
VISIBLE = (f"(m.batch_id IS NULL OR m.batch_id IN (SELECT id FROM {BATCH_TABLE} WHERE state = 'committed'))")


def _case(name: str, row: str, true: str) -> str:
    if name == "settled":
        return f"CASE WHEN {row}kind = 'disbursement' AND {row}settles_commitment = {true} THEN {row}amount ELSE 0 END"
    whens = " ".join(f"WHEN '{kind}' THEN {'' if sign > 0 else '-'}{row}amount" for kind, sign in COMPONENTS[name])
    return f"CASE {row}kind {whens} ELSE 0 END"


def _updates(target: str, excluded: str) -> str:
    return ", ".join(f"{c} = {target}.{c} + {excluded}.{c}" for c in ("movements", *COLUMNS))


def trigger_sql(vendor: str, *, batches: bool = True) -> list[str]:
    """Statements creating the triggers that keep both tables (run by the migrations; `batches`
    False: as they were before bulk batches existed, for the migrations that ran then)."""
    cols = ", ".join(("fiscal_year_id", "unit_id", "category", "month", "movements", *COLUMNS))
    if vendor == "postgresql":
        sums = ", ".join(f"sum({_case(c, 'n.', 'true')})::bigint" for c in COLUMNS)
        unbatched = " WHERE n.batch_id IS NULL" if batches else ""
        refuse = f"""
  IF EXISTS (SELECT 1 FROM new_rows n JOIN {BATCH_TABLE} b ON b.id = n.batch_id WHERE b.state <> 'pending') THEN
    RAISE EXCEPTION '{MOVEMENT_TABLE}: {BATCH_REFUSAL}' USING ERRCODE = '23000';
  END IF;""" if batches else ""
        return [
            f"""CREATE OR REPLACE FUNCTION pts_ledger_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{refuse}
  INSERT INTO {MONTH_TABLE} ({cols})
  SELECT n.fiscal_year_id, n.unit_id, n.category, date_trunc('month', n.effective_date)::date, count(*), {sums}
  FROM new_rows n{unbatched} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
  ON CONFLICT (fiscal_year_id, unit_id, category, month) DO UPDATE SET {_updates(MONTH_TABLE, 'EXCLUDED')};
  INSERT INTO {STAMP_TABLE} (fiscal_year_id, unit_id, movements, last_id)
  SELECT n.fiscal_year_id, n.unit_id, count(*), max(n.id) FROM new_rows n{unbatched}
  GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (fiscal_year_id, unit_id) DO UPDATE SET movements = {STAMP_TABLE}.movements + EXCLUDED.movements,
    last_id = greatest({STAMP_TABLE}.last_id, EXCLUDED.last_id);
  RETURN NULL;
END $$""",
            f"DROP TRIGGER IF EXISTS {MOVEMENT_TABLE}_rollup ON {MOVEMENT_TABLE}",
            f"CREATE TRIGGER {MOVEMENT_TABLE}_rollup AFTER INSERT ON {MOVEMENT_TABLE} "
            "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pts_ledger_rollup()",
        ]
    values = ", ".join(_case(c, "NEW.", "1") for c in COLUMNS)
    guard = [
        f"DROP TRIGGER IF EXISTS {MOVEMENT_TABLE}_batch_pending",
        f"""CREATE TRIGGER {MOVEMENT_TABLE}_batch_pending BEFORE INSERT ON {MOVEMENT_TABLE}
  WHEN NEW.batch_id IS NOT NULL AND coalesce((SELECT state FROM {BATCH_TABLE} WHERE id = NEW.batch_id), '') <> 'pending'
  BEGIN SELECT RAISE(ABORT, '{MOVEMENT_TABLE}: {BATCH_REFUSAL}'); END""",
    ] if batches else []
    return [
        f"DROP TRIGGER IF EXISTS {MOVEMENT_TABLE}_rollup",
        *guard,
        f"""CREATE TRIGGER {MOVEMENT_TABLE}_rollup AFTER INSERT ON {MOVEMENT_TABLE}{" WHEN NEW.batch_id IS NULL" if batches else ""} BEGIN
  INSERT INTO {MONTH_TABLE} ({cols})
  VALUES (NEW.fiscal_year_id, NEW.unit_id, NEW.category, date(NEW.effective_date, 'start of month'), 1, {values})
  ON CONFLICT (fiscal_year_id, unit_id, category, month) DO UPDATE SET {_updates(MONTH_TABLE, 'excluded')};
  INSERT INTO {STAMP_TABLE} (fiscal_year_id, unit_id, movements, last_id)
  VALUES (NEW.fiscal_year_id, NEW.unit_id, 1, NEW.id)
  ON CONFLICT (fiscal_year_id, unit_id) DO UPDATE SET movements = {STAMP_TABLE}.movements + 1,
    last_id = max({STAMP_TABLE}.last_id, excluded.last_id);
END""",
    ]


def drop_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {MOVEMENT_TABLE}_rollup ON {MOVEMENT_TABLE}",
                "DROP FUNCTION IF EXISTS pts_ledger_rollup()"]
    return [f"DROP TRIGGER IF EXISTS {MOVEMENT_TABLE}_rollup", f"DROP TRIGGER IF EXISTS {MOVEMENT_TABLE}_batch_pending"]


def run(statements: Iterable[str], schema_editor: Any = None) -> None:
    with connection.cursor() if schema_editor is None else schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


# -- recomputing from the movements (pts ledger-check) ---------------------------------------------


@dataclass(frozen=True)
class Difference:
    table: str
    key: tuple[Any, ...]
    stored: tuple[int, ...] | None
    recomputed: tuple[int, ...] | None


def _sqlite_sum(expression: str) -> str:
    """sum() that never raises: the high and low 32 bits summed apart. Exact while the total fits
    64 bits (always, for amounts within the ceiling); past it SQLite's arithmetic turns it into a
    REAL, as the triggers' additions did, instead of failing `pts ledger-check`."""
    half = 2**32
    return f"(sum(({expression}) / {half}) * {half} + sum(({expression}) % {half}))"


def _month_sql(vendor: str, batches: bool = True) -> str:
    month = ("date_trunc('month', m.effective_date)::date" if vendor == "postgresql"
             else "date(m.effective_date, 'start of month')")
    true = "true" if vendor == "postgresql" else "1"
    if vendor == "postgresql":
        sums = ", ".join(f"sum({_case(c, 'm.', true)})" for c in COLUMNS)
    else:  # SQLite's sum() raises past 2**63 (rows beyond the amount ceiling, stored before it)
        sums = ", ".join(_sqlite_sum(_case(c, "m.", true)) for c in COLUMNS)
    return (f"SELECT m.fiscal_year_id, m.unit_id, m.category, {month}, count(*), {sums} "
            f"FROM {MOVEMENT_TABLE} m WHERE {VISIBLE if batches else 'true'} GROUP BY 1, 2, 3, 4")


def differences(limit: int = 100) -> tuple[list[Difference], int]:
    """Every row of both summary tables that differs from a recomputation from the movements
    (the first `limit`, and how many there are in all)."""
    vendor = connection.vendor
    found: list[Difference] = []
    count = 0
    with connection.cursor() as cursor:
        checks = [
            (MONTH_TABLE, _month_sql(vendor),
             f"SELECT fiscal_year_id, unit_id, category, month, movements, {', '.join(COLUMNS)} FROM {MONTH_TABLE}", 4),
            (STAMP_TABLE, f"SELECT fiscal_year_id, unit_id, count(*), max(id) FROM {MOVEMENT_TABLE} m "
                          f"WHERE {VISIBLE} GROUP BY 1, 2",
             f"SELECT fiscal_year_id, unit_id, movements, last_id FROM {STAMP_TABLE}", 2),
        ]
        for table, recompute, stored_sql, width in checks:
            cursor.execute(recompute)
            fresh = {_key(r[:width]): tuple(int(v) for v in r[width:]) for r in cursor.fetchall()}
            cursor.execute(stored_sql)
            stored = {_key(r[:width]): tuple(int(v) for v in r[width:]) for r in cursor.fetchall()}
            for key in sorted(fresh.keys() | stored.keys(), key=repr):
                a, b = stored.get(key), fresh.get(key)
                if a != b and not (b is None and a is not None and not any(a)):
                    count += 1
                    if len(found) < limit:
                        found.append(Difference(table, key, a, b))
    return found, count


def _key(row: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(str(v) if not isinstance(v, int) else v for v in row)


def fill(cursor: Any, vendor: str, *, batches: bool = True) -> None:
    """Insert both tables' rows computed from the movements (into empty tables)."""
    cols = ", ".join(("fiscal_year_id", "unit_id", "category", "month", "movements", *COLUMNS))
    cursor.execute(f"INSERT INTO {MONTH_TABLE} ({cols}) {_month_sql(vendor, batches)}")
    cursor.execute(f"INSERT INTO {STAMP_TABLE} (fiscal_year_id, unit_id, movements, last_id) "
                   f"SELECT fiscal_year_id, unit_id, count(*), max(id) FROM {MOVEMENT_TABLE} m "
                   f"WHERE {VISIBLE if batches else 'true'} GROUP BY 1, 2")


def rebuild() -> None:
    """Recompute both tables from the movements (after a restore from a dump without the tables)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MONTH_TABLE}")
        cursor.execute(f"DELETE FROM {STAMP_TABLE}")
        fill(cursor, connection.vendor)
