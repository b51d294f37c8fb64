"""Value-based DOH deadlines and the cabinet's contract-signing quarters."""

from __future__ import annotations

from datetime import date

import pytest

from pts.procurement.deadlines import (
    DeadlineError,
    DeadlineStatus,
    ProjectFacts,
    available_schemes,
    check_deadlines,
    default_sets,
    load_scheme,
    parse_scheme,
    parse_shipped_scheme,
)
from pts.procurement.schedule import generate_plan, track
from pts.procurement.workdays import calendar_for

BAHT = 100


def doh(facts: ProjectFacts, today: date = date(2022, 10, 1)):
    return {c.rule.id: c for c in check_deadlines(facts, today=today, schemes=["doh-2566"])}


def facts(baht: int, **kwargs) -> ProjectFacts:
    return ProjectFacts(value_satang=baht * BAHT, fiscal_year=kwargs.pop("fiscal_year", 2566), **kwargs)


def test_both_shipped_schemes_are_available():
    assert available_schemes() == ["cabinet-2569", "doh-2566"]


def test_exactly_five_hundred_thousand_baht_must_be_committed_and_paid_by_30_november():
    checks = doh(facts(500_000))
    assert set(checks) == {"upto-0.5m-commit", "upto-0.5m-pay"}
    assert {c.due for c in checks.values()} == {date(2022, 11, 30)}


def test_one_satang_above_five_hundred_thousand_moves_to_31_december():
    checks = doh(ProjectFacts(value_satang=500_000 * BAHT + 1, fiscal_year=2566))
    assert set(checks) == {"0.5m-2m-commit", "0.5m-2m-pay"}
    assert {c.due for c in checks.values()} == {date(2022, 12, 31)}


def test_exactly_two_million_baht_is_still_in_the_31_december_band():
    assert set(doh(facts(2_000_000))) == {"0.5m-2m-commit", "0.5m-2m-pay"}


def test_above_two_million_only_the_commitment_has_a_deadline_on_15_january():
    checks = doh(ProjectFacts(value_satang=2_000_000 * BAHT + 1, fiscal_year=2566))
    assert list(checks) == ["over-2m-commit"]
    assert checks["over-2m-commit"].due == date(2023, 1, 15)


def test_the_day_and_month_are_applied_to_the_fiscal_year_at_hand():
    assert doh(facts(100_000, fiscal_year=2569))["upto-0.5m-commit"].due == date(2025, 11, 30)
    assert doh(facts(3_000_000, fiscal_year=2569))["over-2m-commit"].due == date(2026, 1, 15)


def test_a_contract_signed_on_the_due_date_meets_it_and_a_day_later_misses_it():
    on_time = doh(facts(100_000, contract_date=date(2022, 11, 30)))["upto-0.5m-commit"]
    late = doh(facts(100_000, contract_date=date(2022, 12, 1)))["upto-0.5m-commit"]
    assert on_time.status is DeadlineStatus.MET and not on_time.flagged and on_time.days_late is None
    assert late.status is DeadlineStatus.MISSED and late.flagged and late.days_late == 1


@pytest.mark.usefixtures("no_language")  # pure Python, as `pts plan` runs it
def test_a_forecast_after_the_due_date_is_flagged_before_the_deadline_passes():
    check = doh(facts(1_000_000, forecast_contract_date=date(2023, 1, 5)), today=date(2022, 11, 15))[
        "0.5m-2m-commit"
    ]
    assert check.status is DeadlineStatus.FORECAST_TO_MISS and check.flagged and check.days_late == 5
    assert "คาดว่าจะไม่ทันกำหนด" in check.message and "forecast to miss (5 days late)" in check.message


def test_a_forecast_on_the_due_date_is_on_track():
    check = doh(facts(1_000_000, forecast_contract_date=date(2022, 12, 31)), today=date(2022, 11, 15))[
        "0.5m-2m-commit"
    ]
    assert check.status is DeadlineStatus.ON_TRACK and not check.flagged


