"""Writing a million movements without holding the ledger: a batch, prepared unseen, committed at once.

1. `open_batch` creates a pending `LedgerBatch`.
2. `write` appends the movements in chunks, each its own short transaction (PostgreSQL: COPY;
   SQLite: one executemany per chunk), so another user's write waits at most one chunk. Readers do
   not see a pending batch (`Movement.objects`), the summary tables do not count it (the trigger
   skips batch rows), and the batch's sums per unit, category and month are gathered as the rows
   go by and stored in `LedgerBatchMonth`.
3. `commit` is one short transaction whatever the batch's size: it adds those sums to `LedgerMonth`
   and `LedgerStamp` and marks the batch committed. Killed before or during it, the batch stays
   pending: nothing of it is visible, and `abandon` removes its rows.
4. `reverse` undoes a committed batch: a new batch of movements that reverse each of its rows
   (`reverses` set, amounts negated), committed the same way.

No audit rows here: the caller (an import) records what it did in the transaction of `commit`.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import OperationalError, connection, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from pts.budget import rollup
from pts.budget.models import BatchState, FiscalYear, LedgerBatch, LedgerBatchMonth, Movement
from pts.core.appendonly import rewrite_allowed

CHUNK = 20_000
MONTH_CHUNK = 5_000
CHECKPOINT_WAIT_MS = 200
SQLITE_BUSY_MS = 20_000  # settings.py's busy_timeout, restored after a checkpoint
SQLITE_CACHE_KB = 131_072  # 128 MB of page cache for the connection that writes a batch
COLUMNS = ("category", "kind", "amount", "effective_date", "document_ref", "commitment_type", "settles_commitment",
           "note", "created_at", "activity_id", "actor_id", "fiscal_year_id", "unit_id", "reverses_id", "batch_id",
           "reservation_id")
SUMS = rollup.COLUMNS  # allocated_original, ..., carried_over
_INDEX = {name: i for i, name in enumerate(SUMS)}
# kind -> (index into SUMS, sign); a settling disbursement also counts in `settled`
_KIND = {kind: (_INDEX[name], sign) for name, pairs in rollup.COMPONENTS.items() for kind, sign in pairs}
_SETTLED = _INDEX["settled"]


@dataclass(frozen=True)
class Line:
    """One movement to write (`pts.budget.models.Movement`'s fields, ids for the references)."""

    unit_id: int
    category: str
    kind: str
    amount: int
    effective_date: date
    document_ref: str = ""
    commitment_type: str = ""
    settles: bool = False
    note: str = ""
    activity_id: int | None = None
    reverses_id: int | None = None
    reservation_id: int | None = None


class BatchConflict(Exception):
    """The ledger changed under a pending batch in a way its `check` refuses: prepare it again."""


def open_batch(fiscal_year: FiscalYear, purpose: str, *, reverses: LedgerBatch | None = None) -> LedgerBatch:
    basis = (LedgerBatch.objects.filter(fiscal_year=fiscal_year, state=BatchState.COMMITTED)
             .aggregate(m=Max("commit_seq"))["m"]) or 0
    return LedgerBatch.objects.create(fiscal_year=fiscal_year, purpose=purpose[:80], reverses=reverses, basis=basis)


class _Sums:
    def __init__(self) -> None:
        self.rows: dict[tuple[int, str, date], list[int]] = {}

    def add(self, unit_id: int, category: str, day: date, kind: str, amount: int, settles: bool) -> None:
        key = (unit_id, category, day.replace(day=1))
        row = self.rows.get(key)
        if row is None:
            row = self.rows[key] = [0] * (len(SUMS) + 1)
        row[-1] += 1
        slot = _KIND.get(kind)
        if slot is not None:
            row[slot[0]] += slot[1] * amount
        if settles and kind == "disbursement":
            row[_SETTLED] += amount


def _insert(cursor: Any, rows: list[tuple[Any, ...]]) -> None:
    names = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    if connection.vendor == "postgresql":
        with connection.wrap_database_errors, cursor.cursor.copy(
                f"COPY {rollup.MOVEMENT_TABLE} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join(["%s"] * len(COLUMNS))
        cursor.executemany(f"INSERT INTO {rollup.MOVEMENT_TABLE} ({names}) VALUES ({marks})", rows)


def write(batch: LedgerBatch, lines: Iterable[Line], *, actor_id: int, chunk: int = CHUNK,
          progress: Callable[[int], None] | None = None) -> int:
    """Append `lines` to the pending `batch` in chunks of `chunk` rows; return how many were written.
    `progress(n)` is told the running count after each chunk."""
    if batch.state != BatchState.PENDING:
        raise ValueError(f"batch {batch.pk} is {batch.state}, not pending")
    sqlite = connection.vendor == "sqlite"
    now: Any = timezone.now()
    if sqlite:
        now = now.isoformat(sep=" ")
    sums = _Sums()
    fy_id, batch_id = batch.fiscal_year_id, batch.pk
    buffer: list[tuple[Any, ...]] = []
    written = 0
    span: list[int] = []

    last: dict[int, int] = {}  # unit -> the id of its last row in the batch (LedgerBatchMonth.last_id)

    def flush() -> None:
        nonlocal written
        if not buffer:
            return
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {rollup.MOVEMENT_TABLE}")
            before = cursor.fetchone()[0]
            _insert(cursor, buffer)
            # the chunk's ids: above `before` (SQLite writes one at a time; PostgreSQL's sequence
            # only grows), found by the primary key, not by an index on the batch
            cursor.execute(f"SELECT min(id), max(id) FROM {rollup.MOVEMENT_TABLE} WHERE id > %s AND batch_id = %s",
                           [before, batch_id])
            low, high = cursor.fetchone()
            if high - low + 1 == len(buffer):  # one run of ids, in the order written
                for offset, row in enumerate(buffer):
                    last[row[12]] = low + offset
            else:  # another writer's rows in between (PostgreSQL): ask
                cursor.execute(f"SELECT unit_id, max(id) FROM {rollup.MOVEMENT_TABLE} WHERE id >= %s AND id <= %s "
                               "AND batch_id = %s GROUP BY unit_id", [low, high, batch_id])
                last.update(cursor.fetchall())
            span.extend((low, high))
        written += len(buffer)
        buffer.clear()
        if sqlite and not connection.in_atomic_block:
            _checkpoint()
        if progress is not None:
            progress(written)

    _tune()
    append = buffer.append
    add = sums.add
    for line in lines:
        day = line.effective_date
        add(line.unit_id, line.category, day, line.kind, line.amount, line.settles)
        append((line.category, line.kind, line.amount, day.isoformat() if sqlite else day, line.document_ref,
                line.commitment_type, line.settles, line.note, now, line.activity_id, actor_id, fy_id,
                line.unit_id, line.reverses_id, batch_id, line.reservation_id))
        if len(buffer) >= chunk:
            flush()
    flush()
    _store_sums(batch, sums, written, (min(span), max(span)) if span else (None, None), last)
    return written


def rows_of(batch: LedgerBatch) -> QuerySet[Movement]:
    """Every movement of `batch`, pending or not, by its id range."""
    if batch.first_id is None or batch.last_id is None:
        return Movement.with_pending.none()
    return Movement.with_pending.filter(id__gte=batch.first_id, id__lte=batch.last_id, batch_id=batch.pk)


def _store_sums(batch: LedgerBatch, sums: _Sums, written: int, bounds: tuple[int | None, int | None],
                last: dict[int, int]) -> None:
    """The batch's sums per unit, category and month, in chunks of plain INSERTs: the batch is still
    pending, so nobody reads them until `commit`, and no chunk holds the write lock for long."""
    batch.first_id, batch.last_id = bounds
    names = ("batch_id", "unit_id", "category", "month", "movements", "last_id", *SUMS)
    sql = (f"INSERT INTO {LedgerBatchMonth._meta.db_table} ({', '.join(names)}) "
           f"VALUES ({', '.join(['%s'] * len(names))})")
    sqlite = connection.vendor == "sqlite"
    rows = [(batch.pk, unit_id, category, month.isoformat() if sqlite else month, row[-1], last.get(unit_id, 0),
             *row[:-1]) for (unit_id, category, month), row in sums.rows.items()]
    LedgerBatchMonth.objects.filter(batch=batch).delete()
    for start in range(0, len(rows), MONTH_CHUNK):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows[start:start + MONTH_CHUNK])
    LedgerBatch.objects.filter(pk=batch.pk).update(movements=written, first_id=bounds[0], last_id=bounds[1])
    batch.movements = written


def _checkpoint() -> None:
    """SQLite: fold the write-ahead log back into the database between two chunks, waiting at most
    CHECKPOINT_WAIT_MS for readers. Pages being read all the time (a league page) keep the log from
    ever starting again; a million rows then leave a log of a gigabyte that every reader and writer
    searches. Busy readers only mean the next chunk tries again."""
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA busy_timeout = {CHECKPOINT_WAIT_MS}")
        try:
            cursor.execute("PRAGMA wal_checkpoint(RESTART)")
        except OperationalError:
            pass  # busy: the next chunk tries again
        finally:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")


def _tune() -> None:
    """SQLite: a page cache big enough for the movement indexes while a batch is written (the
    default 2 MB makes every index insert of a million rows read pages again)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KB}")


def _upsert_sql(vendor: str) -> list[str]:
    cols = ", ".join(("fiscal_year_id", "unit_id", "category", "month", "movements", *SUMS))
    picked = ", ".join(("b.fiscal_year_id", "m.unit_id", "m.category", "m.month", "m.movements",
                        *(f"m.{c}" for c in SUMS)))
    excluded = "EXCLUDED" if vendor == "postgresql" else "excluded"
    greatest = "greatest" if vendor == "postgresql" else "max"
    month_table, stamp_table = rollup.MONTH_TABLE, rollup.STAMP_TABLE
    updates = rollup._updates(month_table, excluded)  # the trigger's own SET list
    where = "WHERE m.batch_id = %s AND b.id = m.batch_id"
    return [
        f"INSERT INTO {month_table} ({cols}) SELECT {picked} FROM budget_ledgerbatchmonth m, {rollup.BATCH_TABLE} b "
        f"{where} ORDER BY 1, 2, 3, 4 "
        f"ON CONFLICT (fiscal_year_id, unit_id, category, month) DO UPDATE SET {updates}",
        f"INSERT INTO {stamp_table} (fiscal_year_id, unit_id, movements, last_id) "
        f"SELECT b.fiscal_year_id, m.unit_id, sum(m.movements), max(m.last_id) "
        f"FROM budget_ledgerbatchmonth m, {rollup.BATCH_TABLE} b {where} GROUP BY 1, 2 ORDER BY 1, 2 "
        f"ON CONFLICT (fiscal_year_id, unit_id) DO UPDATE SET movements = {stamp_table}.movements + "
        f"{excluded}.movements, last_id = {greatest}({stamp_table}.last_id, {excluded}.last_id)",
    ]


def commit(batch: LedgerBatch, *, check: Callable[[LedgerBatch], None] | None = None,
           then: Callable[[LedgerBatch], None] | None = None) -> LedgerBatch:
    """Make the pending `batch` part of the ledger in one transaction: `check(batch)` first (raise
    BatchConflict to refuse), then the sums, the state, and `then(batch)` (the caller's audit row)."""
    with transaction.atomic():
        FiscalYear.objects.select_for_update().get(pk=batch.fiscal_year_id)  # one commit of a year at a time
        locked = LedgerBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.state != BatchState.PENDING:
            raise BatchConflict(f"batch {batch.pk} is {locked.state}, not pending")
        if check is not None:
            check(locked)
        with connection.cursor() as cursor:
            for sql in _upsert_sql(connection.vendor):
                cursor.execute(sql, [locked.pk])
        _pause_for_kill_test()
        seq = (LedgerBatch.objects.filter(fiscal_year_id=locked.fiscal_year_id, state=BatchState.COMMITTED)
               .aggregate(m=Max("commit_seq"))["m"]) or 0
        locked.state, locked.commit_seq, locked.committed_at = BatchState.COMMITTED, seq + 1, timezone.now()
        locked.save(update_fields=["state", "commit_seq", "committed_at"])
        if then is not None:
            then(locked)
    return locked


PAUSE_ENV = "PTS_BULK_COMMIT_PAUSE_SECONDS"


def _pause_for_kill_test() -> None:
    """Tests only (tests/imports/test_kill.py): with PTS_BULK_COMMIT_PAUSE_SECONDS set, stop this
    long inside the commit's transaction, the sums already added, so a test can SIGKILL the process
    in the middle of a commit (SQLite offers no lock another process could hold to stop it there).
    Never set it in production."""
    raw = os.environ.get(PAUSE_ENV, "")
    if raw:
        print(f"pts: {PAUSE_ENV}: pausing inside the commit", file=sys.stderr, flush=True)
        time.sleep(float(raw))


def committed_since(batch: LedgerBatch) -> bool:
    """Has another batch of the year been committed since `batch` began? (for a `check`)"""
    return LedgerBatch.objects.filter(fiscal_year_id=batch.fiscal_year_id, state=BatchState.COMMITTED,
                                      commit_seq__gt=batch.basis).exclude(pk=batch.pk).exists()


def abandon(batch: LedgerBatch, *, chunk: int = CHUNK) -> int:
    """Remove the rows of a batch that was never committed (refused, expired, or killed while
    writing); return how many. A committed batch is never touched: undo it with `reverse`."""
    removed = 0
    with transaction.atomic():
        locked = LedgerBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.state == BatchState.COMMITTED:
            raise ValueError(f"batch {batch.pk} is committed: reverse it instead")
        LedgerBatch.objects.filter(pk=batch.pk).update(state=BatchState.ABANDONED)
    # rows written before a kill may lie past the recorded range: look from the first id the batch
    # could have (the highest before it began is unknown, so from its first chunk's, or from 0)
    last = (batch.first_id or 1) - 1
    while True:
        with transaction.atomic(), rewrite_allowed():
            ids = list(Movement.with_pending.filter(id__gt=last, batch_id=batch.pk).order_by("id")
                       .values_list("id", flat=True)[:chunk])
            if not ids:
                break
            Movement.with_pending.filter(id__in=ids, batch_id=batch.pk)._raw_delete(connection.alias)
        removed += len(ids)
        last = ids[-1]
    LedgerBatchMonth.objects.filter(batch_id=batch.pk).delete()
    batch.state = BatchState.ABANDONED
    return removed


def reverse(batch: LedgerBatch, *, actor_id: int, purpose: str, chunk: int = CHUNK,
            progress: Callable[[int], None] | None = None) -> LedgerBatch:
    """A pending batch undoing the committed `batch` row by row; commit it with `commit`."""
    if batch.state != BatchState.COMMITTED:
        raise ValueError(f"batch {batch.pk} is {batch.state}: only a committed batch can be undone")
    undo = open_batch(batch.fiscal_year, purpose, reverses=batch)

    def lines() -> Iterable[Line]:
        last = 0
        while True:
            rows = list(rows_of(batch).filter(id__gt=last).order_by("id").values_list(
                "id", "unit_id", "category", "kind", "amount", "effective_date", "document_ref", "commitment_type",
                "settles_commitment", "activity_id", "reservation_id")[:chunk])
            if not rows:
                return
            for pk, unit_id, category, kind, amount, day, ref, ctype, settles, activity_id, reservation_id in rows:
                # a reversal is negative (movement_reversal_is_negative): a correction line of the
                # batch (negative) is undone by a plain positive line of its kind
                yield Line(unit_id=unit_id, category=category, kind=kind, amount=-amount, effective_date=day,
                           document_ref=ref, commitment_type=ctype, settles=settles, activity_id=activity_id,
                           reverses_id=pk if amount > 0 else None, note=purpose[:255],
                           reservation_id=reservation_id)
            last = rows[-1][0]

    write(undo, lines(), actor_id=actor_id, chunk=chunk, progress=progress)
    return undo

