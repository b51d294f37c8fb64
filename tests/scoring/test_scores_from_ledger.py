"""Scores of a scheme computed from the ledger, frozen rounds, overrides and what is still needed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pts.audit.models import AuditEvent
from pts.budget.actions import disbursement_record
from pts.core.fiscal import Month
from pts.scoring import actions, queries
from pts.scoring.engine import Figures, UnitData, score_units
from pts.scoring.models import FrozenRound, ScoreOverride
from tests.factories import ledger_admin, make_allocation
from tests.lang import thai_only
from tests.scoring.factories import A_PAYMENTS, MB, make_scheme, pay


def by_hand() -> list[UnitData]:
    """The `ledger` fixture (tests/scoring/conftest.py) written as the engine's figures, cumulative per month end."""
    operating = [100_000_00, 220_000_00, 370_000_00, 430_000_00, 480_000_00]
    capital = [0, 80_000_00, 80_000_00, 80_000_00, 210_000_00]
    months = [Month(2022, 10), Month(2022, 11), Month(2022, 12), Month(2023, 1), Month(2023, 2)]
    a = {m: {"operating": Figures(MB, operating[i]), "capital": Figures(40_000_000, capital[i])}
         for i, m in enumerate(months)}
    b = {m: {"operating": Figures(2 * MB, 900_000_00)} for m in months}
    return [UnitData(code="AG-A", months=a), UnitData(code="AG-B", months=b)]


def test_scores_from_the_ledger_equal_the_engines_on_the_same_figures_written_by_hand(ledger):
    rules = queries.rules_for(ledger)
    from_db = queries.score_scheme(scheme=ledger, as_of=date(2023, 2, 28))
    expected = score_units(rules, by_hand())
    assert [(r.unit, r.round, r.total) for r in from_db] == [(r.unit, r.round, r.total) for r in expected]
    for got, want in zip(from_db, expected, strict=True):
        assert {k: v.score for k, v in got.items.items()} == {k: v.score for k, v in want.items.items()}
        assert got.items == want.items  # same explanation lines too
    assert from_db[0].total > 0


def test_months_after_the_as_of_date_are_not_used(ledger):
    data = queries.build_inputs(scheme=ledger, as_of=date(2022, 12, 31))
    assert sorted(data[0].months) == [Month(2022, 10), Month(2022, 11), Month(2022, 12)]


def test_freezing_stores_a_snapshot_and_a_later_ledger_change_shows_as_a_difference(ledger, world):
    frozen = actions.scores_freeze(actor=world.carol, scheme=ledger, round_no=1, as_of=date(2023, 2, 28))
    assert frozen.rule_set == "doh-kpi23-2566" and len(frozen.rule_set_sha256) == 64
    assert frozen.inputs["units"]["AG-A"]["months"]["2022-11"]["capital"] == [40_000_000, 80_000_00, 0]
    assert frozen.inputs["series"]["overall"] == ["operating", "capital", "subsidy", "other"]  # the mapping scored
    assert frozen.inputs["series"]["training"] == ["tag:training", "tag:meeting"]
    assert {u["unit"] for u in frozen.results["units"]} == {"AG-A", "AG-B"}
    assert AuditEvent.objects.filter(action="scoring.freeze", object_id=str(frozen.pk)).exists()
    # what was frozen is what the ledger scores right now: no difference yet
    now = [r for r in queries.score_scheme(scheme=ledger, as_of=date(2023, 2, 28)) if r.round == 1]
    assert queries.diff(queries.frozen_results(frozen), now) == []

    disbursement_record(actor=ledger_admin(), fiscal_year=2566, unit=world.unit_b, category="operating",
                        amount=-800_000_00, effective_date=date(2022, 10, 26), note="entered twice")
    live = [r for r in queries.score_scheme(scheme=ledger, as_of=date(2023, 2, 28)) if r.round == 1]
    changes = queries.diff(queries.frozen_results(frozen), live)
    assert changes and {c.unit for c in changes} == {"AG-B"}
    total = next(c for c in changes if c.item == "total")
    assert total.frozen > total.current
    # the frozen snapshot itself did not move
    frozen.refresh_from_db()
    assert queries.frozen_results(frozen)[1].total == total.frozen


