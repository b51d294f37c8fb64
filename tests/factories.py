"""Plain factory functions for test data: make_*(**overrides). They call the real actions."""

from __future__ import annotations

import itertools
from typing import Any

from pts.budget.models import FiscalYear
from pts.organisations.actions import org_create, role_grant, user_create
from pts.organisations.models import Org, OrgKind, User

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery-9"


def make_org(*, kind: str = OrgKind.AGENCY, parent: Org | None = None, **overrides: Any) -> Org:
    n = next(_seq)
    if kind == OrgKind.AGENCY and parent is None:
        parent = make_org(kind=OrgKind.PROVINCE)
    code = overrides.pop("code", f"{n:010d}" if kind == OrgKind.DISBURSING_UNIT else f"{kind[:3].upper()}{n:04d}")
    name_th = overrides.pop("name_th", f"หน่วยงานทดสอบ {n}")
    return org_create(actor=None, code=code, name_th=name_th, kind=kind, parent=parent, **overrides)


def make_user(*, username: str | None = None, role: str | None = None, org: Org | None = None,
              **overrides: Any) -> User:
    user = user_create(actor=None, username=username or f"user{next(_seq)}", password=PASSWORD, **overrides)
    if role and org:
        role_grant(actor=None, user=user, org=org, role=role)
    return user


def make_fiscal_year(be_year: int = 2566) -> FiscalYear:
    return FiscalYear.objects.get_or_create(be_year=be_year)[0]
