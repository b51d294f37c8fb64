"""Plain factories for scoring tests: a scheme over units A and B, and payments through the real action."""

from __future__ import annotations

from datetime import date
from typing import Any

from pts.budget.actions import disbursement_record
from pts.schemes.actions import scheme_create
from pts.schemes.models import Scheme
from tests.factories import ledger_admin

MB = 1_000_000_00  # one million baht in satang

# unit A: 1,000,000 operating + 400,000 capital; monthly payments (cumulative at each month end below)
A_PAYMENTS = [(date(2022, 10, 20), 100_000_00, "operating"), (date(2022, 11, 15), 120_000_00, "operating"),
              (date(2022, 12, 5), 150_000_00, "operating"), (date(2023, 1, 25), 60_000_00, "operating"),
              (date(2023, 2, 10), 50_000_00, "operating"), (date(2022, 11, 30), 80_000_00, "capital"),
              (date(2023, 2, 28), 130_000_00, "capital")]


def make_scheme(world: Any, *, code: str = "kpi-2566", rule_set: str = "doh-kpi23-2566", kind: str = "department",
                name: str = "KPI 2.3") -> Scheme:
    """A scheme coordinated by the province over units A and B, due the month after each round."""
    return scheme_create(actor=world.carol, code=code, name=name, kind=kind, fiscal_year=2566,
                         coordinator_org=world.province, units=[world.unit_a, world.unit_b], rule_set=rule_set,
                         deadline_month_offset=1)


def pay(unit: Any, amount: int, day: date, category: str = "operating") -> Any:
    return disbursement_record(actor=ledger_admin(), fiscal_year=2566, unit=unit, category=category,
                               amount=amount, effective_date=day)
