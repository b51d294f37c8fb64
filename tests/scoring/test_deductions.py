"""Deduction events: recorded and withdrawn by coordinators (audited), derived from the ledger, and
scored by the engine together with a series of activity tags."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from fractions import Fraction

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from pts.audit.models import AuditEvent
from pts.budget.actions import carry_over, commitment_record, disbursement_record
from pts.budget.models import Activity, Movement, MovementKind
from pts.core.fiscal import Month, fiscal_months
from pts.scoring import queries
from pts.scoring.deductions import deduction_record, deduction_withdraw
from pts.scoring.engine import Deduction, Explainer, UnitData, load_ruleset, parse_ruleset, score_units
from pts.scoring.models import DeductionEvent
from pts.scoring.sources import deduction_events, deductions_visible_to, tag_cells, tag_unions, wanted_tags
from tests.factories import ledger_admin, make_allocation, make_fiscal_year, make_org
from tests.lang import in_both, thai_only
from tests.scoring.factories import make_scheme

MB = 1_000_000_00  # one million baht in satang
FY = fiscal_months(2566)
NOV, SEP = Month(2022, 11), Month(2023, 9)
YEAR_END = date(2023, 9, 30)
# one criterion on a series of activity tags (DOH: training and meetings >= 50 % disbursed in Q1) and deductions
TEST_RULES = """
[ruleset]
id = "test-tags-deductions"
label_th = "ทดสอบ"
label_en = "test"
fiscal_year = 2566
version = "1"

[series.overall]
label_th = "ภาพรวม"
label_en = "overall"
categories = ["operating", "capital"]

[series.training]
label_th = "ฝึกอบรม ประชุม"
label_en = "training and meetings"
tags = ["training", "meeting"]

[[rounds]]
id = 1
label_th = "ทั้งปี"
label_en = "whole year"
first = "2022-10"
last = "2023-09"
max = 1

[[criteria]]
id = "training-q1"
kind = "threshold"
label_th = "ฝึกอบรม ประชุม เบิกจ่ายไตรมาสแรก"
label_en = "training and meetings disbursed in Q1"
max = 1

[[criteria.parts]]
series = "training"
points = 1
at = ["2022-12"]
target = 50

[[criteria]]
id = "deductions"
kind = "deductions"
label_th = "การหักคะแนน"
label_en = "deductions"
cap = 1

[[criteria.causes]]
id = "documents_returned"
label_th = "เอกสารถูกส่งคืน"
label_en = "documents returned"
points = 0.25

[[criteria.causes]]
id = "lapsed"
label_th = "งบประมาณพับ"
label_en = "lapsed"
points = 0.25

