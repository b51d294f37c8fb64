"""Derived figures: every balance and rate is computed here from the movement rows, as of a date.

One aggregate per call (conditional integer sums over `kind`), so SQLite and PostgreSQL agree to
the satang. Definitions (all integer satang, cumulative from 1 October up to `as_of` inclusive):

- allocated_original   = ALLOCATION + CARRY_OVER_IN
- current_allocation   = allocated_original + TRANSFER_IN - TRANSFER_OUT - PULLBACK_OUT + PULLBACK_IN
- reserved             = RESERVATION - RESERVATION_RELEASE            (open request forms)
- committed_outstanding = COMMITMENT - settling DISBURSEMENT - CARRY_OVER_OUT
- remaining            = current_allocation - disbursed - committed_outstanding - reserved - carried_over
- spent                = disbursed + committed_outstanding
- available (for a new reservation, commitment, disbursement, transfer or pull-back dated D) =
  the lowest `remaining` on any day from D to the end of the year, so a back-dated movement can
  never make a later balance negative (see `available`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from fractions import Fraction
from typing import Any

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.db.models.functions import TruncMonth

from pts.budget.models import FiscalYear, Movement, MovementKind
from pts.core.fiscal import Month
from pts.core.sums import ExactSum
from pts.organisations.models import Org

K = MovementKind
DENOMINATORS = ("current", "original")


@dataclass(frozen=True, slots=True)
class Figures:
    """One unit (or group of units) x category (or series) as of a date. Integer satang.

    Build with `Figures.of(...)` from the raw sums; the derived fields are then consistent.
    Every field is linear in the movements, so `a + b` adds field by field.
    """

    allocated_original: int = 0
    transfers_in: int = 0
    transfers_out: int = 0
    pulled_back: int = 0
    received_pullbacks: int = 0
    current_allocation: int = 0
    reserved: int = 0
    committed_total: int = 0
    settled: int = 0  # disbursements paid against a commitment
    committed_outstanding: int = 0
    disbursed: int = 0
    carried_over: int = 0
    remaining: int = 0
    spent: int = 0

    @classmethod
    def of(
        cls, *, allocated_original: int = 0, transfers_in: int = 0, transfers_out: int = 0, pulled_back: int = 0,
        received_pullbacks: int = 0, reserved: int = 0, committed_total: int = 0, settled: int = 0,
        disbursed: int = 0, carried_over: int = 0,
    ) -> Figures:
        current = allocated_original + transfers_in - transfers_out - pulled_back + received_pullbacks
        outstanding = committed_total - settled - carried_over
        return cls(
            allocated_original=allocated_original, transfers_in=transfers_in, transfers_out=transfers_out,
            pulled_back=pulled_back, received_pullbacks=received_pullbacks, current_allocation=current,
            reserved=reserved, committed_total=committed_total, settled=settled,
            committed_outstanding=outstanding, disbursed=disbursed, carried_over=carried_over,
            # Carried-over money left this year's ledger for the next: it is neither outstanding nor free.
            remaining=current - disbursed - outstanding - reserved - carried_over,
            spent=disbursed + outstanding,
        )

    @classmethod
    def of_movement(cls, kind: str, amount: int, settles_commitment: bool = False) -> Figures:
        """The change one movement makes (used to check a proposed movement before writing it)."""
        return cls.of(**_components(kind, amount, settles_commitment))

    def __add__(self, other: Figures) -> Figures:
        if not isinstance(other, Figures):
            return NotImplemented
        return Figures(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def __radd__(self, other: Any) -> Figures:
        # Lets sum() start from 0.
        if other == 0:
            return self
        return NotImplemented

    def base(self, denominator: str = "current") -> int:
        """The denominator of the rates: the current allocation (default) or the original one."""
        if denominator == "current":
            return self.current_allocation
        if denominator == "original":
            return self.allocated_original
        raise ValueError(f"denominator must be one of {DENOMINATORS}, not {denominator!r}")

    def disbursement_rate(self, denominator: str = "current") -> Fraction | None:
        """disbursed / base x 100, exact; None when the base is 0."""
        base = self.base(denominator)
        return Fraction(self.disbursed * 100, base) if base else None

    def spending_rate(self, denominator: str = "current") -> Fraction | None:
        """(disbursed + outstanding commitments) / base x 100, exact; None when the base is 0."""
        base = self.base(denominator)
        return Fraction(self.spent * 100, base) if base else None

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


ZERO = Figures()


def _components(kind: str, amount: int, settles: bool) -> dict[str, int]:
    c: dict[str, int] = {}
    if kind in (K.ALLOCATION, K.CARRY_OVER_IN):
        c["allocated_original"] = amount
    elif kind == K.TRANSFER_IN:
        c["transfers_in"] = amount
    elif kind == K.TRANSFER_OUT:
        c["transfers_out"] = amount
    elif kind == K.PULLBACK_OUT:
        c["pulled_back"] = amount
    elif kind == K.PULLBACK_IN:
        c["received_pullbacks"] = amount
    elif kind == K.RESERVATION:
        c["reserved"] = amount
    elif kind == K.RESERVATION_RELEASE:
        c["reserved"] = -amount
    elif kind == K.COMMITMENT:
        c["committed_total"] = amount
    elif kind == K.DISBURSEMENT:
        c["disbursed"] = amount
        if settles:
            c["settled"] = amount
    elif kind == K.CARRY_OVER_OUT:
        c["carried_over"] = amount
    else:  # pragma: no cover - MovementKind is closed
        raise ValueError(f"unknown movement kind {kind!r}")
    return c


def _fold(rows: Iterable[Mapping[str, Any]], key: Any) -> dict[Any, Figures]:
    """Rows of (group..., kind, settles_commitment, s) -> group key -> Figures.

    Grouping by kind and summing once is far cheaper to build than one filtered Sum per component,
    and it is the same integer arithmetic on every database.
    """
    parts: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        bucket = parts[key(row)]
        for name, value in _components(row["kind"], int(row["s"]), row["settles_commitment"]).items():
            bucket[name] += value
    return {k: Figures.of(**v) for k, v in parts.items()}


def _sums(qs: QuerySet[Movement], *group: str) -> QuerySet[Movement, dict[str, Any]]:
    return qs.values(*group, "kind", "settles_commitment").annotate(s=ExactSum("amount")).order_by()


def _year_filter(fiscal_year: FiscalYear | int) -> Q:
    if isinstance(fiscal_year, FiscalYear):
        return Q(fiscal_year=fiscal_year)
    return Q(fiscal_year__be_year=int(fiscal_year))


def _unit_filter(units: Iterable[Org | int] | QuerySet[Org] | None) -> Q:
    if units is None:
        return Q()
    if isinstance(units, QuerySet):
        return Q(unit__in=units.values("pk"))
    return Q(unit__in=[u.pk if isinstance(u, Org) else int(u) for u in units])


def figures_by_unit_category(
    *, fiscal_year: FiscalYear | int, as_of: date, units: Iterable[Org | int] | QuerySet[Org] | None = None
) -> dict[tuple[int, str], Figures]:
    """(unit id, category) -> Figures as of `as_of`, for every pair with a movement by then. One query."""
    qs = Movement.objects.filter(_year_filter(fiscal_year), _unit_filter(units), effective_date__lte=as_of)
    return _fold(_sums(qs, "unit_id", "category"), lambda row: (row["unit_id"], row["category"]))


def unit_figures(
    *, fiscal_year: FiscalYear | int, unit: Org, as_of: date, include_subtree: bool = True
) -> dict[str, Figures]:
    """category -> Figures of one unit (with everything below it by default), plus a "total" key.

    Categories without any movement by `as_of` are absent; "total" is always there.
    """
    where = Q(unit__path__startswith=unit.path) if include_subtree else Q(unit=unit)
    qs = Movement.objects.filter(_year_filter(fiscal_year), where, effective_date__lte=as_of)
    out = _fold(_sums(qs, "category"), lambda row: row["category"])
    out["total"] = sum(out.values(), ZERO)
    return out


def series_figures(by_category: Mapping[str, Figures], series: Mapping[str, list[str]]) -> dict[str, Figures]:
    """Series name -> the sum of its categories (a scheme's mapping, e.g. KPI 2.3's default_series)."""
    return {name: sum((by_category.get(c, ZERO) for c in categories), ZERO) for name, categories in series.items()}


def default_series() -> dict[str, list[str]]:
    """KPI 2.3's series: what the ledger shows outside a scheme, and what a new scheme starts with.

    overall = all but personnel; recurring = operating + subsidy + other; capital = capital.
    """
    return {
        "overall": ["operating", "capital", "subsidy", "other"],
        "recurring": ["operating", "subsidy", "other"],
        "capital": ["capital"],
    }


def _path_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def rollup(by_unit_category: Mapping[tuple[int, str], Figures], orgs: Iterable[Org]) -> dict[int, dict[str, Figures]]:
    """org id -> category -> Figures of the org itself plus all its descendants, for each of `orgs`.

    Walks each unit's materialised path once, so it costs units x depth, not units x orgs.
    """
    orgs = list(orgs)
    out: dict[int, dict[str, Figures]] = {org.pk: {} for org in orgs}
    paths = {org.pk: org.path for org in orgs}
    missing = {unit_id for unit_id, _c in by_unit_category} - paths.keys()
    if missing:
        paths.update(Org.objects.filter(pk__in=missing).values_list("pk", "path"))
    for (unit_id, category), figures in by_unit_category.items():
        for ancestor in _path_ids(paths[unit_id]):
            target = out.get(ancestor)
            if target is not None:
                target[category] = target.get(category, ZERO) + figures
    return out


def total(by_category: Mapping[str, Figures]) -> Figures:
    """The sum over categories (ignores a "total" key if present)."""
    return sum((f for c, f in by_category.items() if c != "total"), ZERO)


def cumulative_by_month(
    *, fiscal_year: FiscalYear | int, units: Iterable[Org | int] | QuerySet[Org] | None, months: list[Month],
    as_of_day: int | None = None,
) -> dict[tuple[int, Month, str], Figures]:
    """(unit id, month, category) -> cumulative Figures at each month's end (or its `as_of_day`,
    clamped to the month's length as Scheme.as_of does), for every (unit, category) with movements.

    1. One query sums movements per unit, category and month (and, with `as_of_day`, per
       "on or before that day" / "after it").
    2. Python walks the buckets in date order and accumulates, so 10,000 units x 12 months stay cheap.
    """
    if not months:
        return {}
    months = sorted(set(months))
    last = months[-1].day(as_of_day) if as_of_day else months[-1].last_day
    qs = Movement.objects.filter(_year_filter(fiscal_year), _unit_filter(units), effective_date__lte=last)
    group = ["unit_id", "category", "bucket"]
    qs = qs.annotate(bucket=TruncMonth("effective_date"))
    if as_of_day:
        qs = qs.annotate(
            late=Case(When(effective_date__day__gt=as_of_day, then=Value(True)), default=Value(False),
                      output_field=BooleanField())
        )
        group.append("late")
    folded = _fold(
        _sums(qs, *group),
        lambda row: (row["unit_id"], row["category"], Month.of(row["bucket"]),
                     1 if (row.get("late") or not as_of_day) else 0),
    )

    # Position of a bucket on the time line: (month, 0) = up to the as-of day, (month, 1) = after it.
    buckets: dict[tuple[int, str], list[tuple[tuple[Month, int], Figures]]] = defaultdict(list)
    for (unit_id, category, month_of_bucket, late), figures in folded.items():
        buckets[(unit_id, category)].append(((month_of_bucket, late), figures))
    cut_flag = 0 if as_of_day else 1
    out: dict[tuple[int, Month, str], Figures] = {}
    for (unit_id, category), items in buckets.items():
        items.sort(key=lambda item: item[0])
        running, i = ZERO, 0
        for month in months:
            while i < len(items) and items[i][0] <= (month, cut_flag):
                running = running + items[i][1]
                i += 1
            out[(unit_id, month, category)] = running
    return out


def daily_changes(
    *, fiscal_year: FiscalYear | int, unit: Org | int, category: str
) -> list[tuple[date, Figures]]:
    """The change in one unit's category on each day with movements, in date order (not cumulative)."""
    qs = Movement.objects.filter(_year_filter(fiscal_year), _unit_filter([unit]), category=category)
    return sorted(_fold(_sums(qs, "effective_date"), lambda row: row["effective_date"]).items())


