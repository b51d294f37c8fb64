"""Plain factory functions for test data: make_*(**overrides). They call the real actions."""

from __future__ import annotations

import itertools
from typing import Any

from pts.budget.models import FiscalYear
from pts.organisations.actions import org_create, role_grant, user_create
from pts.organisations.models import Org, OrgKind, User
from pts.organisations.permissions import SYSTEM

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery-9"


def make_org(*, kind: str = OrgKind.AGENCY, parent: Org | None = None, **overrides: Any) -> Org:
    n = next(_seq)
    if kind == OrgKind.AGENCY and parent is None:
        parent = make_org(kind=OrgKind.PROVINCE)
    code = overrides.pop("code", f"{n:010d}" if kind == OrgKind.DISBURSING_UNIT else f"{kind[:3].upper()}{n:04d}")
    name_th = overrides.pop("name_th", f"หน่วยงานทดสอบ {n}")
    return org_create(actor=SYSTEM, code=code, name_th=name_th, kind=kind, parent=parent, **overrides)


def make_user(*, username: str | None = None, role: str | None = None, org: Org | None = None,
              **overrides: Any) -> User:
    user = user_create(actor=SYSTEM, username=username or f"user{next(_seq)}", password=PASSWORD, **overrides)
    if role and org:
        role_grant(actor=SYSTEM, user=user, org=org, role=role)
    return user


def make_fiscal_year(be_year: int = 2566) -> FiscalYear:
    return FiscalYear.objects.get_or_create(be_year=be_year)[0]


def ledger_admin() -> User:
    """A superuser who records test money (ledger actions need an acting user)."""
    user = User.objects.filter(username="ledger-admin").first()
    return user or make_user(username="ledger-admin", is_superuser=True)


def make_allocation(*, unit: Org, amount: int = 1_000_000_00, category: str = "operating", actor: User | None = None,
                    fiscal_year: int = 2566, effective_date: Any = None, **overrides: Any) -> Any:
    """An ALLOCATION movement through the real action (default 1,000,000.00 baht of operating money)."""
    from datetime import date

    from pts.budget.actions import allocation_record

    fy = make_fiscal_year(fiscal_year)
    return allocation_record(actor=actor or ledger_admin(), fiscal_year=fy, unit=unit, category=category,
                             amount=amount, effective_date=effective_date or date(fy.be_year - 544, 10, 3),
                             **overrides)
