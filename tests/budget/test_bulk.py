"""Bulk batches: a million lines written unseen in short transactions, then committed in one."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from pts.budget import bulk, rollup
from pts.budget.models import BatchState, FiscalYear, LedgerBatch, LedgerMonth, Movement
from pts.budget.queries import figures_by_unit_category
from tests.factories import ledger_admin, make_allocation

pytestmark = pytest.mark.django_db(transaction=True)


def _lines(world, n=50):
    for i in range(n):
        unit = world.unit_a if i % 2 else world.unit_b
        yield bulk.Line(unit_id=unit.pk, category="operating", kind="disbursement", amount=100 + i,
                        effective_date=date(2022, 10 + i % 3, 1 + i % 28), document_ref=f"D{i}")


def _figures(world):
    fy = FiscalYear.objects.get(be_year=2566)
    return figures_by_unit_category(fiscal_year=fy, as_of=date(2023, 9, 30))


def test_a_pending_batch_is_invisible_and_its_commit_shows_all_of_it(world):
    make_allocation(unit=world.unit_a, amount=10_000_00)
    make_allocation(unit=world.unit_b, amount=10_000_00)
    admin = ledger_admin()
    fy = FiscalYear.objects.get(be_year=2566)
    before = _figures(world)
    batch = bulk.open_batch(fy, "test")
    seen = []
    written = bulk.write(batch, _lines(world), actor_id=admin.pk, chunk=7, progress=seen.append)
    assert written == 50 and seen[-1] == 50 and len(seen) == 8
    assert Movement.with_pending.filter(batch=batch).count() == 50
    assert not Movement.objects.filter(batch=batch).exists()
    assert _figures(world) == before
    assert rollup.differences()[1] == 0

    bulk.commit(batch)
    batch.refresh_from_db()
    assert batch.state == BatchState.COMMITTED and batch.commit_seq == 1
    assert Movement.objects.filter(batch=batch).count() == 50
    assert rollup.differences()[1] == 0
    after = _figures(world)
    disbursed = sum(f.disbursed for f in after.values()) - sum(f.disbursed for f in before.values())
    assert disbursed == sum(100 + i for i in range(50))

    undo = bulk.reverse(batch, actor_id=admin.pk, purpose="undo")
    assert _figures(world) == after  # the undo is pending: nothing changed yet
    bulk.commit(undo)
    assert _figures(world) == before
    assert rollup.differences()[1] == 0
    assert Movement.objects.filter(reverses__batch=batch).count() == 50


def test_a_committed_batch_takes_no_more_rows_and_an_abandoned_one_leaves_nothing(world):
    admin = ledger_admin()
    fy = FiscalYear.objects.get(be_year=2566)
    batch = bulk.open_batch(fy, "test")
    bulk.write(batch, _lines(world, 5), actor_id=admin.pk)
    bulk.commit(batch)
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.write(_pending_copy(batch), _lines(world, 1), actor_id=admin.pk)
    other = bulk.open_batch(fy, "other")
    bulk.write(other, _lines(world, 30), actor_id=admin.pk, chunk=4)
    assert bulk.abandon(other) == 30
    assert not Movement.with_pending.filter(batch=other).exists()
    assert rollup.differences()[1] == 0
    with pytest.raises(ValueError):
        bulk.abandon(batch)


def _pending_copy(batch):
    """The committed batch as a stale writer still believes it to be (pending)."""
    stale = LedgerBatch.objects.get(pk=batch.pk)
    stale.state = BatchState.PENDING
    return stale


def test_a_raw_insert_into_a_committed_batch_is_refused_by_the_database(world):
    admin = ledger_admin()
    fy = FiscalYear.objects.get(be_year=2566)
    batch = bulk.open_batch(fy, "test")
    bulk.write(batch, _lines(world, 2), actor_id=admin.pk)
    bulk.commit(batch)
    months = LedgerMonth.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO budget_movement (category, kind, amount, effective_date, document_ref, commitment_type, "
            "settles_commitment, note, created_at, actor_id, fiscal_year_id, unit_id, batch_id) VALUES "
            "('operating', 'disbursement', 5, '2022-11-01', '', '', false, '', '2022-11-01 00:00:00', %s, %s, %s, %s)",
            [admin.pk, fy.pk, world.unit_a.pk, batch.pk])
    assert LedgerMonth.objects.count() == months
    assert rollup.differences()[1] == 0