def available(
    *, fiscal_year: FiscalYear | int, unit: Org | int, category: str, on: date, measure: str = "remaining"
) -> int:
    """What a new movement dated `on` may take: the lowest `measure` (default "remaining") on any
    day from `on` to the end of the year, as the ledger stands (never below what a later day needs)."""
    running, lowest = ZERO, None
    changes = daily_changes(fiscal_year=fiscal_year, unit=unit, category=category)
    for day, change in changes:
        if day > on and lowest is None:
            lowest = getattr(running, measure)
        running = running + change
        if day >= on:
            value = getattr(running, measure)
            lowest = value if lowest is None else min(lowest, value)
    return getattr(running, measure) if lowest is None else lowest


# Balances a movement may never push below zero (see `project`).
GUARDED = ("remaining", "committed_outstanding", "reserved", "disbursed", "settled", "carried_over")


@dataclass(frozen=True, slots=True)
class Projection:
    """What proposed movements do to one (fiscal year, unit, category): the year-end figures before
    and after, and the first balance they would push below zero (with what it needs and has)."""

    before: Figures
    after: Figures
    short: str | None = None  # name of the balance in GUARDED that would go negative
    need: int = 0
    have: int = 0  # the lowest that balance is from `start` to the year end, never below 0
    start: date | None = None


