"""Benchmark importing 1,000,000 GFMIS document lines (targets: PostgreSQL <= 15 s, SQLite <= 60 s).

    .venv/bin/python bench/bench_import.py [--lines 1000000] [--units 1000] [--xlsx] [--keep DIR]
    pg_virtualenv bash -c 'DATABASE_URL=postgresql://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/postgres \
        .venv/bin/python bench/bench_import.py --postgres'

Builds a throw-away database (SQLite: a fresh file, the default settings; PostgreSQL: the empty
database DATABASE_URL names): migrate, fiscal year 2566, one province and `--units` disbursing units
(bulk_create). Writes a CSV of `--lines` GFMIS lines (PO / CK·CX / disbursement, dates over the year,
fund codes of every category, amounts with and without thousands separators). Then, each in a fresh
OS process:

1. `pts import gfmis FILE --progress` end to end: wall time, rows per second, peak RSS (getrusage
   RUSAGE_CHILDREN of the process that waited for it). On SQLite a probe process writes one tiny row
   every 50 ms into the same database meanwhile and records its longest wait and any failure
   "database is locked" (target: <= 5 s, 0 failures).
2. The floor: the same rows, parsed with `csv` and nothing checked, written into budget_movement by
   one process (PostgreSQL: COPY; SQLite: executemany, 20,000 rows a transaction like the import)
   on a copy of the same fresh database. The ratio import / floor (target <= 3).
3. A league of totals sampled while the import commits: a reader process queries the per-unit totals
   (`pts.budget.queries.figures_by_unit_category`, what the ledger's overview shows) over and over
   during the import; every sample must equal the figure before or the figure after.
4. `--xlsx`: the same lines as one xlsx sheet (streamed into a zip by hand, inline strings),
   imported end to end (target <= 60 s).

Prints figures and ratios; not a unit test. The snapshot layout's figure is printed only when that
layout exists on this branch.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["เลขที่เอกสาร", "รายการที่", "ประเภทเอกสาร", "วันที่ผ่านรายการ", "รหัสหน่วยเบิกจ่าย", "รหัสแหล่งของเงิน",
          "จำนวนเงิน", "เอกสารอ้างอิง"]
FUNDS = ("6611110", "6611210", "6611220", "6611310", "6611320", "6611410", "6611420", "6611500")
TYPES = (("PO", 0.15), ("CK", 0.08), ("CX", 0.02), ("เบิกจ่าย", 0.45), ("KA", 0.30))
START = date(2022, 10, 1)


def unit_code(i: int) -> str:
    return f"90010{i:05d}"


def setup(migrate: bool = False) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pts.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def build(n_units: int) -> None:
    from django.db import transaction

    from pts.budget.models import FiscalYear
    from pts.organisations.models import Org, OrgKind
    from pts.organisations.permissions import system_user

    with transaction.atomic():
        system_user()
        FiscalYear.objects.create(be_year=2566)
        province = Org.objects.create(code="PROV", name_th="จังหวัด", kind=OrgKind.PROVINCE, path="", depth=0)
        Org.objects.filter(pk=province.pk).update(path=f"/{province.pk}/")
        first = province.pk + 1
        Org.objects.bulk_create(
            [Org(pk=first + i, code=unit_code(i), name_th=f"หน่วยเบิกจ่าย {i}", kind=OrgKind.DISBURSING_UNIT,
                 parent_id=province.pk, path=f"/{province.pk}/{first + i}/", depth=1) for i in range(n_units)],
            batch_size=2000)


def lines(n: int, n_units: int, seed: int = 2566):  # noqa: ANN201
    """The rows of the file: (document, item, type, date BE, unit, fund, amount text, reference)."""
    rng = random.Random(seed)
    names = [t for t, _w in TYPES]
    weights = [w for _t, w in TYPES]
    kinds = rng.choices(names, weights, k=n)
    for i in range(n):
        kind = kinds[i]
        day = START + timedelta(days=rng.randrange(365))
        satang = rng.randrange(100, 500_000_000)
        text = f"{satang // 100}.{satang % 100:02d}"
        if i % 3 == 0:  # GFMIS's own exports group thousands
            text = f"{satang // 100:,}.{satang % 100:02d}"
        if i % 97 == 0:
            text = f"({text})"  # a correction
        reference = f"31{rng.randrange(10**8):08d}" if kind in ("เบิกจ่าย", "KA") and i % 2 else ""
        yield (f"{3 + (kind in ('เบิกจ่าย', 'KA'))}{i:09d}", str(1 + i % 3), kind,
               f"{day.day:02d}/{day.month:02d}/{day.year + 543}", unit_code(rng.randrange(n_units)),
               rng.choice(FUNDS), text, reference)


def write_csv(path: Path, n: int, n_units: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(lines(n, n_units))


def write_xlsx(path: Path, n: int, n_units: int) -> None:
    """One sheet, inline strings, streamed into the zip: no spreadsheet library needed."""
    def cell(ref: str, value: str) -> str:
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'

    cols = "ABCDEFGH"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'))
        z.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        z.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="GFMIS" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        z.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'))
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            buf: list[str] = ['<row r="1">' + "".join(cell(f"{c}1", h) for c, h in zip(cols, HEADER, strict=True)) + "</row>"]
            for r, values in enumerate(lines(n, n_units), start=2):
                buf.append(f'<row r="{r}">' + "".join(cell(f"{c}{r}", v) for c, v in zip(cols, values, strict=True) if v)
                           + "</row>")
                if len(buf) >= 5000:
                    sheet.write("".join(buf).encode())
                    buf.clear()
            sheet.write("".join(buf).encode())
            sheet.write(b"</sheetData></worksheet>")


# -- children: each figure in a fresh process -----------------------------------------------------

def child_floor(path: str) -> None:
    """No validation: csv rows -> tuples -> the same INSERT/COPY the import uses, same chunks."""
    from django.db import connection, transaction
    from django.utils import timezone

    from pts.budget import bulk, rollup
    from pts.budget.models import FiscalYear
    from pts.organisations.models import Org
    from pts.organisations.permissions import system_user

    start = time.perf_counter()
    fy = FiscalYear.objects.get(be_year=2566)
    batch = bulk.open_batch(fy, "floor")
    units = dict(Org.objects.values_list("code", "id"))
    actor = system_user().pk
    sqlite = connection.vendor == "sqlite"
    now = timezone.now().isoformat(sep=" ") if sqlite else timezone.now()
    names = ", ".join(bulk.COLUMNS)
    bulk._tune()  # the same page cache as the import's connection: a fair floor
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        buffer: list[tuple] = []

        def flush() -> None:
            with transaction.atomic(), connection.cursor() as cursor:
                if sqlite:
                    cursor.executemany(f"INSERT INTO {rollup.MOVEMENT_TABLE} ({names}) VALUES "
                                       f"({', '.join(['%s'] * len(bulk.COLUMNS))})", buffer)
                else:
                    with cursor.cursor.copy(f"COPY {rollup.MOVEMENT_TABLE} ({names}) FROM STDIN") as copy:
                        for row in buffer:
                            copy.write_row(row)
            buffer.clear()

        for doc, item, kind, day, unit, _fund, amount, ref in reader:
            d, m, y = day.split("/")
            buffer.append(("operating", "disbursement" if kind in ("เบิกจ่าย", "KA") else "commitment",
                           int(float(amount.strip("()").replace(",", "")) * 100),
                           f"{int(y) - 543}-{m}-{d}", f"{doc}/{item}", "" if kind in ("เบิกจ่าย", "KA") else "po", bool(ref), "", now, None, actor, fy.pk,
                           units[unit], None, batch.pk, None))
            if len(buffer) >= bulk.CHUNK:
                flush()
        flush()
    print("RESULT " + json.dumps({"seconds": time.perf_counter() - start}))


def child_sample(stop_file: str, out_file: str) -> None:
    """Query the ledger's totals over and over until `stop_file` appears; write every distinct sample."""
    from django.db import connection

    from pts.budget.models import FiscalYear
    from pts.budget.queries import figures_by_unit_category

    fy = FiscalYear.objects.get(be_year=2566)
    seen: list[list[int]] = []
    samples = 0
    while not os.path.exists(stop_file):
        figures = figures_by_unit_category(fiscal_year=fy, as_of=date(2023, 9, 30))
        total = [sum(f.disbursed for f in figures.values()), sum(f.committed_total for f in figures.values())]
        samples += 1
        if not seen or seen[-1] != total:
            seen.append(total)
        connection.close()
        time.sleep(0.02)
    Path(out_file).write_text(json.dumps({"samples": samples, "distinct": seen}))