def test_a_round_is_frozen_only_once(ledger, world):
    actions.scores_freeze(actor=world.carol, scheme=ledger, round_no=1, as_of=date(2023, 2, 28))
    with pytest.raises(ValidationError) as exc:
        actions.scores_freeze(actor=world.carol, scheme=ledger, round_no=1, as_of=date(2023, 3, 1))
    assert "round_no" in exc.value.message_dict and thai_only(exc.value.message_dict["round_no"][0])
    assert FrozenRound.objects.count() == 1


def test_only_a_coordinator_of_the_scheme_may_freeze_or_override(ledger, world):
    for user in (world.alice, world.erin, world.bob):
        with pytest.raises(PermissionDenied):
            actions.scores_freeze(actor=user, scheme=ledger, round_no=1, as_of=date(2023, 2, 28))
        with pytest.raises(PermissionDenied):
            actions.score_override(actor=user, scheme=ledger, round_no=1, unit=world.unit_a, criterion="5",
                                   score="1", reason="x")
    assert not FrozenRound.objects.exists() and not ScoreOverride.objects.exists()


def test_an_override_needs_a_reason_and_a_score_within_the_criterions_maximum(ledger, world):
    def attempt(score, reason):
        with pytest.raises(ValidationError) as exc:
            actions.score_override(actor=world.carol, scheme=ledger, round_no=1, unit=world.unit_a,
                                   criterion="4.2", score=score, reason=reason)
        return exc.value.message_dict

    assert "reason" in attempt("1", "  ")
    too_much = attempt("2.6", "ok")["score"][0]
    assert "2.6" in too_much and "2.5" in too_much and thai_only(too_much)  # in Thai, names the value
    assert "score" in attempt("-0.1", "ok")
    assert "score" in attempt("abc", "ok")
    with pytest.raises(ValidationError) as exc:
        actions.score_override(actor=world.carol, scheme=ledger, round_no=1, unit=world.unit_a,
                               criterion="9.9", score="1", reason="ok")
    assert "criterion" in exc.value.message_dict
    assert not ScoreOverride.objects.exists() and not AuditEvent.objects.filter(action="scoring.override").exists()


def test_an_override_is_audited_with_before_and_after_and_applied_on_top_of_the_result(ledger, world):
    rules = queries.rules_for(ledger)
    computed = [r for r in queries.score_scheme(scheme=ledger, as_of=date(2023, 2, 28)) if r.round == 1]
    a = next(r for r in computed if r.unit == "AG-A")
    o = actions.score_override(actor=world.carol, scheme=ledger, round_no=1, unit=world.unit_a, criterion="1-3",
                               score="๐.๕", reason="committee order posted on paper")  # Thai digits: 0.5
    assert o.score == Decimal("0.5")
    event = AuditEvent.objects.get(action="scoring.override")
    assert event.before["score"] == "0" and event.before["source"] == "computed"
    assert event.after == {"criterion": "1-3", "round": 1, "score": "0.5", "reason": "committee order posted on paper"}
    applied = queries.apply_overrides(rules, computed, queries.latest_overrides(ledger, 1))
    a2 = next(r for r in applied if r.unit == "AG-A")
    assert a2.items["1-3"].score == Fraction(1, 2)
    assert a2.total == a.total - a.items["1-3"].score + Fraction(1, 2)
    assert a2.total == sum(i.score for i in a2.items.values())
    # a second override replaces the first, and its "before" is the first
    actions.score_override(actor=world.carol, scheme=ledger, round_no=1, unit=world.unit_a, criterion="1-3",
                           score="0.25", reason="only half the minutes")
    assert AuditEvent.objects.filter(action="scoring.override").order_by("pk").last().before["score"] == "0.5"
    assert queries.latest_overrides(ledger, 1)[("AG-A", "1-3")].score == Decimal("0.25")


def test_the_amount_still_needed_is_exact_to_the_satang(world):
    scheme = make_scheme(world)
    make_allocation(unit=world.unit_a, amount=33_333_333, category="operating")  # 333,333.33 baht
    pay(world.unit_a, 1_000_00, date(2022, 11, 2))
    rules = queries.rules_for(scheme)
    needed = {n.series: n for n in queries.needed_by_month_end(scheme=scheme, rules=rules, unit=world.unit_a,
                                                                 as_of=date(2022, 11, 10))}
    # November's overall target is 19 %: 333,333.33 x 19 % = 63,333.3327 -> 63,333.34 baht
    assert needed["overall"].target == 19 and needed["overall"].month == Month(2022, 11)
    assert needed["overall"].needed == 6_333_334 - 1_000_00
    assert "capital" not in needed  # no capital money: nothing to aim at


