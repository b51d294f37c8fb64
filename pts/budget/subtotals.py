"""Totals of whole subtrees of the organisation tree as of a date, for the pages that show one level
of a 10,000-unit tree at a time (the budget overview's drill-down and its search).

A unit's money as of a day = the database's monthly sums (`pts.budget.rollup`) up to the end of
that day's month, less the movements dated after the day in that month (usually none: the day is
today). For a subtree of more than `SMALL` units the monthly part is kept in the process, per
fiscal year and month, and re-read only for the units whose ledger stamp (`LedgerStamp`, kept by
the same trigger) moved since: a page of the whole country then reads 10,000 stamps instead of
600,000 monthly rows. Movements are append-only, so a unit whose stamp is unchanged has the same
monthly sums; nothing is served that the database does not say is current.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet

from pts.budget.models import FiscalYear, LedgerMonth, LedgerStamp, Movement
from pts.budget.queries import Figures
from pts.budget.rollup import COLUMNS
from pts.core.lookups import MANY_IDS, ids_in
from pts.core.sums import ExactSum
from pts.organisations.models import Org

SMALL = MANY_IDS  # up to this many units, the monthly rows are read directly
KEPT = 4  # (fiscal year, month) entries kept per process: this month and a few dates looked back at
Sums = dict[str, list[int]]  # category -> the COLUMNS components, in order


@dataclass
class _Monthly:
    stamps: dict[int, tuple[int, int]] = field(default_factory=dict)
    sums: dict[int, Sums] = field(default_factory=dict)


_kept: OrderedDict[tuple[int, date], _Monthly] = OrderedDict()
_lock = threading.Lock()


def forget() -> None:
    """Drop what the process keeps (tests that reuse ids after a rollback)."""
    with _lock:
        _kept.clear()


def _month_end(as_of: date) -> date:
    return (as_of.replace(day=1) + timedelta(days=32)).replace(day=1)


def _read_months(fiscal_year_id: int, before: date, unit_ids: Iterable[int] | None) -> dict[int, Sums]:
    narrow = {} if unit_ids is None else {"unit_id__in": list(unit_ids)}
    rows = (LedgerMonth.objects.filter(fiscal_year_id=fiscal_year_id, month__lt=before, **narrow)
            .values_list("unit_id", "category").annotate(*[ExactSum(c) for c in COLUMNS]).order_by())
    out: dict[int, Sums] = defaultdict(dict)
    for unit_id, category, *values in rows:
        out[unit_id][category] = [int(v or 0) for v in values]
    return out


def _monthly(fiscal_year_id: int, before: date, unit_ids: list[int]) -> dict[int, Sums]:
    """unit id -> its monthly sums before `before`, for (at least) `unit_ids`."""
    if len(unit_ids) <= SMALL:
        return _read_months(fiscal_year_id, before, unit_ids)
    # the stamps first: sums read after them are at least as new, so a change is never missed
    stamps = {u: (n, last) for u, n, last in LedgerStamp.objects.filter(fiscal_year_id=fiscal_year_id)
              .values_list("unit_id", "movements", "last_id")}
    key = (fiscal_year_id, before)
    with _lock:
        entry = _kept.get(key)
        changed = None if entry is None else [u for u in stamps.keys() | entry.stamps.keys()
                                              if stamps.get(u) != entry.stamps.get(u)]
        if entry is None or changed is None or len(changed) > SMALL:
            entry = _Monthly(stamps, _read_months(fiscal_year_id, before, None))
        elif changed:
            fresh = _read_months(fiscal_year_id, before, changed)
            for unit_id in changed:
                entry.sums.pop(unit_id, None)
            entry.sums.update(fresh)
            entry.stamps = stamps
        _kept[key] = entry
        _kept.move_to_end(key)
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
        return entry.sums


def _later(fiscal_year_id: int, as_of: date, unit_ids: list[int]) -> dict[int, Sums]:
    """unit id -> the components of its movements after `as_of` in the same month (to take off)."""
    last = _month_end(as_of) - timedelta(days=1)
    if last <= as_of:
        return {}
    rows = (Movement.objects.filter(fiscal_year_id=fiscal_year_id, effective_date__gt=as_of, effective_date__lte=last,
                                    **ids_in("unit_id", unit_ids))
            .values_list("unit_id", "category", "kind", "settles_commitment").annotate(s=ExactSum("amount")).order_by())
    out: dict[int, Sums] = defaultdict(dict)
    for unit_id, category, kind, settles, amount in rows:
        cell = out[unit_id].setdefault(category, [0] * len(COLUMNS))
        change = Figures.of_movement(kind, int(amount), settles)
        for i, name in enumerate(COLUMNS):
            cell[i] += getattr(change, name)
    return out


def _add(target: Sums, sums: Sums, sign: int = 1) -> None:
    for category, values in sums.items():
        cell = target.get(category)
        if cell is None:
            target[category] = [sign * v for v in values]
        else:
            for i, v in enumerate(values):
                cell[i] += sign * v


def _figures(sums: Sums) -> dict[str, Figures]:
    return {category: Figures.of(**dict(zip(COLUMNS, values, strict=True))) for category, values in sums.items()}


def _totals(*, fiscal_year: FiscalYear, as_of: date, units: QuerySet[Org],
            keys: Callable[[str], Iterable[Any]]) -> dict[Any, dict[str, Figures]]:
    """Each key `keys(path)` gives for one of `units` -> category -> Figures of the units it was
    given for, as of `as_of`."""
    paths = dict(units.values_list("pk", "path"))
    ids = list(paths)
    monthly = _monthly(fiscal_year.pk, _month_end(as_of), ids)
    later = _later(fiscal_year.pk, as_of, ids)
    grouped: dict[Any, Sums] = defaultdict(dict)
    for unit_id, path in paths.items():
        found, after = monthly.get(unit_id), later.get(unit_id)
        if found is None and after is None:
            continue
        for key in keys(path):
            target = grouped[key]
            if found is not None:
                _add(target, found)
            if after is not None:
                _add(target, after, -1)
    return {k: _figures(sums) for k, sums in grouped.items()}


def by_branch(*, fiscal_year: FiscalYear, as_of: date, under: str, units: QuerySet[Org]) -> dict[str, dict[str, Figures]]:
    """The path of each branch one level below the path `under` ("/" for the roots) -> category ->
    Figures of its units among `units` (scoped by the caller); the money of the organisation at
    `under` itself is keyed by `under`."""
    start = len(under)

    def branch(path: str) -> tuple[str]:
        end = path.find("/", start)
        return (path[: end + 1] if end >= 0 else path,)

    return _totals(fiscal_year=fiscal_year, as_of=as_of, units=units.filter(path__startswith=under), keys=branch)


def of_subtrees(*, fiscal_year: FiscalYear, as_of: date, orgs: Iterable[Org],
                units: QuerySet[Org]) -> dict[int, dict[str, Figures]]:
    """org id -> category -> Figures of everything at or below it among `units`, for a page of
    organisations anywhere in the tree (search results, which may hold one another)."""
    orgs = list(orgs)
    wanted = {org.path: org.pk for org in orgs}
    if not orgs:
        return {}
    below = Q(pk__in=[])
    for org in orgs:
        below |= Q(path__startswith=org.path)

    def holders(path: str) -> list[int]:
        parts = path.strip("/").split("/")
        prefixes = ("/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1))
        return [wanted[p] for p in prefixes if p in wanted]

    found = _totals(fiscal_year=fiscal_year, as_of=as_of, units=units.filter(below), keys=holders)
    return {org.pk: found.get(org.pk, {}) for org in orgs}
