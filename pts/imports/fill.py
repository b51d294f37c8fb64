"""A monthly report's figures read from the officer's own GFMIS export, through the import pipeline.

The file goes through `pipeline.start(..., dry_run=True)` and `pipeline.read` like any GFMIS import
(the layout's columns, or a saved mapping), as the officer: a line of a unit that is not theirs is an
error naming it. Nothing is committed: the pending lines are summed, then the batch is cancelled
(its lines removed, its file deleted). The figures are the report's: per category, cumulative
commitments and disbursements of the report's unit dated up to the period's as-of day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO

from django.db.models import Sum

from pts.budget.models import Movement
from pts.core.thai import bilingual
from pts.imports import pipeline
from pts.imports.models import BatchIssue, ImportBatch, ImportMapping, State
from pts.organisations.models import Org
from pts.organisations.permissions import Actor
from pts.reporting.models import ReportingPeriod

SHOWN_ISSUES = 50


@dataclass
class Filled:
    figures: dict[str, tuple[int, int]] = field(default_factory=dict)  # category -> (committed, disbursed)
    errors: list[str] = field(default_factory=list)
    lines: int = 0  # lines of the unit counted
    later: int = 0  # lines of the unit dated after the as-of day, left out
    others: int = 0  # lines of the officer's other units, left out

    @property
    def ok(self) -> bool:
        return not self.errors


def _issues(batch: ImportBatch) -> list[str]:
    out = []
    for issue in BatchIssue.objects.filter(batch=batch, warning=False)[:SHOWN_ISSUES]:
        row = bilingual(f"แถว {issue.row}", f"row {issue.row}") if issue.row else ""
        where = " · ".join(str(x) for x in (issue.sheet, row, issue.column, issue.value and f"“{issue.value}”") if x)
        out.append(f"{where}: {bilingual(issue.message_th, issue.message_en)}")
    if batch.error_count > SHOWN_ISSUES:
        out.append(bilingual(f"และอีก {batch.error_count - SHOWN_ISSUES:,} รายการ",
                                      f"and {batch.error_count - SHOWN_ISSUES:,} more"))
    return out


def fill_from_file(*, actor: Actor, period: ReportingPeriod, unit: Org, source: BinaryIO, file_name: str,
                   mapping: ImportMapping | None = None) -> Filled:
    """The report's figures from a GFMIS file, or the file's errors; writes nothing that stays."""
    try:
        # replace=True: the same file may have been imported already by the coordinator; a dry run never commits
        batch = pipeline.start(actor=actor, layout="gfmis", source=source, file_name=file_name,
                               fiscal_year=period.scheme.fiscal_year, scheme=period.scheme, mapping=mapping,
                               dry_run=True, replace=True)
    except pipeline.ImportRefused as exc:
        return Filled(errors=[exc.text])
    try:
        pipeline.read(batch, dedupe=False)
        if batch.state != State.PREVIEWED:
            return Filled(errors=_issues(batch) or [bilingual("อ่านไฟล์ไม่ได้", "the file cannot be read")])
        pending = Movement.with_pending.filter(batch_id=batch.ledger_batch_id)
        filled = Filled(others=pending.exclude(unit=unit).count(),
                        later=pending.filter(unit=unit, effective_date__gt=period.as_of).count())
        mine = pending.filter(unit=unit, effective_date__lte=period.as_of)
        filled.lines = mine.count()
        sums: dict[str, list[int]] = {}
        for row in mine.values("category", "kind").annotate(s=Sum("amount")).order_by():
            slot = sums.setdefault(row["category"], [0, 0])
            if row["kind"] == "commitment":
                slot[0] += int(row["s"] or 0)
            elif row["kind"] == "disbursement":
                slot[1] += int(row["s"] or 0)
        filled.figures = {category: (c, d) for category, (c, d) in sums.items()}
        return filled
    finally:
        pipeline.cancel(batch, actor)
