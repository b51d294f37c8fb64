"""Opening an uploaded spreadsheet safely: the one path every import reads a file through.

    tab = open_tabular(path_or_bytes, file_name="GFMIS.xlsx", max_rows=max_rows())
    tab.kind, tab.sheet_name, tab.header      # "xlsx" | "csv", the sheet read, the header as text
    for line, cells in tab.rows(): ...        # rows after the header, 1-based row numbers, blank rows skipped
    tab.log                                   # csvread.IssueLog: rows skipped for a structural problem

The kind is found from the bytes, never from the file name:
- OLE compound file (`D0 CF 11 E0`): an xlsx protected by a password, or an old .xls: refused;
- a zip (`PK`): an xlsx, checked by `_guard_xlsx` before python-calamine sees a byte of it:
  1. the end-of-central-directory record: at most `MAX_ENTRIES` entries and `MAX_DIRECTORY_BYTES`
     of directory (a directory of a million entries is refused before Python builds it);
  2. the central directory: no encrypted entry, only stored or deflated entries, declared sizes
     summing to at most `max_inflated_bytes()` (`PTS_IMPORT_MAX_INFLATED_BYTES`), no entry above
     `RATIO_FLOOR` bytes declaring more than `MAX_RATIO`:1;
  3. every entry inflated through zlib in chunks, its size never trusted: it stops as soon as
     it inflates past what it declared or the whole file past the budget, and its CRC must match.
     While streaming, with an overlap between chunks so no marker straddles unseen:
     `<!DOCTYPE` / `<!ENTITY` anywhere (XXE, billion laughs) and XML parts not in UTF-8 are
     refused; in a worksheet, a formula (`<f>`), merged cells (`<mergeCell ref=...>`), a cell
     reference past `MAX_COLUMNS` columns or past the row cap, or a range of more than
     `MAX_CELLS` cells (python-calamine allocates the whole rectangle from A1 to the last cell:
     one cell at XFD1048576 in a 500-byte file aborts the process) are refused, naming the sheet
     and the cell or range. When some <c> or <row> has no reference of its own (calamine places
     it after the one before), a second pass counts where they fall and bounds the range too;
  4. a zip without xl/workbook.xml is not a workbook; a hidden or very hidden sheet (`state=` in
     xl/workbook.xml) is refused by its name;
  then python-calamine reads the sheet (`sheet`, else `prefer` when the workbook has it, else
  the first worksheet); more than `max_rows` rows after the header are refused naming the cap;
  any calamine error becomes a refusal.
- anything else that looks like text: CSV through `pts.core.csvread` (UTF-8 with or without BOM,
  or cp874; line and field caps); UTF-16 (Excel's "Unicode Text") is refused with its own advice;
  bytes with NULs or control characters: "not a spreadsheet".

Header: `header_row=HEADER_FIRST` (the default) takes the first non-blank row; an int N takes row N
exactly (xlsx only: the CGD workbook's as-of line sits above its header); `None` takes no header:
`.header` is [] and `.rows()` yields every non-blank row, as does `.all_rows()` in every mode
(the rows above and of the header included).

Cells: CSV cells are str (a row shorter than the header is padded with ""); xlsx cells are what
python-calamine returns (str, int, float, bool, datetime, date, time, timedelta), an empty cell
None. Whole-file problems raise `TabularRefused(issues)` (csvread.Issue, bilingual, the sheet named
in the message), from `open_tabular` or while iterating (a CSV over `max_rows`, a calamine error).
Row-level problems of a CSV (more fields than the header, a quote never closed, a field past the
csv module's limit: reading stops there) are not raised: the row is skipped and the problem is kept
in `tab.log` (line, value, message); an import must report `tab.log` with `tab.sheet_name` after
iterating. No Django here: the caps come from the environment (`max_rows`, `max_inflated_bytes`).
"""

from __future__ import annotations

import abc
import html
import io
import os
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

from python_calamine import CalamineError, CalamineWorkbook

from pts.core import csvread
from pts.core.csvread import Issue, IssueLog
from pts.core.thai import bilingual

Cell = str | int | float | bool | datetime | date | time | timedelta | None

MAX_ROWS_ENV = "PTS_IMPORT_MAX_ROWS"
MAX_ROWS_DEFAULT = 1_200_000
MAX_INFLATED_ENV = "PTS_IMPORT_MAX_INFLATED_BYTES"
MAX_INFLATED_DEFAULT = 600 * 1024 * 1024  # a 1,000,000-row, 7-column sheet inflates to about 150 MB
MAX_ENTRIES = 2_000  # an xlsx of 200 sheets has under 700
MAX_DIRECTORY_BYTES = 4 * 1024 * 1024
RATIO_FLOOR = 1024 * 1024  # the ratio is judged on entries declaring more than this
MAX_RATIO = 200  # a real sheet deflates 5-30:1; deflate's own ceiling is about 1,032:1
MAX_COLUMNS = 702  # A..ZZ
MAX_CELLS = 60_000_000  # the rectangle python-calamine allocates (about 32 bytes a cell)
HEADER_FIRST = 0
HEADER_SLACK = 1_000  # rows above the header a workbook may have (title, as-of line)
IN_CHUNK = 64 * 1024
OUT_CHUNK = 1024 * 1024
OVERLAP = 4096
CONTROL_SAMPLE = 64 * 1024

