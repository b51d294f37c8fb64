"""Where units stand against their scheme's target curves as of a day, for the home pages: an
officer's units with the baht still needed, a coordinator's units below the curve.

Reads the same figures as the score card's "still needed by month end" (`queries.needed_by_month_end`),
for many units at once (one ledger query).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from pts.budget import queries as budget
from pts.core.fiscal import Month
from pts.organisations.models import Org
from pts.schemes.models import Denominator, Scheme
from pts.scoring.engine import RuleSet
from pts.scoring.rulesets import rules_for


@dataclass(frozen=True)
class Position:
    """One unit on one series with a target curve, as of a day."""

    unit_id: int
    series: str
    label: str  # the series' name in Thai
    base: int  # satang: the allocation the target is a share of
    measured: int  # satang disbursed (or spent, as the rule set measures)
    reached_month: Month | None  # the latest month with a target, up to the day's month
    reached_target: Fraction | None  # per cent, at that month
    next_month: Month | None  # the next month with a target from the day's month on
    next_target: Fraction | None
    target_unknown: bool = False  # a target in force from the day on is not published yet (`?`)

    @property
    def share(self) -> Fraction:
        """measured / base x 100."""
        return Fraction(self.measured * 100, self.base)

    @property
    def below(self) -> bool:
        """Below the target of the latest month that has one."""
        return self.reached_target is not None and self.share < self.reached_target

    @property
    def shortfall(self) -> int:
        """Satang short of the latest target in force (rounded up): what the unit is behind by."""
        if self.reached_target is None:
            return 0
        goal = Fraction(self.reached_target * self.base, 100)
        return max(0, -(-goal.numerator // goal.denominator) - self.measured)

    @property
    def needed(self) -> int:
        """Satang still to disburse by the end of the next month with a target (rounded up)."""
        if self.next_target is None:
            return 0
        goal = Fraction(self.next_target * self.base, 100)
        return max(0, -(-goal.numerator // goal.denominator) - self.measured)


def positions(*, scheme: Scheme, rules: RuleSet, units: Iterable[Org | int], as_of: date) -> list[Position]:
    """Every unit of `units` with money on each series that has a target curve, as of `as_of`."""
    measure = rules.options.measure
    ids = [u if isinstance(u, int) else u.pk for u in units]
    by_cat = budget.figures_by_unit_category(fiscal_year=scheme.fiscal_year, as_of=as_of, units=ids)
    out = []
    for sid, series in rules.series.items():
        curve = rules.curve_for(sid, measure)
        if curve is None or not series.categories:
            continue
        with_target = [m for m in rules.months if curve.values[m.fiscal_index - 1] is not None]
        reached = [m for m in with_target if m.last_day <= as_of]  # measured at the month's end
        upcoming = [m for m in with_target if m.last_day > as_of]
        reached_month = reached[-1] if reached else None
        # a target not published yet (`?`) between the last known one and the day: the last known
        # one is no longer the target in force, so nothing is compared
        unknown = [m for m in rules.months if curve.missing[m.fiscal_index - 1] == "unknown"]
        pending = reached_month is not None and any(reached_month < m and m.first_day <= as_of for m in unknown)
        if pending:
            reached_month = None
        next_month = upcoming[0] if upcoming else None
        if next_month is not None and any(as_of < m.last_day and m < next_month for m in unknown):
            next_month, pending = None, True  # the next target in force is not published yet
        for unit_id in ids:
            total = sum((by_cat.get((unit_id, c), budget.ZERO) for c in series.categories), budget.ZERO)
            base = total.base("original" if scheme.denominator == Denominator.ORIGINAL else "current")
            if base <= 0:
                continue
            out.append(Position(
                unit_id=unit_id, series=sid, label=series.label.th, base=base,
                measured=total.disbursed if measure == "disbursed" else total.spent,
                reached_month=reached_month,
                reached_target=_target(curve.values, reached_month),
                next_month=next_month, next_target=_target(curve.values, next_month), target_unknown=pending,
            ))
    return out


def of_scheme(scheme: Scheme, units: list[Any], as_of: date) -> list[Position]:
    """`positions` with the scheme's own rule set (the `unit_positions` scheme hook)."""
    return positions(scheme=scheme, rules=rules_for(scheme), units=units, as_of=as_of)


def _target(values: Sequence[Fraction | None], month: Month | None) -> Fraction | None:
    return None if month is None else values[month.fiscal_index - 1]
