"""Issue 9: scores a coordinator can defend. Each test names a behaviour the engine lacked."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from pts.scoring.engine import (
    Evidence,
    Explainer,
    Figures,
    RuleSetError,
    UnitData,
    load_ruleset,
    parse_ruleset,
    score_units,
)
from pts.scoring.engine.inputs import CarryOver, Flow
from pts.scoring.engine.options import OPTIONS
from pts.scoring.engine.rules import RuleSet
from pts.scoring.engine.targets import SHIPPED_DIR
from tests.scoring.engine.helpers import ALLOCATION, CAPITAL, FY2566, OVERALL, doh, make_unit, result

CAPITAL_ON_TARGET = [0 if c is None else c for c in CAPITAL]


def _doh_with(old: str, new: str) -> RuleSet:
    text = (SHIPPED_DIR / "doh-kpi23-2566.toml").read_text(encoding="utf-8")
    assert old in text
    return parse_ruleset(text.replace(old, new), source="changed.toml", base_dir=SHIPPED_DIR)


def _doh_option(key: str, value: str) -> RuleSet:
    """The shipped DOH rule set with one [options] key set (replaced where the file has it)."""
    text = (SHIPPED_DIR / "doh-kpi23-2566.toml").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.startswith(f"{key} =")]
    at = lines.index("[options]") + 1
    text = "\n".join([*lines[:at], f"{key} = {value}", *lines[at:]]) + "\n"
    return parse_ruleset(text, source="changed.toml", base_dir=SHIPPED_DIR)


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
        _doh_with('missing_evidence = "zero"\n', 'missing_evidence = "zero"\nno_mony = "zero"\n')
    assert "options.no_mony" in str(exc.value.issues) and "unknown key" in str(exc.value.issues)
    with pytest.raises(RuleSetError) as exc:
        _doh_option("zero_at_checkpoint", '"never"')
    text = str(exc.value.issues)
    assert "options.zero_at_checkpoint" in text and "miss, absent" in text and "'never'" in text


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
    text = "\n".join(ln for ln in text.splitlines() if not ln.startswith("evidence_partial ="))
    text = text.replace("[options]\n", '[options]\nevidence_partial = "proportional"\n')
    rules = parse_ruleset(text, source="changed.toml", base_dir=SHIPPED_DIR)
    assert rules.criteria[0].partial == "proportional"


# part 4: explanations never contradict the verdict


def _round_end_unit(recurring: int, capital: int | None = None) -> UnitData:
    """Round 1 data with February's cumulative disbursement in satang of 1,000,000 baht."""
    months = {}
    for m in FY2566[:5]:
        cats = {"operating": Figures(ALLOCATION, recurring)}
        if capital is not None:
            cats["capital"] = Figures(ALLOCATION, capital)
        months[m] = cats
    return UnitData(code="U01", months=months)


def test_a_missed_threshold_never_shows_a_rounded_percentage_that_reaches_it() -> None:
    r = result(_round_end_unit(44_995_000), 1)  # 44.995 % of a 45 % target
    line = next(ln for ln in r.items["5"].lines if ln.code == "threshold")
    assert (line.facts["percent"], line.facts["hit"], line.facts["short"]) == ("44.995", False, 5_000)
    text = Explainer(doh()).th(line)
    assert "45.00%" not in text
    assert "เบิกจ่ายสะสม 44.995% (449,950.00 บาท จาก 1,000,000.00 บาท) เป้าหมาย 45% ขาดอีก 50.00 บาท → ไม่ถึงเป้า" in text


def test_a_month_sentence_says_when_recurring_is_measured_on_the_overall_curve() -> None:
    r = result(_round_end_unit(44_995_000), 1)
    line = next(ln for ln in r.items["4.1"].lines if ln.code == "month")
    assert line.facts["curve"] == "overall"
    assert "(ใช้เส้นเป้าหมายภาพรวม)" in Explainer(doh()).th(line)
    assert "(the overall curve)" in Explainer(doh()).en(line)


def test_a_reweight_is_said_in_plain_words() -> None:
    r = result(_round_end_unit(45_000_000), 1)  # no capital money
    (line,) = [ln for ln in r.items["4.2"].lines if ln.code == "reweight"]
    text = Explainer(doh()).th(line)
    assert text.startswith("ไม่มีรายจ่ายลงทุน: คิดรายจ่ายประจำเต็ม 2.5 คะแนน")
    assert r.items["4.2"].score == Fraction(5, 2)