OLE_MAGIC = b"\xd0\xcf\x11\xe0"
ZIP_MAGIC = b"PK"
WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
SMALL_PART = 16 * 1024 * 1024  # workbook.xml and its rels are read whole
WORKSHEET_TYPE = "/worksheet"
MEDIA = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".bin", ".wdp", ".svg")


class TabularRefused(ValueError):
    """The whole file is refused; `issues` (csvread.Issue, bilingual) say why and where."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        self.inflated: int | None = None  # an xlsx refused by its guard: the bytes it inflated before stopping
        super().__init__("\n".join(map(str, issues)))


def _refuse(th: str, en: str, *, line: int | None = None, column: str = "", value: str = "") -> TabularRefused:
    return TabularRefused([Issue(line, column, csvread.clip(value), bilingual(th, en))])


def _env_int(name: str, default: int, environ: Mapping[str, str] | None) -> int:
    raw = (os.environ if environ is None else environ).get(name, "").strip()
    if not raw:
        return default
    text = raw.replace(",", "").replace("_", "")
    if not text.isascii() or not text.isdigit() or int(text) <= 0:
        raise ValueError(f"{name} must be a whole number above zero (got '{raw}')")
    return int(text)


def max_rows(environ: Mapping[str, str] | None = None) -> int:
    """Rows an import reads at most after the header: `PTS_IMPORT_MAX_ROWS`, default 1,200,000."""
    return _env_int(MAX_ROWS_ENV, MAX_ROWS_DEFAULT, environ)


def max_inflated_bytes(environ: Mapping[str, str] | None = None) -> int:
    """Bytes an xlsx may inflate to, all parts together: `PTS_IMPORT_MAX_INFLATED_BYTES`, default 600 MiB."""
    return _env_int(MAX_INFLATED_ENV, MAX_INFLATED_DEFAULT, environ)


# -- the result --------------------------------------------------------------------------------


def _blank(cells: list[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def header_text(cell: Cell) -> str:
    """A header cell as text: a whole float without ".0", None as ""."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


class Tabular(abc.ABC):
    """One sheet of an opened file (a CSV or an xlsx sheet, below). `rows()` and `all_rows()` may
    each be iterated once."""

    kind: str
    sheet_name: str
    sheet_names: list[str]
    header: list[str]
    header_row: int | None  # the header's row number (None: no header)
    log: IssueLog

    @abc.abstractmethod
    def rows(self) -> Iterator[tuple[int, list[Cell]]]: ...

    @abc.abstractmethod
    def all_rows(self) -> Iterator[tuple[int, list[Cell]]]: ...

    def close(self) -> None:  # noqa: B027 - a sheet with nothing to release keeps this
        """Release the file; iterating ends it too."""

    def __enter__(self) -> Tabular:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Csv(Tabular):
    def __init__(self, stream: IO[bytes], *, file_name: str, max_rows: int, header_row: int | None) -> None:
        if header_row not in (HEADER_FIRST, 1, None):
            raise ValueError("a CSV's header is its first line (header_row=HEADER_FIRST, 1 or None)")
        self.kind = "csv"
        self.sheet_name = file_name
        self.sheet_names = [file_name]
        self.log = IssueLog()
        self._stream = stream
        self._max_rows = max_rows
        self._with_header = header_row is not None
        try:
            self._table = csvread.Table(stream, {}, (), self.log)  # type: ignore[arg-type]
        except csvread.CsvError as exc:
            stream.close()
            raise TabularRefused(exc.issues) from exc
        first = [c.strip() for c in self._table.header]
        self.header = first if self._with_header else []
        self.header_row = 1 if self._with_header else None
        self._first = self._table.header

    def _iter(self, *, top: bool) -> Iterator[tuple[int, list[Cell]]]:
        width = len(self._first)
        count = 0
        try:
            if (top or not self._with_header) and not _blank(list(self._first)):
                yield 1, list(self._first)
            for line, row in self._table:
                count += 1
                if count > self._max_rows:
                    raise _too_many_rows(self.sheet_name, self._max_rows)
                cells: list[Cell] = list(row)
                if len(cells) < width:
                    cells.extend([""] * (width - len(cells)))
                yield line, cells
        finally:
            self.close()

    def rows(self) -> Iterator[tuple[int, list[Cell]]]:
        return self._iter(top=False)

    def all_rows(self) -> Iterator[tuple[int, list[Cell]]]:
        return self._iter(top=True)

    def close(self) -> None:
        self._stream.close()


def _too_many_rows(sheet: str, cap: int) -> TabularRefused:
    return _refuse(f"แผ่นงาน {sheet} มีเกิน {cap:,} แถว (จำนวนแถวสูงสุดที่นำเข้าได้ {MAX_ROWS_ENV})",
                   f"sheet {sheet} has more than {cap:,} rows (the most an import reads, {MAX_ROWS_ENV})")


_CALAMINE_ERRORS = (CalamineError, ValueError, OverflowError, IndexError, KeyError, OSError, UnicodeError,
                    TypeError)


def _unreadable(sheet: str, exc: BaseException) -> TabularRefused:
    return _refuse(f"อ่านแผ่นงาน {sheet} ไม่ได้: ไฟล์ Excel เสียหรือไม่ใช่รูปแบบ .xlsx ({type(exc).__name__})",
                   f"cannot read sheet {sheet}: the Excel file is damaged or not an .xlsx ({type(exc).__name__})")