[[criteria.causes]]
id = "carryover_without_commitment"
label_th = "กันเงินโดยไม่มีหนี้ผูกพัน"
label_en = "carry-over without a commitment"
points = 0.25
"""


def at(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 10, 0))


def record(world, scheme, **overrides):
    args = {"actor": world.carol, "scheme": scheme, "unit": world.unit_a, "cause": "documents_returned",
            "month": NOV, "note": "ฎีกาเลขที่ 12 ถูกส่งคืน", "now": at(date(2022, 12, 2))} | overrides
    return deduction_record(**args)


def events(scheme, world, *, as_of=YEAR_END, months=FY, rules=None, cells=None):
    return deduction_events(scheme=scheme, rules=rules or load_ruleset("province-pts-template"), months=months,
                            unit_ids=[world.unit_a.pk, world.unit_b.pk], as_of=as_of, cells=cells)


# -- recording and withdrawing ------------------------------------------------------------------


def test_a_coordinator_records_a_deduction_with_an_audit_row(world, scheme):
    event = record(world, scheme)
    assert (event.unit, event.cause, event.month, event.actor) == (world.unit_a, "documents_returned",
                                                                     NOV.first_day, world.carol)
    audit = AuditEvent.objects.get(action="scoring.deduction_record")
    assert (audit.actor, audit.unit, audit.object_id, audit.period) == (world.carol, world.unit_a, str(event.pk),
                                                                          NOV.first_day)
    assert audit.after["cause"] == "documents_returned"
    assert audit.after["month"] == "2022-11-01"


def test_a_month_given_as_its_first_day_is_taken(world, scheme):
    assert record(world, scheme, month=date(2023, 3, 1)).month == date(2023, 3, 1)


def test_a_resubmitted_form_replays_the_first_record(world, scheme):
    key = uuid.uuid4()
    first = record(world, scheme, request_key=key)
    assert record(world, scheme, request_key=key) == first
    assert DeductionEvent.objects.count() == 1
    assert AuditEvent.objects.filter(action="scoring.deduction_record").count() == 1


def _refused(call, field):
    before = (DeductionEvent.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as exc:
        call()
    assert (DeductionEvent.objects.count(), AuditEvent.objects.count()) == before  # nothing written
    return in_both(lambda: exc.value.message_dict[field][0])  # Thai by default, English on an English page


def test_an_unknown_cause_is_refused_naming_it_and_the_causes_there_are(world, scheme):
    message = _refused(lambda: record(world, scheme, cause="late_lunch"), "cause")
    assert "late_lunch" in message and "documents_returned" in message


def test_a_scheme_whose_rule_set_has_no_deductions_takes_none(world):
    kpi = make_scheme(world, code="kpi-2566", rule_set="doh-kpi23-2566", kind="department")
    assert "documents_returned" in _refused(lambda: record(world, kpi), "cause")


@pytest.mark.parametrize("month", [Month(2023, 10), Month(2022, 9), date(2021, 11, 1), "2022-11"])
def test_a_month_outside_the_fiscal_year_is_refused(world, scheme, month):
    message = _refused(lambda: record(world, scheme, month=month), "month")
    assert "2566" in message and str(month) in message


def test_a_unit_outside_the_scheme_is_refused(world, scheme):
    other = make_org(parent=world.province, code="AG-C")
    message = _refused(lambda: record(world, scheme, unit=other), "unit")
    assert "AG-C" in message and scheme.name in message


def test_every_problem_is_reported_at_once(world, scheme):
    other = make_org(parent=world.province, code="AG-C")
    with pytest.raises(ValidationError) as exc:
        record(world, scheme, unit=other, cause="x", month=Month(2024, 1))
    assert set(exc.value.message_dict) == {"unit", "cause", "month"}


@pytest.mark.parametrize("persona", ["bob", "alice", "erin"])
def test_only_a_coordinator_of_the_unit_records_a_deduction(world, scheme, persona):
    message = _refused(lambda: record(world, scheme, actor=getattr(world, persona)), NON_FIELD_ERRORS)
    assert persona in message and "AG-A" in message


def test_a_coordinator_withdraws_a_mistaken_deduction_with_the_reason_and_it_stays_on_record(world, scheme):
    event = record(world, scheme)
    deduction_withdraw(actor=world.carol, event=event, reason="ส่งคืนผิดหน่วยงาน", now=at(date(2022, 12, 5)))
    event.refresh_from_db()
    assert (event.withdrawn_by, event.withdrawn_at, event.withdraw_reason) == (
        world.carol, at(date(2022, 12, 5)), "ส่งคืนผิดหน่วยงาน")
    audit = AuditEvent.objects.get(action="scoring.deduction_withdraw")
    assert audit.unit == world.unit_a and audit.note == "ส่งคืนผิดหน่วยงาน"
    assert audit.before["withdrawn_at"] is None and audit.after["withdraw_reason"] == "ส่งคืนผิดหน่วยงาน"
    assert DeductionEvent.objects.filter(pk=event.pk).exists()


def test_a_withdrawal_needs_a_reason_and_happens_once(world, scheme):
    event = record(world, scheme)
    _refused(lambda: deduction_withdraw(actor=world.carol, event=event, reason="  "), "reason")
    deduction_withdraw(actor=world.carol, event=event, reason="ผิด")
    assert "already withdrawn" in _refused(lambda: deduction_withdraw(actor=world.carol, event=event, reason="อีก"),
                                           NON_FIELD_ERRORS)


def test_bob_cannot_withdraw_or_see_unit_as_deductions(world, scheme):
    event = record(world, scheme)
    record(world, scheme, unit=world.unit_b, note="บี")
    _refused(lambda: deduction_withdraw(actor=world.bob, event=event, reason="ไม่ใช่"), NON_FIELD_ERRORS)
    assert [e.unit for e in deductions_visible_to(user=world.bob, scheme=scheme)] == [world.unit_b]
    assert [e.unit for e in deductions_visible_to(user=world.alice, scheme=scheme)] == [world.unit_a]
    assert len(deductions_visible_to(user=world.carol, scheme=scheme)) == 2


# -- reading events: recorded ------------------------------------------------------------------------


def test_recorded_events_count_until_withdrawn_and_from_the_day_they_were_recorded(world, scheme):
    kept = record(world, scheme, note="หนึ่ง")
    later = record(world, scheme, note="สอง", now=at(date(2023, 1, 10)))
    gone = record(world, scheme, note="สาม")
    deduction_withdraw(actor=world.carol, event=gone, reason="ผิด")
    assert events(scheme, world, as_of=date(2022, 12, 31)) == {
        world.unit_a.pk: [Deduction("documents_returned", NOV, kept.note)]}
    assert events(scheme, world, as_of=date(2023, 1, 10))[world.unit_a.pk] == [
        Deduction("documents_returned", NOV, "สอง"), Deduction("documents_returned", NOV, "หนึ่ง")]
    assert later.note == "สอง"


def test_only_the_months_asked_for_and_the_rule_sets_causes_are_read(world, scheme):
    record(world, scheme)
    assert events(scheme, world, months=FY[:1]) == {}
    assert events(scheme, world, rules=load_ruleset("doh-kpi23-2566")) == {}  # KPI 2.3 deducts nothing


def test_a_whole_scheme_is_read_in_a_few_queries(world, scheme, django_assert_max_num_queries):
    record(world, scheme)
    record(world, scheme, unit=world.unit_b)
    make_allocation(unit=world.unit_a, amount=MB)
    make_allocation(unit=world.unit_b, amount=MB)
    with django_assert_max_num_queries(4):
        found = events(scheme, world)
    assert set(found) == {world.unit_a.pk, world.unit_b.pk}


# -- reading events: derived from the ledger -----------------------------------------------------------


def test_money_neither_paid_nor_carried_over_lapses_at_the_year_end(world, scheme):
    admin = ledger_admin()
    make_fiscal_year(2567)
    make_allocation(unit=world.unit_a, amount=MB)
    make_allocation(unit=world.unit_a, amount=MB, category="capital")
    disbursement_record(actor=admin, fiscal_year=2566, unit=world.unit_a, category="operating",
                        amount=987_654_32, effective_date=date(2023, 9, 1))
    commitment_record(actor=admin, fiscal_year=2566, unit=world.unit_a, category="capital", amount=MB,
                      effective_date=date(2023, 5, 1), document_ref="PO-9")
    carry_over(actor=admin, from_year=2566, to_year=2567, unit=world.unit_a, category="capital", amount=MB,
               effective_date=YEAR_END)
    assert events(scheme, world) == {world.unit_a.pk: [Deduction(
        "lapsed", SEP, "งบดำเนินงาน: เงินเหลือ ณ สิ้นปีงบประมาณ 12,345.68 บาท ไม่ได้เบิกจ่ายหรือกันเงินเหลื่อมปี")]}


def test_lapsed_money_is_the_same_from_the_scores_own_monthly_figures(world, scheme):
    """build_inputs hands its monthly figures over; September's must give the same events."""
    from pts.scoring import queries

    admin = ledger_admin()
    make_fiscal_year(2567)
    make_allocation(unit=world.unit_a, amount=MB)
    make_allocation(unit=world.unit_b, amount=MB, category="capital")
    disbursement_record(actor=admin, fiscal_year=2566, unit=world.unit_a, category="operating",
                        amount=987_654_32, effective_date=date(2023, 9, 1))
    commitment_record(actor=admin, fiscal_year=2566, unit=world.unit_b, category="capital", amount=MB // 2,
                      effective_date=date(2023, 5, 1), document_ref="PO-9")
    carry_over(actor=admin, from_year=2566, to_year=2567, unit=world.unit_b, category="capital", amount=MB // 2,
               effective_date=YEAR_END)
    cells = queries.monthly_cells(scheme=scheme, months=FY, units=[world.unit_a.pk, world.unit_b.pk])
    alone = events(scheme, world)
    assert alone == events(scheme, world, cells=cells)
    assert {u: [e.note.split(":")[0] for e in found] for u, found in alone.items()} == {
        world.unit_a.pk: ["งบดำเนินงาน"], world.unit_b.pk: ["งบลงทุน"]}  # B: half carried over, half lapsed
    assert events(scheme, world, cells=cells) == alone  # again, from what was kept


