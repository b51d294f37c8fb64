"""What the database itself enforces about the ledger: append-only movements and audit rows,
statuses and categories only from their choices, and summary tables kept by triggers that
`pts ledger-check` recomputes from the movements."""

from __future__ import annotations

import argparse
from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from pts.audit.models import AuditEvent
from pts.budget import rollup
from pts.budget.actions import allocation_transfer, commitment_record, disbursement_record
from pts.budget.models import LedgerMonth, LedgerStamp, Movement, MovementKind
from pts.budget.queries import Figures, figures_by_unit_category
from pts.core.appendonly import rewrite_allowed
from pts.reporting.models import MonthlyReport
from pts.scoring import checks
from tests.factories import ledger_admin, make_allocation

MB = 1_000_000_00


@pytest.fixture
def ledger(world):
    make_allocation(unit=world.unit_a, amount=MB)
    make_allocation(unit=world.unit_b, amount=2 * MB, category="capital")
    admin = ledger_admin()
    commitment_record(actor=admin, fiscal_year=2566, unit=world.unit_a, category="operating", amount=200_000_00,
                      effective_date=date(2022, 11, 3), commitment_type="po", document_ref="PO-1")
    disbursement_record(actor=admin, fiscal_year=2566, unit=world.unit_a, category="operating",
                        amount=150_000_00, effective_date=date(2022, 12, 5), settles_commitment=True)
    disbursement_record(actor=admin, fiscal_year=2566, unit=world.unit_b, category="capital",
                        amount=50_000_00, effective_date=date(2023, 1, 15))
    allocation_transfer(actor=admin, fiscal_year=2566, from_unit=world.unit_b, to_unit=world.unit_a,
                        category="capital", amount=100_000_00, effective_date=date(2023, 1, 20))
    return world


def refused(action):
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        action()
    return str(caught.value)


def test_a_movement_cannot_be_updated_or_deleted(ledger):
    movement = Movement.objects.filter(kind=MovementKind.DISBURSEMENT).first()
    assert "append-only" in refused(lambda: Movement.objects.filter(pk=movement.pk).update(amount=1))
    movement.amount = 1
    assert "append-only" in refused(lambda: movement.save())
    assert "append-only" in refused(lambda: Movement.objects.filter(pk=movement.pk).delete())
    assert Movement.objects.get(pk=movement.pk).amount == 150_000_00


def test_an_audit_row_cannot_be_updated_or_deleted(ledger):
    event = AuditEvent.objects.first()
    assert "append-only" in refused(lambda: AuditEvent.objects.filter(pk=event.pk).update(note="rewritten"))
    assert "append-only" in refused(lambda: AuditEvent.objects.filter(pk=event.pk).delete())
    assert AuditEvent.objects.get(pk=event.pk).note == event.note


def test_the_raw_sql_of_an_update_is_refused_too(ledger):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE budget_movement SET amount = amount + 1")


def test_kinds_categories_and_states_outside_their_choices_are_refused(ledger):
    base = Movement.objects.filter(kind=MovementKind.ALLOCATION).first()

    def insert(**changes):
        values = {f.attname: getattr(base, f.attname) for f in Movement._meta.concrete_fields if f.attname != "id"}
        values.update(changes, request_key=None)
        Movement.objects.bulk_create([Movement(**values)])

    assert "movement_kind_valid" in refused(lambda: insert(kind="gift"))
    assert "movement_category_valid" in refused(lambda: insert(category="misc"))
    report = MonthlyReport.objects.first()
    if report is not None:
        assert "report_state_valid" in refused(lambda: MonthlyReport.objects.filter(pk=report.pk).update(state="??"))


def _cumulative(unit_id, category):
    rows = LedgerMonth.objects.filter(unit_id=unit_id, category=category)
    parts = {c: sum(getattr(r, c) for r in rows) for c in rollup.COLUMNS}
    return Figures.of(**parts)


def test_the_monthly_sums_give_the_same_figures_as_the_movements(ledger):
    by_pair = figures_by_unit_category(fiscal_year=2566, as_of=date(2023, 9, 30))
    assert by_pair
    for (unit_id, category), figures in by_pair.items():
        assert _cumulative(unit_id, category) == figures
    stamps = dict(LedgerStamp.objects.values_list("unit_id", "movements"))
    assert stamps == {ledger.unit_a.pk: Movement.objects.filter(unit=ledger.unit_a).count(),
                      ledger.unit_b.pk: Movement.objects.filter(unit=ledger.unit_b).count()}
    assert rollup.differences() == ([], 0)


def test_a_bulk_insert_keeps_the_sums(ledger):
    base = Movement.objects.filter(kind=MovementKind.DISBURSEMENT, unit=ledger.unit_b).first()
    values = {f.attname: getattr(base, f.attname) for f in Movement._meta.concrete_fields if f.attname != "id"}
    Movement.objects.bulk_create([Movement(**{**values, "amount": 100 + i, "effective_date": date(2023, 2, 1 + i % 28)})
                                  for i in range(500)], batch_size=200)
    assert rollup.differences() == ([], 0)
    assert _cumulative(ledger.unit_b.pk, "capital").disbursed == 50_000_00 + sum(100 + i for i in range(500))


def run_check(*flags):
    parser = argparse.ArgumentParser()
    checks.add_arguments(parser)
    return checks.run(parser.parse_args(list(flags)))


def test_ledger_check_passes_on_a_sound_ledger(ledger, capsys):
    assert run_check() == 0
    assert "match the movements" in capsys.readouterr().out


def test_ledger_check_finds_a_planted_difference_and_repairs_it(ledger, capsys):
    victim = Movement.objects.filter(kind=MovementKind.DISBURSEMENT, unit=ledger.unit_b).first()
    with rewrite_allowed():
        Movement.objects.filter(pk=victim.pk).delete()  # what the product can never do
    assert run_check() == 1
    out = capsys.readouterr()
    assert "budget_ledgermonth" in out.out and "budget_ledgerstamp" in out.out
    assert "difference(s) found" in out.err
    assert run_check("--repair") == 1
    capsys.readouterr()
    assert run_check() == 0


def test_ledger_check_finds_a_summary_row_changed_behind_the_triggers(ledger, capsys):
    LedgerMonth.objects.filter(unit=ledger.unit_a, category="operating").update(disbursed=1)
    assert run_check("--no-scores") == 1
    assert "budget_ledgermonth" in capsys.readouterr().out