class _Xlsx(Tabular):
    def __init__(self, wb: CalamineWorkbook, name: str, names: list[str], *, max_rows: int,
                 header_row: int | None) -> None:
        self.kind = "xlsx"
        self._wb = wb
        self._closed = False
        self.sheet_name = name
        self.sheet_names = names
        self.log = IssueLog()
        try:
            sheet = wb.get_sheet_by_name(name)
            left = (sheet.start or (0, 0))[1]
            last = (sheet.end or (0, 0))[0] + 1
            self._rows_iter = sheet.iter_rows()
        except _CALAMINE_ERRORS as exc:
            raise _unreadable(name, exc) from exc
        self._left = left
        self._number = 0  # rows read from calamine so far (iter_rows begins at row 1, at the first used column)
        self._pending: list[tuple[int, list[Cell]]] = []
        if header_row is None:
            self.header, self.header_row = [], None
        else:
            found = self._find_header(header_row)
            if found is None:
                raise _refuse(f"แผ่นงาน {name} ไม่มีข้อมูล (ไม่มีหัวตาราง)", f"sheet {name} is empty (no header row)",
                              line=header_row or None)
            self.header_row, cells = found
            self.header = [header_text(c) for c in cells]
        if last - (self.header_row or 0) > max_rows:
            raise _too_many_rows(name, max_rows)
        self._used = False

    def _cells(self, row: list[Any]) -> list[Cell]:
        cells: list[Cell] = [None] * self._left if self._left else []
        cells.extend(None if c == "" else c for c in row)
        return cells

    def _next_rows(self) -> Iterator[tuple[int, list[Cell]]]:
        try:
            for row in self._rows_iter:
                self._number += 1
                yield self._number, self._cells(row)
        except _CALAMINE_ERRORS as exc:
            raise _unreadable(self.sheet_name, exc) from exc

    def _find_header(self, header_row: int) -> tuple[int, list[Cell]] | None:
        for number, cells in self._next_rows():
            self._pending.append((number, cells))
            if header_row == HEADER_FIRST:
                if not _blank(cells):
                    return number, cells
            elif number >= header_row:
                return None if number > header_row or _blank(cells) else (number, cells)
        return None

    def _raw(self) -> Iterator[tuple[int, list[Cell]]]:
        yield from self._pending
        self._pending = []
        yield from self._next_rows()

    def _iter(self, *, top: bool) -> Iterator[tuple[int, list[Cell]]]:
        if self._used:
            raise RuntimeError("a Tabular's rows are read once")
        self._used = True
        try:
            for number, cells in self._raw():
                if not top and self.header_row is not None and number <= self.header_row:
                    continue
                if _blank(cells):
                    continue
                yield number, cells
        finally:
            self.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._wb.close()

    def rows(self) -> Iterator[tuple[int, list[Cell]]]:
        return self._iter(top=False)

    def all_rows(self) -> Iterator[tuple[int, list[Cell]]]:
        return self._iter(top=True)


# -- opening -----------------------------------------------------------------------------------


def open_tabular(
    path: str | Path | bytes,
    *,
    file_name: str,
    max_rows: int,
    sheet: str | None = None,
    prefer: str | None = None,
    header_row: int | None = HEADER_FIRST,
    max_inflated: int | None = None,
    merged_rows: int = 0,
) -> Tabular:
    """The file (a path, or its bytes) opened as a table, or TabularRefused. See the module's text.
    `merged_rows`: merged cells are allowed within the sheet's top rows up to this one (a grouped
    header); anywhere else they are refused."""
    stream: IO[bytes] = io.BytesIO(path) if isinstance(path, bytes) else open(path, "rb")  # noqa: SIM115
    try:
        head = stream.read(CONTROL_SAMPLE)
        if not head:
            raise _refuse("ไฟล์ว่าง", "the file is empty")
        if head.startswith(OLE_MAGIC):
            raise _refuse(
                "ไฟล์นี้ตั้งรหัสผ่านไว้ หรือเป็นไฟล์ .xls แบบเก่า: บันทึกเป็น .xlsx โดยไม่ตั้งรหัสผ่าน แล้วนำเข้าใหม่",
                "the file is protected by a password or an old .xls: save it as .xlsx without a password")
        if head.startswith(ZIP_MAGIC):
            inflated = max_inflated_bytes() if max_inflated is None else max_inflated
            facts = _guard_xlsx(stream, max_rows=max_rows, header_row=header_row, budget=inflated,
                                merged_rows=merged_rows)
            stream.close()  # calamine opens the file itself (the upload is ours: it does not change meanwhile)
            return _open_xlsx(path, facts, sheet=sheet, prefer=prefer, max_rows=max_rows, header_row=header_row)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise _refuse("ไฟล์นี้เข้ารหัส UTF-16 (Unicode Text ของ Excel): บันทึกเป็น CSV UTF-8 หรือ .xlsx แล้วนำเข้าใหม่",
                          "the file is in UTF-16 (Excel's Unicode Text): save it as CSV UTF-8 or .xlsx")
        if _binary(head):
            raise _refuse("ไม่ใช่ไฟล์ตารางข้อมูล: นำเข้าได้เฉพาะ .xlsx หรือ .csv",
                          "not a spreadsheet: only .xlsx or .csv files can be imported")
        if sheet is not None and sheet != file_name:
            raise _refuse(f"ไฟล์ CSV ไม่มีแผ่นงาน {sheet}", f"a CSV file has no sheet {sheet}")
        stream.seek(0)
        return _Csv(stream, file_name=file_name, max_rows=max_rows, header_row=header_row)
    except BaseException:
        stream.close()
        raise


_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")


