"""Factories for reporting tests: a scheme over units A and B, allocations, aware times, files."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile

from pts.audit.models import AuditEvent
from pts.budget import actions as ledger
from pts.budget.models import Movement
from pts.organisations.models import Org
from pts.reporting.models import Evidence, MonthlyReport, ReportingPeriod, ReportLine
from pts.schemes.actions import scheme_create
from pts.schemes.models import Scheme

BANGKOK = ZoneInfo("Asia/Bangkok")
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """An aware Bangkok time."""
    return datetime(year, month, day, hour, minute, tzinfo=BANGKOK)


def make_scheme(world: Any, *, units: list[Org] | None = None, **overrides: Any) -> Scheme:
    """KPI-style calendar: figures as of the 15th, due by the 20th of the same month."""
    options: dict[str, Any] = {
        "code": "test-scheme-2566", "name": "โครงการทดสอบ", "kind": "province", "fiscal_year": 2566,
        "coordinator_org": world.province, "units": units if units is not None else [world.unit_a, world.unit_b],
        "as_of_day": 15, "deadline_day": 20,
    }
    options.update(overrides)
    return scheme_create(actor=world.carol, **options)


def period_of(scheme: Scheme, year: int, month: int) -> ReportingPeriod:
    return ReportingPeriod.objects.get(scheme=scheme, month=date(year, month, 1))


def allocate(world: Any, unit: Org, category: str, satang: int, day: date = date(2022, 10, 3)) -> None:
    ledger.allocation_record(actor=world.carol, fiscal_year=2566, unit=unit, category=category, amount=satang,
                             effective_date=day, document_ref="ALLOC-1")


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type)


def counts() -> dict[str, int]:
    """Rows of everything a refused report or upload must leave alone."""
    return {
        "movements": Movement.objects.count(), "reports": MonthlyReport.objects.count(),
        "lines": ReportLine.objects.count(), "evidence": Evidence.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def report_state() -> list[tuple[Any, ...]]:
    """Every stored report figure and version, to show a refused change left them as they were."""
    return sorted(
        [("report", r.pk, r.version, r.state, r.obstacles) for r in MonthlyReport.objects.all()]
        + [("line", x.report_id, x.category, x.committed, x.disbursed) for x in ReportLine.objects.all()],
        key=repr,
    )