def test_a_unit_with_no_data_in_a_round_is_told_no_data_reported_not_no_allocation() -> None:
    unit = make_unit(operating=OVERALL[:5], capital=CAPITAL_ON_TARGET[:5])  # nothing reported after February
    r = result(unit, 2)
    explainer = Explainer(doh())
    texts = [explainer.th(ln) for cid in ("4.1", "4.2", "5") for ln in r.items[cid].lines]
    assert texts and all("ไม่มีข้อมูลรายงานในรอบนี้" in t for t in texts), texts
    assert not any("ไม่มีเงินจัดสรร" in t or "ย้ายน้ำหนัก" in t for t in texts)
    assert r.total == 0


def test_no_line_promises_a_weight_move_when_nothing_is_left_to_take_it() -> None:
    # a unit whose every series is without money: the part lines may not promise a reweight
    months = {m: {"operating": Figures(0, 0), "capital": Figures(0, 0)} for m in FY2566[:5]}
    r = result(UnitData(code="U01", months=months), 1)
    explainer = Explainer(doh())
    absent = [explainer.th(ln) for ln in r.items["4.2"].lines if ln.code == "absent"]
    assert absent and not any("ย้ายน้ำหนัก" in t for t in absent)


# part 6: the options do what they say


def test_a_zero_allocation_month_can_be_left_uncounted() -> None:
    october = {"operating": Figures(0, 0), "capital": Figures(ALLOCATION, 0)}
    months = {FY2566[0]: october, **{m: {"operating": Figures(ALLOCATION, 50_000_000),
                                         "capital": Figures(ALLOCATION, 0)} for m in FY2566[1:5]}}  # fmt: skip
    unit = UnitData(code="U01", months=months)
    steps = next(ln for ln in result(unit, 1).items["4.1"].lines if ln.code == "steps" and ln.facts["series"] == "recurring")
    assert (steps.facts["hits"], steps.facts["months"]) == (4, 5)  # default: October counts, as a miss
    rules = _doh_option("zero_allocation_month", '"skip"')
    steps = next(ln for ln in result(unit, 1, rules).items["4.1"].lines
                 if ln.code == "steps" and ln.facts["series"] == "recurring")  # fmt: skip
    assert (steps.facts["hits"], steps.facts["months"]) == (4, 4)


def test_capital_pulled_back_to_zero_at_the_round_end_can_be_absent_and_reweighted() -> None:
    months = {m: {"operating": Figures(ALLOCATION, 50_000_000), "capital": Figures(ALLOCATION, 0)} for m in FY2566[:4]}
    months[FY2566[4]] = {"operating": Figures(ALLOCATION, 50_000_000), "capital": Figures(0, 0)}  # pulled back
    unit = UnitData(code="U01", months=months)
    assert result(unit, 1).items["4.2"].score == Fraction(6, 5)  # default: capital misses
    rules = _doh_option("zero_at_checkpoint", '"absent"')
    r = result(unit, 1, rules)
    assert r.items["4.2"].score == Fraction(5, 2)
    assert any(ln.code == "absent" and ln.facts["why"] == "pulled_back" for ln in r.items["4.2"].lines)


def test_a_unit_with_no_assessable_money_can_be_not_assessed_and_left_out_of_the_ranking() -> None:
    text = (SHIPPED_DIR / "province-pts-template.toml").read_text(encoding="utf-8")
    assert "[options]" in text
    text = text.replace("[options]", '[options]\nno_money = "not_assessed"', 1)
    rules = parse_ruleset(text, source="changed.toml", base_dir=SHIPPED_DIR)
    money = {m: {"operating": Figures(ALLOCATION, ALLOCATION), "capital": Figures(ALLOCATION, ALLOCATION)}
             for m in FY2566}  # fmt: skip
    none = {m: {"operating": Figures(0, 0)} for m in FY2566}
    results = score_units(rules, [UnitData(code="A", months=money), UnitData(code="B", months=none)])
    by_unit = {r.unit: r for r in results}
    assert by_unit["A"].assessed and not by_unit["B"].assessed
    assert by_unit["B"].size_group is None and by_unit["B"].award is None
    default = {r.unit: r for r in score_units(load_ruleset("province-pts-template"),
                                              [UnitData(code="B", months=none)])}  # fmt: skip
    assert default["B"].assessed  # today's behaviour: scored (0) and ranked


# part 5: the seed's rules that nothing expressed


def _with_training(paid_by_december: int) -> UnitData:
    unit = make_unit(operating=OVERALL, capital=CAPITAL_ON_TARGET)
    training = {m: Figures(10_000_000, paid_by_december if m >= FY2566[2] else 0) for m in FY2566}
    return UnitData(code=unit.code, months=unit.months, tags={"training+meeting": training})


