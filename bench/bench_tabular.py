"""Benchmark the hardened file reader (`pts.core.tabular`): a zip bomb refused, a large sheet read.

    .venv/bin/python bench/bench_tabular.py [--rows 100000] [--bomb-gb 1.5] [--keep DIR]

1. bomb: an xlsx of a few MB whose one worksheet inflates past `--bomb-gb` GB (its central
   directory declares the real size, so a second bomb declaring 1 KB is measured too). Each is
   opened with `open_tabular` in a child process: seconds, peak RSS (os.wait4, the child alone)
   and the refusal's first words. Baseline in the same run: python-calamine alone on the same
   file (`CalamineWorkbook.from_path` + `to_python()`), in a child limited to RLIMIT_AS 1.5 GB
   and a 20 s timeout; its figure is "killed/timeout after N s" when it does not finish.
   Bars: refused in <= 2 s with <= 200 MB peak RSS.
2. read: a `--rows`-row, 7-column xlsx (written by `write_xlsx`, streamed, inline strings), read
   through `open_tabular` touching every cell, against `pandas.read_excel(engine="openpyxl")` on
   the same file; the ratio printed is pandas' seconds over ours. Bar: >= 5x.
`write_xlsx(path, rows)` is for other benchmarks too (a 1,000,000-row file: about 30 s to write).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BOMB_SECONDS, BOMB_MB, READ_RATIO = 2.0, 200, 5.0
BASELINE_AS = 1536 * 1024 * 1024
BASELINE_TIMEOUT = 20

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"
EXCEL_EPOCH = date(1899, 12, 30)


def workbook_xml(sheet: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{escape(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def _letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _cell(ref: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}"><v>{(value - EXCEL_EPOCH).days}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def write_xlsx(path: str | Path, rows: Iterable[Sequence[Any]], *, sheet: str = "Data", level: int = 1) -> None:
    """A minimal valid xlsx of one sheet, row 1 = the first of `rows`, streamed (memory stays flat).

    Text as inline strings, numbers as numbers, dates as serial numbers (no style: they read back
    as numbers), None or "" as no cell.
    """
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", workbook_xml(sheet))
        zf.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=False) as out:
            out.write(SHEET_HEAD.encode())
            letters: list[str] = []
            block: list[str] = []
            for number, row in enumerate(rows, start=1):
                while len(letters) < len(row):
                    letters.append(_letters(len(letters) + 1))
                cells = "".join(_cell(f"{letters[i]}{number}", v) for i, v in enumerate(row))
                block.append(f'<row r="{number}">{cells}</row>')
                if len(block) >= 2000:
                    out.write("".join(block).encode())
                    block = []
            out.write(("".join(block) + SHEET_TAIL).encode())


def gfmis_rows(n: int) -> Iterable[list[Any]]:
    """A header and n GFMIS-like document lines, 7 columns."""
    yield ["เลขที่เอกสาร", "ประเภทเอกสาร", "วันที่ผ่านรายการ", "รหัสหน่วยเบิกจ่าย", "รหัสแหล่งของเงิน", "จำนวนเงิน", "ข้อความ"]
    kinds = ("PO", "CK", "CX", "KE")
    for i in range(n):
        yield [f"{3100000000 + i}", kinds[i % 4], f"{1 + i % 28:02d}/{1 + i % 12:02d}/2566", f"{1500600000 + i % 9000}",
               f"66{11000 + i % 400:05d}", round(1000 + (i * 7919) % 900000 + (i % 100) / 100, 2), f"รายการที่ {i}"]


def write_bomb(path: Path, inflated: int, *, declare: int | None = None) -> None:
    """An xlsx whose sheet is a valid worksheet padded with `inflated` bytes of spaces (XML allows them).

    `declare`: the size the central directory claims (a lie), else the real one.
    """
    pad = b" " * (1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", workbook_xml("Data"))
        zf.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write((SHEET_HEAD + '<row r="1">' + _cell("A1", "a") + "</row>").encode())
            for _ in range(inflated >> 20):
                out.write(pad)
            out.write(SHEET_TAIL.encode())
    if declare is not None:
        _lie_about_size(path, "xl/worksheets/sheet1.xml", declare)


def _lie_about_size(path: Path, name: str, size: int) -> None:
    """Rewrite one entry's declared uncompressed size in the central directory and local header."""
    import struct

    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    # local header: the zip64 extra holds the sizes when force_zip64; rewrite both places
    at = info.header_offset
    name_len, extra_len = struct.unpack("<HH", data[at + 26 : at + 30])
    struct.pack_into("<I", data, at + 22, size)
    extra_at = at + 30 + name_len
    _patch_zip64_extra(data, extra_at, extra_len, size)
    cd = data.rfind(b"PK\x05\x06")
    (cd_offset,) = struct.unpack("<I", data[cd + 16 : cd + 20])
    pos = cd_offset
    while data[pos : pos + 4] == b"PK\x01\x02":
        n, m, k = struct.unpack("<HHH", data[pos + 28 : pos + 34])
        entry = bytes(data[pos + 46 : pos + 46 + n]).decode()
        if entry == name:
            struct.pack_into("<I", data, pos + 24, size)
            _patch_zip64_extra(data, pos + 46 + n, m, size)
        pos += 46 + n + m + k
    path.write_bytes(bytes(data))


