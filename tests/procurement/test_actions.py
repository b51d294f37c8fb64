"""Procurement actions: plans, milestone dates, the ledger commitment, rounds, instalments, holidays."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pts.audit.models import AuditEvent
from pts.budget.models import Movement
from pts.procurement import actions, queries
from pts.procurement.models import ExtraHoliday, Instalment, Milestone, Project, RoundUpdate
from pts.procurement.schedule import validate_plan
from pts.schemes.actions import scheme_create
from tests.factories import make_allocation, make_fiscal_year
from tests.procurement.factories import BAHT, at, make_project

pytestmark = pytest.mark.django_db


def dates(project: Project) -> dict[str, date | None]:
    return {m.code: m.planned for m in Milestone.objects.filter(project=project).order_by("seq")}


def milestone(project: Project, code: str) -> Milestone:
    return Milestone.objects.get(project=project, code=code)


# -- plans -------------------------------------------------------------------------------------

def test_a_project_is_planned_forward_from_its_start_on_working_days_only(world):
    project = make_project(unit=world.unit_a, actor=world.alice, start=date(2022, 11, 1))
    cal = queries.work_calendar()
    planned = {k: v for k, v in dates(project).items() if v}
    assert planned["annual_plan"] == date(2022, 11, 1)
    assert all(cal.is_working_day(d) for d in planned.values())
    assert list(planned.values()) == sorted(planned.values())
    assert validate_plan(dates(project), value_satang=project.allocated, method="e-bidding", calendar=cal) == []


def test_a_plan_made_backwards_signs_the_contract_on_the_last_working_day_by_the_target(world):
    target = date(2022, 12, 31)  # a Saturday and a holiday
    project = make_project(unit=world.unit_a, actor=world.alice, target_contract=target)
    cal = queries.work_calendar()
    assert dates(project)["contract_signed"] == cal.working_day_on_or_before(target) < target


def test_the_plan_has_a_row_for_every_step_of_the_method_the_optional_hearing_without_a_date(world):
    project = make_project(unit=world.unit_a, actor=world.alice, allocated=1_000_000 * BAHT)
    planned = dates(project)
    assert len(planned) == 15 and planned["draft_hearing"] is None
    small = make_project(unit=world.unit_a, actor=world.alice, method="specific", allocated=300_000 * BAHT)
    assert list(dates(small)) == ["annual_plan", "tor_price", "purchase_report", "winner_announced",
                                  "contract_signed", "acceptance", "payment", "closed"]


def test_the_specific_method_above_its_limit_is_created_with_a_warning_not_refused(world):
    project, warnings = actions.project_create(
        actor=world.alice, fiscal_year=2566, unit=world.unit_a, name="ซื้อเฉพาะเจาะจงเกินวงเงิน", method="specific",
        allocated=900_000 * BAHT, start=date(2022, 11, 1), now=at(date(2022, 10, 3)))
    assert project.pk and any("500,000.00" in w for w in warnings)


def test_moving_a_date_below_a_statutory_minimum_is_saved_with_a_warning_naming_the_rule(world):
    project = make_project(unit=world.unit_a, actor=world.alice)
    cal = queries.work_calendar()
    published = dates(project)["invitation_published"]
    too_soon = cal.add_working_days(published, 2)
    warnings = actions.milestone_set_planned(actor=world.alice, milestone=milestone(project, "bid_day"),
                                             planned=too_soon, now=at(date(2022, 10, 10)))
    assert milestone(project, "bid_day").planned == too_soon
    rules = {w.rule_id for w in warnings}
    assert {"invitation-period-0.5m-5m", "clarification"} <= rules
    with translation.override("th"):  # the page's language only
        th = " ".join(str(w.message) for w in warnings)
    with translation.override("en"):
        en = " ".join(str(w.message) for w in warnings)
    assert "ระยะเวลาประกาศเชิญชวน" in th and "2 วันทำการ" in th and "invitation period" not in th
    assert "invitation period" in en and "2 working days" in en and "ระยะเวลาประกาศเชิญชวน" not in en


@pytest.mark.usefixtures("english")
def test_an_officer_cannot_move_a_planned_date_that_has_passed_but_a_coordinator_can(world):
    project = make_project(unit=world.unit_a, actor=world.alice, start=date(2022, 11, 1))
    later = at(date(2022, 11, 20))
    with pytest.raises(ValidationError) as refused:
        actions.milestone_set_planned(actor=world.alice, milestone=milestone(project, "annual_plan"),
                                      planned=date(2022, 11, 21), now=later)
    assert "only a coordinator" in str(refused.value)
    assert milestone(project, "annual_plan").planned == date(2022, 11, 1)
    actions.milestone_set_planned(actor=world.carol, milestone=milestone(project, "annual_plan"),
                                  planned=date(2022, 11, 21), now=later)
    assert milestone(project, "annual_plan").planned == date(2022, 11, 21)


@pytest.mark.usefixtures("english")
def test_an_actual_date_in_the_future_is_refused_and_nothing_changes(world):
    project = make_project(unit=world.unit_a, actor=world.alice)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        actions.milestones_update(actor=world.alice, project=project, now=at(date(2022, 11, 1)),
                                  actual={"annual_plan": date(2022, 11, 1), "tor_committee": date(2022, 11, 2)})
    assert "in the future" in str(refused.value) and "tor_committee" in refused.value.error_dict
    assert milestone(project, "annual_plan").actual is None
    assert AuditEvent.objects.count() == before


def test_changing_the_method_brings_the_new_methods_steps_and_drops_steps_not_done(world):
    project = make_project(unit=world.unit_a, actor=world.alice, allocated=400_000 * BAHT)
    actions.project_update(actor=world.alice, project=project, method="specific", now=at(date(2022, 10, 5)))
    assert set(dates(project)) == {"annual_plan", "tor_price", "purchase_report", "winner_announced",
                                   "contract_signed", "acceptance", "payment", "closed"}


# -- fields ------------------------------------------------------------------------------------

@pytest.mark.usefixtures("english")
def test_the_egp_number_takes_thai_digits_and_must_have_eleven_digits(world):
    project = make_project(unit=world.unit_a, actor=world.alice, egp_number="๖๖๐๑๙๑๒๓๔๕๖")
    assert project.egp_number == "66019123456"
    with pytest.raises(ValidationError) as refused:
        make_project(unit=world.unit_a, actor=world.alice, egp_number="6601912345")
    assert "11 digits" in str(refused.value) and "6601912345" in str(refused.value)


@pytest.mark.usefixtures("english")
def test_an_egp_number_belongs_to_one_project_only(world):
    make_project(unit=world.unit_a, actor=world.alice, egp_number="66019123456")
    with pytest.raises(ValidationError, match="already used"):
        make_project(unit=world.unit_b, actor=world.bob, egp_number="66019123456")
    other = make_project(unit=world.unit_b, actor=world.bob)
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=other.pk).update(egp_number="66019123456")


@pytest.mark.usefixtures("english")
def test_money_is_refused_below_zero_and_the_source_of_funds_code_has_seven_digits(world):
    with pytest.raises(ValidationError, match="above zero"):
        make_project(unit=world.unit_a, actor=world.alice, allocated=0)
    with pytest.raises(ValidationError, match="7 digits"):
        make_project(unit=world.unit_a, actor=world.alice, fund_code="66113")
    assert make_project(unit=world.unit_a, actor=world.alice, fund_code="๖๖๑๑๓๒๐").fund_code == "6611320"


@pytest.mark.usefixtures("english")
def test_a_second_project_of_the_same_name_in_a_unit_is_refused(world):
    make_project(unit=world.unit_a, actor=world.alice, name="ก่อสร้างโรงจอดรถ")
    with pytest.raises(ValidationError, match="already has a project"):
        make_project(unit=world.unit_a, actor=world.alice, name="ก่อสร้างโรงจอดรถ")
    assert make_project(unit=world.unit_b, actor=world.bob, name="ก่อสร้างโรงจอดรถ").pk


def test_a_double_submitted_create_makes_one_project(world):
    import uuid

    key = uuid.uuid4()
    first = make_project(unit=world.unit_a, actor=world.alice, name="ครั้งเดียว", request_key=key)
    again = make_project(unit=world.unit_a, actor=world.alice, name="ครั้งเดียว", request_key=key)
    assert first.pk == again.pk and Project.objects.filter(name="ครั้งเดียว").count() == 1


# -- who may act -------------------------------------------------------------------------------

@pytest.mark.usefixtures("english")
def test_an_executive_and_an_officer_of_another_unit_change_nothing(world):
    project = make_project(unit=world.unit_a, actor=world.alice)
    for outsider in (world.erin, world.bob):
        with pytest.raises(ValidationError, match="may not change"):
            actions.project_update(actor=outsider, project=project, name="ชื่อใหม่", now=at(date(2022, 10, 5)))
        with pytest.raises(ValidationError, match="may not change"):
            actions.round_update(actor=outsider, project=project, obstacles="x", now=at(date(2022, 10, 5)))
        with pytest.raises(ValidationError, match="may not change"):
            make_project(unit=world.unit_a, actor=outsider)
    assert Project.objects.get(pk=project.pk).name == project.name and not RoundUpdate.objects.exists()


def test_every_change_writes_an_audit_row_with_before_and_after(world):
    project = make_project(unit=world.unit_a, actor=world.alice)
    actions.project_update(actor=world.alice, project=project, contractor="หจก. ทดสอบ", now=at(date(2022, 10, 5)))
    actions.milestones_update(actor=world.alice, project=project, now=at(date(2022, 11, 2)),
                              actual={"annual_plan": date(2022, 11, 1)})
    events = {e.action: e for e in AuditEvent.objects.filter(object_id=str(project.pk))}
    assert {"procurement.project_create", "procurement.project_update", "procurement.milestones_update"} <= set(events)
    update = events["procurement.project_update"]
    assert update.before == {"contractor": ""} and update.after == {"contractor": "หจก. ทดสอบ"}
    assert update.unit == world.unit_a and update.fiscal_year == 2566 and update.actor == world.alice
    assert events["procurement.milestones_update"].after == {"annual_plan": ["2022-11-01", "2022-11-01"]}


# -- the ledger commitment -----------------------------------------------------------------------

def signed_project(world, **overrides):
    project = make_project(unit=world.unit_a, actor=world.alice, allocated=1_500_000 * BAHT, **overrides)
    actions.project_update(actor=world.alice, project=project, contract_number="สญ. 12/2566",
                           contract_value=1_234_567_89, now=at(date(2022, 12, 20)))
    return project


@pytest.mark.usefixtures("english")
def test_the_contract_date_can_record_the_commitment_in_the_ledger_to_the_satang(world):
    make_allocation(unit=world.unit_a, category="capital", amount=2_000_000 * BAHT)
    project = signed_project(world)
    actions.milestone_record_actual(actor=world.alice, milestone=milestone(project, "contract_signed"),
                                    actual=date(2022, 12, 23), now=at(date(2022, 12, 23)), record_commitment=True)
    project.refresh_from_db()
    movement = Movement.objects.get(kind="commitment", unit=world.unit_a)
    assert project.commitment == movement
    assert (movement.amount, movement.document_ref, movement.effective_date, movement.category) == (
        1_234_567_89, "สญ. 12/2566", date(2022, 12, 23), "capital")
    with pytest.raises(ValidationError, match="already in the ledger"):
        actions.milestones_update(actor=world.alice, project=project, now=at(date(2022, 12, 26)),
                                  record_commitment=True)
    with pytest.raises(ValidationError, match="reverse it there"):
        actions.milestone_record_actual(actor=world.alice, milestone=milestone(project, "contract_signed"),
                                        actual=date(2022, 12, 22), now=at(date(2022, 12, 26)))
    assert Movement.objects.filter(kind="commitment").count() == 1


def test_without_asking_the_contract_date_records_nothing_in_the_ledger(world):
    make_allocation(unit=world.unit_a, category="capital", amount=2_000_000 * BAHT)
    project = signed_project(world)
    actions.milestone_record_actual(actor=world.alice, milestone=milestone(project, "contract_signed"),
                                    actual=date(2022, 12, 23), now=at(date(2022, 12, 23)))
    assert not Movement.objects.filter(kind="commitment").exists()


def test_a_commitment_the_ledger_refuses_leaves_the_contract_date_unrecorded(world):
    project = signed_project(world)  # unit A has no capital allocation
    with pytest.raises(ValidationError) as refused:
        actions.milestone_record_actual(actor=world.alice, milestone=milestone(project, "contract_signed"),
                                        actual=date(2022, 12, 23), now=at(date(2022, 12, 23)), record_commitment=True)
    assert "record_commitment" in refused.value.error_dict
    assert milestone(project, "contract_signed").actual is None
    assert not Movement.objects.filter(kind="commitment").exists()


# -- reporting rounds --------------------------------------------------------------------------

def test_round_updates_are_append_only_and_keep_what_was_promised_then(world):
    project = make_project(unit=world.unit_a, actor=world.alice, start=date(2022, 11, 1))
    promised = dates(project)["contract_signed"]
    march = actions.round_update(actor=world.alice, project=project, obstacles="รอราคากลาง", remedy="เร่งรัด",
                                 now=at(date(2023, 3, 10)))
    actions.milestones_update(actor=world.carol, project=project, now=at(date(2023, 7, 3)),
                              planned={"contract_signed": date(2023, 8, 1)})
    july = actions.round_update(actor=world.alice, project=project, obstacles="ยังไม่ได้ผู้รับจ้าง", now=at(date(2023, 7, 5)))
    march.refresh_from_db()
    assert march.snapshot["contract_signed"][0] == promised.isoformat()
    assert july.snapshot["contract_signed"][0] == "2023-08-01"
    assert (march.month, july.month) == (date(2023, 3, 1), date(2023, 7, 1))
    assert list(RoundUpdate.objects.filter(project=project).values_list("obstacles", flat=True)) == [
        "รอราคากลาง", "ยังไม่ได้ผู้รับจ้าง"]


@pytest.mark.usefixtures("english")
def test_an_update_is_filed_under_the_round_whose_deadline_comes_next(world):
    scheme_create(actor=world.carol, code="pts-test", name="PTS", kind="province", fiscal_year=make_fiscal_year(2566),
                  coordinator_org=world.province, units=[world.unit_a], as_of_day=None, deadline_day=5,
                  deadline_month_offset=1)
    project = make_project(unit=world.unit_a, actor=world.alice)
    first = actions.round_update(actor=world.alice, project=project, now=at(date(2023, 8, 3)))
    second = actions.round_update(actor=world.alice, project=project, now=at(date(2023, 8, 10)))
    late = actions.round_update(actor=world.alice, project=project, now=at(date(2023, 8, 10)), round_month=date(2023, 6, 1))
    assert (first.month, first.deadline, first.period_id is not None) == (date(2023, 7, 1), date(2023, 8, 5), True)
    assert second.month == date(2023, 8, 1)
    assert late.month == date(2023, 6, 1) and not late.on_time and first.on_time
    with pytest.raises(ValidationError, match="cannot be chosen"):
        actions.round_update(actor=world.alice, project=project, now=at(date(2023, 8, 10)), round_month=date(2023, 9, 1))


def test_without_a_scheme_the_round_is_the_calendar_month_due_at_its_end(world):
    project = make_project(unit=world.unit_a, actor=world.alice)
    update = actions.round_update(actor=world.alice, project=project, now=at(date(2023, 2, 14)))
    assert (update.month, update.deadline, update.period) == (date(2023, 2, 1), date(2023, 2, 28), None)


def test_a_double_submitted_round_update_is_stored_once(world):
    import uuid

    project = make_project(unit=world.unit_a, actor=world.alice)
    key = uuid.uuid4()
    for _ in range(2):
        actions.round_update(actor=world.alice, project=project, obstacles="x", now=at(date(2023, 2, 14)), request_key=key)
    assert RoundUpdate.objects.filter(project=project).count() == 1


# -- instalments -------------------------------------------------------------------------------

@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.integers(min_value=1, max_value=10**12), parts=st.integers(min_value=1, max_value=12))
def test_instalments_split_from_the_contract_value_add_up_to_the_satang(world, value, parts):
    project = make_project(unit=world.unit_a, actor=world.alice)
    actions.project_update(actor=world.alice, project=project, contract_value=value, now=at(date(2022, 12, 20)))
    due = [date(2023, 1, 31) + timedelta(days=30 * i) for i in range(parts)]
    if value < parts:
        with pytest.raises(ValidationError, match="งวดไม่ได้"):
            actions.instalments_split(actor=world.alice, project=project, due_dates=due, now=at(date(2022, 12, 21)))
        return
    made = actions.instalments_split(actor=world.alice, project=project, due_dates=due, now=at(date(2022, 12, 21)))
    amounts = [i.amount for i in made]
    assert sum(amounts) == value and max(amounts) - min(amounts) <= 1
    assert [i.seq for i in made] == list(range(1, parts + 1))


def test_instalments_may_reach_the_contract_value_but_not_one_satang_more(world):
    project = make_project(unit=world.unit_a, actor=world.alice)
    actions.project_update(actor=world.alice, project=project, contract_value=1_000_000_01, now=at(date(2022, 12, 20)))
    now = at(date(2022, 12, 21))
    actions.instalment_add(actor=world.alice, project=project, deliverable="งวด 1", due_date=date(2023, 2, 1),
                           amount=600_000_00, now=now)
    with pytest.raises(ValidationError, match="1,000,000.02"):
        actions.instalment_add(actor=world.alice, project=project, deliverable="งวด 2", due_date=date(2023, 3, 1),
                               amount=400_000_02, now=now)
    actions.instalment_add(actor=world.alice, project=project, deliverable="งวด 2", due_date=date(2023, 3, 1),
                           amount=400_000_01, now=now)
    assert sum(Instalment.objects.filter(project=project).values_list("amount", flat=True)) == 1_000_000_01


@pytest.mark.usefixtures("english")
def test_an_instalment_is_paid_on_or_after_its_acceptance_and_not_in_the_future(world):
    project = make_project(unit=world.unit_a, actor=world.alice)
    item = actions.instalment_add(actor=world.alice, project=project, deliverable="งวด 1", due_date=date(2023, 2, 1),
                                  amount=100_000_00, now=at(date(2022, 12, 21)))
    args = {"actor": world.alice, "instalment": item, "deliverable": "งวด 1", "due_date": date(2023, 2, 1),
            "amount": 100_000_00, "now": at(date(2023, 2, 10))}
    with pytest.raises(ValidationError, match="on or after its acceptance"):
        actions.instalment_update(**args, accepted_on=date(2023, 2, 6), paid_on=date(2023, 2, 3))
    with pytest.raises(ValidationError, match="in the future"):
        actions.instalment_update(**args, accepted_on=date(2023, 2, 6), paid_on=date(2023, 2, 13))
    done = actions.instalment_update(**args, accepted_on=date(2023, 2, 6), paid_on=date(2023, 2, 9))
    assert (done.accepted_on, done.paid_on) == (date(2023, 2, 6), date(2023, 2, 9))
    with pytest.raises(ValidationError, match="cannot be removed"):
        actions.instalment_remove(actor=world.alice, instalment=done, now=at(date(2023, 2, 10)))


# -- extra holidays and settings ---------------------------------------------------------------

@pytest.mark.usefixtures("english")
def test_an_extra_holiday_is_skipped_by_new_plans_and_warned_about_in_existing_ones(world):
    old = make_project(unit=world.unit_a, actor=world.alice, start=date(2022, 11, 1))
    day = dates(old)["tor_committee"]
    with pytest.raises(ValidationError, match="not a coordinator"):
        actions.extra_holiday_add(actor=world.alice, day=day, name="วันหยุดพิเศษ", org=world.unit_a)
    actions.extra_holiday_add(actor=world.carol, day=day, name="วันหยุดพิเศษ (มติ ครม.)", org=world.province)
    assert not queries.work_calendar(world.unit_a).is_working_day(day)
    new = make_project(unit=world.unit_a, actor=world.alice, start=date(2022, 11, 1))
    assert day not in dates(new).values()
    warnings = actions.plan_warnings(old)
    assert any(w.kind == "holiday" and w.milestone_id == "tor_committee" for w in warnings)
    with pytest.raises(ValidationError, match="already"):
        actions.extra_holiday_add(actor=world.carol, day=day, name="ซ้ำ", org=world.province)
    with pytest.raises(ValidationError, match="weekend"):
        actions.extra_holiday_add(actor=world.carol, day=date(2022, 11, 5), name="วันเสาร์", org=world.province)
    actions.extra_holiday_remove(actor=world.carol, holiday=ExtraHoliday.objects.get(day=day))
    assert queries.work_calendar(world.unit_a).is_working_day(day)


@pytest.mark.usefixtures("english")
def test_procurement_settings_are_a_coordinators_and_are_checked(world):
    scheme = scheme_create(actor=world.carol, code="pts-settings", name="PTS", kind="province",
                           fiscal_year=make_fiscal_year(2566), coordinator_org=world.province, units=[world.unit_a],
                           as_of_day=15, deadline_day=20)
    with pytest.raises(ValidationError, match="not a coordinator"):
        actions.procurement_settings_set(actor=world.alice, scheme=scheme, deadline_schemes=["doh-2566"])
    with pytest.raises(ValidationError, match="unknown deadline sets doh-2599"):
        actions.procurement_settings_set(actor=world.carol, scheme=scheme, deadline_schemes=["doh-2599"])
    with pytest.raises(ValidationError, match="bad deadline scheme"):
        actions.procurement_settings_set(actor=world.carol, scheme=scheme, deadline_schemes=[], custom_deadlines="[x")
    saved = actions.procurement_settings_set(actor=world.carol, scheme=scheme, deadline_schemes=["doh-2566"],
                                             plan_deadline=date(2022, 10, 31))
    assert saved.scheme == scheme and AuditEvent.objects.filter(action="procurement.settings_set").exists()
    scheme.refresh_from_db()
    assert scheme.deadline_sets == ["doh-2566"]  # a provincial scheme may knowingly adopt the department's
    assert AuditEvent.objects.filter(action="scheme.deadline_sets").exists()
