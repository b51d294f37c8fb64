"""What the engine scores: per-unit figures, evidence, procurement facts and deduction events.

Plain data (integer satang, Month, date, Fraction) that a ledger query or a CSV reader fills;
nothing here reads a clock, a file or a database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import NamedTuple

from pts.core.categories import CATEGORY_CODES
from pts.core.fiscal import Month

CATEGORIES = CATEGORY_CODES  # the engine's name for them (pts.scoring.engine.CATEGORIES)


class Figures(NamedTuple):
    """One budget category (or activity tag) at one month end, integer satang.

    `allocated` is the allocation as of that month end (after transfers and pull-backs);
    `disbursed` and `committed` are cumulative since 1 October. spent = disbursed + committed.
    """

    allocated: int
    disbursed: int
    committed: int = 0  # outstanding PO + reservations with debt

    @property
    def spent(self) -> int:
        return self.disbursed + self.committed


@dataclass(frozen=True, slots=True)
class Evidence:
    """A governance document posted: `item` is a checklist item id of the rule set.

    `period` is the month a monthly item is about (the November minutes); None for one-off items.
    """

    item: str
    posted: date
    period: Month | None = None


@dataclass(frozen=True, slots=True)
class Share:
    """A count-based procurement fact: `achieved` of `total` (3 of 4 contracts signed in time)."""

    achieved: int
    total: int

    def __post_init__(self) -> None:
        if self.total < 0 or not 0 <= self.achieved <= self.total:
            raise ValueError(f"share {self.achieved}/{self.total} is not within 0..total")

    @classmethod
    def of(cls, value: Share | Fraction | bool | int) -> Share:
        """Normalise what callers have: a Share, a Fraction in 0..1, or a yes/no."""
        if isinstance(value, Share):
            return value
        if isinstance(value, bool):
            return cls(int(value), 1)
        fraction = Fraction(value)
        if not 0 <= fraction <= 1:
            raise ValueError(f"share {fraction} is not within 0..1")
        return cls(fraction.numerator, fraction.denominator)

    @property
    def percent(self) -> Fraction | None:
        """Exact percentage, or None when there is nothing to count (0 of 0)."""
        return Fraction(self.achieved * 100, self.total) if self.total else None


@dataclass(frozen=True, slots=True)
class Deduction:
    """One event that costs points: `cause` is a cause id of the rule set's deductions criterion."""

    cause: str
    month: Month
    note: str = ""


@dataclass(frozen=True, slots=True)
class CarryOver:
    """Money carried over to the next fiscal year (กันเงินไว้เบิกเหลื่อมปี): category, the day it was
    carried over (recorded), and its amount in satang, net of any reversal."""

    category: str
    day: date
    amount: int


@dataclass(frozen=True, slots=True)
class Flow:
    """One dated movement on an activity: its change to the allocation and to the money disbursed (satang)."""

    day: date
    allocated: int
    disbursed: int


ProcurementFacts = Mapping[str, "Share | Fraction | bool"]


@dataclass(frozen=True)
class UnitData:
    """Everything the engine needs about one unit for one fiscal year.

    months: month -> category id (see CATEGORIES) -> Figures. A category absent from every month
    is a category the unit has no money in; a month absent is a month with no data.
    tags: activity tag -> month -> Figures (e.g. "training" for the DOH Q1 rule).
    procurement: fact id -> value, as of the scoring date; procurement_by_round overrides it per round.
    through: the last month the data reaches (the scoring date's); a later month without data has
    not been reached yet and is not counted, where a missing month before it counts as a miss.
    """

    code: str
    months: Mapping[Month, Mapping[str, Figures]]
    tags: Mapping[str, Mapping[Month, Figures]] = field(default_factory=dict)
    evidence: Sequence[Evidence] = ()
    procurement: ProcurementFacts = field(default_factory=dict)
    procurement_by_round: Mapping[int, ProcurementFacts] = field(default_factory=dict)
    deductions: Sequence[Deduction] = ()
    name: str = ""
    through: Month | None = None
    carry_overs: Sequence[CarryOver] | None = None  # None: not known (a CSV file has none to give)
    # activity tag -> its dated movements, for re-allocation checks; None: not known
    tag_flows: Mapping[str, Sequence[Flow]] | None = None
    as_of: date | None = None  # the scoring date (default: the end of `through`)