def test_nothing_lapses_before_the_year_is_over(world, scheme):
    make_allocation(unit=world.unit_a, amount=MB)
    assert events(scheme, world, as_of=date(2023, 9, 29)) == {}
    assert events(scheme, world, months=FY[:11]) == {}


def _carry_out(world, amount, day, category="capital", reverses=None):
    """A carry-over row as a legacy import writes it: the ledger's own action refuses one above the
    outstanding commitment, so this is the only way the derived cause can arise."""
    return Movement.objects.create(fiscal_year=make_fiscal_year(2566), unit=world.unit_a, category=category,
                                   kind=MovementKind.CARRY_OVER_OUT, amount=amount, effective_date=day,
                                   actor=ledger_admin(), reverses=reverses)


def _carry_over_ledger(world):
    admin = ledger_admin()
    make_allocation(unit=world.unit_a, amount=MB, category="capital")
    commitment_record(actor=admin, fiscal_year=2566, unit=world.unit_a, category="capital", amount=400_000_00,
                      effective_date=date(2023, 6, 1), document_ref="PO-1")
    disbursement_record(actor=admin, fiscal_year=2566, unit=world.unit_a, category="capital", amount=100_000_00,
                        effective_date=date(2023, 7, 1), settles_commitment=True)


def _carryovers(found, world):
    return [e for e in found.get(world.unit_a.pk, []) if e.cause == "carryover_without_commitment"]