def _binary(head: bytes) -> bool:
    """NULs or more than one control character in 200: not text anyone typed."""
    if b"\x00" in head:
        return True
    return len(_CONTROL.findall(head)) * 200 > len(head)


def _open_xlsx(source: str | Path | bytes, facts: _Facts, *, sheet: str | None, prefer: str | None, max_rows: int,
               header_row: int | None) -> Tabular:
    try:
        wb = (CalamineWorkbook.from_filelike(io.BytesIO(source)) if isinstance(source, bytes)
              else CalamineWorkbook.from_path(str(source)))
        names = list(wb.sheet_names)
    except _CALAMINE_ERRORS as exc:
        raise _refuse(f"อ่านไฟล์ Excel ไม่ได้: ไฟล์เสียหรือไม่ใช่ .xlsx ({type(exc).__name__})",
                      f"cannot read the Excel file: damaged or not an .xlsx ({type(exc).__name__})") from exc
    worksheets = [n for n in facts.worksheets if n in names] or names
    if sheet is not None:
        if sheet not in names:
            shown = ", ".join(worksheets)
            raise _refuse(f"ไม่มีแผ่นงาน {sheet} ในไฟล์ (มี: {shown})", f"the workbook has no sheet {sheet} (it has: {shown})",
                          value=sheet)
        name = sheet
    elif prefer is not None and prefer in worksheets:
        name = prefer
    elif worksheets:
        name = worksheets[0]
    else:
        raise _refuse("ไฟล์ Excel ไม่มีแผ่นงาน", "the Excel file has no sheet")
    try:
        return _Xlsx(wb, name, worksheets, max_rows=max_rows, header_row=header_row)
    except TabularRefused:
        wb.close()
        raise


# -- the xlsx guard ----------------------------------------------------------------------------


@dataclass
class _Facts:
    worksheets: list[str] = field(default_factory=list)  # in workbook order
    inflated: int = 0


def _corrupt(detail_th: str = "", detail_en: str = "") -> TabularRefused:
    th = "ไฟล์ Excel เสีย (ไฟล์ zip อ่านไม่ได้)" + (f": {detail_th}" if detail_th else "") + " บันทึกไฟล์ใหม่จาก Excel"
    en = "the Excel file is damaged (an unreadable zip)" + (f": {detail_en}" if detail_en else "") + "; save it again from Excel"
    return _refuse(th, en)


def _directory_size(stream: IO[bytes]) -> tuple[int, int]:
    """Entries and central-directory bytes declared by the end record (zip64 too), before any is read."""
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    tail_at = max(0, size - (22 + 65535 + 20))
    stream.seek(tail_at)
    tail = stream.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise _corrupt("ไม่พบสารบัญของไฟล์", "no central directory")
    entries, cd_size, cd_offset = struct.unpack("<xxxxxxxxxxHII", tail[at : at + 20])
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
        loc = at - 20
        if loc < 0 or tail[loc : loc + 4] != b"PK\x06\x07":
            raise _corrupt("สารบัญ zip64 ไม่ครบ", "an incomplete zip64 directory")
        (record_at,) = struct.unpack("<Q", tail[loc + 8 : loc + 16])
        if record_at + 56 > size:
            raise _corrupt("สารบัญ zip64 ไม่ครบ", "an incomplete zip64 directory")
        stream.seek(record_at)
        record = stream.read(56)
        if record[:4] != b"PK\x06\x06":
            raise _corrupt("สารบัญ zip64 ไม่ครบ", "an incomplete zip64 directory")
        entries, cd_size = struct.unpack("<QQ", record[32:48])
    return entries, cd_size


def _too_big(entries: int) -> TabularRefused:
    return _refuse(f"ไฟล์ Excel มีส่วนประกอบ {entries:,} ส่วน เกิน {MAX_ENTRIES:,}: ไม่ใช่ไฟล์ตารางข้อมูลปกติ",
                   f"the Excel file has {entries:,} parts, more than {MAX_ENTRIES:,}: not an ordinary workbook")


def _guard_xlsx(stream: IO[bytes], *, max_rows: int, header_row: int | None, budget: int,
                merged_rows: int = 0) -> _Facts:
    try:
        entries, cd_size = _directory_size(stream)
    except (struct.error, OSError, ValueError) as exc:
        raise _corrupt() from exc
    if entries > MAX_ENTRIES or cd_size > MAX_DIRECTORY_BYTES:
        raise _too_big(entries)
    try:
        stream.seek(0)
        with zipfile.ZipFile(stream) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, OverflowError, struct.error,
            OSError, EOFError, KeyError, IndexError, UnicodeDecodeError) as exc:
        raise _corrupt() from exc
    if len(infos) > MAX_ENTRIES:
        raise _too_big(len(infos))
    declared = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise _refuse("ไฟล์นี้ตั้งรหัสผ่านไว้: บันทึกเป็น .xlsx โดยไม่ตั้งรหัสผ่าน แล้วนำเข้าใหม่",
                          "the file is protected by a password: save it as .xlsx without a password",
                          value=info.filename)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _corrupt(f"วิธีบีบอัดที่ไม่รองรับ ({info.compress_type}) ใน {info.filename}",
                           f"an unsupported compression ({info.compress_type}) in {info.filename}")
        declared += info.file_size
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _bomb(f"{info.filename} ขยายได้ {info.file_size // max(info.compress_size, 1):,} เท่า เกิน {MAX_RATIO}:1",
                        f"{info.filename} inflates {info.file_size // max(info.compress_size, 1):,} times, "
                        f"more than {MAX_RATIO}:1")
    if declared > budget:
        raise _bomb(f"ขยายแล้วได้ {declared:,} ไบต์ เกิน {budget:,} ({MAX_INFLATED_ENV})",
                    f"it inflates to {declared:,} bytes, more than {budget:,} ({MAX_INFLATED_ENV})")
    guard = _Streamer(stream, budget)
    try:
        try:
            return _stream_parts(guard, infos, max_rows=max_rows, header_row=header_row, merged_rows=merged_rows)
        except TabularRefused:
            raise
        except (ValueError, OSError, struct.error, OverflowError) as exc:  # a directory that lies about offsets
            raise _corrupt() from exc
    except TabularRefused as exc:
        exc.inflated = guard.total
        raise


