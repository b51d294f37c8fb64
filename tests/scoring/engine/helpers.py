"""Plain builders for engine tests: units described by their cumulative percentages."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from functools import cache

from pts.core.fiscal import Month, fiscal_months
from pts.scoring.engine import Figures, RuleSet, UnitData, load_ruleset, score_unit
from pts.scoring.engine.results import RoundResult

FY2566 = fiscal_months(2566)  # Oct 2022 .. Sep 2023
OVERALL = [9, 19, 32, 39, 45, 50, 58, 67, 75, 85, 93, 100]  # DOH FY2566 targets, Oct first
CAPITAL = [None, 18, 29, 40, 51, 61, 71, 81, 90, 100, 100, 100]
ROUND1 = range(0, 5)  # Oct..Feb positions
ROUND2 = range(5, 10)  # Mar..Jul
# 1,000,000 baht in satang: 1 per cent is 1,000,000 satang, so any percentage with up to six
# decimals is an exact amount
ALLOCATION = 100_000_000


@cache
def doh() -> RuleSet:
    return load_ruleset("doh-kpi23-2566")


def figures(percent: float | int | str | Decimal, allocation: int = ALLOCATION) -> Figures:
    disbursed = Fraction(Decimal(str(percent))) * allocation / 100
    assert disbursed.denominator == 1, f"{percent}% of {allocation} satang is not a whole satang"
    return Figures(allocation, int(disbursed))


def make_unit(
    code: str = "U01",
    *,
    operating: Sequence[float | int | str | None] | None = None,
    capital: Sequence[float | int | str | None] | None = None,
    capital_allocation: int = ALLOCATION,
    months: Sequence[Month] = FY2566,
    **overrides: object,
) -> UnitData:
    """A unit whose operating (recurring) and capital money reached these cumulative per cents.

    Lists run October first; None (or a short list) leaves that month without data.
    """
    by_month: dict[Month, dict[str, Figures]] = {}
    for category, percents, allocation in (
        ("operating", operating, ALLOCATION),
        ("capital", capital, capital_allocation),
    ):
        for month, percent in zip(months, percents or (), strict=False):
            if percent is not None:
                by_month.setdefault(month, {})[category] = figures(percent, allocation)
    return UnitData(code=code, months=by_month, **overrides)  # type: ignore[arg-type]


def on_target(curve: Sequence[int | None], hits: int, within: range) -> list[int | None]:
    """Cumulative per cents that meet the first `hits` targets of `within` exactly, then miss by 1."""
    out: list[int | None] = []
    for i, target in enumerate(curve):
        if target is None:
            out.append(0)
        elif i in within and i - within.start - _skipped(curve, within, i) >= hits:
            out.append(target - 1)
        else:
            out.append(target)
    return out


def _skipped(curve: Sequence[int | None], within: range, i: int) -> int:
    return sum(1 for k in range(within.start, i) if curve[k] is None)


def result(unit: UnitData, round_id: int, rules: RuleSet | None = None) -> RoundResult:
    (found,) = score_unit(rules or doh(), unit, rounds={round_id})
    return found


def items(unit: UnitData, round_id: int, rules: RuleSet | None = None) -> dict[str, Fraction]:
    return {cid: item.score for cid, item in result(unit, round_id, rules).items.items()}
