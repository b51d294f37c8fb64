"""`pts import`: import a file from the command line. A stable contract: scripts use it.

    pts import LAYOUT FILE [--scheme ID] [--mapping NAME] [--dry-run] [--fiscal-year BE]
               [--as USERNAME] [--sheet NAME] [--replace] [--progress]

LAYOUT   units | snapshot | cgd | gfmis | bureau | pts (the PTS procurement sheet)
FILE     xlsx, or CSV in UTF-8 (with or without BOM) or cp874
--scheme     the scheme the figures belong to (its fiscal year is the default year)
--mapping    a column mapping saved in the browser ("GFMIS NFMA60 ของจังหวัด"): its columns are used
--dry-run    read and validate only: print the preview, write nothing
--as         act as this user (their units only); default the system, which may write every unit
--replace    the same file was imported before: undo that import and import this one in its place
--progress   print the phase and the row count to stderr as the import goes

The same pipeline as the browser's upload (`pts.imports.pipeline`), run in this process. Output: the
preview (rows, lines, lines already imported, totals per category and kind) on stdout. Refused:
every error (sheet, row, column, value; the first 100, then "and N more") on stderr, exit status 2,
nothing written.

    pts import-undo BATCH [--as USERNAME]

undoes a committed import (every line reversed in one transaction, audited).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pts.core.cli import UsageError
from pts.core.thai import bilingual

ERROR_CAP = 100


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("layout", metavar="LAYOUT", help="units | snapshot | cgd | gfmis | bureau | pts")
    parser.add_argument("file", metavar="FILE", help="the xlsx or CSV file")
    parser.add_argument("--scheme", metavar="ID", help="the scheme's id (e.g. demo-province-2566)")
    parser.add_argument("--mapping", metavar="NAME", help="a saved column mapping")
    parser.add_argument("--dry-run", action="store_true", help="validate and preview only; write nothing")
    parser.add_argument("--fiscal-year", metavar="BE", help="fiscal year (BE, e.g. 2566); default the scheme's or today's")
    parser.add_argument("--as", dest="as_user", metavar="USERNAME", help="act as this user")
    parser.add_argument("--sheet", metavar="NAME", default="", help="the xlsx sheet (default the first visible one)")
    parser.add_argument("--replace", action="store_true", help="replace the earlier import of the same file")
    parser.add_argument("--progress", action="store_true", help="print progress to stderr")


def _setup() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pts.settings")
    django.setup()


def _echo(phase: str, done: int, total: int) -> None:
    names = {"reading": "อ่านแล้ว / read", "committing": "กำลังบันทึก / committing", "undoing": "กำลังยกเลิก / undoing"}
    shown = f"{done:,}" + (f" / {total:,}" if total else "")
    print(f"pts import: {names.get(phase, phase)} {shown}", file=sys.stderr, flush=True)


def _print_issues(batch: Any) -> None:
    from pts.imports.models import BatchIssue

    count = batch.error_count
    print(f"pts import: ข้อผิดพลาด {count:,} รายการ / {count:,} error(s); ไม่ได้บันทึกข้อมูลใด / nothing was written",
          file=sys.stderr)
    for issue in BatchIssue.objects.filter(batch=batch, warning=False).order_by("id")[:ERROR_CAP]:
        where_th = f"แผ่นงาน {issue.sheet}" + (f" แถว {issue.row}" if issue.row else "") + (
            f" คอลัมน์ {issue.column}" if issue.column else "")
        where_en = f"sheet {issue.sheet}" + (f", row {issue.row}" if issue.row else "") + (
            f", column {issue.column}" if issue.column else "") + (f", value '{issue.value}'" if issue.value else "")
        print(f"  {where_th} / {where_en}: {issue.message_th} / {issue.message_en}", file=sys.stderr)
    if count > ERROR_CAP:
        print(f"  และอีก {count - ERROR_CAP:,} รายการ / and {count - ERROR_CAP:,} more", file=sys.stderr)


def _print_preview(batch: Any, *, written: bool) -> None:
    from pts.core.categories import category_th
    from pts.core.money import format_baht

    print(f"{batch.get_layout_display()}: {batch.file_name} (SHA-256 {batch.sha256[:16]}…)")
    print(f"  แถว / rows: {batch.rows:,}   รายการ / lines: {batch.lines:,}   "
          f"นำเข้าแล้วก่อนหน้า (ข้าม) / already imported (skipped): {batch.skipped:,}")
    for category, (lines, amount) in sorted(batch.summary.get("categories", {}).items()):
        print(f"  {category_th(category)} / {category}: {lines:,} รายการ / lines, {format_baht(amount)} บาท / baht")
    from pts.budget.models import MovementKind

    for kind, (lines, amount) in sorted(batch.summary.get("kinds", {}).items()):
        label = MovementKind(kind).label if kind in MovementKind.values else kind
        print(f"  {label}: {lines:,} รายการ / lines, {format_baht(amount)} บาท / baht")
    for key in ("created", "updated", "unchanged"):
        if key in batch.summary:
            print(f"  {key}: {batch.summary[key]:,}")
    from pts.imports.models import BatchIssue

    warnings = BatchIssue.objects.filter(batch=batch, warning=True).order_by("id")
    if count := warnings.count():
        print(f"  คำเตือน {count:,} รายการ / {count:,} warning(s):")
        for issue in warnings[:ERROR_CAP]:
            print(f"    แถว {issue.row} คอลัมน์ {issue.column} / row {issue.row}, column {issue.column}, "
                  f"value '{issue.value}': {issue.message_th} / {issue.message_en}")
    state = ("บันทึกแล้ว ครั้งที่ / committed as import" if written else "ตรวจอย่างเดียว ไม่ได้บันทึก / dry run, nothing written")
    print(f"  {state} {batch.pk if written else ''}".rstrip())


def _actor(username: str | None) -> Any:
    from pts.organisations.models import User
    from pts.organisations.permissions import SYSTEM

    if not username:
        return SYSTEM
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise UsageError(bilingual(f"--as: ไม่มีผู้ใช้ '{username}'", f"--as: there is no active user '{username}'"))
    return user


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    _setup()
    from django.core.exceptions import ValidationError

    from pts.budget.years import current_be_year
    from pts.imports import layouts, pipeline
    from pts.imports.models import ImportMapping, State
    from pts.schemes.models import Scheme

    if args.layout not in layouts.MODULES:
        raise UsageError(bilingual(f"LAYOUT ต้องเป็น {' | '.join(layouts.MODULES)} (ได้ '{args.layout}')",
                                   f"LAYOUT must be one of {' | '.join(layouts.MODULES)} (got '{args.layout}')"))
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(bilingual(f"ไม่มีไฟล์ {args.file}", f"no such file: {args.file}"))
    actor = _actor(args.as_user)
    scheme = None
    if args.scheme:
        scheme = Scheme.objects.filter(code=args.scheme).select_related("fiscal_year").first()
        if scheme is None:
            raise UsageError(bilingual(f"--scheme: ไม่มีโครงการติดตาม '{args.scheme}'", f"--scheme: no scheme '{args.scheme}'"))
    if args.fiscal_year:
        if not str(args.fiscal_year).isdigit():
            raise UsageError(bilingual(f"--fiscal-year ต้องเป็นปี พ.ศ. เช่น 2566 (ได้ '{args.fiscal_year}')",
                                       f"--fiscal-year must be a BE year such as 2566 (got '{args.fiscal_year}')"))
        year: Any = int(args.fiscal_year)
    elif scheme is not None:
        year = scheme.fiscal_year
    else:
        year = current_be_year()
        if year is None:
            raise UsageError(bilingual("ระบุ --fiscal-year", "give --fiscal-year"))
    mapping = None
    if args.mapping:
        found = ImportMapping.objects.filter(layout=args.layout, name=args.mapping)
        from pts.organisations import scope
        from pts.organisations.permissions import SystemActor

        if not isinstance(actor, SystemActor):
            found = scope.visible(actor, found)
        mapping = found.first()
        if mapping is None:
            raise UsageError(bilingual(f"--mapping: ไม่มีการจับคู่คอลัมน์ชื่อ '{args.mapping}' ของไฟล์แบบ {args.layout}",
                                       f"--mapping: no saved mapping '{args.mapping}' for layout {args.layout}"))
    echo = _echo if args.progress else None
    try:
        with open(path, "rb") as source:
            batch = pipeline.start(actor=actor, layout=args.layout, source=source, file_name=path.name,
                                   fiscal_year=year, scheme=scheme, mapping=mapping, sheet=args.sheet,
                                   dry_run=args.dry_run, replace=args.replace)
        pipeline.read(batch, echo=echo)
        if batch.state != State.PREVIEWED:
            _print_issues(batch)
            pipeline.cancel(batch, actor)
            return 2
        if args.dry_run:
            _print_preview(batch, written=False)
            pipeline.cancel(batch, actor)
            return 0
        pipeline.commit(batch, echo=echo)
        if batch.state != State.COMMITTED:
            _print_issues(batch)
            return 2
    except ValidationError as exc:
        for message in exc.messages:
            print(f"pts import: {message}", file=sys.stderr)
        return 2
    _print_preview(batch, written=True)
    return 0


def add_undo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("batch", metavar="BATCH", help="the import's number (shown when it was committed)")
    parser.add_argument("--as", dest="as_user", metavar="USERNAME", help="act as this user")
    parser.add_argument("--progress", action="store_true", help="print progress to stderr")


def run_undo(args: argparse.Namespace) -> int:
    _setup()
    from django.core.exceptions import ValidationError

    from pts.imports import pipeline
    from pts.imports.models import ImportBatch

    if not str(args.batch).isdigit():
        raise UsageError(bilingual(f"BATCH ต้องเป็นเลขที่การนำเข้า (ได้ '{args.batch}')",
                                   f"BATCH must be an import's number (got '{args.batch}')"))
    actor = _actor(args.as_user)
    batch = ImportBatch.objects.filter(pk=int(args.batch)).first()
    if batch is None or not pipeline.may_see(actor, batch):
        raise UsageError(bilingual(f"ไม่มีการนำเข้าครั้งที่ {args.batch}", f"there is no import {args.batch}"))
    try:
        pipeline.request_undo(batch, actor)
        pipeline.undo(batch, echo=_echo if args.progress else None)
    except ValidationError as exc:
        for message in exc.messages:
            print(f"pts import-undo: {message}", file=sys.stderr)
        return 2
    print(bilingual(f"ยกเลิกการนำเข้าครั้งที่ {batch.pk} ({batch.file_name}) แล้ว",
                    f"import {batch.pk} ({batch.file_name}) undone"))
    return 0
