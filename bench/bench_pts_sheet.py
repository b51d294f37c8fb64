"""Benchmark committing a 6,000-row PTS sheet on SQLite, with another officer writing meanwhile.

    .venv/bin/python bench/bench_pts_sheet.py [--rows 6000] [--baseline-rows 300] [--db FILE]

Builds a throw-away SQLite database (migrate): one province, 27 disbursing units with an
allocation each, then half the rows as projects (imported once through `sheet_import`). The
measured sheet is that province exported with `sheet.export_workbook` (every existing row with new
obstacles, every tenth with a recorded actual date), plus new rows up to --rows. Then:
1. `sheet_import` of the whole sheet: total time, and the write transaction (`sheet_apply`) timed
   on its own, while a second thread records an allocation through
   `pts.budget.actions.allocation_record` every 50 ms: its longest wait and its failures;
2. baseline: the per-row actions (what the import did before) on the first --baseline-rows rows,
   inside one transaction that is rolled back, extrapolated per row to --rows (printed as such),
   with the same concurrent writer.
Prints figures; not a unit test. Targets: the write transaction <= 5 s; 0 failed concurrent writes.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
UNITS = 27
NOW = datetime.combine(date(2023, 2, 14), clock(10), tzinfo=ZoneInfo("Asia/Bangkok")).astimezone(UTC)


def setup(db_path: Path) -> None:
    os.environ["PTS_SQLITE_PATH"] = str(db_path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pts.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build() -> tuple[object, object, list[object]]:
    from django.db import transaction

    from pts.budget.actions import allocation_record
    from pts.budget.models import FiscalYear
    from pts.organisations.models import Org, OrgKind, User

    with transaction.atomic():
        actor = User.objects.create(username="bench", is_superuser=True)
        fy = FiscalYear.objects.create(be_year=2566)
        province = Org.objects.create(code="PROV", name_th="จังหวัดทดสอบ", kind=OrgKind.PROVINCE, path="", depth=0)
        Org.objects.filter(pk=province.pk).update(path=f"/{province.pk}/")
        agency = Org.objects.create(code="AG", name_th="ส่วนราชการ", kind=OrgKind.AGENCY, parent=province,
                                    path="", depth=1)
        Org.objects.filter(pk=agency.pk).update(path=f"/{province.pk}/{agency.pk}/")
        units = []
        for i in range(UNITS):
            u = Org.objects.create(code=f"{i + 1:010d}", name_th=f"หน่วยเบิกจ่าย {i + 1}", kind=OrgKind.DISBURSING_UNIT,
                                   parent=agency, path="", depth=2)
            Org.objects.filter(pk=u.pk).update(path=f"/{province.pk}/{agency.pk}/{u.pk}/")
            units.append(Org.objects.get(pk=u.pk))
        for u in units:
            allocation_record(actor=actor, fiscal_year=fy, unit=u, category="capital", amount=100_000_000_00,
                              effective_date=date(2022, 10, 3))
    return actor, fy, units


def sheet_with(base: bytes, n_new: int, *, start: int, edit_existing: bool) -> bytes:
    """`base` (an exported sheet) with its rows edited and `n_new` new rows, spread over the units."""
    from openpyxl import load_workbook

    from pts.procurement.sheet import FIRST_DATA_ROW, columns

    keys = [c.key for c in columns()]
    wb = load_workbook(io.BytesIO(base))
    ws = wb["PTS"]
    col = {k: i + 1 for i, k in enumerate(keys)}
    if edit_existing:
        for r in range(FIRST_DATA_ROW, ws.max_row + 1):
            ws.cell(r, col["obstacles"]).value = f"ติดตามผู้รับจ้าง รอบ {r}"
            if r % 10 == 0:
                ws.cell(r, col["annual_plan.actual"]).value = "01/11/2565"
    planned = {"annual_plan.planned": "01/11/2565", "contract_signed.planned": "15/03/2566"}
    for i in range(n_new):
        row = [None] * len(keys)
        row[col["unit_code"] - 1] = f"{i % UNITS + 1:010d}"
        row[col["name"] - 1] = f"โครงการจัดซื้อ {start + i}"
        row[col["category"] - 1] = "งบลงทุน"
        row[col["allocated"] - 1] = 500000 + i
        row[col["method"] - 1] = "e-bidding"
        row[col["multi_year"] - 1] = "ปีเดียว"
        for k, v in planned.items():
            row[col[k] - 1] = v
        row[col["obstacles"] - 1] = "" if i % 3 else "รอเอกสาร"
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export_all(fy: object) -> bytes:
    from pts.procurement import queries, sheet
    from pts.procurement.models import Project

    projects = list(queries.projects_of(Project.objects.all()).order_by("unit__path", "name", "id"))
    return sheet.export_workbook(projects, fiscal_year=fy, latest=queries.latest_updates(p.pk for p in projects))


class Writer(threading.Thread):
    """Another officer: a small budget write every 50 ms, each timed."""

    def __init__(self, actor: object, fy: object, unit: object) -> None:
        super().__init__(daemon=True)
        self.actor, self.fy, self.unit = actor, fy, unit
        self.stop = threading.Event()
        self.waits: list[float] = []
        self.failures: list[str] = []

    def run(self) -> None:
        from django.db import connection

        from pts.budget.actions import allocation_record

        try:
            while not self.stop.is_set():
                start = time.perf_counter()
                try:
                    allocation_record(actor=self.actor, fiscal_year=self.fy, unit=self.unit, category="operating",
                                      amount=100_00, effective_date=date(2022, 10, 3))
                except Exception as exc:  # noqa: BLE001 - what the officer would see as an HTTP 500
                    self.failures.append(f"{type(exc).__name__}: {exc}")
                self.waits.append(time.perf_counter() - start)
                self.stop.wait(0.05)
        finally:
            connection.close()

    def report(self) -> str:
        longest = max(self.waits, default=0.0)
        return f"{len(self.waits)} writes, longest {longest:.2f} s, {len(self.failures)} failed" + (
            f" (first: {self.failures[0][:80]})" if self.failures else "")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=6000)
    parser.add_argument("--baseline-rows", type=int, default=300)
    parser.add_argument("--db", type=Path)
    args = parser.parse_args()
    db = args.db or Path(tempfile.mkdtemp()) / "bench.sqlite3"
    setup(db)
    from django.db import transaction

    from pts.procurement import actions

    actor, fy, units = build()
    existing = args.rows // 2
    t0 = time.perf_counter()
    actions.sheet_import(actor=actor, fiscal_year=2566, content=sheet_with(export_all(fy), existing, start=0,
                                                                            edit_existing=False),
                         file_name="base.xlsx", now=NOW)
    print(f"setup: {existing} projects imported in {time.perf_counter() - t0:.1f} s")
    content = sheet_with(export_all(fy), args.rows - existing, start=existing, edit_existing=True)
    print(f"sheet: {args.rows} rows ({existing} existing, edited; {args.rows - existing} new), {len(content):,} bytes")

    # 1. the bulk path, timed in its two parts, with a concurrent writer
    writer = Writer(actor, fy, units[0])
    writer.start()
    time.sleep(0.3)
    t0 = time.perf_counter()
    plan = actions.sheet_plan(actor=actor, fiscal_year=2566, content=content, file_name="PTS.xlsx", now=NOW)
    t1 = time.perf_counter()
    batch = actions.sheet_apply(plan)
    t2 = time.perf_counter()
    time.sleep(0.3)
    writer.stop.set()
    writer.join()
    print(f"bulk: {batch.rows} rows ({batch.created} created, {batch.updated} updated): total {t2 - t0:.1f} s; "
          f"plan (no transaction) {t1 - t0:.1f} s; write transaction {t2 - t1:.2f} s")
    print(f"  concurrent writer: {writer.report()}")

    # 2. baseline: the per-row actions on a slice, rolled back, extrapolated per row
    class Rollback(Exception):
        pass

    content2 = sheet_with(export_all(fy), args.baseline_rows // 2, start=10 * args.rows, edit_existing=True)
    plan2 = actions.sheet_plan(actor=actor, fiscal_year=2566, content=content2, file_name="slice.xlsx", now=NOW)
    rows = [r for r in plan2.parsed.rows if r.kind != "unchanged"]
    slice_ = rows[:args.baseline_rows // 2] + [r for r in rows if r.project is None][:args.baseline_rows // 2]
    writer = Writer(actor, fy, units[0])
    writer.start()
    time.sleep(0.3)
    t0 = time.perf_counter()
    try:
        with transaction.atomic():
            for row in slice_:
                actions._sheet_row(actor, plan2.fiscal_year, row, NOW)
            elapsed = time.perf_counter() - t0
            raise Rollback
    except Rollback:
        pass
    writer.stop.set()
    writer.join()
    per_row = elapsed / len(slice_)
    print(f"baseline (per-row actions, measured on {len(slice_)} rows): {per_row * 1000:.1f} ms a row; "
          f"extrapolated to {args.rows} rows: write transaction ~{per_row * args.rows:.0f} s")
    print(f"  concurrent writer during the {elapsed:.1f} s slice: {writer.report()}")


if __name__ == "__main__":
    main()
