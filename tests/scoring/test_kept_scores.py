"""What a process keeps between two scorings of a scheme: the ledger's sums and each unit's results.

These tests commit their data (transactional_db): the sums are kept only for committed movements.
Each compares the kept path with a recomputation from nothing, after every kind of change.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction

from pts.budget.models import Movement
from pts.scoring import ledger, queries
from tests.factories import make_allocation
from tests.scoring.test_scores_from_ledger import MB, make_scheme, pay

AS_OF = date(2023, 2, 28)


@pytest.fixture
def committed(transactional_db, world):
    ledger.forget()
    queries.forget()
    scheme = make_scheme(world)
    make_allocation(unit=world.unit_a, amount=MB)
    make_allocation(unit=world.unit_b, amount=2 * MB)
    pay(world.unit_a, 300_000_00, date(2022, 10, 20))
    pay(world.unit_b, 100_000_00, date(2022, 11, 20))
    yield scheme
    ledger.forget()
    queries.forget()


def scores(scheme, **kwargs):
    return [(r.unit, r.round, r.total, {k: i.score for k, i in r.items.items()})
            for r in queries.score_scheme(scheme=scheme, as_of=AS_OF, explain=(), **kwargs)]


def from_nothing(scheme):
    ledger.forget()
    queries.forget()
    return scores(scheme)


def test_scoring_again_keeps_the_sums_and_reads_only_new_movements(committed, world):
    first = scores(committed)
    fold = next(iter(ledger._FOLDS.values()))
    assert fold.count == Movement.objects.count()
    pay(world.unit_b, 1_500_000_00, date(2022, 12, 5))
    second = scores(committed)
    assert fold.count == Movement.objects.count()  # the same fold, brought up to date
    assert second != first
    assert second == from_nothing(committed)


def test_a_unit_whose_inputs_did_not_change_keeps_its_results_and_a_changed_one_is_scored_again(committed, world):
    scores(committed)
    kept = queries._SCORED[next(iter(queries._SCORED))][1]
    a_before, b_before = kept["AG-A"], kept["AG-B"]
    pay(world.unit_b, 1_500_000_00, date(2022, 12, 5))
    scores(committed)
    kept = queries._SCORED[next(iter(queries._SCORED))][1]
    assert kept["AG-A"] is a_before
    assert kept["AG-B"] is not b_before


def test_a_backdated_movement_lands_in_its_own_month(committed, world):
    scores(committed)
    pay(world.unit_a, 200_000_00, date(2022, 10, 25))  # entered today, dated in October
    data = {u.code: u for u in queries.build_inputs(scheme=committed, as_of=AS_OF)}
    october = next(iter(data["AG-A"].months))
    assert data["AG-A"].months[october]["operating"].disbursed == 500_000_00
    assert scores(committed) == from_nothing(committed)


def test_a_vanished_movement_makes_the_process_read_everything_again(committed, world):
    scores(committed)
    fold = next(iter(ledger._FOLDS.values()))
    lock = fold.lock
    Movement.objects.filter(unit=world.unit_a, kind="disbursement").delete()  # never done by the product
    again = scores(committed)
    assert fold.count == Movement.objects.count()  # read again from the start ...
    assert fold.lock is lock  # ... under the same lock other threads may be waiting on
    assert again == from_nothing(committed)


def test_a_movement_committed_late_under_a_lower_id_is_noticed(committed, world):
    scores(committed)
    fold = next(iter(ledger._FOLDS.values()))
    late = pay(world.unit_b, 1_500_000_00, date(2022, 12, 5))
    # as if the watermark had already passed the new id while its transaction was still open
    fold.watermark = Movement.objects.latest("id").pk
    assert late.pk <= fold.watermark
    assert scores(committed) == from_nothing(committed)


def test_inside_a_transaction_nothing_is_kept_so_a_rollback_leaves_no_trace(committed, world):
    before = scores(committed)
    ledger.forget()
    with pytest.raises(RuntimeError), transaction.atomic():
        pay(world.unit_b, 1_800_000_00, date(2022, 10, 26))
        inside = scores(committed)
        assert inside != before  # the transaction sees its own movements
        assert not ledger._FOLDS  # ... and nothing of them is kept
        raise RuntimeError("roll back")
    assert scores(committed) == before == from_nothing(committed)


def test_a_changed_denominator_or_calendar_is_a_different_set_of_sums(committed, world):
    current = scores(committed)
    committed.denominator = "original"
    committed.as_of_day = 15
    committed.save()
    assert scores(committed) == from_nothing(committed)
    assert len(ledger._FOLDS) == 1
    committed.denominator, committed.as_of_day = "current", None
    committed.save()
    assert scores(committed) == current


def test_a_scheme_without_units_scores_nothing_inside_a_transaction_and_out(committed, world):
    committed.units.clear()
    assert scores(committed) == []
    with transaction.atomic():
        assert scores(committed) == []