def child_totals() -> None:
    from pts.budget import rollup
    from pts.budget.models import FiscalYear, Movement
    from pts.budget.queries import figures_by_unit_category

    figures = figures_by_unit_category(fiscal_year=FiscalYear.objects.get(be_year=2566), as_of=date(2023, 9, 30))
    print("RESULT " + json.dumps({
        "total": [sum(f.disbursed for f in figures.values()), sum(f.committed_total for f in figures.values())],
        "movements": Movement.objects.count(), "differences": rollup.differences()[1]}))


PROBE = """
import sqlite3, sys, time, os
db, stop, out = sys.argv[1:4]
con = sqlite3.connect(db, timeout=30, isolation_level=None)
con.execute("CREATE TABLE IF NOT EXISTS bench_probe (id INTEGER PRIMARY KEY, at REAL)")
longest, failures, writes = 0.0, 0, 0
while not os.path.exists(stop):
    began = time.perf_counter()
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("INSERT INTO bench_probe (at) VALUES (?)", (time.time(),))
        con.execute("COMMIT")
        writes += 1
    except sqlite3.OperationalError as exc:
        failures += 1
        print(exc, file=sys.stderr)
        try:
            con.execute("ROLLBACK")
        except sqlite3.OperationalError:
            pass
    longest = max(longest, time.perf_counter() - began)
    time.sleep(0.05)
open(out, "w").write(f"{longest} {failures} {writes}")
"""


