"""Scores stored in the database (`pts.scoring.snapshots`): after every kind of change, the league
read from the store equals a recomputation from nothing, and what is stored is what every worker
reads (no figure lives in a process)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.db import transaction

from pts.budget.actions import disbursement_record
from pts.core.fiscal import Month
from pts.schemes.actions import scheme_create
from pts.scoring import queries
from pts.scoring.deductions import deduction_record, deduction_withdraw
from pts.scoring.models import ScoreEntry, ScoreSet
from tests.factories import ledger_admin, make_allocation

MB = 1_000_000_00
AS_OF = date(2023, 2, 28)
RECORDED = datetime(2023, 1, 5, 10, 0, tzinfo=UTC)  # known on AS_OF


def _scheme(world, rule_set="province-pts-template", kind="province"):
    return scheme_create(actor=world.carol, code="stored-2566", name="stored", kind=kind, fiscal_year=2566,
                         coordinator_org=world.province, units=[world.unit_a, world.unit_b], rule_set=rule_set,
                         deadline_month_offset=1)


def _pay(unit, amount, day, category="operating"):
    return disbursement_record(actor=ledger_admin(), fiscal_year=2566, unit=unit, category=category,
                               amount=amount, effective_date=day)


@pytest.fixture
def scheme(world):
    scheme = _scheme(world)
    make_allocation(unit=world.unit_a, amount=MB)
    make_allocation(unit=world.unit_b, amount=2 * MB)
    _pay(world.unit_a, 300_000_00, date(2022, 10, 20))
    _pay(world.unit_b, 100_000_00, date(2022, 11, 20))
    return scheme


def scores(scheme, as_of=AS_OF):
    return sorted((r.unit, r.round, r.total, r.size_group, r.award, {k: i.score for k, i in r.items.items()})
                  for r in queries.score_scheme(scheme=scheme, as_of=as_of, explain=()))


def from_nothing(scheme, as_of=AS_OF):
    """Every unit scored afresh by the engine (the path that stores nothing)."""
    return sorted((r.unit, r.round, r.total, r.size_group, r.award, {k: i.score for k, i in r.items.items()})
                  for r in queries.score_scheme(scheme=scheme, as_of=as_of, explain=None))


def entries(scheme):
    return {(e.unit_id, e.digest) for e in ScoreEntry.objects.filter(score_set__scheme=scheme)}


def test_a_league_is_stored_and_read_back_equal(scheme, world):
    first = scores(scheme)
    assert first == from_nothing(scheme)
    assert ScoreEntry.objects.filter(score_set__scheme=scheme).count() == 2
    stored = entries(scheme)
    assert scores(scheme) == first  # read from the store ...
    assert entries(scheme) == stored  # ... without writing anything again


def test_a_payment_rescores_only_its_unit(scheme, world):
    scores(scheme)
    before = {unit_id: digest for unit_id, digest in entries(scheme)}
    _pay(world.unit_b, 1_500_000_00, date(2022, 12, 5))
    after_payment = scores(scheme)
    assert after_payment == from_nothing(scheme)
    now = {unit_id: digest for unit_id, digest in entries(scheme)}
    assert now[world.unit_a.pk] == before[world.unit_a.pk]
    assert now[world.unit_b.pk] != before[world.unit_b.pk]


def test_a_backdated_payment_lands_in_its_own_month(scheme, world):
    scores(scheme)
    _pay(world.unit_a, 200_000_00, date(2022, 10, 25))  # entered today, dated in October
    data = {u.code: u for u in queries.build_inputs(scheme=scheme, as_of=AS_OF)}
    assert data["AG-A"].months[Month(2022, 10)]["operating"].disbursed == 500_000_00
    assert scores(scheme) == from_nothing(scheme)


def test_a_rolled_back_transaction_leaves_no_stored_scores(scheme, world):
    before = scores(scheme)
    with pytest.raises(RuntimeError), transaction.atomic():
        _pay(world.unit_b, 1_800_000_00, date(2022, 10, 26))
        assert scores(scheme) != before  # the transaction sees its own payment, and stores its scores ...
        raise RuntimeError("roll back")
    assert scores(scheme) == before == from_nothing(scheme)  # ... which vanish with it


def test_recorded_deductions_and_their_withdrawal_change_the_stored_scores(scheme, world):
    _pay(world.unit_a, 600_000_00, date(2022, 11, 10))  # points to lose: 90 % disbursed by November
    clean = scores(scheme)
    assert any(r[0] == "AG-A" and r[2] > 0 for r in clean)
    event = deduction_record(actor=world.carol, scheme=scheme, unit=world.unit_a, cause="documents_returned",
                             month=Month(2022, 11), now=RECORDED)
    docked = scores(scheme)
    assert docked != clean and docked == from_nothing(scheme)
    deduction_withdraw(actor=world.carol, event=event, reason="recorded by mistake", now=RECORDED)
    assert scores(scheme) == clean == from_nothing(scheme)


def test_a_changed_denominator_or_calendar_is_another_set_of_scores(scheme, world):
    current = scores(scheme)
    scheme.denominator = "original"
    scheme.as_of_day = 15
    scheme.save()
    assert scores(scheme) == from_nothing(scheme)
    assert ScoreSet.objects.filter(scheme=scheme).count() == 2
    scheme.denominator, scheme.as_of_day = "current", None
    scheme.save()
    assert scores(scheme) == current


def test_a_unit_leaving_the_scheme_leaves_the_store(scheme, world):
    scores(scheme)
    scheme.units.remove(world.unit_b)
    assert [r[0] for r in scores(scheme)] == ["AG-A"] * len({r[1] for r in scores(scheme)})
    assert {unit_id for unit_id, _d in entries(scheme)} == {world.unit_a.pk}


def test_the_store_keeps_a_bounded_number_of_sets_per_scheme(scheme, world):
    from pts.scoring import snapshots

    for day in range(1, snapshots.KEEP + 4):
        scores(scheme, as_of=date(2023, 1, day))
    assert ScoreSet.objects.filter(scheme=scheme).count() <= snapshots.KEEP


def test_a_scheme_without_units_scores_nothing(scheme, world):
    scheme.units.clear()
    assert scores(scheme) == []


def test_a_tampered_entry_from_other_inputs_is_never_reused(scheme, world):
    scores(scheme)
    ScoreEntry.objects.filter(unit_id=world.unit_a.pk).update(digest="0" * 40, data="[]")
    assert scores(scheme) == from_nothing(scheme)


SIGN_BY_27_DEC = """
[scheme]
id = "sign-by-27-dec"
name_th = "ลงนามสัญญาภายใน 27 ธ.ค."
name_en = "contracts signed by 27 Dec"
source = "test"

