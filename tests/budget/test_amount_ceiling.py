"""One ceiling on every amount: forms, actions and the database refuse amounts beyond it, and pages
still answer when rows beyond it were stored before the ceiling existed."""

from __future__ import annotations

import argparse
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils.html import escape

from pts.audit.models import AuditEvent
from pts.budget import actions
from pts.budget.models import FiscalYear, Movement, MovementKind, ReservationForm
from pts.scoring import checks
from tests.factories import ledger_admin, make_allocation
from tests.scoring.factories import make_scheme

pytestmark = pytest.mark.django_db
AMOUNT_LIMIT_SATANG = 40_000_000_000_00  # pts.core.money.AMOUNT_LIMIT_SATANG, written out
QUADRILLION_BAHT = 1_000_000_000_000_000_00  # 1e15 baht in satang: what a coordinator could allocate
TWENTY_EIGHT_DIGITS = 1234567890123456789012345678_00  # a 500 on save before the ceiling
# what people could type: a quadrillion baht, a 28-digit amount, one satang past the ceiling
HOSTILE_TEXTS = ["1,000,000,000,000,000", "1234567890123456789012345678", "40,000,000,000.01"]
HOSTILE_SATANG = [QUADRILLION_BAHT, TWENTY_EIGHT_DIGITS, AMOUNT_LIMIT_SATANG + 1]
MAXIMUM = "40,000,000,000.00"


def plant(world, amounts, *, unit=None, kind=MovementKind.ALLOCATION, months=12):
    """Movements written before the ceiling existed: inserted with the amount CHECK out of the way."""
    unit = unit or world.unit_a
    fy = FiscalYear.objects.get(be_year=2566)
    # one category over the twelve months: each monthly sum fits 64 bits, the year's total does not
    rows = [Movement(fiscal_year=fy, unit=unit, category="operating", kind=kind, amount=a,
                     effective_date=fy.months[i % months].first_day, actor=ledger_admin())
            for i, a in enumerate(amounts)]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA ignore_check_constraints = ON")
        else:  # pending deferred foreign-key checks would block the ALTER
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE budget_movement DROP CONSTRAINT movement_amount_within_limit")
    try:
        for row in rows:  # one statement each, as a form would have saved them
            row.save()
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA ignore_check_constraints = OFF")
            else:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("ALTER TABLE budget_movement ADD CONSTRAINT movement_amount_within_limit "
                               "CHECK (amount >= -4000000000000 AND amount <= 4000000000000) NOT VALID")
    return rows



def counts() -> tuple[int, int, int]:
    return Movement.objects.count(), AuditEvent.objects.count(), ReservationForm.objects.count()


def url(name: str, **kwargs) -> str:
    return reverse(f"budget:{name}", kwargs=kwargs)


@pytest.fixture
def ledger(world):
    make_allocation(unit=world.unit_a, amount=1000_00)
    make_allocation(unit=world.unit_b, amount=500_00)
    return world


# -- forms ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", HOSTILE_TEXTS + ["-" + t for t in HOSTILE_TEXTS[:2]])
@pytest.mark.parametrize(("who", "name"), [
    ("carol", "allocate"), ("carol", "transfer"), ("carol", "pullback"), ("alice", "unit_commitment"),
    ("alice", "unit_disbursement"), ("alice", "reservation_create"),
])
def test_a_form_refuses_an_amount_beyond_the_ceiling_naming_the_field_and_the_maximum(client, ledger, who, name,
                                                                                       text):
    client.force_login(getattr(ledger, who))
    before = counts()
    data = {"category": "operating", "amount": text, "effective_date": "01/12/2565", "document_ref": "X-1",
            "commitment_type": "po", "note": "แก้ไข", "to_unit": ledger.unit_b.pk, "centre": ledger.province.pk,
            "number": "RES-9", "requester": "นายเอ", "requested_on": "01/12/2565"}
    response = client.post(url(name, unit_id=ledger.unit_a.pk, be_year=2566), data)
    assert response.status_code == 200
    message = " ".join(response.context["form"].errors["amount"])
    assert f"จำนวนเงิน (บาท): '{text}' เกินจำนวนเงินสูงสุดที่รับได้ {MAXIMUM} บาท" in message
    assert escape(message) in response.content.decode()  # shown on the page, in Thai first
    assert counts() == before


def test_a_form_takes_the_ceiling_itself_and_refuses_one_satang_more(client, ledger):
    client.force_login(ledger.carol)
    address = url("allocate", unit_id=ledger.unit_a.pk, be_year=2566)
    data = {"category": "capital", "effective_date": "15/11/2565", "document_ref": "จด.9"}
    assert client.post(address, {**data, "amount": "40,000,000,000.01"}).status_code == 200
    assert client.post(address, {**data, "amount": MAXIMUM}).status_code == 302
    assert Movement.objects.get(document_ref="จด.9").amount == AMOUNT_LIMIT_SATANG


def test_the_reservation_commit_form_refuses_an_amount_beyond_the_ceiling(client, ledger):
    form = actions.reservation_create(actor=ledger.alice, fiscal_year=2566, unit=ledger.unit_a, category="operating",
                                      number="RES-A-1", requester="นางสาวเอ", amount=50_00,
                                      requested_on=date(2022, 11, 2))
    client.force_login(ledger.alice)
    before = counts()
    response = client.post(url("reservation_commit", reservation_id=form.pk), {
        "effective_date": "10/11/2565", "document_ref": "PO-R", "commitment_type": "po",
        "amount": "1234567890123456789012345678"})
    assert response.status_code == 200
    assert MAXIMUM in " ".join(response.context["form"].errors["amount"])
    assert counts() == before


# -- actions ----------------------------------------------------------------------------------

