"""Monthly ledger figures for scoring: per unit, month and category, cumulative at each as-of day.

Scoring a scheme of 10,000 units reads 600,000 and more movements; the ledger is append-only, so
what has been summed once stays summed. A process keeps, per fiscal year and reporting calendar,
the sums of the movements it has read up to a watermark (the highest id), and on the next call
reads only the movements past it. The sums are checked before use: the count of movements at or
below the watermark must still be what was summed (a deleted movement, or one committed late
under a lower id by a concurrent transaction, changes it); when it is not, everything is read
again. Only committed data is summed this way: inside a transaction (a request that writes, a
test) the movements are read afresh, so a rollback can never leave its rows in the sums.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Case, IntegerField, Value, When

from pts.budget.models import Movement, MovementKind
from pts.core.fiscal import Month
from pts.core.lookups import ids_in
from pts.scoring.engine import Figures

# movement kind -> signs of (current allocation, original allocation, disbursed, outstanding commitment)
EFFECT = {
    MovementKind.ALLOCATION: (1, 1, 0, 0), MovementKind.CARRY_OVER_IN: (1, 1, 0, 0),
    MovementKind.TRANSFER_IN: (1, 0, 0, 0), MovementKind.PULLBACK_IN: (1, 0, 0, 0),
    MovementKind.TRANSFER_OUT: (-1, 0, 0, 0), MovementKind.PULLBACK_OUT: (-1, 0, 0, 0),
    MovementKind.COMMITMENT: (0, 0, 0, 1), MovementKind.CARRY_OVER_OUT: (0, 0, 0, -1),
    MovementKind.DISBURSEMENT: (0, 0, 1, 0),
}
_figures = tuple.__new__  # builds a Figures NamedTuple at C speed: 600,000 of them for 10,000 units
KEEP = 6  # folds kept per process: (fiscal year, calendar, denominator) combinations in use


class Fold:
    """Sums of movements per unit and category, per as-of bucket; cells derived per unit on demand."""

    def __init__(self, months: Sequence[Month], ends: Sequence[date], original: bool, carried: bool = False) -> None:
        self.months, self.ends, self.original = tuple(months), tuple(ends), original
        self.carried = carried  # the third figure is the money carried over, not the outstanding commitment
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Nothing summed yet."""
        self.watermark = 0  # highest movement id summed
        self.count = 0  # movements summed
        # unit id -> category -> [current allocation, disbursed, committed] per bucket, flattened
        self.sums: dict[int, dict[str, list[int]]] = {}
        self.cells: dict[int, dict[Month, dict[str, Figures]]] = {}  # derived; dropped when a unit changes

    def rows(self, *, fiscal_year_id: int, after: int = 0,
             unit_ids: Collection[int] | None = None) -> list[tuple[Any, ...]]:
        """(id, unit, category, kind, settles, bucket, amount) of movements past `after` (of a
        short list of units, when given: a long one is summed whole and the caller picks)."""
        narrow = ids_in("unit_id", unit_ids) if unit_ids is not None else {}
        movements = Movement.objects.filter(fiscal_year_id=fiscal_year_id, id__gt=after, **narrow)
        qs = movements.annotate(b=bucket(self.ends)).values_list("id", "unit_id", "category", "kind", "settles_commitment", "b",
                                                      "amount").order_by()
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def add(self, rows: list[tuple[Any, ...]]) -> None:
        n, original, carried = len(self.ends), self.original, self.carried
        sums, cells, effects = self.sums, self.cells, EFFECT
        for pk, unit_id, category, kind, settles, b, amount in rows:
            self.count += 1
            if pk > self.watermark:
                self.watermark = pk
            effect = effects.get(kind)
            if effect is None or b == n:
                continue  # reservations do not enter the scores, nor what happens after the last as-of day
            by_cat = sums.get(unit_id)
            if by_cat is None:
                by_cat = sums[unit_id] = {}
            cell = by_cat.get(category)
            if cell is None:
                cell = by_cat[category] = [0] * (3 * n)
            if cells:
                cells.pop(unit_id, None)
            i = 3 * b
            cell[i] += amount * effect[1 if original else 0]
            cell[i + 1] += amount * effect[2]
            if carried:
                cell[i + 2] += amount if kind == MovementKind.CARRY_OVER_OUT else 0
            else:
                cell[i + 2] += amount * effect[3] - (amount if settles and effect[2] else 0)

    def unit_cells(self, unit_id: int) -> dict[Month, dict[str, Figures]]:
        """month -> category -> Figures, cumulative; the same object until the unit's sums change."""
        found = self.cells.get(unit_id)
        if found is not None:
            return found
        if unit_id not in self.sums:
            return {}  # no money at all: no data, not months of zeros
        months = self.months
        per_month: dict[Month, dict[str, Figures]] = {m: {} for m in months}
        for category, cell in self.sums.get(unit_id, {}).items():
            a = d = c = 0
            for j, m in enumerate(months):
                a += cell[3 * j]
                d += cell[3 * j + 1]
                c += cell[3 * j + 2]
                per_month[m][category] = _figures(Figures, (a, d, c))
        self.cells[unit_id] = per_month
        return per_month


