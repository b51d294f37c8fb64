"""`pts`: the PTS procurement sheet (`pts.procurement.sheet`), through the one import pipeline.

`pts import pts FILE` and the upload take the sheet the same way as every other file (stored, hashed,
refused if already imported, previewed, committed, audited). The sheet's own reader knows its
layout (row 1 Thai headers, row 2 column keys, data from row 3) and checks every row against the
database as a whole (a project named twice, the contract date agreeing with the milestone, ...),
which one row at a time cannot do. So this layout reads nothing row by row: `begin` hands the stored
file to `pts.procurement.sheet.read_sheet`, its errors come back as the rows' errors (sheet, row,
column and value as the sheet's reader names them), and the planned rows (create / update / round
update / unchanged) are staged for the preview. `commit` calls `pts.procurement.actions.sheet_import`
inside the import's transaction; it reads the file again and refuses it whole if the database
changed so that a row no longer holds (then the import is read again and shows the new errors).

Undo is refused: projects and milestones are corrected by importing a corrected sheet (their
history stays in the audit log and the round updates).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from pts.core.thai import bilingual
from pts.imports.layouts.base import Context, Field, Layout, RowError

if TYPE_CHECKING:
    from pts.imports.models import ImportBatch

NO_UNDO = ("การนำเข้าแผ่นงาน PTS ยกเลิกไม่ได้: แก้โครงการและขั้นตอนโดยนำเข้าแผ่นงานที่แก้แล้ว",
           "an import of the PTS sheet cannot be undone: correct projects and milestones by importing a corrected sheet")


def _content(ctx: Context) -> bytes:
    """The stored upload (where `pts.imports.pipeline` keeps it until the batch is committed)."""
    return (Path(settings.MEDIA_ROOT) / "imports" / ctx.batch.stored_file).read_bytes()


def _column(error: Any) -> str:
    return f"{error.column} ({error.header})"


class Pts(Layout):
    code = "pts"
    th = "แผ่นงาน PTS (การจัดซื้อจัดจ้าง)"
    en = "PTS procurement sheet"
    ledger = False
    fields: tuple[Field, ...] = ()  # the sheet's own reader checks its columns (row 2's keys)

    def recognise(self, header: Sequence[str], saved: dict[str, str] | None = None) -> dict[str, int]:
        return {}

    def begin(self, ctx: Context) -> None:
        from pts.procurement.sheet import read_sheet

        try:
            content = _content(ctx)
        except OSError:
            content = b""
        parsed = read_sheet(content, file_name=ctx.batch.file_name, actor=ctx.actor, fiscal_year=ctx.fiscal_year,
                            now=timezone.now())
        by_row: dict[int, list[Any]] = {}
        for error in parsed.errors:
            by_row.setdefault(error.row, []).append(error)
        ctx.state["errors"] = by_row
        ctx.state["plans"] = [{"_line": r.row, "unit": r.unit.code, "name": r.name[:200], "kind": r.kind}
                              for r in parsed.rows] if parsed.ok else []
        ctx.state["summary"] = {"counts": parsed.counts(), "sheet": parsed.sheet}

    def row(self, ctx: Context, row: Sequence[Any], line: int) -> Iterable[dict[str, Any]]:
        errors = ctx.state["errors"].pop(line, None)
        if errors:
            raise RowError([(_column(e), "" if e.value is None else str(e.value)[:200], e.problem) for e in errors])
        return ()

    def end(self, ctx: Context) -> Iterable[dict[str, Any]]:
        left = [e for errors in ctx.state["errors"].values() for e in errors]
        if left:  # rows the reader did not hand to `row` (the header rows, another sheet): say where in the text
            raise RowError([(_column(e), "" if e.value is None else str(e.value)[:200], e.message) for e in left])
        return list(ctx.state["plans"])

    def commit(self, ctx: Context) -> dict[str, Any]:
        from django.core.exceptions import ValidationError

        from pts.budget.bulk import BatchConflict
        from pts.procurement.actions import sheet_import

        try:
            done = sheet_import(actor=ctx.actor, fiscal_year=ctx.fiscal_year, content=_content(ctx),
                                file_name=ctx.batch.file_name, now=timezone.now())
        except ValidationError as exc:  # the database changed since the preview: read the file again
            raise BatchConflict(f"import {ctx.batch.pk}: the PTS sheet no longer holds: {exc.messages[:3]}") from exc
        return {"created": done.created, "updated": done.updated, "unchanged": done.rows - done.created - done.updated,
                "procurement_batch": done.pk}

    def undo_refusal(self, batch: ImportBatch) -> str | None:
        return bilingual(*NO_UNDO)


LAYOUT = Pts()