[[deadlines]]
id = "sign"
kind = "commit"
month = 12
day = 27
name_th = "ลงนามสัญญาภายใน 27 ธ.ค."
name_en = "signed by 27 Dec"
"""


def test_an_extra_holiday_rescores_the_units_of_its_tree_only(scheme, world):
    from pts.organisations.models import OrgKind
    from pts.procurement import actions as procurement
    from pts.procurement import queries as procurement_queries
    from tests.factories import make_org, make_user
    from tests.procurement.factories import at, make_project

    procurement.procurement_settings_set(actor=world.carol, scheme=scheme, custom_deadlines=SIGN_BY_27_DEC)
    project = make_project(unit=world.unit_a, actor=world.alice, start=date(2022, 10, 3))
    signed = date(2022, 12, 27)  # a Tuesday: on the due date, so met
    procurement.milestones_update(actor=world.alice, project=project, now=at(signed), actual={"contract_signed": signed})
    facts = procurement_queries.procurement_facts(fiscal_year=2566, units=[world.unit_a], today=AS_OF)
    assert facts[world.unit_a.pk].as_facts()["contracts_by_deadline"] == 1
    met = scores(scheme)
    before = dict(entries(scheme))
    # a day off in another tree moves nothing here
    other = make_org(kind=OrgKind.PROVINCE, code="PROV-X")
    procurement.extra_holiday_add(actor=make_user(role="coordinator", org=other), day=signed, name="อื่น", org=other)
    assert scores(scheme) == met and dict(entries(scheme)) == before
    # the province's own day off on 27 Dec: due the Monday before, the contract is now late
    holiday = procurement.extra_holiday_add(actor=world.carol, day=signed, name="วันหยุดจังหวัด", org=world.province)
    facts = procurement_queries.procurement_facts(fiscal_year=2566, units=[world.unit_a], today=AS_OF)
    assert facts[world.unit_a.pk].as_facts()["contracts_by_deadline"] == 0
    missed = scores(scheme)
    assert missed != met and missed == from_nothing(scheme)
    now = dict(entries(scheme))
    assert now[world.unit_a.pk] != before[world.unit_a.pk] and now[world.unit_b.pk] == before[world.unit_b.pk]
    procurement.extra_holiday_remove(actor=world.carol, holiday=holiday)
    assert scores(scheme) == met == from_nothing(scheme)
