"""Plain factories for procurement test data. They call the real actions."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pts.organisations.models import Org, User
from pts.procurement.actions import project_create
from pts.procurement.models import Project
from tests.factories import make_fiscal_year

BAHT = 100
BANGKOK = ZoneInfo("Asia/Bangkok")
_seq = itertools.count(1)


def at(day: date, hour: int = 10) -> datetime:
    """An aware moment on a Bangkok day (what actions take as `now`)."""
    return datetime.combine(day, time(hour), tzinfo=BANGKOK).astimezone(UTC)


def make_project(*, unit: Org, actor: User, now: datetime | None = None, fiscal_year: int = 2566,
                 **overrides: Any) -> Project:
    """A 1,500,000-baht e-bidding capital project planned from 1 Nov 2022 (entered 3 Oct 2022)."""
    fields: dict[str, Any] = {"name": f"โครงการทดสอบ {next(_seq)}", "allocated": 1_500_000 * BAHT,
                              "method": "e-bidding", "category": "capital"}
    fields.update(overrides)
    if "planned" not in fields and "target_contract" not in fields:
        fields.setdefault("start", date(2022, 11, 1))
    project, _warnings = project_create(actor=actor, fiscal_year=make_fiscal_year(fiscal_year), unit=unit,
                                        now=now or at(date(2022, 10, 3)), **fields)
    return project
