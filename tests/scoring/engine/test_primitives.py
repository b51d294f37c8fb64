"""Rule-set primitives beyond the shipped schemes: tags, spent, original allocation, bands, policies."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from pts.scoring.engine import Explainer, Figures, RuleSet, UnitData, parse_ruleset, score_unit
from pts.scoring.engine.results import RoundResult
from tests.scoring.engine.helpers import FY2566

RULES = """
[ruleset]
id = "test"
fiscal_year = 2566

[options]
absent_series = "{policy}"

[series.overall]
categories = ["operating", "capital"]
[series.capital]
categories = ["capital"]
[series.training]
tags = ["training", "meeting"]
curve = "overall"

[curves.overall.disbursed]
quarterly = [30, 50, 75, 100]
[curves.overall.spent]
quarterly = [40, 60, 80, 100]
[curves.capital.disbursed]
monthly = ["-", 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 100]

[[rounds]]
id = 1
first = "ต.ค. 65"
last = "ธันวาคม 2565"
max = 10

[[criteria]]
id = "q1-training"
kind = "threshold"
max = 2
[[criteria.parts]]
series = "training"
points = 2
at = "2022-12"
target = 50

[[criteria]]
id = "spent"
kind = "months_on_target"
max = 3
measure = "spent"
[[criteria.parts]]
series = "overall"
max = 3
steps = [[1, 1], [2, 2], [3, 3]]

[[criteria]]
id = "original"
kind = "threshold"
max = 2
denominator = "original"
partial = "proportional"
[[criteria.parts]]
series = "overall"
points = 2
target = 30

[[criteria]]
id = "level"
kind = "banded"
max = 3
source = "series:capital"
bands = [[20, 3], [10, 1]]
"""


def rules(policy: str = "reweight") -> RuleSet:
    return parse_ruleset(RULES.replace("{policy}", policy), source="test.toml")


def unit(capital: bool = True, training: tuple[int, int] | None = (100, 50)) -> UnitData:
    months = {}
    for i, month in enumerate(FY2566[:3]):
        allocated = 1000 if i < 2 else 2000  # a transfer in December doubles the allocation
        row = {"operating": Figures(allocated, 100 * (i + 1), committed=200)}
        if capital:
            row["capital"] = Figures(1000, 100 * (i + 1))
        months[month] = row
    tags = {"training": {FY2566[2]: Figures(*training)}} if training else {}
    return UnitData(code="U", months=months, tags=tags)


def scored(u: UnitData, policy: str = "reweight") -> RoundResult:
    (r,) = score_unit(rules(policy), u)
    return r


def test_a_series_of_activity_tags_is_measured_like_a_category_series() -> None:
    assert scored(unit()).items["q1-training"].score == 2
    assert scored(unit(training=(100, 49))).items["q1-training"].score == 0


def test_spent_counts_commitments_on_top_of_disbursements() -> None:
    # overall spent: Oct (100+200+100)/2000 = 20 %, Nov 30 %, Dec (300+200+300)/3000 = 26.67 %
    # against the spent curve 13.33, 26.67, 40: on target in October and November
    r = scored(unit())
    assert r.items["spent"].score == 2
    assert [ln.facts["target"] for ln in r.items["spent"].lines if ln.code == "month"] == ["40/3", "80/3", "40"]


def test_the_original_allocation_ignores_later_transfers() -> None:
    # December: 600 disbursed of the original 2,000 is 30 %; of the current 3,000 it would be 20 %
    (line,) = scored(unit()).items["original"].lines
    assert (line.facts["base"], line.facts["percent"], line.facts["hit"]) == (2000, "30.00", True)


def test_proportional_marks_scale_with_the_share_of_the_target() -> None:
    u = unit()
    low = UnitData(code="U", months={m: {k: f._replace(disbursed=f.disbursed // 2) for k, f in row.items()}
                                     for m, row in u.months.items()})  # fmt: skip
    assert scored(low).items["original"].score == 2 * F(15, 30)


def test_a_band_is_chosen_by_the_highest_threshold_reached() -> None:
    assert scored(unit()).items["level"].score == 3  # capital 30 % at round end
    (line,) = scored(unit()).items["level"].lines
    assert line.facts == {"source": "series:capital", "value": "30", "row": "20", "points": "3"}


@pytest.mark.parametrize(("policy", "expected"), [("zero", 0), ("full", 3), ("reweight", 0)])
def test_an_absent_series_follows_the_policy(policy: str, expected: int) -> None:
    r = scored(unit(capital=False), policy)
    assert r.items["level"].score == expected
    assert r.total == sum(i.score for i in r.items.values()) <= r.max


def test_every_explanation_line_reads_in_thai_and_english() -> None:
    explainer = Explainer(rules())
    for u in (unit(), unit(capital=False, training=None)):
        for item in scored(u).items.values():
            for line in item.lines:
                th, en = explainer.th(line), explainer.en(line)
                assert th and en and th != en