def _patch_zip64_extra(data: bytearray, at: int, length: int, size: int) -> None:
    import struct

    end = at + length
    while at + 4 <= end:
        tag, n = struct.unpack("<HH", data[at : at + 4])
        if tag == 1 and n >= 8:
            struct.pack_into("<Q", data, at + 4, size)
        at += 4 + n


GUARDED = (
    "import sys\n"
    "from pts.core.tabular import open_tabular, TabularRefused\n"
    "try:\n"
    "    t = open_tabular(sys.argv[1], file_name='bomb.xlsx', max_rows=1_200_000)\n"
    "    for _ in t.rows(): pass\n"
    "    print('read')\n"
    "except TabularRefused as exc:\n"
    "    print('refused:', str(exc.issues[0]).partition(' / ')[2].partition(' / ')[2][:140])\n"
)
UNGUARDED = (
    "import sys, resource\n"
    f"resource.setrlimit(resource.RLIMIT_AS, ({BASELINE_AS}, {BASELINE_AS}))\n"
    "from python_calamine import CalamineWorkbook\n"
    "wb = CalamineWorkbook.from_path(sys.argv[1])\n"
    "for name in wb.sheet_names: wb.get_sheet_by_name(name).to_python()\n"
    "print('read')\n"
)


def child(code: str, path: Path, timeout: float | None = None) -> tuple[int | None, float, float, str]:
    """Exit status (None: killed at the timeout), seconds, peak RSS MB, first line of stdout."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=out,  # noqa: S603
                                stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
        status: int | None = None
        while True:
            pid, wstatus, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                status = os.waitstatus_to_exitcode(wstatus)
                break
            if timeout is not None and time.perf_counter() - start > timeout:
                proc.kill()
                _, _, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - start
        proc.returncode = -9 if status is None else status
        out.seek(0)
        first = out.read().decode(errors="replace").strip().splitlines()[:1]
        return status, seconds, usage.ru_maxrss / 1024, first[0] if first else ""


def read_ours(path: Path) -> int:
    from pts.core.tabular import open_tabular

    cells = 0
    with open_tabular(path, file_name=path.name, max_rows=2_000_000) as tab:
        for _, row in tab.rows():
            for _cell in row:
                cells += 1
    return cells


def read_pandas(path: Path) -> int:
    import pandas

    frame = pandas.read_excel(path, engine="openpyxl")
    return int(frame.size)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--bomb-gb", type=float, default=1.5)
    parser.add_argument("--keep", metavar="DIR", help="write the files here and keep them")
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(args.keep or tmp)
        where.mkdir(parents=True, exist_ok=True)
        inflated = int(args.bomb_gb * (1 << 30))
        for label, declare in (("honest size", None), ("declares 1 KB", 1024)):
            bomb = where / f"bomb-{'lie' if declare else 'honest'}.xlsx"
            write_bomb(bomb, inflated, declare=declare)
            status, secs, rss, said = child(GUARDED, bomb)
            base_status, base_secs, base_rss, _ = child(UNGUARDED, bomb, timeout=BASELINE_TIMEOUT)
            if base_status is None:
                baseline = f"killed/timeout after {base_secs:.1f} s"
            elif base_status < 0:
                baseline = (f"killed by signal {-base_status} (an allocation failed under the limit) after "
                            f"{base_secs:.1f} s, peak {base_rss:.0f} MB")
            elif base_status != 0:
                baseline = f"raised an error (exit {base_status}) after {base_secs:.1f} s, peak {base_rss:.0f} MB"
            else:
                baseline = f"read it in {base_secs:.1f} s, peak {base_rss:.0f} MB"
            good = status == 0 and said.startswith("refused") and secs <= BOMB_SECONDS and rss <= BOMB_MB
            ok &= good
            print(f"bomb ({label}): {bomb.stat().st_size / 1e6:.1f} MB inflating to {inflated / 1e9:.2f} GB")
            print(f"  open_tabular: {secs:.2f} s, peak RSS {rss:.0f} MB, {said[:120]}")
            print(f"  baseline python-calamine unguarded (RLIMIT_AS 1.5 GB, {BASELINE_TIMEOUT} s): {baseline}")
            print(f"  bar <= {BOMB_SECONDS} s and <= {BOMB_MB} MB: {'ok' if good else 'MISSED'}")
        sheet = where / f"gfmis-{args.rows}.xlsx"
        start = time.perf_counter()
        write_xlsx(sheet, gfmis_rows(args.rows))
        print(f"read: {args.rows:,} rows x 7 columns, {sheet.stat().st_size / 1e6:.1f} MB "
              f"(written in {time.perf_counter() - start:.1f} s)")
        start = time.perf_counter()
        ours = read_ours(sheet)
        ours_s = time.perf_counter() - start
        start = time.perf_counter()
        theirs = read_pandas(sheet)
        pandas_s = time.perf_counter() - start
        ratio = pandas_s / ours_s
        good = ratio >= READ_RATIO and ours == theirs
        ok &= good
        print(f"  open_tabular + every cell: {ours_s:.2f} s ({args.rows / ours_s:,.0f} rows/s, {ours:,} cells)")
        print(f"  baseline pandas.read_excel(engine='openpyxl'): {pandas_s:.2f} s ({theirs:,} cells)")
        print(f"  ratio {ratio:.1f}x (bar >= {READ_RATIO}x): {'ok' if good else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.exit(main())
