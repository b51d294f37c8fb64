"""Milestone template, plan generation, plan validation and actuals / slippage / forecast."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from importlib import resources

import holidays
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pts.procurement.schedule import (
    ScheduleError,
    Status,
    generate_plan,
    load_template,
    parse_template,
    track,
    validate_plan,
)
from pts.procurement.workdays import WorkCalendar, calendar_for

BAHT = 100  # satang
MILLION = 1_000_000 * BAHT
T = load_template()
cal = calendar_for()

# The plan of a 1,000,000-baht e-bidding project started on 1 Nov 2023 (the hearing is optional).
PLAN_1M = {
    "annual_plan": date(2023, 11, 1),
    "tor_committee": date(2023, 11, 8),
    "tor_price": date(2023, 11, 29),
    "purchase_report": date(2023, 12, 7),
    "invitation_approved": date(2023, 12, 15),
    "invitation_published": date(2023, 12, 19),
    "bid_day": date(2023, 12, 27),
    "evaluation": date(2024, 1, 5),
    "winner_announced": date(2024, 1, 10),
    "appeal_window": date(2024, 1, 19),
    "contract_signed": date(2024, 1, 23),
    "acceptance": date(2024, 4, 23),
    "payment": date(2024, 4, 30),
    "closed": date(2024, 5, 9),
}


def plan_1m(**changes: date | None) -> dict[str, date | None]:
    return {**PLAN_1M, **changes}


# -- template ----------------------------------------------------------------------------------


def test_the_template_has_the_fifteen_milestones_in_order_with_stable_ids():
    assert [m.id for m in T.milestones] == [
        "annual_plan", "tor_committee", "tor_price", "purchase_report", "draft_hearing",
        "invitation_approved", "invitation_published", "bid_day", "evaluation", "winner_announced",
        "appeal_window", "contract_signed", "acceptance", "payment", "closed",
    ]  # fmt: skip
    assert [m.seq for m in T.milestones] == list(range(1, 16))
    assert {m.egp_code for m in T.milestones} >= {"P0", "15", "B0", "D0", "W0"}


def test_every_rule_names_its_source_and_only_the_confirmed_ones_claim_a_statute():
    for rule in T.rules:
        assert rule.source
        if not rule.confirmed:
            assert rule.source == "default", rule.id
    confirmed = {r.id for r in T.rules if r.confirmed}
    assert confirmed == {
        "hearing-period", "invitation-period-0.5m-5m", "clarification", "appeal-window", "payment-after-acceptance",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("satang", "band"),
    [
        (500_000 * BAHT, "upto-0.5m"),
        (500_000 * BAHT + 1, "0.5m-5m"),
        (5 * MILLION, "0.5m-5m"),
        (5 * MILLION + 1, "5m-10m"),
        (10 * MILLION, "5m-10m"),
        (50 * MILLION, "10m-50m"),
        (50 * MILLION + 1, "over-50m"),
    ],
)
def test_a_band_includes_its_upper_bound(satang, band):
    assert T.band_for(satang).id == band


def test_a_template_whose_rule_names_an_unknown_milestone_is_refused():
    text = (resources.files("pts.procurement") / "data" / "milestones-egp-2560.toml").read_text(
        encoding="utf-8"
    )
    broken = text.replace('from = "draft_hearing"', 'from = "drafthearing"')
    with pytest.raises(ScheduleError, match="hearing-period"):
        parse_template(broken)


@pytest.mark.usefixtures("no_language")  # pure Python, as `pts plan` runs it
def test_an_unknown_template_name_is_refused_bilingually():
    with pytest.raises(ScheduleError, match="ไม่พบแม่แบบ .* / no milestone template"):
        load_template("nope")


# -- generating plans --------------------------------------------------------------------------


def test_a_forward_plan_for_one_million_baht_starts_on_the_start_date_and_skips_the_optional_hearing():
    plan = generate_plan(value_satang=MILLION, start=date(2023, 11, 1))
    assert plan.dates() == PLAN_1M
    assert plan.band.id == "0.5m-5m"
    assert plan.notes == ()


def test_the_optional_hearing_is_planned_when_asked_for():
    plan = generate_plan(value_satang=MILLION, start=date(2023, 11, 1), include_optional=True)
    hearing, approved = plan.planned("draft_hearing"), plan.planned("invitation_approved")
    assert hearing and approved and cal.working_days_between(hearing, approved) >= 3


def test_the_hearing_is_mandatory_above_five_million():
    plan = generate_plan(value_satang=5 * MILLION + BAHT, start=date(2023, 11, 1))
    assert "draft_hearing" in plan.dates()


@pytest.mark.parametrize(
    ("satang", "days"), [(MILLION, 5), (6 * MILLION, 10), (20 * MILLION, 12), (60 * MILLION, 20)]
)
def test_the_invitation_runs_at_least_the_minimum_of_its_value_band(satang, days):
    plan = generate_plan(value_satang=satang, start=date(2023, 11, 1))
    bid = next(item for item in plan.items if item.id == "bid_day")
    assert bid.min_working_days == days and bid.min_after == "invitation_published"
    assert cal.working_days_between(plan.planned("invitation_published"), bid.planned) >= days


def test_the_specific_method_skips_the_hearing_invitation_and_appeal():
    plan = generate_plan(value_satang=100_000 * BAHT, method="specific", start=date(2023, 11, 1))
    ids = set(plan.dates())
    assert not ids & {"draft_hearing", "invitation_published", "bid_day", "appeal_window"}
    assert "contract_signed" in ids


def test_the_specific_method_is_allowed_at_exactly_five_hundred_thousand_baht():
    generate_plan(value_satang=500_000 * BAHT, method="specific", start=date(2023, 11, 1))


@pytest.mark.usefixtures("no_language")  # pure Python, as `pts plan` runs it
def test_the_specific_method_above_five_hundred_thousand_is_refused_bilingually():
    with pytest.raises(
        ScheduleError, match="วิธีเฉพาะเจาะจง .* / the specific method is for values up to 500,000.00"
    ):
        generate_plan(value_satang=500_000 * BAHT + 1, method="specific", start=date(2023, 11, 1))


def test_the_specific_method_above_its_limit_is_only_noted_when_not_strict():
    plan = generate_plan(
        value_satang=MILLION, method="specific", start=date(2023, 11, 1), strict_method=False
    )
    assert len(plan.notes) == 1 and "500,000.00" in plan.notes[0]


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"value_satang": 0, "start": date(2023, 11, 1)}, "มากกว่าศูนย์ .* / the value must be above zero"),
        ({"value_satang": -5, "start": date(2023, 11, 1)}, "above zero"),
        (
            {"value_satang": MILLION, "method": "e-auction", "start": date(2023, 11, 1)},
            "unknown procurement method",
        ),
        ({"value_satang": MILLION}, "either a start date or a target contract date"),
        (
            {"value_satang": MILLION, "start": date(2023, 11, 1), "target_contract": date(2024, 1, 31)},
            "either a start date or a target contract date",
        ),
    ],
)
@pytest.mark.usefixtures("no_language")  # pure Python, as `pts plan` runs it
def test_a_bad_plan_request_is_refused_with_a_bilingual_message(kwargs, pattern):
    with pytest.raises(ScheduleError, match=pattern):
        generate_plan(**kwargs)


@pytest.mark.usefixtures("no_language")  # pure Python, as `pts plan` runs it
def test_a_start_on_a_holiday_moves_to_the_next_working_day_with_a_note():
    plan = generate_plan(value_satang=MILLION, start=date(2023, 12, 5))
    assert plan.items[0].planned == date(2023, 12, 6)
    assert "5 ธ.ค. 2566" in plan.notes[0] and "6 Dec 2023" in plan.notes[0]


def test_a_backward_plan_signs_the_contract_on_the_target_day():
    plan = generate_plan(value_satang=MILLION, target_contract=date(2024, 1, 23))
    assert plan.planned("contract_signed") == date(2024, 1, 23)
    assert plan.dates() == PLAN_1M


def test_a_target_on_a_holiday_signs_on_the_working_day_before():
    plan = generate_plan(value_satang=MILLION, target_contract=date(2023, 12, 31))
    assert plan.planned("contract_signed") == date(2023, 12, 28)
    assert plan.notes


def test_an_extra_holiday_pushes_a_planned_date_to_the_next_working_day():
    extra = calendar_for([date(2023, 11, 8)])
    plan = generate_plan(value_satang=MILLION, start=date(2023, 11, 1), calendar=extra)
    assert plan.planned("tor_committee") == date(2023, 11, 9)


# -- the property: no plan on a closed day, every rule holds ----------------------------------


@cache
def _closed(year: int) -> frozenset[date]:
    return frozenset(holidays.Thailand(years=year, categories=("public", "government")))


def _naive_gap(a: date, b: date, extra: frozenset[date]) -> int:
    """Working days after a up to and including b, counted one day at a time (a <= b)."""
    n, d = 0, a
    while d < b:
        d += timedelta(days=1)
        n += d.weekday() < 5 and d not in _closed(d.year) and d not in extra
    return n


BANDS = [(1, 500_000 * BAHT), (500_000 * BAHT + 1, 5 * MILLION), (5 * MILLION + 1, 10 * MILLION),
         (10 * MILLION + 1, 50 * MILLION), (50 * MILLION + 1, 2_000 * MILLION)]  # fmt: skip
values = st.sampled_from(BANDS).flatmap(lambda b: st.one_of(st.integers(*b), st.sampled_from(b)))


@settings(max_examples=300, deadline=None)
@given(
    value=values,
    method=st.sampled_from([m.id for m in T.methods]),
    anchor=st.dates(date(2016, 1, 1), date(2030, 6, 30)),
    backwards=st.booleans(),
    optional=st.booleans(),
    extra_offsets=st.frozensets(st.integers(-250, 250), max_size=6),
)
def test_no_plan_falls_on_a_closed_day_and_every_rule_holds(
    value, method, anchor, backwards, optional, extra_offsets
):
    assume(T.method_problem(method, value) is None)
    extra = frozenset(anchor + timedelta(days=k) for k in extra_offsets)
    where = {"target_contract": anchor} if backwards else {"start": anchor}
    plan = generate_plan(
        value_satang=value, method=method, calendar=WorkCalendar(extra), include_optional=optional, **where
    )
    dates = plan.dates()
    for d in dates.values():
        assert d.weekday() < 5 and d not in _closed(d.year) and d not in extra, d
    assert list(dates.values()) == sorted(dates.values())
    applicable = [r for r in T.rules_for(method, value) if r.from_id in dates and r.to_id in dates]
    for rule in applicable:
        gap = _naive_gap(dates[rule.from_id], dates[rule.to_id], extra)
        assert gap >= rule.working_days if rule.kind == "min" else gap <= rule.working_days, rule.id
    assert validate_plan(dates, value_satang=value, method=method, calendar=WorkCalendar(extra)) == []
    if backwards:
        assert dates["contract_signed"] <= anchor
        assert _naive_gap(dates["contract_signed"], anchor, extra) == 0
    else:
        assert plan.items[0].planned >= anchor and _naive_gap(anchor, plan.items[0].planned, extra) <= 1


# -- validating an edited plan -----------------------------------------------------------------


def test_a_generated_plan_validates_without_warnings():
    assert validate_plan(PLAN_1M, value_satang=MILLION, method="e-bidding") == []


@pytest.mark.usefixtures("no_language")  # pure Python, as `pts plan` runs it
def test_a_bid_day_too_soon_after_the_invitation_is_named_with_both_milestones_and_numbers():
    warnings = validate_plan(plan_1m(bid_day=date(2023, 12, 22)), value_satang=MILLION, method="e-bidding")
    assert len(warnings) == 1
    w = warnings[0]
    assert (w.kind, w.rule_id, w.milestone_id, w.from_id, w.required, w.actual) == (
        "min", "invitation-period-0.5m-5m", "bid_day", "invitation_published", 5, 3,
    )  # fmt: skip
    th, en = w.message.split(" / ", 1)[0], w.message
    assert "ประกาศเชิญชวน (D0) → วันยื่นข้อเสนอ" in th and "3 วันทำการ" in th
    assert "invitation published (D0) → bid day is 3 working days, below the minimum of 5" in en


def test_a_plan_that_breaks_the_clarification_period_gets_both_warnings():
    warnings = validate_plan(plan_1m(bid_day=date(2023, 12, 20)), value_satang=MILLION, method="e-bidding")
    assert {w.rule_id for w in warnings} == {"invitation-period-0.5m-5m", "clarification"}


@pytest.mark.usefixtures("no_language")  # pure Python, as `pts plan` runs it
def test_payment_later_than_five_working_days_after_acceptance_breaks_a_maximum():
    warnings = validate_plan(plan_1m(payment=date(2024, 5, 3)), value_satang=MILLION, method="e-bidding")
    assert [(w.kind, w.rule_id, w.required, w.actual) for w in warnings] == [
        ("max", "payment-after-acceptance", 5, 7)
    ]
    assert "above the maximum of 5" in warnings[0].message


@pytest.mark.usefixtures("no_language")  # pure Python, as `pts plan` runs it
def test_a_milestone_moved_onto_new_years_day_is_flagged_with_the_holidays_name():
    warnings = validate_plan(plan_1m(evaluation=date(2024, 1, 1)), value_satang=MILLION, method="e-bidding")
    assert [w.kind for w in warnings] == ["holiday"]
    assert "วันขึ้นปีใหม่" in warnings[0].message and "1 Jan 2024" in warnings[0].message


def test_a_milestone_moved_before_its_predecessor_is_flagged():
    warnings = validate_plan(plan_1m(tor_price=date(2023, 11, 7)), value_satang=MILLION, method="e-bidding")
    assert [(w.kind, w.milestone_id, w.from_id) for w in warnings] == [
        ("order", "tor_price", "tor_committee")
    ]


def test_a_missing_mandatory_hearing_is_flagged_above_five_million_but_not_below():
    big = generate_plan(value_satang=6 * MILLION, start=date(2023, 11, 1)).dates()
    big.pop("draft_hearing")
    warnings = validate_plan(big, value_satang=6 * MILLION, method="e-bidding")
    assert [(w.kind, w.milestone_id) for w in warnings] == [("missing", "draft_hearing")]
    assert validate_plan(plan_1m(draft_hearing=None), value_satang=MILLION, method="e-bidding") == []


def test_a_half_filled_plan_is_checked_only_where_it_has_dates():
    partial = {k: v for k, v in PLAN_1M.items() if k in ("annual_plan", "tor_committee")}
    assert validate_plan(partial, value_satang=MILLION, method="e-bidding") == []


@pytest.mark.usefixtures("no_language")  # pure Python, as `pts plan` runs it
def test_a_step_of_another_method_is_flagged_and_an_unknown_step_refused():
    warnings = validate_plan(
        {"invitation_published": date(2023, 12, 19)}, value_satang=100_000 * BAHT, method="specific"
    )
    assert [w.kind for w in warnings] == ["extra"]
    with pytest.raises(ScheduleError, match="unknown milestone"):
        validate_plan({"kickoff": date(2023, 12, 19)}, value_satang=MILLION, method="e-bidding")


def test_a_stored_specific_plan_above_its_limit_is_warned_not_refused():
    warnings = validate_plan({}, value_satang=MILLION, method="specific")
    assert [w.kind for w in warnings] == ["method"]


# -- actuals, slippage, forecast ---------------------------------------------------------------


def progress(actual: dict[str, date], today: date, **kwargs):
    return track(PLAN_1M, actual, today=today, method="e-bidding", value_satang=MILLION, **kwargs)


def test_milestones_done_on_their_planned_dates_are_met_and_the_forecast_is_the_plan():
    p = progress(
        {"annual_plan": date(2023, 11, 1), "tor_committee": date(2023, 11, 8)}, today=date(2023, 11, 9)
    )
    assert p.item("tor_committee").status is Status.MET and p.item("tor_committee").slippage == 0
    assert p.item("tor_price").status is Status.SCHEDULED and p.item("tor_price").slippage is None
    assert p.slippage == 0 and p.forecast_contract == date(2024, 1, 23)


def test_a_step_done_three_working_days_late_shifts_the_rest_of_the_plan_by_three():
    p = progress(
        {"annual_plan": date(2023, 11, 1), "tor_committee": date(2023, 11, 13)}, today=date(2023, 11, 13)
    )
    assert p.item("tor_committee").status is Status.LATE and p.item("tor_committee").slippage == 3
    assert p.slippage == 3
    assert p.forecast("tor_price") == date(2023, 12, 4)
    assert p.item("tor_price").status is Status.AT_RISK
    assert p.forecast_contract == date(2024, 1, 26)


def test_a_step_done_early_pulls_the_forecast_earlier():
    p = progress(
        {"annual_plan": date(2023, 11, 1), "tor_committee": date(2023, 11, 6)}, today=date(2023, 11, 6)
    )
    assert p.item("tor_committee").status is Status.MET and p.item("tor_committee").slippage == -2
    assert p.forecast_contract == date(2024, 1, 19)


def test_a_step_not_done_by_its_planned_date_is_late_and_slips_the_forecast_to_today():
    p = progress({"annual_plan": date(2023, 11, 1)}, today=date(2023, 11, 13))
    committee = p.item("tor_committee")
    assert (
        committee.status is Status.LATE
        and committee.slippage == 3
        and committee.forecast == date(2023, 11, 13)
    )
    assert p.forecast_contract == date(2024, 1, 26)


def test_an_overdue_step_seen_on_a_saturday_cannot_be_done_before_monday():
    done = {"annual_plan": date(2023, 11, 1), "tor_committee": date(2023, 11, 8)}
    p = progress(done, today=date(2023, 12, 2))
    assert p.forecast("tor_price") == date(2023, 12, 4) and p.slippage == 3


def test_a_step_due_within_the_at_risk_window_is_at_risk_and_the_window_is_a_parameter():
    done = {"annual_plan": date(2023, 11, 1), "tor_committee": date(2023, 11, 8)}
    assert progress(done, today=date(2023, 11, 22)).item("tor_price").status is Status.AT_RISK
    narrow = progress(done, today=date(2023, 11, 22), at_risk_working_days=4)
    assert narrow.item("tor_price").status is Status.SCHEDULED
    assert T.at_risk_working_days == 5


def test_a_missing_entry_before_a_recorded_step_does_not_slip_the_forecast():
    done = {"annual_plan": date(2023, 11, 1), "tor_price": date(2023, 11, 29)}
    p = progress(done, today=date(2023, 11, 30))
    assert p.item("tor_committee").status is Status.LATE
    assert p.slippage == 0 and p.forecast_contract == date(2024, 1, 23)


def test_the_forecast_keeps_the_appeal_window_even_when_the_edited_plan_did_not():
    tight = {**PLAN_1M, "appeal_window": date(2024, 1, 15), "contract_signed": date(2024, 1, 16)}
    done = {k: v for k, v in tight.items() if v <= date(2024, 1, 10)}  # up to the winner, all on time
    p = track(tight, done, today=date(2024, 1, 10), method="e-bidding", value_satang=MILLION)
    assert p.forecast("appeal_window") == date(2024, 1, 19)
    assert p.forecast_contract == date(2024, 1, 22)
    assert p.item("appeal_window").status is Status.AT_RISK


def test_a_step_done_without_a_plan_is_met_with_no_slippage():
    p = track({"annual_plan": date(2023, 11, 1)}, {"tor_committee": date(2023, 11, 8)}, today=date(2023, 11, 9),
              method="e-bidding", value_satang=MILLION)  # fmt: skip
    assert p.item("tor_committee").status is Status.MET and p.item("tor_committee").slippage is None


def test_a_required_step_neither_planned_nor_done_is_unplanned_and_an_optional_one_is_left_out():
    p = track({"annual_plan": None}, {}, today=date(2023, 11, 9), method="e-bidding", value_satang=MILLION)
    assert {item.status for item in p.items} == {Status.UNPLANNED}
    assert [item.id for item in p.items] == [k for k in PLAN_1M]
    assert p.forecast_contract is None


@pytest.mark.usefixtures("no_language")  # pure Python, as `pts plan` runs it
def test_tracking_refuses_an_unknown_milestone():
    with pytest.raises(ScheduleError, match="unknown milestone"):
        track(
            {"kickoff": date(2023, 11, 1)},
            {},
            today=date(2023, 11, 9),
            method="e-bidding",
            value_satang=MILLION,
        )
