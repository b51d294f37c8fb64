"""Derived figures: exact rates, series, roll-up, month-end series, and agreement with a plain
recomputation from the raw movement rows."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from fractions import Fraction

import pytest

from pts.budget import actions
from pts.budget.models import Movement
from pts.budget.queries import (
    ZERO,
    Figures,
    available,
    cumulative_by_month,
    figures_by_unit_category,
    rollup,
    series_figures,
    total,
    unit_figures,
)
from pts.core.fiscal import Month, fiscal_months
from pts.organisations.models import Org, OrgKind
from pts.schemes.models import default_series
from tests.factories import make_allocation, make_org


def test_figures_derive_current_allocation_outstanding_remaining_and_spent():
    f = Figures.of(allocated_original=1000, transfers_in=50, transfers_out=20, pulled_back=30, received_pullbacks=5,
                   reserved=100, committed_total=400, settled=150, disbursed=300, carried_over=10)
    assert f.current_allocation == 1000 + 50 - 20 - 30 + 5 == 1005
    assert f.committed_outstanding == 400 - 150 - 10 == 240
    assert f.spent == 300 + 240
    assert f.remaining == 1005 - 300 - 240 - 100 - 10 == 355


def test_rates_are_exact_fractions_and_none_without_a_base():
    f = Figures.of(allocated_original=300, transfers_in=0, disbursed=100, committed_total=50)
    assert f.disbursement_rate() == Fraction(100, 3)
    assert f.spending_rate() == Fraction(50)
    moved = f + Figures.of(transfers_in=100)
    assert moved.disbursement_rate("current") == Fraction(25)
    assert moved.disbursement_rate("original") == Fraction(100, 3)
    assert ZERO.disbursement_rate() is None and ZERO.spending_rate("original") is None
    with pytest.raises(ValueError, match="denominator"):
        f.disbursement_rate("budget")


def test_figures_add_field_by_field_and_sum_from_zero():
    a = Figures.of(allocated_original=7, disbursed=3, settled=1, committed_total=2)
    b = Figures.of(allocated_original=5, reserved=1)
    assert a + b == Figures.of(allocated_original=12, disbursed=3, settled=1, committed_total=2, reserved=1)
    assert sum([a, b]) == a + b


def test_series_sum_their_categories_with_the_kpi_default_mapping():
    by_category = {
        "personnel": Figures.of(allocated_original=1000),
        "operating": Figures.of(allocated_original=200, disbursed=50),
        "capital": Figures.of(allocated_original=300, disbursed=30),
        "subsidy": Figures.of(allocated_original=7),
    }
    series = series_figures(by_category, default_series())
    assert series["overall"].current_allocation == 507
    assert series["recurring"].current_allocation == 207 and series["recurring"].disbursed == 50
    assert series["capital"] == by_category["capital"]


# -- against the database ----------------------------------------------------------------------

def _scenario(world) -> Org:
    """Every kind of movement on a few dates, over A, B, a disbursing unit under A and the centre."""
    du = make_org(kind=OrgKind.DISBURSING_UNIT, parent=world.unit_a)
    c = world.carol
    for unit, category, amount in [(world.unit_a, "operating", 5_000_000_01), (world.unit_a, "capital", 2_000_000_00),
                                   (world.unit_b, "operating", 3_000_000_03), (du, "operating", 700_000_07),
                                   (world.unit_a, "personnel", 900_000_00)]:
        make_allocation(unit=unit, category=category, amount=amount, actor=c)
    actions.allocation_transfer(actor=c, fiscal_year=2566, from_unit=world.unit_a, to_unit=world.unit_b,
                                category="operating", amount=123_456_78, effective_date=date(2022, 11, 15))
    actions.allocation_transfer(actor=c, fiscal_year=2566, from_unit=du, to_unit=du, category="operating",
                                to_category="subsidy", amount=50_000_00, effective_date=date(2022, 11, 16))
    actions.allocation_pullback(actor=c, fiscal_year=2566, unit=world.unit_b, centre=world.province,
                                category="operating", amount=99_999_99, effective_date=date(2022, 12, 30))
    form = actions.reservation_create(actor=c, fiscal_year=2566, unit=world.unit_a, category="operating",
                                      number="R1", requester="x", amount=77_777_77, requested_on=date(2022, 10, 20))
    actions.reservation_create(actor=c, fiscal_year=2566, unit=world.unit_a, category="operating", number="R2",
                               requester="y", amount=11_111_11, requested_on=date(2022, 12, 20))
    actions.reservation_commit(actor=c, reservation=form, effective_date=date(2022, 12, 5), document_ref="PO-R1")
    actions.commitment_record(actor=c, fiscal_year=2566, unit=world.unit_a, category="capital", amount=1_500_000_00,
                              effective_date=date(2022, 11, 20), document_ref="CT-1")
    for month, amount in [(11, 300_000_00), (1, 450_000_50), (3, 10_00)]:
        day = date(2022 if month > 9 else 2023, month, 25)
        actions.disbursement_record(actor=c, fiscal_year=2566, unit=world.unit_a, category="capital", amount=amount,
                                    effective_date=day, settles_commitment=True)
        actions.disbursement_record(actor=c, fiscal_year=2566, unit=world.unit_b, category="operating",
                                    amount=amount // 3, effective_date=day)
    actions.disbursement_record(actor=c, fiscal_year=2566, unit=du, category="subsidy", amount=12_345_67,
                                effective_date=date(2023, 2, 14))
    wrong = actions.disbursement_record(actor=c, fiscal_year=2566, unit=world.unit_b, category="operating",
                                        amount=1_00, effective_date=date(2023, 2, 15))
    actions.movement_reverse(actor=c, movement=wrong, effective_date=date(2023, 2, 16), reason="ซ้ำ")
    actions.commitment_record(actor=c, fiscal_year=2566, unit=world.unit_a, category="capital", amount=-1_00,
                              effective_date=date(2023, 3, 1), document_ref="CT-1", note="แก้ไขยอด")
    return du


def _recompute(as_of: date) -> dict[tuple[int, str], dict[str, int]]:
    """The definitions, applied plainly to Movement.objects.values()."""
    sums: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in Movement.objects.values():
        if row["effective_date"] > as_of:
            continue
        s = sums[(row["unit_id"], row["category"])]
        s[row["kind"]] += row["amount"]
        if row["kind"] == "disbursement" and row["settles_commitment"]:
            s["settling"] += row["amount"]
    out = {}
    for key, s in sums.items():
        current = (s["allocation"] + s["carry_over_in"] + s["transfer_in"] - s["transfer_out"]
                   - s["pullback_out"] + s["pullback_in"])
        outstanding = s["commitment"] - s["settling"] - s["carry_over_out"]
        reserved = s["reservation"] - s["reservation_release"]
        out[key] = {
            "allocated_original": s["allocation"] + s["carry_over_in"],
            "transfers_in": s["transfer_in"], "transfers_out": s["transfer_out"],
            "pulled_back": s["pullback_out"], "received_pullbacks": s["pullback_in"],
            "current_allocation": current, "reserved": reserved, "committed_total": s["commitment"],
            "committed_outstanding": outstanding, "disbursed": s["disbursement"],
            "carried_over": s["carry_over_out"],
            "remaining": current - s["disbursement"] - outstanding - reserved - s["carry_over_out"],
            "spent": s["disbursement"] + outstanding,
        }
    return out


@pytest.mark.django_db
def test_derived_figures_equal_a_plain_recomputation_from_the_movement_rows(world):
    _scenario(world)
    for as_of in [date(2022, 10, 1), date(2022, 11, 15), date(2022, 12, 31), date(2023, 2, 15), date(2023, 9, 30)]:
        derived = figures_by_unit_category(fiscal_year=2566, as_of=as_of)
        expected = _recompute(as_of)
        assert set(derived) == set(expected), as_of
        for key, values in expected.items():
            assert {name: getattr(derived[key], name) for name in values} == values, (key, as_of)


@pytest.mark.django_db
def test_the_roll_up_of_an_org_is_its_own_figures_plus_its_childrens(world):
    du = _scenario(world)
    as_of = date(2023, 9, 30)
    by_unit = figures_by_unit_category(fiscal_year=2566, as_of=as_of)
    orgs = list(Org.objects.all())
    rolled = rollup(by_unit, orgs)
    own = {org.pk: {c: f for (u, c), f in by_unit.items() if u == org.pk} for org in orgs}
    for org in orgs:
        children = [child for child in orgs if child.parent_id == org.pk]
        categories = set(own[org.pk]) | {c for child in children for c in rolled[child.pk]}
        for category in categories:
            expected = own[org.pk].get(category, ZERO) + sum(
                (rolled[child.pk].get(category, ZERO) for child in children), ZERO)
            assert rolled[org.pk][category] == expected, (org.code, category)
    assert total(rolled[world.unit_a.pk]) == total(own[world.unit_a.pk]) + total(own[du.pk])
    # Transfers and pull-backs inside the province leave its total where the allocations put it.
    allocated = sum(f.allocated_original for f in by_unit.values())
    assert total(rolled[world.province.pk]).current_allocation == allocated
    assert unit_figures(fiscal_year=2566, unit=world.province, as_of=as_of)["total"] == total(rolled[world.province.pk])


@pytest.mark.django_db
def test_month_end_series_equal_the_figures_as_of_each_month_end(world):
    _scenario(world)
    months = fiscal_months(2566)
    series = cumulative_by_month(fiscal_year=2566, units=None, months=months)
    for month in months:
        at_end = figures_by_unit_category(fiscal_year=2566, as_of=month.last_day)
        for key, figures in at_end.items():
            assert series[(key[0], month, key[1])] == figures, (key, month)
        assert {k for k in series if k[1] == month and series[k] != ZERO} <= {(u, month, c) for u, c in at_end}


@pytest.mark.django_db
def test_month_series_can_cut_each_month_at_a_scheme_s_as_of_day(world):
    _scenario(world)
    months = [Month(2022, 11), Month(2023, 2), Month(2022, 12)]
    series = cumulative_by_month(fiscal_year=2566, units=[world.unit_a, world.unit_b], months=months, as_of_day=15)
    assert {k[0] for k in series} == {world.unit_a.pk, world.unit_b.pk}
    for month in months:
        cut = figures_by_unit_category(fiscal_year=2566, as_of=month.day(15), units=[world.unit_a, world.unit_b])
        for (unit_id, category), figures in cut.items():
            assert series[(unit_id, month, category)] == figures, (unit_id, category, month)


@pytest.mark.django_db
def test_available_is_the_lowest_remaining_balance_from_a_day_to_the_year_end(world):
    make_allocation(unit=world.unit_a, amount=100_00, actor=world.carol)
    actions.disbursement_record(actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="operating",
                                amount=60_00, effective_date=date(2022, 12, 1))
    make_allocation(unit=world.unit_a, amount=10_00, actor=world.carol, effective_date=date(2023, 1, 10))
    on = date(2022, 11, 1)
    assert available(fiscal_year=2566, unit=world.unit_a, category="operating", on=on) == 40_00
    assert available(fiscal_year=2566, unit=world.unit_a, category="operating", on=date(2023, 2, 1)) == 50_00
    assert available(fiscal_year=2566, unit=world.unit_a, category="operating", on=date(2022, 10, 1)) == 0  # not yet allocated
    assert available(fiscal_year=2566, unit=world.unit_b, category="operating", on=on) == 0


@pytest.mark.django_db
def test_each_figure_query_is_one_database_query(world, django_assert_num_queries):
    _scenario(world)
    visible = Org.objects.filter(path__startswith=world.province.path)
    with django_assert_num_queries(1):
        figures_by_unit_category(fiscal_year=2566, as_of=date(2023, 9, 30), units=visible)
    with django_assert_num_queries(1):
        unit_figures(fiscal_year=2566, unit=world.province, as_of=date(2023, 9, 30))
    with django_assert_num_queries(1):
        cumulative_by_month(fiscal_year=2566, units=visible, months=fiscal_months(2566), as_of_day=15)
