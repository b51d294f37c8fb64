"""One unit's figures arranged for scoring: series sums per fiscal month, computed once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from pts.core.fiscal import Month
from pts.scoring.engine.inputs import Evidence, UnitData
from pts.scoring.engine.rules import Round, RuleSet

Figs = tuple[int, int, int]  # allocated, disbursed, committed (satang)
_NOTHING: Figs = (0, 0, 0)


class UnitView:
    def __init__(self, rules: RuleSet, unit: UnitData, explain: bool = True) -> None:
        self.rules = rules
        self.unit = unit
        self.explain = explain  # False: points only, no Lines (a league table of 10,000 units)
        months = unit.months
        self.rows = [months.get(m) for m in rules.months]
        # fiscal position of the last month reached: later months without data are not yet due
        through = unit.through
        self.reached = 11 if through is None else sum(1 for m in rules.months if m <= through) - 1
        self._series: dict[str, list[Figs | None]] = {}
        self._present: dict[tuple[str, int], bool] = {}
        self._evidence: dict[tuple[str, Month | None], tuple[date, ...]] | None = None

    def series(self, sid: str) -> list[Figs | None]:
        """(allocated, disbursed, committed) per fiscal month; None when there is no data that month."""
        cached = self._series.get(sid)
        if cached is None:
            spec = self.rules.series[sid]
            if len(spec.categories) == 1:
                cat = spec.categories[0]
                cached = [None if row is None else row.get(cat, _NOTHING) for row in self.rows]
            elif spec.categories:
                cached = [None if row is None else _sum_categories(row, spec.categories) for row in self.rows]
            else:
                cached = [self._sum_tags(spec.tags, m) for m in self.rules.months]
            self._series[sid] = cached
        return cached

    def _sum_tags(self, tags: Sequence[str], month: Month) -> Figs | None:
        # an activity carrying several of the tags counts once in their union ("training+meeting")
        union = self.unit.tags.get("+".join(tags)) if len(tags) > 1 else None
        if union is not None:
            return union.get(month)
        found = [f for tag in tags if (f := self.unit.tags.get(tag, {}).get(month)) is not None]
        if not found:
            return None
        return sum(f[0] for f in found), sum(f[1] for f in found), sum(f[2] for f in found)

    def measured(self, sid: str, index: int, measure: str, denominator: str) -> tuple[int, int] | None:
        """(measured, base) in satang at fiscal month `index` (0 = October), or None without data."""
        figs = self.series(sid)[index]
        if figs is None:
            return None
        measured = figs[1] if measure == "disbursed" else figs[1] + figs[2]
        return measured, figs[0] if denominator == "current" else self.original(sid)

    def original(self, sid: str) -> int:
        """The first non-zero allocation of the year: what "original allocation" means here."""
        return next((f[0] for f in self.series(sid) if f is not None and f[0] > 0), 0)

    def present(self, sid: str, rnd: Round) -> bool:
        """A series is present in a round when it has money allocated in any of its months."""
        found = self._present.get((sid, rnd.id))
        if found is None:
            values = self.series(sid)
            found = self._present[(sid, rnd.id)] = any((f := values[i]) is not None and f[0] > 0 for i in rnd.indices)
        return found

    def reported(self, rnd: Round) -> bool:
        """Whether the unit reported figures for any month of the round reached so far."""
        found = self._present.get(("", rnd.id))
        if found is None:
            rows = self.rows
            found = self._present[("", rnd.id)] = any(rows[i] is not None for i in rnd.indices if i <= self.reached)
        return found

    def assessable(self, rnd: Round) -> bool:
        """Whether any series of budget categories has money in the round (default 8: else not assessed)."""
        return any(self.present(sid, rnd) for sid, spec in self.rules.series.items() if spec.categories)

    def last_allocation(self, sid: str, rnd: Round) -> int:
        """Allocation at the round's last month with data (for size groups)."""
        values = self.series(sid)
        for i in reversed(rnd.indices):
            if (f := values[i]) is not None:
                return f[0]
        return 0

    def evidence(self) -> dict[tuple[str, Month | None], tuple[date, ...]]:
        """(item, period) -> its posting dates, earliest first."""
        if self._evidence is None:
            self._evidence = _postings(self.unit.evidence)
        return self._evidence


def _sum_categories(row: Mapping[str, Figs], categories: Sequence[str]) -> Figs:
    a = d = c = 0
    get = row.get
    for cat in categories:
        f = get(cat)
        if f is not None:
            a += f[0]
            d += f[1]
            c += f[2]
    return a, d, c


def _postings(evidence: Sequence[Evidence]) -> dict[tuple[str, Month | None], tuple[date, ...]]:
    out: dict[tuple[str, Month | None], list[date]] = {}
    for e in evidence:
        out.setdefault((e.item, e.period), []).append(e.posted)
    return {key: tuple(sorted(dates)) for key, dates in out.items()}
