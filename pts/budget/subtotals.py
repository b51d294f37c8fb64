"""Totals of whole subtrees of the organisation tree as of a date, for the pages that show one level
of a 10,000-unit tree at a time (the budget overview's drill-down and its search).

A unit's money as of a day = the database's monthly sums (`pts.budget.rollup`) up to the end of
that day's month, less the movements dated after the day in that month (usually none: the day is
today). The database adds them up per branch of the tree (one grouped query over the monthly sums
joined to the units' paths), so a page of the whole country reads a few rows per branch and
category, not 10,000 units' figures; nothing is kept in the process.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db.models import F, QuerySet, Value
from django.db.models.functions import StrIndex, Substr

from pts.budget.models import FiscalYear, LedgerMonth, Movement
from pts.budget.queries import Figures
from pts.budget.rollup import COLUMNS
from pts.core.sums import ExactSum
from pts.organisations.models import Org

Sums = dict[str, list[int]]  # category -> the COLUMNS components, in order


def _month_end(as_of: date) -> date:
    return (as_of.replace(day=1) + timedelta(days=32)).replace(day=1)


def _sums(*, fiscal_year_id: int, as_of: date, units: QuerySet[Org], key: Any) -> dict[Any, Sums]:
    """key value -> category -> the components of the money of `units` as of `as_of`; `key` is an
    expression over the unit's path (`unit__path`), or None for one total."""
    group = ("key", "category") if key is not None else ("category",)
    monthly = LedgerMonth.objects.filter(fiscal_year_id=fiscal_year_id, month__lt=_month_end(as_of), unit__in=units)
    if key is not None:
        monthly = monthly.annotate(key=key)
    out: dict[Any, Sums] = defaultdict(dict)
    n = len(group) - 1
    for row in (monthly.values(*group).annotate(**{f"sum_{c}": ExactSum(c) for c in COLUMNS}).order_by()
                .values_list(*group, *[f"sum_{c}" for c in COLUMNS])):
        out[row[0] if n else None][row[n]] = [int(v or 0) for v in row[n + 1:]]
    last = _month_end(as_of) - timedelta(days=1)
    if last > as_of:  # take off the movements after the day in its month
        later = Movement.objects.filter(fiscal_year_id=fiscal_year_id, effective_date__gt=as_of,
                                        effective_date__lte=last, unit__in=units)
        if key is not None:
            later = later.annotate(key=key)
        for row in (later.values(*group, "kind", "settles_commitment").annotate(s=ExactSum("amount")).order_by()
                    .values_list(*group, "kind", "settles_commitment", "s")):
            category, kind, settles, amount = row[n:]
            cell = out[row[0] if n else None].setdefault(category, [0] * len(COLUMNS))
            change = Figures.of_movement(kind, int(amount), settles)
            for i, name in enumerate(COLUMNS):
                cell[i] -= getattr(change, name)
    return out


def _figures(sums: Sums) -> dict[str, Figures]:
    return {category: Figures.of(**dict(zip(COLUMNS, values, strict=True))) for category, values in sums.items()}


def by_branch(*, fiscal_year: FiscalYear, as_of: date, under: str, units: QuerySet[Org]) -> dict[str, dict[str, Figures]]:
    """The path of each branch one level below the path `under` ("/" for the roots) -> category ->
    Figures of its units among `units` (scoped by the caller); the money of the organisation at
    `under` itself is keyed by `under`."""
    start = len(under)
    # paths end in "/": the branch is the path up to the first "/" after `under`, or `under` itself
    path = F("unit__path")
    branch = Substr(path, 1, Value(start) + StrIndex(Substr(path, start + 1), Value("/")))
    found = _sums(fiscal_year_id=fiscal_year.pk, as_of=as_of, units=units.filter(path__startswith=under), key=branch)
    return {k: _figures(sums) for k, sums in found.items()}


def of_subtrees(*, fiscal_year: FiscalYear, as_of: date, orgs: Iterable[Org],
                units: QuerySet[Org]) -> dict[int, dict[str, Figures]]:
    """org id -> category -> Figures of everything at or below it among `units`, for a page of
    organisations anywhere in the tree (search results, which may hold one another): one grouped
    query per organisation of the page."""
    out = {}
    for org in orgs:
        found = _sums(fiscal_year_id=fiscal_year.pk, as_of=as_of, units=units.filter(path__startswith=org.path),
                      key=None)
        out[org.pk] = _figures(found.get(None, {}))
    return out