def test_nothing_done_and_no_forecast_is_not_flagged_until_the_due_date_passes():
    before = doh(facts(1_000_000), today=date(2022, 12, 31))["0.5m-2m-commit"]
    after = doh(facts(1_000_000), today=date(2023, 1, 2))["0.5m-2m-commit"]
    assert before.status is DeadlineStatus.NO_FORECAST and not before.flagged
    assert after.status is DeadlineStatus.MISSED and after.days_late == 2


def test_the_payment_deadline_is_judged_by_the_payment_date_not_the_contract():
    checks = doh(
        facts(300_000, contract_date=date(2022, 11, 1), payment_date=date(2022, 12, 2)),
        today=date(2023, 1, 1),
    )
    assert checks["upto-0.5m-commit"].status is DeadlineStatus.MET
    assert checks["upto-0.5m-pay"].status is DeadlineStatus.MISSED


def test_doh_deadlines_apply_to_capital_items_only():
    assert doh(facts(100_000, category="operating")) == {}


def test_the_cabinet_wants_single_year_contracts_in_q1_and_multi_year_ones_in_q2():
    single = check_deadlines(
        facts(9_000_000, fiscal_year=2569), today=date(2025, 10, 1), schemes=["cabinet-2569"]
    )
    multi = check_deadlines(
        facts(9_000_000, fiscal_year=2569, multi_year=True), today=date(2025, 10, 1), schemes=["cabinet-2569"]
    )
    assert [(c.rule.id, c.due) for c in single] == [("single-year-q1", date(2025, 12, 31))]
    assert [(c.rule.id, c.due) for c in multi] == [("multi-year-q2", date(2026, 3, 31))]


def test_without_a_scheme_list_every_shipped_scheme_is_checked():
    ids = {c.id for c in check_deadlines(facts(300_000), today=date(2022, 10, 1))}
    assert ids == {"cabinet-2569:single-year-q1", "doh-2566:upto-0.5m-commit", "doh-2566:upto-0.5m-pay"}


def test_a_project_whose_forecast_slips_past_31_december_is_flagged_two_months_ahead():
    value = 1_000_000 * BAHT
    plan = generate_plan(value_satang=value, target_contract=date(2022, 12, 28)).dates()
    today = date(2022, 10, 31)
    assert plan["tor_committee"] < date(2022, 10, 20)  # due and still not appointed on 31 Oct
    progress = track(
        plan, {"annual_plan": plan["annual_plan"]}, today=today, method="e-bidding", value_satang=value
    )
    assert progress.forecast_contract is not None and progress.forecast_contract > date(2022, 12, 31)
    check = doh(facts(1_000_000, forecast_contract_date=progress.forecast_contract), today=today)[
        "0.5m-2m-commit"
    ]
    assert check.status is DeadlineStatus.FORECAST_TO_MISS


@pytest.mark.usefixtures("no_language")  # pure Python, as `pts plan` runs it
def test_a_scheme_with_a_fifth_quarter_is_refused_bilingually():
    broken = """
[scheme]
id = "x"
name_th = "x"
name_en = "x"
source = "x"
[[deadlines]]
id = "q5"
kind = "commit"
quarter = 5
name_th = "x"
name_en = "x"
"""
    with pytest.raises(DeadlineError, match="ชุดกำหนดเวลาไม่ถูกต้อง: ไตรมาส 5 ไม่ถูกต้อง / quarter 5 is invalid / bad deadline scheme: "):
        parse_scheme(broken)


def test_a_deadline_needs_a_kind_it_knows_and_exactly_one_kind_of_due_date():
    base = '[scheme]\nid="x"\nname_th="x"\nname_en="x"\nsource="x"\n[[deadlines]]\nid="d"\nname_th="x"\nname_en="x"\n'
    with pytest.raises(DeadlineError):
        parse_scheme(base + 'kind="sign"\nquarter=1\n')
    with pytest.raises(DeadlineError):
        parse_scheme(base + 'kind="commit"\nquarter=1\nmonth=12\nday=31\n')
    with pytest.raises(DeadlineError):
        parse_scheme(base + 'kind="commit"\n')