def project(movements: Iterable[Movement]) -> dict[tuple[int, int, str], Projection]:
    """For unsaved movements, per (fiscal year id, unit id, category): walk every day with
    movements, existing and proposed; a balance is short when it goes below zero on a day from the
    earliest proposed date on and is lower than it was without the proposal."""
    by_key: dict[tuple[int, int, str], list[Movement]] = defaultdict(list)
    for m in movements:
        by_key[(m.fiscal_year.pk, m.unit_id, m.category)].append(m)
    out = {}
    for key, moves in by_key.items():
        existing = dict(daily_changes(fiscal_year=moves[0].fiscal_year, unit=key[1], category=key[2]))
        added: dict[date, Figures] = defaultdict(lambda: ZERO)
        for m in moves:
            added[m.effective_date] = added[m.effective_date] + Figures.of_movement(m.kind, m.amount,
                                                                                   m.settles_commitment)
        start = min(added)
        before = after = ZERO
        lowest: dict[str, int] = {}
        short: str | None = None
        for day in sorted(existing.keys() | added.keys()):
            before = before + existing.get(day, ZERO)
            after = after + existing.get(day, ZERO) + added.get(day, ZERO)
            if day < start:
                continue
            for name in GUARDED:
                b, a = getattr(before, name), getattr(after, name)
                lowest[name] = min(lowest.get(name, b), b)
                if short is None and a < 0 and a < b:
                    short = name
        if short is None:
            out[key] = Projection(before, after)
        else:
            need = -getattr(sum(added.values(), ZERO), short)
            out[key] = Projection(before, after, short, need, max(lowest[short], 0), start)
    return out
