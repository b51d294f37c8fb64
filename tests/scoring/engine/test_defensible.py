"""Issue 9: scores a coordinator can defend. Each test names a behaviour the engine lacked."""

from __future__ import annotations

from datetime import date

import pytest

from pts.scoring.engine import Evidence, Explainer, RuleSetError, parse_ruleset
from pts.scoring.engine.options import OPTIONS
from pts.scoring.engine.rules import RuleSet
from pts.scoring.engine.targets import SHIPPED_DIR
from tests.scoring.engine.helpers import FY2566, OVERALL, doh, make_unit, result


def _doh_with(old: str, new: str) -> RuleSet:
    text = (SHIPPED_DIR / "doh-kpi23-2566.toml").read_text(encoding="utf-8")
    assert old in text
    return parse_ruleset(text.replace(old, new), source="changed.toml", base_dir=SHIPPED_DIR)


def _evidence_lines(evidence: list[Evidence], item: str) -> list[dict]:
    r = result(make_unit(operating=OVERALL, evidence=evidence), 1)
    return [ln.facts for ln in r.items["1-3"].lines if ln.code == "evidence" and ln.facts["item"] == item]


# part 2: governance evidence counts only inside its period


def test_a_committee_order_of_the_previous_fiscal_year_earns_nothing_and_says_why() -> None:
    (line,) = _evidence_lines([Evidence("committee", date(2021, 10, 20))], "committee")
    assert (line["on_time"], line["early"]) == (False, True)
    text = Explainer(doh()).th(next(ln for ln in result(make_unit(
        operating=OVERALL, evidence=[Evidence("committee", date(2021, 10, 20))]), 1).items["1-3"].lines
        if ln.facts.get("item") == "committee"))  # fmt: skip
    assert "ก่อนช่วงที่นับ (ตั้งแต่ 1 ต.ค. 2565)" in text and "ไม่นับ" in text


def test_a_monthly_report_posted_before_its_as_of_day_earns_nothing() -> None:
    november = FY2566[1]
    lines = _evidence_lines([Evidence("report", november.day(10), november)], "report")
    (line,) = [ln for ln in lines if ln["period"] == "2022-11"]
    assert (line["on_time"], line["early"], line["from"]) == (False, True, "2022-11-15")


def test_a_report_posted_early_and_again_in_its_period_counts_the_second() -> None:
    november = FY2566[1]
    lines = _evidence_lines([Evidence("report", november.day(10), november),
                             Evidence("report", november.day(18), november)], "report")  # fmt: skip
    (line,) = [ln for ln in lines if ln["period"] == "2022-11"]
    assert (line["on_time"], line["posted"]) == (True, "2022-11-18")


def test_minutes_posted_before_their_meeting_month_earn_nothing() -> None:
    december = FY2566[2]
    lines = _evidence_lines([Evidence("minutes", date(2022, 11, 30), december)], "minutes")
    (line,) = [ln for ln in lines if ln["period"] == "2022-12"]
    assert line["early"] is True


# part 6: choices the seed leaves open are named options


def test_every_option_is_described_for_an_editor_with_its_default_as_todays_behaviour() -> None:
    keys = [o.key for o in OPTIONS]
    assert keys == ["percent_rounding", "measure", "denominator", "absent_series", "missing_evidence",
                    "evidence_partial", "zero_allocation_month", "zero_at_checkpoint", "no_money"]  # fmt: skip
    for o in OPTIONS:
        assert o.default in o.choices and o.label_th and o.help_th and o.type in ("choice", "bool")
    options = doh().options
    assert (options.evidence_partial, options.zero_allocation_month, options.zero_at_checkpoint, options.no_money) == (
        "none", "miss", "miss", "zero")


def test_an_unknown_option_or_value_is_refused_naming_the_key() -> None:
    with pytest.raises(RuleSetError) as exc:
        _doh_with('missing_evidence = "zero"', 'missing_evidence = "zero"\nno_mony = "zero"\nzero_at_checkpoint = "never"')
    text = str(exc.value.issues)
    assert "options.no_mony" in text and "unknown key" in text
    assert "options.zero_at_checkpoint" in text and "miss, absent" in text


def test_the_checklist_can_give_each_fully_met_item_its_weight() -> None:
    rules = _doh_with('partial = "proportional"  # each item', 'partial = "items"  # each item')
    evidence = [Evidence("committee", date(2022, 10, 25))]
    evidence += [Evidence("minutes", m.day(28), m) for m in FY2566[:5]]
    evidence += [Evidence("report", m.day(20), m) for m in FY2566[:4]]  # February's report missing
    r = result(make_unit(operating=OVERALL, evidence=evidence), 1, rules)
    # committee and minutes met in full, report not: 2 of 3 weights of 0.5
    assert r.items["1-3"].score * 3 == 1


def test_the_checklist_default_partial_comes_from_the_options() -> None:
    text = (SHIPPED_DIR / "doh-kpi23-2566.toml").read_text(encoding="utf-8")
    text = text.replace('partial = "proportional"  # each item', "# partial left to the options")
    text = text.replace('missing_evidence = "zero"', 'missing_evidence = "zero"\nevidence_partial = "proportional"')
    rules = parse_ruleset(text, source="changed.toml", base_dir=SHIPPED_DIR)
    assert rules.criteria[0].partial == "proportional"