@pytest.mark.parametrize("amount", HOSTILE_SATANG + [-QUADRILLION_BAHT, -TWENTY_EIGHT_DIGITS])
def test_every_ledger_action_refuses_an_amount_beyond_the_ceiling(ledger, amount):
    admin, day, unit = ledger_admin(), date(2022, 12, 1), ledger.unit_a
    common = {"actor": admin, "fiscal_year": 2566, "category": "operating", "amount": amount}
    calls = [
        lambda: actions.allocation_record(unit=unit, effective_date=day, **common),
        lambda: actions.allocation_transfer(from_unit=unit, to_unit=ledger.unit_b, effective_date=day, **common),
        lambda: actions.allocation_pullback(unit=unit, centre=ledger.province, effective_date=day, **common),
        lambda: actions.commitment_record(unit=unit, effective_date=day, commitment_type="po", document_ref="PO",
                                          note="แก้ไข", **common),
        lambda: actions.disbursement_record(unit=unit, effective_date=day, note="แก้ไข", **common),
        lambda: actions.reservation_create(unit=unit, number="R-1", requester="ก", requested_on=day, **common),
    ]
    before = counts()
    for call in calls:
        with pytest.raises(ValidationError) as caught:
            call()
        assert f"เกินจำนวนเงินสูงสุดที่รับได้ {MAXIMUM} บาท" in str(caught.value.message_dict["amount"])
    assert counts() == before


def test_a_lowered_ceiling_holds_in_the_actions(ledger, monkeypatch):
    monkeypatch.setenv("PTS_MAX_AMOUNT_BAHT", "100000")
    with pytest.raises(ValidationError, match="100,000.00"):
        make_allocation(unit=ledger.unit_a, amount=100_000_01)
    assert make_allocation(unit=ledger.unit_a, amount=100_000_00).amount == 100_000_00


# -- the database -----------------------------------------------------------------------------

def test_the_database_refuses_an_amount_beyond_the_limit_whatever_writes_it(ledger):
    fy = FiscalYear.objects.get(be_year=2566)
    for amount in (AMOUNT_LIMIT_SATANG + 1, -QUADRILLION_BAHT):
        with pytest.raises(IntegrityError), transaction.atomic():
            Movement.objects.create(fiscal_year=fy, unit=ledger.unit_a, category="operating", kind="allocation",
                                    amount=amount, effective_date=date(2022, 12, 1), actor=ledger_admin())
    assert not Movement.objects.filter(amount__gt=AMOUNT_LIMIT_SATANG).exists()


# -- rows stored before the ceiling -----------------------------------------------------------

@pytest.fixture
def planted(ledger):
    """A hundred quadrillion-baht allocations to unit A, stored before the ceiling: their totals
    pass 2**63 satang (a 500 on the overview, the unit's ledger and the score cards before)."""
    scheme = make_scheme(ledger, code="prov-2566", rule_set="province-pts-template", kind="province", name="PTS")
    plant(ledger, [QUADRILLION_BAHT] * 100)
    return scheme


PAGES = {
    "overview": lambda w, s: url("overview", be_year=2566),
    "unit ledger": lambda w, s: url("unit_ledger", unit_id=w.unit_a.pk, be_year=2566),
    "score card": lambda w, s: reverse("scoring:card", kwargs={"scheme": s.code, "unit_id": w.unit_a.pk}),
}


@pytest.mark.parametrize("page", PAGES)
def test_pages_still_answer_when_rows_beyond_the_ceiling_were_stored_before_it(client, ledger, planted, page):
    for who in (ledger.carol, ledger.alice, ledger.erin):
        client.force_login(who)
        assert client.get(PAGES[page](ledger, planted)).status_code == 200, who.username


def test_the_unit_total_of_rows_beyond_the_ceiling_is_exact(ledger, planted):
    from pts.budget.queries import unit_figures

    total = unit_figures(fiscal_year=2566, unit=ledger.unit_a, as_of=date(2023, 9, 30))["total"]
    assert total.current_allocation == 100 * QUADRILLION_BAHT + 1000_00  # past 2**63, to the satang


def test_a_row_beyond_the_limit_cannot_be_reversed_and_says_why(client, ledger, planted):
    row = Movement.objects.filter(amount=QUADRILLION_BAHT).first()
    before = counts()
    with pytest.raises(ValidationError, match="ledger-check"):
        actions.movement_reverse(actor=ledger_admin(), movement=row, effective_date=date(2022, 12, 1), reason="ผิด")
    assert counts() == before


def test_ledger_check_lists_the_rows_beyond_the_ceiling(ledger, planted, capsys):
    parser = argparse.ArgumentParser()
    checks.add_arguments(parser)
    code = checks.run(parser.parse_args(["--no-scores"]))
    out, err = capsys.readouterr()
    assert code == 1
    first = Movement.objects.filter(amount=QUADRILLION_BAHT).order_by("pk").first()
    assert (f"budget_movement #{first.pk} amount: 1,000,000,000,000,000.00 บาท เกินจำนวนเงินสูงสุด "
            f"{MAXIMUM} บาท") in out
    assert "พบความแตกต่าง 100 รายการ" in err


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="PostgreSQL refused such a monthly sum on insert")
def test_ledger_check_lists_them_even_when_one_monthly_sum_passed_64_bits(ledger, capsys):
    plant(ledger, [QUADRILLION_BAHT] * 100, months=1)  # SQLite made that month's sum a REAL
    parser = argparse.ArgumentParser()
    checks.add_arguments(parser)
    assert checks.run(parser.parse_args(["--no-scores"])) == 1
    out, err = capsys.readouterr()
    assert out.count("1,000,000,000,000,000.00 บาท เกินจำนวนเงินสูงสุด") == 100