def test_nothing_is_needed_once_the_target_is_reached_and_a_month_end_looks_at_the_next_month(world):
    scheme = make_scheme(world)
    make_allocation(unit=world.unit_a, amount=MB)
    pay(world.unit_a, 200_000_00, date(2022, 11, 2))
    rules = queries.rules_for(scheme)
    at_nov_end = {n.series: n for n in queries.needed_by_month_end(scheme=scheme, rules=rules, unit=world.unit_a,
                                                                     as_of=date(2022, 11, 30))}
    assert at_nov_end["overall"].month == Month(2022, 12)
    assert at_nov_end["overall"].needed == 320_000_00 - 200_000_00
    mid_nov = queries.needed_by_month_end(scheme=scheme, rules=rules, unit=world.unit_a, as_of=date(2022, 11, 15))
    assert {n.needed for n in mid_nov} == {0}


def test_the_provincial_template_scores_and_ranks_a_scheme_without_procurement_data(world):
    scheme = make_scheme(world, code="prov-2566", rule_set="province-pts-template", kind="province")
    make_allocation(unit=world.unit_a, amount=MB)
    make_allocation(unit=world.unit_b, amount=MB)
    pay(world.unit_a, 500_000_00, date(2022, 12, 1))
    results = queries.score_scheme(scheme=scheme, as_of=date(2023, 9, 30))
    assert [r.unit for r in results] == ["AG-A", "AG-B"]
    assert all(r.size_group == "small" for r in results)
    assert all(r.total == sum(i.score for i in r.items.values()) for r in results)
    assert results[0].total >= results[1].total


@pytest.mark.parametrize("as_of_day", [None, 15])
@pytest.mark.parametrize("denominator", ["current", "original"])
def test_the_lean_monthly_reader_agrees_with_the_ledgers_cumulative_figures(world, as_of_day, denominator):
    from pts.budget.actions import allocation_transfer, commitment_record
    from pts.budget.queries import cumulative_by_month

    scheme = make_scheme(world)
    scheme.as_of_day, scheme.denominator = as_of_day, denominator
    make_allocation(unit=world.unit_a, amount=MB)
    make_allocation(unit=world.unit_b, amount=MB, category="capital")
    for day, amount, category in A_PAYMENTS[:5]:
        pay(world.unit_a, amount, day, category)
    allocation_transfer(actor=ledger_admin(), fiscal_year=2566, from_unit=world.unit_a, to_unit=world.unit_b,
                        category="operating", amount=70_000_00, effective_date=date(2022, 12, 20))
    commitment_record(actor=ledger_admin(), fiscal_year=2566, unit=world.unit_b, category="capital",
                      amount=300_000_00, effective_date=date(2022, 11, 16), document_ref="PO-1")
    disbursement_record(
        actor=ledger_admin(), fiscal_year=2566, unit=world.unit_b, category="capital", amount=100_000_00,
        effective_date=date(2023, 1, 15), settles_commitment=True)
    months = [Month(2022, 10), Month(2022, 11), Month(2022, 12), Month(2023, 1), Month(2023, 2)]
    lean = queries.monthly_cells(scheme=scheme, months=months, units=[world.unit_a.pk, world.unit_b.pk])
    ledger = cumulative_by_month(fiscal_year=2566, units=[world.unit_a, world.unit_b], months=months,
                                 as_of_day=as_of_day)
    expected: dict = {}
    for (unit_id, month, category), f in ledger.items():
        base = f.allocated_original if denominator == "original" else f.current_allocation
        expected.setdefault(unit_id, {}).setdefault(month, {})[category] = (base, f.disbursed, f.committed_outstanding)
    got = {u: {m: {c: tuple(f) for c, f in cats.items()} for m, cats in per.items()} for u, per in lean.items()}
    assert got == expected
    assert got[world.unit_b.pk][Month(2023, 1)]["capital"][1:] == (100_000_00, 200_000_00)  # paid against the PO
