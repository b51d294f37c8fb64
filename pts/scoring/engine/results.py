"""What the engine gives back: one unit's points in one round, item by item, with their reasons."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from pts.scoring.engine.explain import Line


@dataclass(slots=True)  # not frozen: 100,000 of them for a league table; nothing assigns to one
class ItemResult:
    id: str
    score: Fraction
    max: Fraction
    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class CheckResult:
    """A rule-set check in one round: passed, failed, or None (nothing to check: no money, no data, not due)."""

    id: str
    passed: bool | None
    lines: tuple[Line, ...] = ()


@dataclass(slots=True)  # not frozen, for speed; changed only through dataclasses.replace
class RoundResult:
    """One unit in one round. total == sum of item scores, always; total <= max."""

    unit: str
    round: int
    items: Mapping[str, ItemResult]  # a dict, or the lazily read items of stored scores
    total: Fraction
    max: Fraction
    size_basis: int = 0  # satang allocated to the size series at the round's last month
    tie_values: dict[str, Fraction] = field(default_factory=dict)
    size_group: str | None = None
    award: str | None = None
    notes: tuple[Line, ...] = ()  # size group and award
    # False: no assessable money in the round and the rule set's no_money = "not_assessed":
    # no score, left out of size groups, awards and the league's ranks
    assessed: bool = True
    provisional: bool = False  # the round had not ended by the scoring date (`pts score --as-of`)
    checks: Mapping[str, CheckResult] = field(default_factory=dict)
