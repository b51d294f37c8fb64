"""The provincial PTS template: banded procurement facts, quarter ends, deductions, groups, awards."""

from __future__ import annotations

from fractions import Fraction as F
from functools import cache

from pts.scoring.engine import Deduction, Explainer, RuleSet, Share, UnitData, load_ruleset, score_units
from pts.scoring.engine.results import RoundResult
from tests.scoring.engine.helpers import FY2566, figures

GOOD = [11, 22, 33, 40, 45, 55, 60, 70, 80, 85, 90, 95]  # beats every known cabinet FY2566 target
ALL_DONE = {"plan_on_time": True, "contracts_by_deadline": Share(4, 4), "milestones_on_time": Share(9, 10),
            "updates_on_time": F(1)}  # fmt: skip


@cache
def template() -> RuleSet:
    return load_ruleset("province-pts-template")


def agency(code: str, baht: int, percents: list[int] = GOOD, *, capital: bool = True, **facts: object) -> UnitData:
    months = {}
    for month, percent in zip(FY2566, percents, strict=True):
        row = {"operating": figures(percent, baht * 100)}
        if capital:
            row["capital"] = figures(percent, baht * 100)
        months[month] = row
    return UnitData(code=code, months=months, **facts)  # type: ignore[arg-type]


def score(*units: UnitData) -> dict[str, RoundResult]:
    return {r.unit: r for r in score_units(template(), units)}


def test_a_unit_meeting_everything_scores_100_and_is_outstanding() -> None:
    r = score(agency("A", 60_000_000, procurement=ALL_DONE))["A"]
    assert r.total == r.max == 100
    assert (r.size_group, r.award) == ("large", "outstanding")


def test_procurement_shares_are_banded() -> None:
    facts = {**ALL_DONE, "contracts_by_deadline": Share(3, 4), "milestones_on_time": F(1, 2)}
    r = score(agency("A", 60_000_000, procurement=facts))["A"]
    assert r.items["contracts"].score == 12  # 75 % falls in the band >= 60
    assert r.items["milestones"].score == 4  # 50 % falls in the band >= 40
    (line,) = r.items["contracts"].lines
    assert line.facts == {"source": "procurement:contracts_by_deadline", "value": "75", "row": "60", "points": "12"}


def test_quarter_ends_with_unknown_cabinet_targets_are_not_scored_and_their_weight_moves() -> None:
    r = score(agency("A", 60_000_000, procurement=ALL_DONE))["A"]
    absent = [ln.facts["month"] for ln in r.items["disbursement"].lines if ln.code == "absent"]
    assert absent == ["2023-03", "2023-06", "2023-03", "2023-06"]
    assert r.items["disbursement"].score == 50


def test_missing_a_quarter_end_target_costs_that_checkpoint() -> None:
    late = [5, 10, 18, 40, 45, 55, 60, 70, 80, 85, 90, 95]  # December below the cabinet's 32 and 19
    r = score(agency("A", 60_000_000, late, procurement=ALL_DONE))["A"]
    assert r.items["disbursement"].score == 25  # two of four measured checkpoints, doubled


def test_no_e_bidding_project_moves_the_contract_weight_to_the_other_procurement_criteria() -> None:
    facts = {**ALL_DONE, "contracts_by_deadline": Share(0, 0)}
    r = score(agency("A", 60_000_000, procurement=facts))["A"]
    assert r.items["contracts"].score == 0
    assert [r.items[k].score for k in ("plan", "milestones", "updates")] == [F(50, 3)] * 3
    assert r.total == 100


def test_no_record_of_a_plan_scores_zero_for_the_plan() -> None:
    facts = {k: v for k, v in ALL_DONE.items() if k != "plan_on_time"}
    r = score(agency("A", 60_000_000, procurement=facts))["A"]
    assert r.items["plan"].score == 0 and r.total == 90


def test_deductions_count_per_occurrence_and_stop_at_their_cap() -> None:
    late = [Deduction("late_update", m) for m in FY2566[:7]]
    r = score(agency("A", 60_000_000, procurement=ALL_DONE, deductions=[*late, Deduction("lapsed", FY2566[11], "returned")]))["A"]
    assert r.items["deductions"].score == -(5 + 2)  # seven late updates capped at 5, one lapse
    assert r.total == 93 and r.award == "outstanding"
    codes = [ln.code for ln in r.items["deductions"].lines]
    assert codes.count("deduction") == 8 and codes.count("deduction_cap") == 1


def test_deductions_never_take_a_unit_below_zero() -> None:
    r = score(agency("A", 60_000_000, [0] * 12, capital=False, deductions=[Deduction("lapsed", FY2566[0])]))["A"]
    assert r.total == 0 and r.items["deductions"].score == 0
    assert [ln.code for ln in r.items["deductions"].lines][-1] == "deduction_floor"


def test_units_fall_in_size_groups_by_allocation() -> None:
    results = score(
        agency("big", 30_000_000),  # two categories of 30 M: 60 M in all
        agency("mid", 10_000_000),  # 20 M
        agency("edge", 5_000_000),  # exactly 10 M: not above 10 M
    )
    assert {k: r.size_group for k, r in results.items()} == {"big": "large", "mid": "medium", "edge": "small"}


def test_only_the_best_of_each_group_is_outstanding_and_ties_share_the_award() -> None:
    weaker = {**ALL_DONE, "milestones_on_time": F(8, 10)}
    results = score(
        agency("A", 60_000_000, procurement=ALL_DONE),
        agency("B", 60_000_000, procurement=ALL_DONE),
        agency("C", 60_000_000, procurement=weaker),
        agency("D", 1_000_000, procurement=weaker),
    )
    assert {k: (r.total, r.award) for k, r in results.items()} == {
        "A": (100, "outstanding"), "B": (100, "outstanding"), "C": (98, "certificate"), "D": (98, "outstanding"),
    }  # fmt: skip
    explainer = Explainer(template())
    assert explainer.th(results["D"].notes[-1]) == "รางวัล: ดีเด่น (โล่รางวัล) (คะแนน 98 ≥ 90 อันดับ 1 ในกลุ่ม)"


def test_a_tie_on_total_is_broken_by_the_tie_breakers() -> None:
    facts = {**ALL_DONE, "updates_on_time": F(9, 10)}  # 8 points on updates: 98 in all
    results = score(
        agency("fast", 60_000_000, [33 if p == 33 else p + 1 for p in GOOD], procurement=facts),
        agency("slow", 60_000_000, procurement=facts),
    )
    assert results["fast"].total == results["slow"].total == 98
    assert (results["fast"].award, results["slow"].award) == ("outstanding", "certificate")