def test_a_carry_over_above_the_outstanding_commitment_is_a_deduction(world, scheme):
    _carry_over_ledger(world)  # outstanding 300,000 from July
    _carry_out(world, 500_000_00, date(2023, 9, 29))
    assert _carryovers(events(scheme, world), world) == [Deduction(
        "carryover_without_commitment", SEP,
        "งบลงทุน: กันเงินเหลื่อมปี 500,000.00 บาท มีหนี้ผูกพันคงค้างเพียง 300,000.00 บาท "
        "(ไม่มีหนี้ผูกพัน 200,000.00 บาท)")]


def test_a_carry_over_within_the_outstanding_commitment_is_not(world, scheme):
    _carry_over_ledger(world)
    make_fiscal_year(2567)
    carry_over(actor=ledger_admin(), from_year=2566, to_year=2567, unit=world.unit_a, category="capital",
               amount=300_000_00, effective_date=YEAR_END)
    assert _carryovers(events(scheme, world), world) == []


def test_earlier_carry_overs_use_up_the_commitment(world, scheme):
    _carry_over_ledger(world)
    _carry_out(world, 200_000_00, date(2023, 8, 31))  # within the 300,000 outstanding
    _carry_out(world, 150_000_00, date(2023, 9, 29))  # 100,000 left: above it
    found = _carryovers(events(scheme, world), world)
    assert [(e.month, "150,000.00" in e.note, "100,000.00" in e.note) for e in found] == [(SEP, True, True)]


def test_a_carry_over_reversed_in_a_later_month_counts_for_nothing(world, scheme):
    _carry_over_ledger(world)
    wrong = _carry_out(world, 450_000_00, date(2023, 8, 31))
    assert [e.month for e in _carryovers(events(scheme, world), world)] == [Month(2023, 8)]
    _carry_out(world, -450_000_00, date(2023, 9, 5), reverses=wrong)
    assert _carryovers(events(scheme, world), world) == []


def test_a_carry_over_after_the_as_of_date_is_not_read(world, scheme):
    _carry_over_ledger(world)
    _carry_out(world, 500_000_00, date(2023, 9, 29))
    assert _carryovers(events(scheme, world, as_of=date(2023, 9, 28), months=FY[:11]), world) == []


# -- scored by the engine ------------------------------------------------------------------------------