@pytest.mark.usefixtures("no_language")  # pure Python, as `pts plan` runs it
def test_an_unknown_scheme_and_a_ce_fiscal_year_are_refused():
    with pytest.raises(DeadlineError, match="no deadline scheme"):
        load_scheme("nope")
    with pytest.raises(DeadlineError, match="must be BE"):
        check_deadlines(facts(1, fiscal_year=2023), today=date(2023, 1, 1))


# -- years and owners ------------------------------------------------------------------------

def test_each_shipped_set_names_its_fiscal_years_and_owner():
    cabinet, doh_set = load_scheme("cabinet-2569"), load_scheme("doh-2566")
    assert (cabinet.fiscal_years, cabinet.owner_th, cabinet.applies_to) == ((2569,), "คณะรัฐมนตรี", "all")
    assert (doh_set.fiscal_years, doh_set.owner_th, doh_set.applies_to) == ((2566,), "กรมอนามัย", "department")


def test_a_scheme_applies_by_default_only_the_sets_of_its_own_year_and_owner():
    assert default_sets(2566, "province") == []  # neither the FY2569 cabinet measure nor DOH's value bands
    assert default_sets(2566, "department") == ["doh-2566"]
    assert default_sets(2569, "province") == ["cabinet-2569"]
    assert default_sets(2569, "department") == ["cabinet-2569"]
    assert default_sets(2566) == []  # a unit in no scheme: the sets for everyone of its year


SHIPPED = '[scheme]\nid="x"\nname_th="x"\nname_en="x"\nsource="x"\n{meta}\n[[deadlines]]\nid="d"\nkind="commit"\nquarter=1\nname_th="x"\nname_en="x"\n'


@pytest.mark.usefixtures("no_language")  # pure Python, as `pts plan` runs it
def test_a_shipped_set_without_its_years_or_owner_is_refused_naming_what_is_missing():
    with pytest.raises(DeadlineError, match="deadlines-x.toml.*fiscal_years, owner_th, owner_en"):
        parse_shipped_scheme(SHIPPED.format(meta=""), file_name="deadlines-x.toml")
    with pytest.raises(DeadlineError, match="fiscal_years.*'2566'"):
        parse_scheme(SHIPPED.format(meta='fiscal_years = ["2566"]'))
    with pytest.raises(DeadlineError, match="BE years.*2023"):
        parse_scheme(SHIPPED.format(meta="fiscal_years = [2023]"))
    with pytest.raises(DeadlineError, match="applies_to.*'provinces'"):
        parse_scheme(SHIPPED.format(meta='applies_to = "provinces"'))
    ok = parse_shipped_scheme(SHIPPED.format(meta='fiscal_years = [2567, 2568]\nowner_th = "ก"\nowner_en = "k"'),
                              file_name="deadlines-x.toml")
    assert ok.fiscal_years == (2567, 2568) and ok.applies_to == "all"


def test_no_sets_judge_nothing_while_none_still_means_every_shipped_set():
    assert check_deadlines(facts(300_000), today=date(2022, 10, 1), schemes=[]) == []
    assert len(check_deadlines(facts(300_000), today=date(2022, 10, 1))) == 3


def test_a_deadline_on_a_non_working_day_is_the_last_working_day_before_it():
    calendar = calendar_for()
    signed = facts(3_000_000, contract_date=date(2023, 1, 14))  # DOH: by 15 Jan, a Sunday; Saturday too
    plain = doh(signed)["over-2m-commit"]
    assert (plain.due, plain.status) == (date(2023, 1, 15), DeadlineStatus.MET)
    moved = {c.rule.id: c for c in check_deadlines(signed, today=date(2023, 2, 1), schemes=["doh-2566"],
                                                  calendar=calendar)}["over-2m-commit"]
    assert (moved.due, moved.nominal_due, moved.status) == (date(2023, 1, 13), date(2023, 1, 15), DeadlineStatus.MISSED)
    assert "13 ม.ค. 2566" in moved.message and "15 ม.ค. 2566" in moved.message
    # an extra holiday on the Friday moves it one working day more
    friday_off = calendar_for([date(2023, 1, 13)])
    again = check_deadlines(signed, today=date(2023, 2, 1), schemes=["doh-2566"], calendar=friday_off)
    assert next(c for c in again if c.rule.id == "over-2m-commit").due == date(2023, 1, 12)
