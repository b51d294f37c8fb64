"""A loaded, validated rule set: immutable data, every number taken from the TOML file.

Points and percentages are Fractions so that sums and comparisons are exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from pts.core.fiscal import Month

Measure = Literal["disbursed", "spent"]
Denominator = Literal["current", "original"]
AbsentPolicy = Literal["reweight", "zero", "full"]
Partial = Literal["none", "items", "proportional"]
MissingEvidence = Literal["zero", "full"]
EvidencePartial = Literal["none", "items", "proportional"]
Kind = Literal["evidence", "months_on_target", "threshold", "banded", "deductions"]


@dataclass(frozen=True)
class Label:
    th: str
    en: str

    def __str__(self) -> str:
        return self.th


@dataclass(frozen=True)
class Series:
    """A sum of budget categories, or of activity tags, that targets are set on."""

    id: str
    label: Label
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    curve: str = ""  # which target curve applies; defaults to the series' own id


@dataclass(frozen=True)
class Curve:
    """Cumulative target per fiscal month (index 0 = October), in per cent; None = no target.

    `missing` says why a value is None: "none" (the scheme sets no target that month) or
    "unknown" (not published yet).
    """

    series: str
    measure: Measure
    values: tuple[Fraction | None, ...]
    missing: tuple[str | None, ...]
    kind: Literal["monthly", "quarterly"]
    source: str


@dataclass(frozen=True)
class Round:
    id: int
    label: Label
    first: Month
    last: Month
    max: Fraction
    months: tuple[Month, ...]
    indices: tuple[int, ...] = ()  # fiscal month positions (0 = October) of `months`

    def __post_init__(self) -> None:
        object.__setattr__(self, "indices", tuple(m.fiscal_index - 1 for m in self.months))


@dataclass(frozen=True)
class Options:
    percent_rounding: int | None  # None: compare exact percentages (docs/domain.md §8 default 1)
    measure: Measure
    denominator: Denominator
    absent_series: AbsentPolicy
    missing_evidence: MissingEvidence
    # the choices engine/options.py describes; each default is the behaviour before it was an option
    evidence_partial: Partial = "none"
    zero_allocation_month: Literal["miss", "skip"] = "miss"
    zero_at_checkpoint: Literal["miss", "absent"] = "miss"
    no_money: Literal["zero", "not_assessed"] = "zero"


@dataclass(frozen=True)
class Step:
    at_least: int
    points: Fraction


@dataclass(frozen=True)
class StepPart:
    series: str
    max: Fraction
    steps: dict[int, tuple[Step, ...]]  # round id -> rows, ascending by at_least
    measure: Measure
    denominator: Denominator


@dataclass(frozen=True)
class ThresholdPart:
    series: str
    points: Fraction  # per checkpoint
    target: dict[int, Fraction | None]  # round id -> per cent; None = the target curve's value
    at: str | tuple[Month, ...]  # "round_end", "quarter_ends" or explicit months
    measure: Measure
    denominator: Denominator


@dataclass(frozen=True)
class EvidenceItem:
    id: str
    label: Label
    weight: Fraction
    monthly: bool
    due: tuple[int, int] | None  # one-off item: (month, day) within the fiscal year
    due_day: int  # monthly item: day of the month ...
    due_months_after: int  # ... this many months after the month reported on
    # the first day a posting counts (docs/domain.md §8 default 7): one-off, (month, day) of the fiscal
    # year (None: 1 October); monthly, this day of the month so many months after the one reported on
    opens: tuple[int, int] | None = None
    open_day: int = 1
    open_months_after: int = 0


@dataclass(frozen=True)
class Band:
    at_least: Fraction
    points: Fraction


@dataclass(frozen=True)
class Cause:
    id: str
    label: Label
    points: Fraction
    cap: Fraction | None


@dataclass(frozen=True)
class Criterion:
    """One scored item. `kind` selects which of the kind-specific fields are filled."""

    id: str
    kind: Kind
    label: Label
    max: Fraction
    group: str = ""
    absent: AbsentPolicy = "reweight"
    partial: Partial = "none"
    step_parts: tuple[StepPart, ...] = ()
    threshold_parts: tuple[ThresholdPart, ...] = ()
    items: tuple[EvidenceItem, ...] = ()
    source: str = ""  # banded: "procurement:<fact>" or "series:<id>"
    bands: tuple[Band, ...] = ()  # descending by at_least
    at: str | tuple[Month, ...] = "round_end"  # banded on a series: the checkpoint
    measure: Measure = "disbursed"
    denominator: Denominator = "current"
    causes: tuple[Cause, ...] = ()
    cap: Fraction | None = None
    short: Label | None = None  # a column heading ("ระดับ 1-3"); None: the label
    # [[checks]] on carry-overs: the categories checked, and the day (month, day) they may be made by
    carry_categories: tuple[str, ...] = ()
    carry_due: tuple[int, int] | None = None
    # [[checks]] on re-allocated money (source = "reallocation"): the activity tags, and the months allowed
    realloc_tags: tuple[str, ...] = ()
    realloc_months: int = 1

    @property
    def heading(self) -> Label:
        return self.short or self.label


@dataclass(frozen=True)
class SizeGroup:
    id: str
    label: Label
    above: int | None  # satang, strictly greater; None = every remaining unit


@dataclass(frozen=True)
class Award:
    id: str
    label: Label
    min_total: Fraction
    best_per_group: int | None
    tie_breakers: tuple[str, ...]  # "item:<criterion id>" or "series:<series id>"


@dataclass(frozen=True)
class RuleSet:
    id: str
    label: Label
    fiscal_year: int
    template: bool
    version: str
    source: str  # file name, for messages and for frozen results
    sha256: str  # of the file's bytes: identifies the exact rules a result was computed with
    options: Options
    series: dict[str, Series]
    curves: dict[tuple[str, str], Curve]  # (curve id, measure) -> curve
    rounds: tuple[Round, ...]
    criteria: tuple[Criterion, ...]
    months: tuple[Month, ...]  # the fiscal year's twelve months, October first
    size_series: str = ""
    # [[checks]]: rules flagged on the card and the league, never scored (DOH: training money
    # >= 50 % disbursed in Q1); each a threshold criterion of one part with 1 point per checkpoint
    checks: tuple[Criterion, ...] = ()
    size_groups: tuple[SizeGroup, ...] = ()
    awards: tuple[Award, ...] = ()
    targets_label: Label = field(default_factory=lambda: Label("", ""))
    # scores settled per distinct state (see criteria.score_criterion); not part of the rules' identity
    cache: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False, hash=False)

    def round(self, round_id: int) -> Round:
        for r in self.rounds:
            if r.id == round_id:
                return r
        raise KeyError(round_id)

    def curve_for(self, series_id: str, measure: str) -> Curve | None:
        series = self.series[series_id]
        return self.curves.get((series.curve or series.id, measure))


def checkpoints(at: str | tuple[Month, ...], rnd: Round) -> tuple[Month, ...]:
    """The months of a round at which a threshold is measured."""
    if at == "round_end":
        return (rnd.last,)
    if at == "quarter_ends":
        return tuple(m for m in rnd.months if m.fiscal_index % 3 == 0)
    return tuple(m for m in at if isinstance(m, Month) and m in rnd.months)