def test_doh_flags_training_money_disbursed_by_half_in_q1() -> None:
    passed = result(_with_training(5_000_000), 1).checks["training-q1"]
    failed = result(_with_training(4_999_999), 1).checks["training-q1"]
    assert (passed.passed, failed.passed) == (True, False)
    text = Explainer(doh()).th(next(ln for ln in failed.lines if ln.code == "check"))
    assert "ฝึกอบรม" in text and "49.99999" in text and "ขาดอีก 0.01 บาท → ไม่ผ่าน (ตรวจสอบ ไม่มีคะแนน)" in text
    # a check takes no points: the totals are those without it
    assert result(_with_training(5_000_000), 1).total == result(_with_training(0), 1).total


def test_the_training_check_is_not_due_in_round_2_and_unknown_without_training_money() -> None:
    assert result(_with_training(5_000_000), 2).checks["training-q1"].passed is None
    assert result(make_unit(operating=OVERALL), 1).checks["training-q1"].passed is None


def _with_carry_overs(*carried: CarryOver, through: int = 11) -> UnitData:
    unit = make_unit(operating=OVERALL, capital=CAPITAL_ON_TARGET)
    return UnitData(code=unit.code, months=unit.months, carry_overs=carried, through=FY2566[through])


def test_doh_flags_operating_money_carried_over() -> None:
    clean = result(_with_carry_overs(CarryOver("capital", date(2023, 9, 15), 10_000_00)), 2)
    assert clean.checks["no-operating-carry-over"].passed is True
    breach = result(_with_carry_overs(CarryOver("operating", date(2023, 9, 29), 50_000_00)), 2)
    check = breach.checks["no-operating-carry-over"]
    assert check.passed is False
    text = Explainer(doh()).th(check.lines[0])
    assert text == "งบดำเนินงาน: กันเงินไว้เบิกเหลื่อมปี 50,000.00 บาท เมื่อ 29 ก.ย. 2566 (ห้ามกันเงินเหลื่อมปี) → ไม่เป็นไปตามกำหนด"
    assert result(_with_carry_overs(CarryOver("operating", date(2023, 9, 29), 50_000_00)), 1).checks[
        "no-operating-carry-over"].passed is None  # shown with the last round only


def test_doh_flags_capital_carried_over_after_20_september() -> None:
    on_time = result(_with_carry_overs(CarryOver("capital", date(2023, 9, 20), 10_000_00)), 2)
    late = result(_with_carry_overs(CarryOver("capital", date(2023, 9, 21), 10_000_00)), 2)
    assert on_time.checks["capital-carry-over-by-20-sep"].passed is True
    assert late.checks["capital-carry-over-by-20-sep"].passed is False
    before_year_end = result(_with_carry_overs(through=9), 2)  # July: nothing carried yet, not decided
    assert before_year_end.checks["capital-carry-over-by-20-sep"].passed is None


def test_a_carry_over_check_says_why_it_is_not_decided() -> None:
    explainer = Explainer(doh())
    (line,) = result(_with_carry_overs(), 1).checks["no-operating-carry-over"].lines
    assert explainer.th(line) == "ตรวจเมื่อสิ้นปีงบประมาณ แสดงผลในรอบสุดท้าย"
    unknown = UnitData(code="U01", months=make_unit(operating=OVERALL).months)  # a CSV file: carry_overs None
    (line,) = result(unknown, 2).checks["no-operating-carry-over"].lines
    assert explainer.th(line) == "ไม่มีข้อมูลการกันเงินไว้เบิกเหลื่อมปี"


def _with_savings(*flows: Flow, as_of: date = date(2023, 7, 31)) -> UnitData:
    unit = make_unit(operating=OVERALL, capital=CAPITAL_ON_TARGET)
    return UnitData(code=unit.code, months=unit.months, tag_flows={"savings": flows}, as_of=as_of)


def test_doh_flags_leftover_capital_not_disbursed_within_a_month_of_its_reallocation() -> None:
    given = Flow(date(2023, 3, 10), 100_000_00, 0)
    on_time = result(_with_savings(given, Flow(date(2023, 4, 10), 0, 100_000_00)), 2)
    late = result(_with_savings(given, Flow(date(2023, 4, 11), 0, 100_000_00)), 2)
    assert on_time.checks["leftover-capital-within-a-month"].passed is True
    check = late.checks["leftover-capital-within-a-month"]
    assert check.passed is False
    assert Explainer(doh()).th(check.lines[0]) == (
        "ได้รับจัดสรรเงินเหลือจ่าย 100,000.00 บาท เมื่อ 10 มี.ค. 2566 ต้องเบิกจ่ายภายใน 10 เม.ย. 2566: "
        "เบิกจ่ายแล้ว 0.00 บาท จาก 100,000.00 บาท → ไม่ทันกำหนด")
    pending = result(_with_savings(given, as_of=date(2023, 3, 31)), 2)
    assert pending.checks["leftover-capital-within-a-month"].passed is None  # not due yet
    assert result(_with_savings(given), 1).checks["leftover-capital-within-a-month"].passed is None  # not in round 1
