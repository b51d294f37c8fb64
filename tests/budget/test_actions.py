"""Ledger actions: every one adds up to the satang, refusals change nothing, audit rows are written."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from pts.audit.models import AuditEvent
from pts.budget import actions
from pts.budget.models import FiscalYear, Movement, MovementKind, ReservationForm, ReservationStatus
from pts.budget.queries import ZERO, Figures, unit_figures
from pts.organisations.models import OrgKind, Role
from tests.factories import make_allocation, make_fiscal_year, make_org, make_user
from tests.lang import in_both

pytestmark = pytest.mark.django_db

OCT3, NOV1, DEC1, YEAR_END = date(2022, 10, 3), date(2022, 11, 1), date(2022, 12, 1), date(2023, 9, 30)


def figs(unit, category="operating", as_of=YEAR_END, year=2566) -> Figures:
    return unit_figures(fiscal_year=year, unit=unit, as_of=as_of, include_subtree=False).get(category, ZERO)


def counts() -> tuple[int, int, int]:
    return Movement.objects.count(), AuditEvent.objects.count(), ReservationForm.objects.count()


def assert_refused(call, field: str, *fragments: str) -> ValidationError:
    """The call raises a ValidationError on `field` naming the fragments, and nothing is written."""
    before = counts()
    with pytest.raises(ValidationError) as exc:
        call()
    assert field in exc.value.message_dict, exc.value.message_dict
    # in the interface language, one at a time: Thai by default, English on an English page
    message = in_both(lambda: " ".join(exc.value.message_dict[field]))
    for fragment in fragments:
        assert fragment in message, message
    assert counts() == before
    return exc.value


# -- allocations, transfers, pull-backs --------------------------------------------------------

def test_an_allocation_adds_up_to_the_satang(world):
    make_allocation(unit=world.unit_a, amount=1_234_567_89, actor=world.carol)
    make_allocation(unit=world.unit_a, amount=1, actor=world.carol)
    f = figs(world.unit_a)
    assert f.allocated_original == f.current_allocation == f.remaining == 1_234_567_90
    assert f.disbursement_rate() == 0 and f.spending_rate() == 0


def test_an_allocation_writes_one_audit_row_with_the_balances_before_and_after(world):
    make_allocation(unit=world.unit_a, amount=500_00, actor=world.carol)
    before = AuditEvent.objects.count()
    movement = actions.allocation_record(actor=world.carol, fiscal_year=2566, unit=world.unit_a, category="operating",
                                         amount=250_25, effective_date=date(2022, 11, 17), document_ref="จด.1")
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.unit, event.fiscal_year, event.period) == (
        "ledger.allocation", world.unit_a, 2566, date(2022, 11, 1))
    assert event.actor == world.carol and event.object_id == str(movement.pk)
    key = f"2566/{world.unit_a.code}/operating"
    assert event.before["balances"][key]["current_allocation"] == 500_00
    assert event.after["balances"][key]["current_allocation"] == 750_25
    assert event.after["movements"][0]["amount"] == 250_25


def test_a_transfer_moves_exactly_the_amount_and_conserves_the_total(world):
    make_allocation(unit=world.unit_a, amount=1000_00, actor=world.carol)
    out, into = actions.allocation_transfer(
        actor=world.carol, fiscal_year=2566, from_unit=world.unit_a, to_unit=world.unit_b, category="operating",
        amount=333_33, effective_date=NOV1)
    assert out.group == into.group and out.group is not None
    assert (out.kind, into.kind) == (MovementKind.TRANSFER_OUT, MovementKind.TRANSFER_IN)
    a, b = figs(world.unit_a), figs(world.unit_b)
    assert (a.current_allocation, a.transfers_out, b.current_allocation, b.transfers_in) == (666_67, 333_33, 333_33, 333_33)
    assert a.allocated_original == 1000_00 and b.allocated_original == 0
    assert a.current_allocation + b.current_allocation == 1000_00
    assert AuditEvent.objects.filter(action="ledger.transfer").count() == 1


def test_a_transfer_between_two_categories_of_one_unit_is_allowed(world):
    make_allocation(unit=world.unit_a, amount=1000_00, actor=world.carol)
    actions.allocation_transfer(actor=world.carol, fiscal_year=2566, from_unit=world.unit_a, to_unit=world.unit_a,
                                category="operating", to_category="capital", amount=400_00, effective_date=NOV1)
    assert figs(world.unit_a).current_allocation == 600_00
    assert figs(world.unit_a, "capital").current_allocation == 400_00


def test_it_refuses_a_transfer_to_itself(world):
    make_allocation(unit=world.unit_a, amount=1000_00, actor=world.carol)
    assert_refused(lambda: actions.allocation_transfer(
        actor=world.carol, fiscal_year=2566, from_unit=world.unit_a, to_unit=world.unit_a, category="operating",
        amount=1_00, effective_date=NOV1), "to_unit", world.unit_a.code)


def test_it_refuses_a_transfer_above_the_remaining_balance(world):
    make_allocation(unit=world.unit_a, amount=1000_00, actor=world.carol)
    actions.disbursement_record(actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="operating",
                                amount=600_00, effective_date=NOV1)
    assert_refused(lambda: actions.allocation_transfer(
        actor=world.carol, fiscal_year=2566, from_unit=world.unit_a, to_unit=world.unit_b, category="operating",
        amount=400_01, effective_date=DEC1), "amount", "400.01", "400.00")
    actions.allocation_transfer(actor=world.carol, fiscal_year=2566, from_unit=world.unit_a, to_unit=world.unit_b,
                                category="operating", amount=400_00, effective_date=DEC1)
    assert figs(world.unit_a).remaining == 0


def test_it_refuses_a_back_dated_transfer_that_would_leave_a_later_day_overspent(world):
    make_allocation(unit=world.unit_a, amount=100_00, actor=world.carol)
    actions.disbursement_record(actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="operating",
                                amount=100_00, effective_date=DEC1)
    # On 1 November the whole 100.00 looked free, but it is paid out on 1 December.
    assert_refused(lambda: actions.allocation_transfer(
        actor=world.carol, fiscal_year=2566, from_unit=world.unit_a, to_unit=world.unit_b, category="operating",
        amount=50_00, effective_date=NOV1), "amount", "0.00")


def test_a_pullback_moves_money_to_the_centre_and_conserves_the_total(world):
    make_allocation(unit=world.unit_a, amount=1000_00, actor=world.carol)
    out, into = actions.allocation_pullback(
        actor=world.carol, fiscal_year=2566, unit=world.unit_a, centre=world.province, category="operating",
        amount=123_45, effective_date=DEC1, note="ไม่เป็นไปตามเป้า")
    assert out.group == into.group and into.unit == world.province
    a, centre = figs(world.unit_a), figs(world.province)
    assert (a.pulled_back, a.current_allocation) == (123_45, 876_55)
    assert (centre.received_pullbacks, centre.current_allocation) == (123_45, 123_45)
    total = unit_figures(fiscal_year=2566, unit=world.province, as_of=YEAR_END)["total"]
    assert total.current_allocation == 1000_00


def test_the_centre_passes_pulled_back_money_on_by_transfer(world):
    make_allocation(unit=world.unit_a, amount=1000_00, actor=world.carol)
    actions.allocation_pullback(actor=world.carol, fiscal_year=2566, unit=world.unit_a, centre=world.province,
                                category="operating", amount=300_00, effective_date=DEC1)
    actions.allocation_transfer(actor=world.carol, fiscal_year=2566, from_unit=world.province, to_unit=world.unit_b,
                                category="operating", amount=300_00, effective_date=DEC1)
    assert figs(world.province).current_allocation == 0
    assert figs(world.unit_b).current_allocation == 300_00


def test_it_refuses_a_pullback_to_an_org_that_is_not_above_the_unit(world):
    make_allocation(unit=world.unit_a, amount=1000_00, actor=world.carol)
    assert_refused(lambda: actions.allocation_pullback(
        actor=world.carol, fiscal_year=2566, unit=world.unit_a, centre=world.unit_b, category="operating",
        amount=1_00, effective_date=DEC1), "centre", world.unit_b.code)


# -- refusals that change nothing -------------------------------------------------------------

@pytest.mark.parametrize(("amount", "field", "fragment"), [
    (0, "amount", "0.00"),
    (-5_00, "amount", "-5.00"),
    ("12a", "amount", "12a"),
])
def test_it_refuses_a_bad_amount_and_names_it(world, amount, field, fragment):
    assert_refused(lambda: actions.allocation_record(
        actor=world.carol, fiscal_year=2566, unit=world.unit_a, category="operating", amount=amount,
        effective_date=OCT3), field, fragment)


@pytest.mark.usefixtures("english")
def test_it_refuses_a_date_outside_the_fiscal_year(world):
    assert_refused(lambda: actions.allocation_record(
        actor=world.carol, fiscal_year=2566, unit=world.unit_a, category="operating", amount=1_00,
        effective_date=date(2023, 10, 1)), "effective_date", "1 Oct 2023", "2566")


def test_it_refuses_any_movement_in_a_closed_year(world):
    make_allocation(unit=world.unit_a, amount=1000_00, actor=world.carol)
    FiscalYear.objects.filter(be_year=2566).update(is_closed=True)
    assert_refused(lambda: actions.disbursement_record(
        actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="operating", amount=1_00,
        effective_date=NOV1), "fiscal_year", "2566")


def test_it_refuses_an_unknown_category(world):
    assert_refused(lambda: actions.allocation_record(
        actor=world.carol, fiscal_year=2566, unit=world.unit_a, category="travel", amount=1_00,
        effective_date=OCT3), "category", "travel")


def test_it_refuses_an_inactive_unit(world):
    world.unit_a.is_active = False
    world.unit_a.save()
    assert_refused(lambda: actions.allocation_record(
        actor=world.carol, fiscal_year=2566, unit=world.unit_a, category="operating", amount=1_00,
        effective_date=OCT3), "unit", world.unit_a.code)


def test_a_province_cannot_spend(world):
    assert_refused(lambda: actions.disbursement_record(
        actor=world.carol, fiscal_year=2566, unit=world.province, category="operating", amount=1_00,
        effective_date=OCT3), "unit", world.province.code)


def test_an_officer_cannot_allocate_and_bob_cannot_touch_a(world):
    assert_refused(lambda: actions.allocation_record(
        actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="operating", amount=1_00,
        effective_date=OCT3), NON_FIELD_ERRORS, "alice", world.unit_a.code)
    make_allocation(unit=world.unit_a, amount=1000_00, actor=world.carol)
    assert_refused(lambda: actions.disbursement_record(
        actor=world.bob, fiscal_year=2566, unit=world.unit_a, category="operating", amount=1_00,
        effective_date=NOV1), NON_FIELD_ERRORS, "bob")
    assert_refused(lambda: actions.disbursement_record(
        actor=world.erin, fiscal_year=2566, unit=world.unit_a, category="operating", amount=1_00,
        effective_date=NOV1), NON_FIELD_ERRORS, "erin")


# -- reservations ------------------------------------------------------------------------------

def _reserve(world, amount=200_00, number="R-001"):
    return actions.reservation_create(
        actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="operating", number=number,
        requester="นางสาวทดสอบ", amount=amount, requested_on=NOV1, purpose="อบรม")


def test_a_reservation_earmarks_money_and_its_commitment_releases_it(world):
    make_allocation(unit=world.unit_a, amount=1000_00, actor=world.carol)
    form = _reserve(world, 200_00)
    f = figs(world.unit_a)
    assert (f.reserved, f.remaining, f.spent) == (200_00, 800_00, 0)
    commitment = actions.reservation_commit(actor=world.alice, reservation=form, effective_date=DEC1,
                                            document_ref="PO-1")
    form.refresh_from_db()
    assert form.status == ReservationStatus.COMMITTED and commitment.amount == 200_00
    f = figs(world.unit_a)
    assert (f.reserved, f.committed_outstanding, f.remaining, f.spent) == (0, 200_00, 800_00, 200_00)
    # As of the day before the commitment the money was still only reserved.
    assert figs(world.unit_a, as_of=date(2022, 11, 30)).reserved == 200_00
    assert AuditEvent.objects.filter(action="ledger.reservation_commit", before__status="open",
                                     after__status="committed").count() == 1


def test_committing_less_than_reserved_frees_the_rest_and_more_needs_available_money(world):
    make_allocation(unit=world.unit_a, amount=1000_00, actor=world.carol)
    small, large = _reserve(world, 200_00, "R-1"), _reserve(world, 300_00, "R-2")
    actions.reservation_commit(actor=world.alice, reservation=small, effective_date=DEC1, document_ref="PO-1",
                               amount=150_50)
    assert figs(world.unit_a).remaining == 1000_00 - 150_50 - 300_00
    assert_refused(lambda: actions.reservation_commit(
        actor=world.alice, reservation=large, effective_date=DEC1, document_ref="PO-2", amount=300_00 + 549_51),
        "amount", "549.51", "549.50")
    actions.reservation_commit(actor=world.alice, reservation=large, effective_date=DEC1, document_ref="PO-2",
                               amount=300_00 + 549_50)
    assert figs(world.unit_a).remaining == 0


def test_a_cancelled_reservation_gives_its_money_back(world):
    make_allocation(unit=world.unit_a, amount=1000_00, actor=world.carol)
    form = _reserve(world)
    actions.reservation_cancel(actor=world.alice, reservation=form, effective_date=DEC1, note="ยกเลิก")
    form.refresh_from_db()
    assert form.status == ReservationStatus.CANCELLED
    assert (figs(world.unit_a).reserved, figs(world.unit_a).remaining) == (0, 1000_00)
    assert_refused(lambda: actions.reservation_commit(actor=world.alice, reservation=form, effective_date=DEC1,
                                                      document_ref="PO"), "reservation", "R-001")


def test_it_refuses_a_reservation_above_the_remaining_balance_or_with_a_used_number(world):
    make_allocation(unit=world.unit_a, amount=100_00, actor=world.carol)
    assert_refused(lambda: _reserve(world, 100_01), "amount", "100.01")
    _reserve(world, 10_00)
    assert_refused(lambda: _reserve(world, 10_00), "number", "R-001")


# -- commitments, disbursements ---------------------------------------------------------------

def test_commitments_and_settling_disbursements_add_up_to_the_satang(world):
    make_allocation(unit=world.unit_a, amount=1000_00, category="capital", actor=world.carol)
    actions.commitment_record(actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="capital",
                              amount=600_01, effective_date=NOV1, document_ref="PO-9")
    actions.disbursement_record(actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="capital",
                                amount=200_00, effective_date=DEC1, settles_commitment=True)
    actions.disbursement_record(actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="capital",
                                amount=99_99, effective_date=DEC1)
    f = figs(world.unit_a, "capital")
    assert f.committed_total == 600_01
    assert f.committed_outstanding == 400_01
    assert f.disbursed == 299_99
    assert f.spent == 700_00
    assert f.remaining == 1000_00 - 299_99 - 400_01 == 300_00
    assert AuditEvent.objects.filter(action="ledger.commitment").count() == 1
    assert AuditEvent.objects.filter(action="ledger.disbursement").count() == 2


@pytest.mark.usefixtures("english")
def test_it_refuses_a_settling_disbursement_above_the_outstanding_commitment(world):
    make_allocation(unit=world.unit_a, amount=1000_00, actor=world.carol)
    actions.commitment_record(actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="operating",
                              amount=100_00, effective_date=NOV1, document_ref="PO-1")
    assert_refused(lambda: actions.disbursement_record(
        actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="operating", amount=100_01,
        effective_date=DEC1, settles_commitment=True), "amount", "outstanding commitment")


@pytest.mark.usefixtures("english")
def test_a_negative_amount_is_a_correction_that_needs_a_note(world):
    make_allocation(unit=world.unit_a, amount=1000_00, actor=world.carol)
    actions.disbursement_record(actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="operating",
                                amount=300_00, effective_date=NOV1)
    assert_refused(lambda: actions.disbursement_record(
        actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="operating", amount=-50_00,
        effective_date=DEC1), "note", "-50.00")
    assert_refused(lambda: actions.disbursement_record(
        actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="operating", amount=-300_01,
        effective_date=DEC1, note="คีย์ผิด"), "amount", "disbursed amount")
    actions.disbursement_record(actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="operating",
                                amount=-50_00, effective_date=DEC1, note="คีย์ผิด")
    assert figs(world.unit_a).disbursed == 250_00


def test_a_commitment_needs_a_document_number(world):
    make_allocation(unit=world.unit_a, amount=1000_00, actor=world.carol)
    assert_refused(lambda: actions.commitment_record(
        actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="operating", amount=1_00,
        effective_date=NOV1, document_ref=" "), "document_ref")


# -- carry-over --------------------------------------------------------------------------------

@pytest.mark.usefixtures("english")
def test_carry_over_moves_the_outstanding_commitment_into_the_next_year(world):
    make_fiscal_year(2567)
    make_allocation(unit=world.unit_a, amount=1000_00, category="capital", actor=world.carol)
    actions.commitment_record(actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="capital",
                              amount=800_00, effective_date=NOV1, document_ref="CT-1")
    actions.disbursement_record(actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="capital",
                                amount=300_00, effective_date=DEC1, settles_commitment=True)
    before_old = figs(world.unit_a, "capital")
    out, into, commitment = actions.carry_over(
        actor=world.carol, from_year=2566, to_year=2567, unit=world.unit_a, category="capital", amount=500_00,
        effective_date=date(2023, 9, 20), document_ref="กันเหลื่อมปี 1")
    assert out.effective_date == date(2023, 9, 20) and into.effective_date == date(2023, 10, 1)
    assert out.group == into.group == commitment.group
    old, new = figs(world.unit_a, "capital"), figs(world.unit_a, "capital", as_of=date(2024, 9, 30), year=2567)
    assert (old.carried_over, old.committed_outstanding) == (500_00, 0)
    assert old.remaining == before_old.remaining == 200_00  # the carried money is not free again
    assert (new.allocated_original, new.committed_outstanding, new.remaining) == (500_00, 500_00, 0)
    assert_refused(lambda: actions.carry_over(
        actor=world.carol, from_year=2566, to_year=2567, unit=world.unit_a, category="capital", amount=1,
        effective_date=date(2023, 9, 30)), "amount", "outstanding commitment")


# -- reversal ----------------------------------------------------------------------------------

def test_reversing_an_allocation_restores_the_figures(world):
    make_allocation(unit=world.unit_a, amount=400_00, actor=world.carol)
    wrong = make_allocation(unit=world.unit_a, amount=123_45, actor=world.carol)
    (reversal,) = actions.movement_reverse(actor=world.carol, movement=wrong, effective_date=NOV1, reason="ผิดหน่วย")
    assert (reversal.amount, reversal.reverses, reversal.kind) == (-123_45, wrong, MovementKind.ALLOCATION)
    assert figs(world.unit_a).current_allocation == 400_00
    assert figs(world.unit_a, as_of=date(2022, 10, 31)).current_allocation == 523_45
    event = AuditEvent.objects.get(action="ledger.reverse")
    assert event.before["movements"][0]["id"] == wrong.pk and event.note == "ผิดหน่วย"


@pytest.mark.usefixtures("english")
def test_reversing_a_transfer_reverses_both_sides(world):
    make_allocation(unit=world.unit_a, amount=1000_00, actor=world.carol)
    out, into = actions.allocation_transfer(actor=world.carol, fiscal_year=2566, from_unit=world.unit_a,
                                            to_unit=world.unit_b, category="operating", amount=250_00,
                                            effective_date=NOV1)
    reversals = actions.movement_reverse(actor=world.carol, movement=into, effective_date=DEC1, reason="ยกเลิกโอน")
    assert {r.reverses_id for r in reversals} == {out.pk, into.pk} and reversals[0].reverses == into
    assert figs(world.unit_a).current_allocation == 1000_00 and figs(world.unit_b).current_allocation == 0
    assert AuditEvent.objects.filter(action="ledger.reverse").count() == 1
    assert_refused(lambda: actions.movement_reverse(actor=world.carol, movement=out, effective_date=DEC1,
                                                    reason="again"), "movement", "already")
    assert_refused(lambda: actions.movement_reverse(actor=world.carol, movement=reversals[0], effective_date=DEC1,
                                                    reason="again"), "movement", "reversal")


def test_it_refuses_to_reverse_a_transfer_the_receiver_has_already_spent(world):
    make_allocation(unit=world.unit_a, amount=1000_00, actor=world.carol)
    out, _into = actions.allocation_transfer(actor=world.carol, fiscal_year=2566, from_unit=world.unit_a,
                                             to_unit=world.unit_b, category="operating", amount=250_00,
                                             effective_date=NOV1)
    actions.disbursement_record(actor=world.bob, fiscal_year=2566, unit=world.unit_b, category="operating",
                                amount=200_00, effective_date=NOV1)
    assert_refused(lambda: actions.movement_reverse(actor=world.carol, movement=out, effective_date=DEC1,
                                                    reason="x"), "movement", world.unit_b.code, "50.00")


def test_reversing_a_carry_over_undoes_all_three_lines(world):
    make_fiscal_year(2567)
    make_allocation(unit=world.unit_a, amount=1000_00, category="capital", actor=world.carol)
    actions.commitment_record(actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="capital",
                              amount=800_00, effective_date=NOV1, document_ref="CT-1")
    out, _in, _c = actions.carry_over(actor=world.carol, from_year=2566, to_year=2567, unit=world.unit_a,
                                      category="capital", amount=800_00, effective_date=date(2023, 10, 5))
    assert out.effective_date == YEAR_END
    actions.movement_reverse(actor=world.carol, movement=out, effective_date=YEAR_END, reason="ผิด")
    new = figs(world.unit_a, "capital", as_of=date(2024, 9, 30), year=2567)
    assert new == ZERO
    assert figs(world.unit_a, "capital").committed_outstanding == 800_00


@pytest.mark.usefixtures("english")
def test_reservation_lines_are_not_reversed_but_cancelled(world):
    make_allocation(unit=world.unit_a, amount=1000_00, actor=world.carol)
    form = _reserve(world)
    line = form.movements.get()
    assert_refused(lambda: actions.movement_reverse(actor=world.carol, movement=line, effective_date=DEC1,
                                                    reason="x"), "movement", "cancel")


def test_only_a_coordinator_reverses(world):
    movement = make_allocation(unit=world.unit_a, amount=1000_00, actor=world.carol)
    assert_refused(lambda: actions.movement_reverse(actor=world.alice, movement=movement, effective_date=DEC1,
                                                    reason="x"), NON_FIELD_ERRORS, "alice")


# -- double submission -------------------------------------------------------------------------

def test_the_same_request_key_records_the_money_once(world):
    make_allocation(unit=world.unit_a, amount=1000_00, actor=world.carol)
    key = uuid.uuid4()
    first = actions.allocation_transfer(actor=world.carol, fiscal_year=2566, from_unit=world.unit_a,
                                        to_unit=world.unit_b, category="operating", amount=600_00,
                                        effective_date=NOV1, request_key=key)
    # The replay succeeds even though a second transfer of 600.00 would now be refused.
    again = actions.allocation_transfer(actor=world.carol, fiscal_year=2566, from_unit=world.unit_a,
                                        to_unit=world.unit_b, category="operating", amount=600_00,
                                        effective_date=NOV1, request_key=key)
    assert [m.pk for m in again] == [m.pk for m in first]
    assert figs(world.unit_b).current_allocation == 600_00
    assert AuditEvent.objects.filter(action="ledger.transfer").count() == 1


def test_units_below_an_agency_roll_up_into_its_figures(world):
    du = make_org(kind=OrgKind.DISBURSING_UNIT, parent=world.unit_a)
    make_user(username="du-officer", role=Role.OFFICER, org=du)
    make_allocation(unit=world.unit_a, amount=100_00, actor=world.carol)
    make_allocation(unit=du, amount=23_45, actor=world.carol)
    assert unit_figures(fiscal_year=2566, unit=world.unit_a, as_of=YEAR_END)["total"].current_allocation == 123_45
    assert unit_figures(fiscal_year=2566, unit=world.unit_a, as_of=YEAR_END,
                        include_subtree=False)["total"].current_allocation == 100_00


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_transfers_cannot_both_take_the_same_money(world):
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite's IMMEDIATE transactions serialise writers")
    make_allocation(unit=world.unit_a, amount=1000_00, actor=world.carol)
    barrier, results = threading.Barrier(2), []

    def transfer() -> None:
        try:
            barrier.wait()
            actions.allocation_transfer(actor=world.carol, fiscal_year=2566, from_unit=world.unit_a,
                                        to_unit=world.unit_b, category="operating", amount=600_00,
                                        effective_date=NOV1)
            results.append("done")
        except ValidationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=transfer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["done", "refused"]
    assert figs(world.unit_a).remaining == 400_00