def bucket(ends: Sequence[date]) -> Case:
    """The index of the first of `ends` on or after a movement's date (len(ends) after the last),
    worked out by the database: no date object per movement comes back."""
    return Case(*[When(effective_date__lte=end, then=Value(i)) for i, end in enumerate(ends)],
                default=Value(len(ends)), output_field=IntegerField())


_FOLDS: OrderedDict[tuple[Any, ...], Fold] = OrderedDict()
_FOLDS_LOCK = threading.Lock()


def _fold_for(key: tuple[Any, ...], months: Sequence[Month], ends: Sequence[date], original: bool,
              carried: bool) -> Fold:
    with _FOLDS_LOCK:
        fold = _FOLDS.get(key)
        if fold is None:
            fold = _FOLDS[key] = Fold(months, ends, original, carried)
            while len(_FOLDS) > KEEP:
                _FOLDS.popitem(last=False)
        _FOLDS.move_to_end(key)
        return fold


def forget() -> None:
    """Drop every kept fold (tests; a process that wants its memory back)."""
    with _FOLDS_LOCK:
        _FOLDS.clear()


def cached_fold(*, fiscal_year_id: int, months: Sequence[Month], ends: Sequence[date], original: bool,
                carried: bool = False) -> Fold:
    """The process's fold for this fiscal year and calendar, brought up to date with the ledger."""
    key = (connection.alias, str(connection.settings_dict.get("NAME")), fiscal_year_id, tuple(ends), original, carried)
    fold = _fold_for(key, months, ends, original, carried)
    with fold.lock:
        if fold.count:
            summed = Movement.objects.filter(fiscal_year_id=fiscal_year_id, id__lte=fold.watermark).count()
            if summed != fold.count:  # a movement vanished or arrived late under a lower id: start over
                fold.reset()
        fold.add(fold.rows(fiscal_year_id=fiscal_year_id, after=fold.watermark))
    return fold


def monthly_cells(*, fiscal_year_id: int, months: Sequence[Month], ends: Sequence[date], original: bool,
                  unit_ids: Sequence[int], carried: bool = False) -> dict[int, dict[Month, dict[str, Figures]]]:
    """unit id -> month -> category -> engine Figures, cumulative at each month's as-of day `ends[i]`.

    The same figures as `pts.budget.queries.cumulative_by_month` (a test holds them equal), read as
    plain rows and summed into a few integers. `allocated` is the current allocation, or the
    original one with `original`; `committed` is the outstanding commitment. With `carried`, the
    third figure is the money carried over to the next year instead.
    """
    if not months or not unit_ids:
        return {}
    if connection.in_atomic_block:
        fold = Fold(months, ends, original, carried)
        fold.add(fold.rows(fiscal_year_id=fiscal_year_id, unit_ids=unit_ids))
        return {pk: fold.unit_cells(pk) for pk in unit_ids}
    fold = cached_fold(fiscal_year_id=fiscal_year_id, months=months, ends=ends, original=original, carried=carried)
    with fold.lock:  # another thread's newer movements must not slip between a unit's sums and its cells
        return {pk: fold.unit_cells(pk) for pk in unit_ids}
