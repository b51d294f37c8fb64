"""Property: allocations, transfers, pull-backs (and spending) in any order and on any dates keep
the root's total current allocation equal to what was allocated, to the satang, and never leave
a balance below zero; a refused step changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pts.audit.models import AuditEvent
from pts.budget import actions
from pts.budget.models import Movement
from pts.budget.queries import cumulative_by_month, figures_by_unit_category, total, unit_figures
from pts.core.fiscal import fiscal_months
from pts.organisations.models import OrgKind
from tests.factories import make_org

pytestmark = pytest.mark.django_db

START = date(2022, 10, 1)
CATEGORIES = ("operating", "capital")
# Allocations are larger and earlier than moves, so that most moves find money to take.
allocations = st.integers(min_value=1, max_value=5_000_000_00)
amounts = st.one_of(st.integers(min_value=1, max_value=100), st.integers(min_value=1, max_value=1_000_000_00))
early = st.integers(min_value=0, max_value=60)
days = st.integers(min_value=0, max_value=364)
spender = st.integers(min_value=0, max_value=2)  # A, B, a disbursing unit under A
holder = st.integers(min_value=0, max_value=3)  # ... or the province (the centre)
category = st.sampled_from(CATEGORIES)

steps = st.lists(
    st.one_of(
        st.tuples(st.just("allocate"), holder, category, allocations, early),
        st.tuples(st.just("transfer"), holder, holder, category, category, amounts, days),
        st.tuples(st.just("pullback"), spender, category, amounts, days),
        st.tuples(st.just("disburse"), spender, category, amounts, days),
    ),
    min_size=1, max_size=15,
)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=steps)
def test_moves_between_units_and_the_centre_conserve_the_total_to_the_satang(world, steps):
    du = _disbursing_unit(world)
    orgs = [world.unit_a, world.unit_b, du, world.province]
    actor = world.carol
    savepoint = transaction.savepoint()
    try:
        allocated = 0
        for org in orgs[:3]:  # a starting allocation, so that most moves find money to take
            for cat in CATEGORIES:
                actions.allocation_record(actor=actor, fiscal_year=2566, unit=org, category=cat, amount=500_000_00,
                                          effective_date=START)
                allocated += 500_000_00
        for step in steps:
            kind, *args = step
            day = START + timedelta(days=args[-1])
            counts = (Movement.objects.count(), AuditEvent.objects.count())
            try:
                if kind == "allocate":
                    actions.allocation_record(actor=actor, fiscal_year=2566, unit=orgs[args[0]], category=args[1],
                                              amount=args[2], effective_date=day)
                    allocated += args[2]
                elif kind == "transfer":
                    actions.allocation_transfer(actor=actor, fiscal_year=2566, from_unit=orgs[args[0]],
                                                to_unit=orgs[args[1]], category=args[2], to_category=args[3],
                                                amount=args[4], effective_date=day)
                elif kind == "pullback":
                    actions.allocation_pullback(actor=actor, fiscal_year=2566, unit=orgs[args[0]],
                                                centre=world.province, category=args[1], amount=args[2],
                                                effective_date=day)
                else:
                    actions.disbursement_record(actor=actor, fiscal_year=2566, unit=orgs[args[0]], category=args[1],
                                                amount=args[2], effective_date=day)
            except ValidationError:
                assert (Movement.objects.count(), AuditEvent.objects.count()) == counts
            root = unit_figures(fiscal_year=2566, unit=world.province, as_of=date(2023, 9, 30))["total"]
            assert root.current_allocation == allocated
            assert root.allocated_original == allocated
        # At every month end, no balance is negative and the units' allocations add up.
        by_month = cumulative_by_month(fiscal_year=2566, units=None, months=fiscal_months(2566))
        assert all(f.remaining >= 0 and f.current_allocation >= 0 for f in by_month.values())
        year_end = figures_by_unit_category(fiscal_year=2566, as_of=date(2023, 9, 30))
        assert total(year_end).current_allocation == allocated
    finally:
        transaction.savepoint_rollback(savepoint)


def _disbursing_unit(world):
    du = getattr(world, "_du", None)
    if du is None:
        du = make_org(kind=OrgKind.DISBURSING_UNIT, parent=world.unit_a)
        world._du = du
    return du