def test_deductions_and_a_tag_series_read_from_the_database_change_the_scores(world, scheme):
    """Unit A pays 60 % of its training money in Q1 (1 point), has documents returned in November and
    money left at the year end: 1 - 0.25 - 0.25. Unit B pays 40 % (0 points) and has nothing deducted
    (deductions never take a total below zero)."""
    rules = parse_ruleset(TEST_RULES)
    admin = ledger_admin()
    fy = make_fiscal_year(2566)
    for unit, paid in ((world.unit_a, 60_000_00), (world.unit_b, 40_000_00)):
        seminar = Activity.objects.create(fiscal_year=fy, unit=unit, code="S", name="สัมมนา",
                                          tags=["training", "meeting"])
        make_allocation(unit=unit, amount=100_000_00, activity=seminar)
        disbursement_record(actor=admin, fiscal_year=2566, unit=unit, category="operating", amount=paid,
                            effective_date=date(2022, 12, 20), activity=seminar)
    disbursement_record(actor=admin, fiscal_year=2566, unit=world.unit_b, category="operating",
                        amount=60_000_00, effective_date=date(2023, 9, 1))  # B spends everything
    record(world, scheme)
    ids = [world.unit_a.pk, world.unit_b.pk]
    months = queries.months_until(scheme, rules, YEAR_END)
    cells = queries.monthly_cells(scheme=scheme, months=months, units=ids)
    tags = tag_cells(scheme=scheme, months=months, unit_ids=ids, tags=wanted_tags(rules), unions=tag_unions(rules))
    deductions = deduction_events(scheme=scheme, rules=rules, months=months, unit_ids=ids, as_of=YEAR_END)
    units = [UnitData(code=u.code, months=cells.get(u.pk, {}), tags=tags.get(u.pk, {}),
                      deductions=deductions.get(u.pk, ())) for u in (world.unit_a, world.unit_b)]
    a, b = score_units(rules, units)
    assert a.items["training-q1"].score == 1
    assert a.items["deductions"].score == Fraction(-1, 2)
    assert a.total == Fraction(1, 2)
    assert (b.items["training-q1"].score, b.items["deductions"].score, b.total) == (0, 0, 0)
    said = [Explainer(rules).th(line) for line in a.items["deductions"].lines]
    assert any("เอกสารถูกส่งคืน" in s and "ฎีกาเลขที่ 12" in s for s in said)
    assert any("งบประมาณพับ" in s and "40,000.00 บาท" in s for s in said)


# -- correcting a deduction through an override -------------------------------------------------------


def test_a_coordinator_corrects_the_deductions_of_a_round_by_an_override_within_the_cap(world, scheme):
    from pts.scoring import actions

    make_allocation(unit=world.unit_a, amount=MB)
    disbursement_record(actor=ledger_admin(), fiscal_year=2566, unit=world.unit_a, category="operating",
                        amount=MB, effective_date=date(2022, 10, 20))
    record(world, scheme)
    record(world, scheme, month=Month(2022, 12), note="ฎีกาเลขที่ 30 ถูกส่งคืน")
    rules = queries.rules_for(scheme)
    computed = [r for r in queries.score_scheme(scheme=scheme, as_of=YEAR_END) if r.unit == "AG-A"]
    deducted = computed[0].items["deductions"].score
    assert deducted < 0
    for bad in ("1", "-21", "abc"):  # above 0, below the cap of 20, not a number
        with pytest.raises(ValidationError) as exc:
            actions.score_override(actor=world.carol, scheme=scheme, round_no=computed[0].round, unit=world.unit_a,
                                   criterion="deductions", score=bad, reason="ฎีกาส่งคืนผิดหน่วย")
        assert "score" in exc.value.message_dict and thai_only(exc.value.message_dict["score"][0])
    actions.score_override(actor=world.carol, scheme=scheme, round_no=computed[0].round, unit=world.unit_a,
                           criterion="deductions", score="-๑", reason="one of the two returns was the office's error")
    applied = queries.apply_overrides(rules, computed, queries.latest_overrides(scheme, computed[0].round))
    assert applied[0].items["deductions"].score == -1
    assert applied[0].total == computed[0].total - deducted - 1 == sum(i.score for i in applied[0].items.values())