def _stream_parts(guard: _Streamer, infos: list[zipfile.ZipInfo], *, max_rows: int, header_row: int | None,
                  merged_rows: int = 0) -> _Facts:
    by_name = {i.filename: i for i in infos}
    facts = _Facts()
    sheet_of: dict[str, str] = {}
    if WORKBOOK not in by_name:  # every writer puts it there; elsewhere its sheets would go unchecked
        raise _refuse("ไม่ใช่ไฟล์ Excel (.xlsx): ไม่มี xl/workbook.xml (ไฟล์ .ods หรือ .zip อื่น?)",
                      "not an Excel workbook (.xlsx): it has no xl/workbook.xml (an .ods or another zip?)")
    if WORKBOOK in by_name:
        wb_xml = guard.whole(by_name[WORKBOOK])
        rels = guard.whole(by_name[WORKBOOK_RELS]) if WORKBOOK_RELS in by_name else b""
        targets = _worksheet_targets(rels)
        for name, state, rid in _sheets(wb_xml):
            if state in ("hidden", "veryhidden"):
                raise _refuse(f"แผ่นงาน {name} ถูกซ่อนไว้: เลิกซ่อนหรือลบแผ่นงานนั้น แล้วนำเข้าใหม่",
                              f"sheet {name} is hidden: unhide or delete it, then import again", value=name)
            if rid in targets:
                sheet_of[targets[rid]] = name
                facts.worksheets.append(name)
    cap_row = max_rows + (header_row or 0) + HEADER_SLACK
    for info in infos:
        if info.filename in (WORKBOOK, WORKBOOK_RELS):
            continue
        is_sheet = info.filename in sheet_of or info.filename.startswith("xl/worksheets/")
        label = sheet_of.get(info.filename, posixpath.splitext(posixpath.basename(info.filename))[0])
        if not is_sheet:
            guard.stream(info, _PartScanner(), xml=not info.filename.lower().endswith(MEDIA))
            continue
        scanner = _SheetScanner(label, cap_row, merged_rows)
        guard.stream(info, scanner, xml=True)
        scanner.finish()
        if not scanner.all_placed():  # a cell or row without its own reference: count where they fall
            guard.total -= info.file_size
            placer = _Placer(scanner)
            guard.stream(info, placer, xml=True)
            placer.finish()
    facts.inflated = guard.total
    return facts


def _bomb(th: str, en: str) -> TabularRefused:
    return _refuse(f"ไฟล์ Excel ผิดปกติ (zip bomb?): {th}", f"an abnormal Excel file (a zip bomb?): {en}")


