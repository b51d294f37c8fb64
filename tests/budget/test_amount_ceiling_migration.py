"""The amount ceiling's migration on a database already holding amounts beyond it: it does not
fail, keeps those rows as they are, and from then on the database refuses new ones."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from pts.budget.models import FiscalYear, LedgerMonth, Movement
from tests.factories import ledger_admin, make_allocation

QUADRILLION_BAHT = 1_000_000_000_000_000_00
BEFORE = [("budget", "0005_ledger_rollup_and_constraints")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_rows_beyond_the_ceiling_and_refuses_new_ones(world):
    allocation = make_allocation(unit=world.unit_a, amount=1000_00)
    fy = FiscalYear.objects.get(be_year=2566)
    migrate(BEFORE)
    try:
        with connection.cursor() as cursor:  # what a coordinator could store before
            cursor.execute(
                "INSERT INTO budget_movement (fiscal_year_id, unit_id, category, kind, amount, effective_date, "
                "document_ref, commitment_type, settles_commitment, note, actor_id, created_at) "
                "VALUES (%s, %s, 'operating', 'allocation', %s, %s, 'BIG', '', %s, '', %s, %s)",
                [fy.pk, world.unit_a.pk, QUADRILLION_BAHT, date(2022, 11, 1), False, ledger_admin().pk,
                 "2022-11-01 00:00:00+00:00"])
    finally:
        migrate(latest())
    big = Movement.objects.get(document_ref="BIG")
    assert big.amount == QUADRILLION_BAHT  # kept as it was
    assert Movement.objects.get(pk=allocation.pk).amount == 1000_00
    with pytest.raises(IntegrityError), transaction.atomic():  # new rows beyond the limit are refused
        Movement.objects.create(fiscal_year=fy, unit=world.unit_a, category="operating", kind="allocation",
                                amount=QUADRILLION_BAHT, effective_date=date(2022, 11, 2), actor=ledger_admin())
    # the rebuilt table kept its triggers: monthly sums follow an insert, rows stay append-only
    make_allocation(unit=world.unit_a, amount=5_00, effective_date=date(2022, 11, 3))
    november = LedgerMonth.objects.get(unit=world.unit_a, category="operating", month=date(2022, 11, 1))
    assert november.allocated_original == QUADRILLION_BAHT + 5_00
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        Movement.objects.filter(pk=big.pk).delete()