def spawn(mode: str, *extra: str) -> dict:
    cmd = [sys.executable, __file__, "--child", mode, *extra]
    done = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy(), check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"child {mode} failed:\n{done.stderr[-4000:]}")
    return json.loads(line[7:])


def run_import(layout: str, path: Path, tmp: Path, *, sqlite_db: Path | None, sample: bool) -> dict:
    """`pts import LAYOUT FILE` in a fresh process, with the lock probe and the sampler beside it."""
    import resource

    stop = tmp / f"stop-{time.monotonic_ns()}"
    helpers = []
    probe_out = tmp / "probe.txt"
    sample_out = tmp / "sample.json"
    if sqlite_db is not None:
        helpers.append(subprocess.Popen([sys.executable, "-c", PROBE, str(sqlite_db), str(stop), str(probe_out)]))
    if sample:
        helpers.append(subprocess.Popen([sys.executable, __file__, "--child", "sample", str(stop), str(sample_out)],
                                        env=os.environ.copy()))
    time.sleep(1.0)  # the helpers are up
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pts.cli", "import", layout, str(path), "--fiscal-year", "2566",
                           "--progress"], capture_output=True, text=True, env=os.environ.copy(), check=False)
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    time.sleep(3)  # the sampler sees the figure after the import too
    stop.touch()
    for helper in helpers:
        helper.wait()
    if done.returncode != 0:
        raise SystemExit(f"pts import {layout} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    out: dict = {"seconds": seconds, "rss_mb": rss / 1024, "rss_not_measured": rss <= before, "stdout": done.stdout}
    if sqlite_db is not None:
        longest, failures, writes = probe_out.read_text().split()
        out.update(lock_wait=float(longest), lock_failures=int(failures), probe_writes=int(writes))
    if sample:
        out["samples"] = json.loads(sample_out.read_text())
    return out


def copy_db(source: Path, target: Path) -> None:
    import sqlite3

    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    src.backup(dst)
    src.close()
    dst.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=1_000)
    parser.add_argument("--xlsx", action="store_true", help="also import the same lines from one xlsx")
    parser.add_argument("--postgres", action="store_true",
                        help="use the empty PostgreSQL database DATABASE_URL names (e.g. under pg_virtualenv)")
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it (files, databases)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        setup()
        {"floor": child_floor, "sample": child_sample, "totals": child_totals}[args.child](*args.rest)
        return
    if args.postgres and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("--postgres: DATABASE_URL must name a PostgreSQL database")
    if not args.postgres:
        os.environ.pop("DATABASE_URL", None)
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.keep or Path(scratch)
        tmp.mkdir(parents=True, exist_ok=True)
        os.environ["PTS_MEDIA_ROOT"] = str(tmp / "media")
        db = None if args.postgres else tmp / "bench.sqlite3"
        if db is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            os.environ["PTS_SQLITE_PATH"] = str(db)
        setup(migrate=True)
        from django.db import connection

        t0 = time.perf_counter()
        build(args.units)
        vendor = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
        connection.close()
        csv_path = tmp / "gfmis.csv"
        t1 = time.perf_counter()
        write_csv(csv_path, args.lines, args.units)
        print(f"{vendor}: {args.units:,} units built in {t1 - t0:.1f} s; {args.lines:,} GFMIS lines written to CSV "
              f"({csv_path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t1:.1f} s")
        fresh = db and tmp / "fresh.sqlite3"
        if db is not None:  # the floor and the xlsx import run on copies of the same fresh database
            copy_db(db, fresh)
            copy_db(db, tmp / "xlsx.sqlite3")

        before = spawn("totals")
        imp = run_import("gfmis", csv_path, tmp, sqlite_db=db, sample=True)
        after = spawn("totals")
        rate = args.lines / imp["seconds"]
        target = 15 if args.postgres else 60
        print(f"pts import gfmis (CSV), fresh process: {imp['seconds']:.1f} s, {rate:,.0f} rows/s, "
              f"peak RSS {imp['rss_mb']:.0f} MB (target <= {target} s, <= 500 MB: "
              f"{'met' if imp['seconds'] <= target and imp['rss_mb'] <= 500 else 'NOT met'})")
        print(f"  ledger after: {after['movements']:,} movements, ledger-check differences {after['differences']}")
        samples = imp["samples"]
        whole = all(s in (before["total"], after["total"]) for s in samples["distinct"])
        print(f"  totals sampled during the import: {samples['samples']} samples, distinct {len(samples['distinct'])}, "
              f"each the before or the after figure: {whole}")
        if db is not None:
            print(f"  SQLite write lock: a probe writing every 50 ms waited at most {imp['lock_wait']:.2f} s, "
                  f"{imp['lock_failures']} 'database is locked' failures in {imp['probe_writes']} writes "
                  f"(target <= 5 s, 0: {'met' if imp['lock_wait'] <= 5 and not imp['lock_failures'] else 'NOT met'})")

        if db is not None:
            os.environ["PTS_SQLITE_PATH"] = str(fresh)
        else:  # the floor on a fresh ledger: remove what the import wrote
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE budget_movement, budget_ledgermonth, budget_ledgerstamp, "
                               "budget_ledgerbatchmonth CASCADE")
            connection.close()
        floor = spawn("floor", str(csv_path))
        how = "COPY" if args.postgres else "executemany"
        ratio = imp["seconds"] / floor["seconds"]
        print(f"floor: bare {how} of the same rows, no validation, fresh process: {floor['seconds']:.1f} s, "
              f"{args.lines / floor['seconds']:,.0f} rows/s")
        print(f"ratio import / floor: {ratio:.2f}x (target <= 3: {'met' if ratio <= 3 else 'NOT met'})")

        if args.xlsx:
            xlsx_path = tmp / "gfmis.xlsx"
            t = time.perf_counter()
            write_xlsx(xlsx_path, args.lines, args.units)
            print(f"xlsx of the same lines written in {time.perf_counter() - t:.1f} s "
                  f"({xlsx_path.stat().st_size / 1e6:.0f} MB)")
            if db is not None:
                os.environ["PTS_SQLITE_PATH"] = str(tmp / "xlsx.sqlite3")
            else:
                with connection.cursor() as cursor:
                    cursor.execute("TRUNCATE budget_movement, budget_ledgermonth, budget_ledgerstamp, "
                                   "budget_ledgerbatchmonth CASCADE")
                connection.close()
            x = run_import("gfmis", xlsx_path, tmp, sqlite_db=tmp / "xlsx.sqlite3" if db else None, sample=False)
            print(f"pts import gfmis (xlsx), fresh process: {x['seconds']:.1f} s, {args.lines / x['seconds']:,.0f} "
                  f"rows/s, peak RSS {x['rss_mb']:.0f} MB (target <= 60 s: {'met' if x['seconds'] <= 60 else 'NOT met'})")
        from pts.imports import layouts

        if "snapshot" not in layouts.available():
            print("snapshot: the layout is not on this branch yet; not measured")


if __name__ == "__main__":
    main()
