"""Fixtures the scoring tests share: a KPI 2.3 scheme over a known ledger, and a provincial scheme."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import make_allocation
from tests.scoring.factories import A_PAYMENTS, MB, make_scheme, pay


@pytest.fixture
def ledger(world):
    """KPI 2.3 over A (1,000,000 operating + 400,000 capital, paid as A_PAYMENTS) and B (2,000,000 operating,
    900,000 paid on 25 Oct 2022)."""
    scheme = make_scheme(world)
    make_allocation(unit=world.unit_a, amount=MB, category="operating")
    make_allocation(unit=world.unit_a, amount=40_000_000, category="capital")
    make_allocation(unit=world.unit_b, amount=2 * MB, category="operating")
    for day, amount, category in A_PAYMENTS:
        pay(world.unit_a, amount, day, category)
    pay(world.unit_b, 900_000_00, date(2022, 10, 25))
    return scheme


@pytest.fixture
def scheme(world):
    """The provincial template scheme (with deductions) over units A and B."""
    return make_scheme(world, code="prov-2566", rule_set="province-pts-template", kind="province", name="PTS")