_ATTR = re.compile(rb"""([\w:.\-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_SHEET_TAG = re.compile(rb"<(?:[\w.\-]+:)?sheet\b([^>]*)>")
_REL_TAG = re.compile(rb"<(?:[\w.\-]+:)?Relationship\b([^>]*)>")


def _attrs(raw: bytes) -> dict[str, str]:
    out = {}
    for key, dq, sq in _ATTR.findall(raw):
        name = key.decode("utf-8", "replace")
        out[name] = html.unescape((dq or sq).decode("utf-8", "replace"))
        out.setdefault(name.rpartition(":")[2], out[name])
    return out


def _sheets(xml: bytes) -> Iterator[tuple[str, str, str]]:
    """(name, state lower-cased, relationship id) of every <sheet> in workbook.xml."""
    for m in _SHEET_TAG.finditer(xml):
        a = _attrs(m[1])
        rid = next((v for k, v in a.items() if k.endswith(":id")), a.get("id", ""))
        yield a.get("name", ""), a.get("state", "visible").lower(), rid


def _worksheet_targets(rels: bytes) -> dict[str, str]:
    """Relationship id -> part name of every worksheet."""
    out = {}
    for m in _REL_TAG.finditer(rels):
        a = _attrs(m[1])
        if a.get("Type", "").endswith(WORKSHEET_TYPE):
            target = a.get("Target", "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            out[a.get("Id", "")] = part
    return out


class _PartScanner:
    """What no part may hold: a DTD (XXE, billion laughs)."""

    DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)

    def scan(self, buf: bytes, part: str, old: int = 0) -> None:
        if (m := self.DTD.search(buf)) is not None:
            raise _refuse(f"ไฟล์ Excel มีการประกาศ DTD/ENTITY ({m[0].decode(errors='replace')}) ใน {part}: ไม่รับไฟล์นี้",
                          f"the Excel file declares a DTD or entity ({m[0].decode(errors='replace')}) in {part}: refused",
                          value=part)


def _greater(n: int) -> bytes:
    """A regex of the decimal numbers above n (leading zeros allowed)."""
    s = str(n)
    alts = [rb"[1-9]\d{%d,}" % len(s)]
    for i, ch in enumerate(s):
        if ch != "9":
            alts.append(s[:i].encode() + b"[%d-9]" % (int(ch) + 1) + (rb"\d{%d}" % (len(s) - i - 1)))
    return rb"0*(?:" + b"|".join(alts) + rb")(?!\d)"


def _letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _column_above(n: int) -> bytes:
    """A regex of the column letters (1-3 of them) above column n (n < 702)."""
    letters = _letters(n)
    alts = [rb"[A-Za-z]{3}"]
    if len(letters) == 1:
        alts.append(rb"[A-Za-z]{2}")
        if letters != "Z":
            alts.append(b"[%s-Z%s-z]" % (chr(ord(letters) + 1).encode(), chr(ord(letters) + 33).encode()))
    else:
        first, second = letters[0], letters[1]
        if first != "Z":
            alts.append(b"[%s-Z%s-z][A-Za-z]" % (chr(ord(first) + 1).encode(), chr(ord(first) + 33).encode()))
        if second != "Z":
            alts.append(b"[%s%s][%s-Z%s-z]" % (first.encode(), first.lower().encode(),
                                                 chr(ord(second) + 1).encode(), chr(ord(second) + 33).encode()))
    return rb"(?:" + b"|".join(alts) + rb")(?=\d)"


_REF_FAST = rb'r="'  # how every writer spells a cell or row reference
_REF_ANY = rb"""\br\s*=\s*["']"""  # what XML allows too: spaces around "=", single quotes
_ODD_SPELLING = re.compile(rb"r\s|r=[\s']")


def _tag_at(buf: bytes, name: bytes) -> int:
    """Where the first <name ...> or <prefix:name ...> element begins in buf, or -1."""
    best = -1
    for lead in (b"<" + name, b":" + name):
        pos = buf.find(lead)
        while pos >= 0:
            after = buf[pos + len(lead) : pos + len(lead) + 1]
            if after in (b" ", b"\t", b"\r", b"\n", b"/", b">") and (
                lead[0:1] == b"<" or re.search(rb"<[A-Za-z_][\w.\-]*\Z", buf[max(0, pos - 256) : pos])
            ):
                if best < 0 or pos < best:
                    best = pos
                break
            pos = buf.find(lead, pos + 1)
    return best


class _SheetScanner(_PartScanner):
    """A worksheet: no formula, no merged cells, no cell reference past the caps.

    The references are watched with patterns that only match what is larger than the largest
    seen so far (a column past the widest, a row past a bound raised by a quarter at each hit),
    so a sheet is scanned once for each, in C; the range python-calamine will allocate is at most
    the widest column times the row bound.
    """

    MERGE_REF = re.compile(rb"""\sref\s*=\s*["']([^"']{1,40})["']""")
    CELL = re.compile(rb"""<(?:[\w.\-]+:)?c\s[^>]*?\br\s*=\s*["']([A-Za-z]{1,3}[0-9]{1,8})["']""")

    MERGE_SPAN = re.compile(rb"""<(?:[\w.\-]+:)?mergeCell\b[^>]*?\sref\s*=\s*["']([A-Za-z]{1,3}[0-9]{1,8}:[A-Za-z]{1,3}([0-9]{1,8}))["']""")
    MERGE_END = re.compile(rb"""<(?:[\w.\-]+:)?mergeCell\b[^>]*?\sref\s*=\s*["'][A-Za-z]{1,3}[0-9]{1,8}:[A-Za-z]{1,3}([0-9]{1,8})["']""")

    def __init__(self, sheet: str, cap_row: int, merged_rows: int = 0) -> None:
        self.sheet = sheet
        self.cap_row = cap_row
        self.merged_rows = merged_rows
        self.max_col = 1
        self.row_bound = 1024
        self.cells = self.cells_placed = self.rows = self.rows_placed = 0
        self.prefixed = False
        self._compile()

    def _compile(self) -> None:
        col = b"(" + _column_above(self.max_col) + b")"
        row = rb"[A-Za-z]{0,3}(" + _greater(self.row_bound) + b")"
        self.col_patterns = (re.compile(_REF_FAST + col), re.compile(_REF_ANY + col))
        self.row_patterns = (re.compile(_REF_FAST + row), re.compile(_REF_ANY + row))

    def _merges_allowed(self, buf: bytes, at: int) -> bool:
        """Merged cells are allowed only within the top `merged_rows` rows (a report's title and
        grouped header, as in the CGD workbook); every merge from `at` on must end there."""
        if self.merged_rows <= 0:
            return False
        tags = len(re.findall(rb"<(?:[\w.\-]+:)?mergeCell\b", buf[at - 64 if at >= 64 else 0:]))
        ends = [int(m[1]) for m in self.MERGE_END.finditer(buf, max(0, at - 64))]
        return len(ends) >= tags and all(end <= self.merged_rows for end in ends)

    def scan(self, buf: bytes, part: str, old: int = 0) -> None:
        super().scan(buf, part)
        self._count(buf, old)
        if (at := _tag_at(buf, b"f")) >= 0:
            cells = self.CELL.findall(buf, max(0, at - 2048), at)
            where = cells[-1].decode().upper() if cells else ""
            th = f"แผ่นงาน {self.sheet} " + (f"ช่อง {where} มีสูตร" if where else "มีช่องที่เป็นสูตร")
            en = f"sheet {self.sheet}: " + (f"cell {where} holds a formula" if where else "a cell holds a formula")
            raise _refuse(th + ": คัดลอกแล้ววางแบบค่า (Paste Values) เท่านั้น", en + "; paste values only",
                          column=where, value=where)
        if (at := _tag_at(buf, b"mergeCell")) >= 0 and not self._merges_allowed(buf, at):
            ref = self.MERGE_REF.search(buf, at, at + 512)
            shown = ref[1].decode("utf-8", "replace") if ref else ""
            for merge in self.MERGE_SPAN.finditer(buf, max(0, at - 64)):  # the first one not allowed
                if int(merge[2]) > self.merged_rows:
                    shown = merge[1].decode("ascii")
                    break
            raise _refuse(f"แผ่นงาน {self.sheet} มีการผสานเซลล์ {shown}: ยกเลิกการผสานเซลล์ก่อนนำเข้า",
                          f"sheet {self.sheet} has merged cells {shown}: unmerge them before importing",
                          value=shown)
        odd = 0 if _ODD_SPELLING.search(buf) is None else 1
        pos = 0
        while (m := self.col_patterns[odd].search(buf, pos)) is not None:
            letters = m[1].decode().upper()
            if len(letters) > 2:
                raise _refuse(f"แผ่นงาน {self.sheet} มีข้อมูลในคอลัมน์ {letters} เกิน {MAX_COLUMNS} คอลัมน์ (ZZ)",
                              f"sheet {self.sheet} has data in column {letters}, past {MAX_COLUMNS} columns (ZZ)",
                              column=letters)
            self.max_col = _column_number(letters)
            self._compile()
            pos = m.start()
        pos = 0
        while (m := self.row_patterns[odd].search(buf, pos)) is not None:
            row = int(m[1])
            if row > self.cap_row:
                cap = self.cap_row - HEADER_SLACK
                raise _refuse(f"แผ่นงาน {self.sheet} มีข้อมูลถึงแถว {row:,} เกินจำนวนแถวสูงสุดที่นำเข้าได้ "
                              f"({cap:,} แถว, {MAX_ROWS_ENV})",
                              f"sheet {self.sheet} reaches row {row:,}, past the most rows an import reads "
                              f"({cap:,}, {MAX_ROWS_ENV})", line=row)
            self.row_bound = max(row, self.row_bound + self.row_bound // 4)
            self._compile()
            pos = m.start()
        self._check_cells()

    def _count(self, buf: bytes, old: int) -> None:
        """Count cell and row tags, and those whose first attribute is their reference, each once
        though buffers overlap (a tag is at most 7 bytes: the 7 before the new bytes are recounted
        and subtracted)."""
        start = max(0, old - 7)
        for tokens, attr in ((_CELL_TAGS, "cells"), (_ROW_TAGS, "rows")):
            n = sum(buf.count(t, start) - buf.count(t, start, old) for t in tokens)
            setattr(self, attr, getattr(self, attr) + n)
        self.cells_placed += buf.count(b'<c r="', start) - buf.count(b'<c r="', start, old)
        self.rows_placed += buf.count(b'<row r="', start) - buf.count(b'<row r="', start, old)
        if not self.prefixed and _PREFIXED_TAG.search(buf, start) is not None:
            self.prefixed = True

    def all_placed(self) -> bool:
        """Every <c> and <row> of the sheet carries its reference first (how every writer spells
        it), so the references watched bound the range python-calamine will allocate."""
        return not self.prefixed and self.cells == self.cells_placed and self.rows == self.rows_placed

    def _check_cells(self) -> None:
        self.check_bounds(self.max_col, self.row_bound)

    def check_bounds(self, columns: int, rows: int) -> None:
        if columns > MAX_COLUMNS:
            raise _refuse(f"แผ่นงาน {self.sheet} มีข้อมูลเกิน {MAX_COLUMNS} คอลัมน์ (ZZ)",
                          f"sheet {self.sheet} has data past {MAX_COLUMNS} columns (ZZ)")
        if rows * columns > MAX_CELLS:
            raise _refuse(
                f"แผ่นงาน {self.sheet} กว้าง {columns:,} คอลัมน์ ยาวราว {rows:,} แถว "
                f"เกิน {MAX_CELLS:,} ช่อง: ลบแถวหรือคอลัมน์ที่ไม่ใช้",
                f"sheet {self.sheet} spans {columns:,} columns by about {rows:,} rows, "
                f"more than {MAX_CELLS:,} cells: delete the unused rows or columns")

    def finish(self) -> None:
        self._check_cells()


_CELL_TAGS = (b"<c ", b"<c>", b"<c/>", b"<c\t", b"<c\n", b"<c\r")
_ROW_TAGS = (b"<row ", b"<row>", b"<row/>", b"<row\t", b"<row\n", b"<row\r")
_PREFIXED_TAG = re.compile(rb":(?:c|row)[\s/>]")
_TAG = re.compile(rb"<(?:[\w.\-]{1,40}:)?(row|c)[\s/>]")
_TAG_MAX = 48
_LONG_PREFIX = re.compile(rb"[\w.\-]{41}\Z")


class _Placer:
    """A second pass over a sheet some of whose cells or rows have no reference: python-calamine
    puts such a cell after the one before it and such a row after the last, so the widest column
    is at most the widest reference plus the most cells in a row, the last row at most the row
    bound plus the rows counted. Each tag is taken once: those beginning in the last `_TAG_MAX`
    bytes of a buffer wait for the next one."""

    def __init__(self, sheet: _SheetScanner) -> None:
        self.sheet = sheet
        self.rows = 0
        self.in_row = 0
        self.widest = 0
        self.last = b""

    def scan(self, buf: bytes, part: str, old: int = 0) -> None:
        for m in _PREFIXED_TAG.finditer(buf, max(0, old - 5)):
            if _LONG_PREFIX.search(buf, max(0, m.start() - 41), m.start()):  # a tag _TAG would not see
                raise _refuse(f"แผ่นงาน {self.sheet.sheet} เขียน XML แบบผิดปกติ (ชื่อ namespace ยาวเกิน 40 ตัวอักษร)",
                              f"sheet {self.sheet.sheet} is written in unusual XML (a namespace prefix over 40 "
                              "characters)")
        self._tags(buf, max(0, old - _TAG_MAX), len(buf) - _TAG_MAX)
        self.last = buf

    def _tags(self, buf: bytes, start: int, end: int) -> None:
        for m in _TAG.finditer(buf, start):
            if m.start() >= end:
                break
            if m[1] == b"row":
                self.rows += 1
                self.in_row = 0
            else:
                self.in_row += 1
                if self.in_row > self.widest:
                    self.widest = self.in_row
        self.sheet.check_bounds(self.sheet.max_col + self.widest, self.sheet.row_bound + self.rows)

    def finish(self) -> None:
        buf = self.last
        self._tags(buf, max(0, len(buf) - _TAG_MAX), len(buf) + 1)


class _Streamer:
    """Entries inflated in chunks against one byte budget, each checked against what it declares."""

    def __init__(self, stream: IO[bytes], budget: int) -> None:
        self.f = stream
        self.budget = budget
        self.total = 0
        stream.seek(0, os.SEEK_END)
        self.size = stream.tell()

    def whole(self, info: zipfile.ZipInfo) -> bytes:
        if info.file_size > SMALL_PART:
            raise _bomb(f"{info.filename} ใหญ่ {info.file_size:,} ไบต์", f"{info.filename} is {info.file_size:,} bytes")
        parts: list[bytes] = []
        scanner = _PartScanner()

        class Keep:
            def scan(self, buf: bytes, part: str, old: int = 0) -> None:
                scanner.scan(buf, part)

        self.stream(info, Keep(), xml=True, keep=parts)
        return b"".join(parts)

    def _data_start(self, info: zipfile.ZipInfo) -> int:
        if not 0 <= info.header_offset < self.size:
            raise _corrupt(f"ส่วน {info.filename} อยู่นอกไฟล์", f"the part {info.filename} lies outside the file")
        self.f.seek(info.header_offset)
        local = self.f.read(30)
        if len(local) < 30 or local[:4] != b"PK\x03\x04":
            raise _corrupt(f"ส่วน {info.filename} ไม่ครบ", f"the part {info.filename} is incomplete")
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        start = int(info.header_offset + 30 + name_len + extra_len)
        if start + info.compress_size > self.size:
            raise _corrupt(f"ส่วน {info.filename} ไม่ครบ", f"the part {info.filename} is incomplete")
        return start

    def stream(self, info: zipfile.ZipInfo, scanner: Any, *, xml: bool, keep: list[bytes] | None = None) -> None:
        part = info.filename
        self.f.seek(self._data_start(info))
        left = info.compress_size
        inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        crc = 0
        produced = 0
        tail = b""
        first = True

        def take(out: bytes) -> None:
            nonlocal crc, produced, tail, first
            if not out:
                return
            produced += len(out)
            self.total += len(out)
            if produced > info.file_size:
                raise _bomb(f"{part} ประกาศขนาด {info.file_size:,} ไบต์ แต่ขยายได้มากกว่านั้น",
                            f"{part} declares {info.file_size:,} bytes but inflates to more")
            if self.total > self.budget:
                raise _bomb(f"ขยายแล้วเกิน {self.budget:,} ไบต์ ({MAX_INFLATED_ENV})",
                            f"it inflates past {self.budget:,} bytes ({MAX_INFLATED_ENV})")
            crc = zlib.crc32(out, crc)
            if first and xml:
                first = False
                if out[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in out[:4]:
                    raise _refuse(f"ส่วน {part} ของไฟล์ Excel ไม่ได้เข้ารหัส UTF-8", f"the part {part} is not UTF-8 XML",
                                  value=part)
            if keep is not None:
                keep.append(out)
            buf = tail + out
            scanner.scan(buf, part, len(tail))
            tail = buf[-OVERLAP:]

        try:
            while left > 0:
                chunk = self.f.read(min(IN_CHUNK, left))
                if not chunk:
                    raise _corrupt(f"ส่วน {part} ไม่ครบ", f"the part {part} is incomplete")
                left -= len(chunk)
                if inflater is None:
                    take(chunk)
                    continue
                data = chunk
                while data:
                    take(inflater.decompress(data, OUT_CHUNK))
                    data = inflater.unconsumed_tail
                    if inflater.eof:
                        break
            if inflater is not None:
                while not inflater.eof and (out := inflater.decompress(b"", OUT_CHUNK)):
                    take(out)
                if not inflater.eof:
                    raise _corrupt(f"ส่วน {part} ไม่ครบ", f"the part {part} is incomplete")
        except zlib.error as exc:
            raise _corrupt(f"ส่วน {part} คลายการบีบอัดไม่ได้", f"the part {part} cannot be inflated") from exc
        if produced != info.file_size or crc != info.CRC:
            raise _corrupt(f"ส่วน {part} ไม่ตรงกับที่ประกาศไว้", f"the part {part} does not match its checksum")
