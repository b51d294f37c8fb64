"""Properties that hold for every unit under doh-kpi23-2566 (hypothesis)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from pts.scoring.engine import Explainer, Figures, UnitData, score_unit, score_units
from tests.scoring.engine.helpers import FY2566, doh

CATEGORIES = ("operating", "subsidy", "capital", "other", "personnel")


@st.composite
def units(draw: st.DrawFn) -> UnitData:
    """Allocations per category (possibly none), cumulative disbursements that never fall."""
    months = draw(st.integers(min_value=1, max_value=12))
    categories = draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=5, unique=True))
    by_month: dict = {m: {} for m in FY2566[:months]}
    for category in categories:
        allocation = draw(st.integers(min_value=0, max_value=10**12))
        disbursed = 0
        for m in FY2566[:months]:
            disbursed += draw(st.integers(min_value=0, max_value=max(allocation // 4, 1)))
            by_month[m][category] = Figures(allocation, disbursed)
    return UnitData(code="U", months=by_month)


@st.composite
def more_disbursed(draw: st.DrawFn, unit: UnitData) -> UnitData:
    """The same unit with more money disbursed in one month and category."""
    month = draw(st.sampled_from(sorted(unit.months)))
    category = draw(st.sampled_from(sorted(unit.months[month])))
    extra = draw(st.integers(min_value=1, max_value=10**11))
    old = unit.months[month][category]
    changed = {**unit.months, month: {**unit.months[month], category: old._replace(disbursed=old.disbursed + extra)}}
    return replace(unit, months=changed)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_more_disbursement_never_lowers_a_score(data: st.DataObject) -> None:
    before = data.draw(units())
    after = data.draw(more_disbursed(before))
    rules = doh()
    for old, new in zip(score_unit(rules, before), score_unit(rules, after), strict=True):
        for cid in old.items:
            assert new.items[cid].score >= old.items[cid].score, (old.round, cid)
        assert new.total >= old.total


@settings(max_examples=300, deadline=None)
@given(st.lists(units(), min_size=1, max_size=4))
def test_every_total_is_the_sum_of_its_items_and_never_exceeds_the_maximum(batch: list[UnitData]) -> None:
    rules = doh()
    explainer = Explainer(rules)
    for r in score_units(rules, batch):
        assert r.total == sum(item.score for item in r.items.values())
        assert 0 <= r.total <= r.max == 5
        for item in r.items.values():
            assert 0 <= item.score <= item.max
            for line in item.lines:
                assert explainer.th(line) and explainer.en(line)  # every fact can be said in Thai


@settings(max_examples=100, deadline=None)
@given(units())
def test_scoring_is_deterministic(unit: UnitData) -> None:
    rules = doh()
    assert score_unit(rules, unit) == score_unit(rules, unit)


@settings(max_examples=100, deadline=None)
@given(units())
def test_scores_without_explanations_are_the_same_points(unit: UnitData) -> None:
    rules = doh()
    explained = score_unit(rules, unit)
    bare = score_unit(rules, unit, explain=False)
    assert [{k: i.score for k, i in r.items.items()} for r in bare] == [{k: i.score for k, i in r.items.items()} for r in explained]
    assert all(not i.lines for r in bare for i in r.items.values())
