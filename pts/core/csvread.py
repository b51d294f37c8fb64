"""Reading a CSV file people made, row by row, in bounded memory, refusing what it cannot read exactly.

What every CSV the product reads shares (`pts score`, its evidence, the imports):
1. the bytes are UTF-8 (a BOM is dropped) or cp874, the encoding Thai Excel saves CSV in; the
   whole stream is checked before a row is read, in chunks;
2. lines are cut from fixed-size chunks: a line longer than `MAX_LINE_CHARS` (a file with no line
   breaks) stops the reading with its line number instead of filling memory;
3. the header names each column once: a duplicate is an error;
4. a row with more fields than the header is an error naming the likely cause (an amount written
   1,000,000 without quotes); a field running over a line break (a stray quote) is an error; a
   field beyond the csv module's limit stops the reading with the line the field began on;
5. errors are kept in an `IssueLog`: the first `ERROR_CAP` in full (line, column, value), then
   only counted, each value cut to `VALUE_CHARS`.
No Django here.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from pts.core.thai import bilingual

CHUNK_BYTES = 1 << 20
MAX_LINE_CHARS = 1 << 20  # a row of figures is under 100 characters; a megabyte is not a row
ERROR_CAP = 100
VALUE_CHARS = 80
ENCODINGS = ("utf-8-sig", "cp874")


@dataclass(frozen=True)
class Issue:
    """A problem in an input file; line is None for a problem of the whole file or a whole unit."""

    line: int | None
    column: str
    value: str
    message: str  # bilingual "th / en"

    def __str__(self) -> str:
        """"บรรทัด 5 คอลัมน์ month / line 5, column month, value '2022-13': <th> / <en>"."""
        th = f"บรรทัด {self.line}" if self.line is not None else "ทั้งไฟล์"
        en = f"line {self.line}" if self.line is not None else "file"
        if self.column:
            th += f" คอลัมน์ {self.column}"
            en += f", column {self.column}"
        if self.value:
            en += f", value '{self.value}'"
        return f"{th} / {en}: {self.message}"


@dataclass(frozen=True)
class MoreIssues(Issue):
    """The last line of a capped listing: how many issues were counted but not kept."""

    count: int = 0


def issue_count(issues: Sequence[Issue]) -> int:
    """How many issues a listing stands for, those only counted included."""
    return sum(i.count if isinstance(i, MoreIssues) else 1 for i in issues)


class CsvError(ValueError):
    """The file cannot be read; `issues` lists why (capped, with a last "and N more" line)."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("\n".join(map(str, issues)))


def clip(value: str) -> str:
    """A value short enough to print in a message, on one line."""
    value = value[: VALUE_CHARS * 2].replace("\r\n", "↵").replace("\n", "↵").replace("\r", "↵")
    return value if len(value) <= VALUE_CHARS else value[: VALUE_CHARS - 1] + "…"


class IssueLog:
    """Issues in the order found: the first `cap` kept, the rest counted."""

    def __init__(self, cap: int = ERROR_CAP) -> None:
        self.cap = cap
        self.kept: list[Issue] = []
        self.count = 0

    def add(self, issue: Issue) -> None:
        self.count += 1
        if len(self.kept) < self.cap:
            self.kept.append(Issue(issue.line, issue.column, clip(issue.value), issue.message))

    def extend(self, issues: Iterable[Issue]) -> None:
        for issue in issues:
            self.add(issue)

    def __len__(self) -> int:
        return self.count

    def listing(self) -> list[Issue]:
        """The kept issues, then "and N more" when some were only counted."""
        more = self.count - len(self.kept)
        if more <= 0:
            return list(self.kept)
        return [*self.kept, MoreIssues(None, "", "", bilingual(f"และอีก {more:,} รายการ", f"and {more:,} more"), more)]

    def error(self) -> CsvError:
        return CsvError(self.listing())


def _undecodable(start: int) -> CsvError:
    return CsvError([Issue(None, "", "", bilingual(
        f"อ่านไฟล์ไม่ได้: ไม่ใช่ UTF-8 หรือ cp874 (ไบต์ที่ {start})",
        f"cannot read the file: neither UTF-8 nor cp874 (byte {start})",
    ))])  # fmt: skip


def _chunks(source: BinaryIO) -> Iterator[bytes]:
    while chunk := source.read(CHUNK_BYTES):
        yield chunk


def detect_encoding(source: BinaryIO) -> str:
    """UTF-8 when every byte decodes as UTF-8, else cp874; the stream is rewound. Raises CsvError."""
    failed_at = 0
    for encoding in ENCODINGS:
        source.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        offset = 0
        try:
            for chunk in _chunks(source):
                decoder.decode(chunk)
                offset += len(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            failed_at = offset + exc.start
            continue
        source.seek(0)
        return encoding
    raise _undecodable(failed_at)


def decode(data: bytes) -> str:
    """The text of a whole file held in memory: UTF-8 (a BOM is dropped), else cp874."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            start = exc.start
    raise _undecodable(start)


class LineTooLong(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


_EOL = re.compile(r"\r\n?|\n")  # the line ends the csv module knows, nothing else
_OTHER_BREAKS = re.compile(r"[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")  # str.splitlines() breaks at these too


def _split(pieces: Iterable[str]) -> Iterator[str]:
    """Physical lines (ending "\\n", "\\r\\n" or "\\r", kept) cut from text pieces of any size."""
    pending = ""
    line = 1
    for piece in pieces:
        if pending:
            piece = pending + piece
        if _OTHER_BREAKS.search(piece) is None:  # the common case: split in C
            lines = piece.splitlines(keepends=True)
            pending = "" if lines and lines[-1].endswith("\n") else (lines.pop() if lines else "")
            if lines and max(map(len, lines)) > MAX_LINE_CHARS:
                raise LineTooLong(line + next(i for i, text in enumerate(lines) if len(text) > MAX_LINE_CHARS))
            line += len(lines)
            yield from lines
        else:
            pos = 0
            while (found := _EOL.search(piece, pos)) is not None:
                end = found.end()
                if end == len(piece) and found[0] == "\r":
                    break  # a "\n" may begin the next piece
                if end - pos > MAX_LINE_CHARS:
                    raise LineTooLong(line)
                line += 1
                yield piece[pos:end]
                pos = end
            pending = piece[pos:]
        if len(pending) > MAX_LINE_CHARS:
            raise LineTooLong(line)
    if pending:
        yield pending


def _text_pieces(text: str) -> Iterator[str]:
    for start in range(0, len(text), CHUNK_BYTES):
        yield text[start : start + CHUNK_BYTES]


def _decoded_pieces(source: BinaryIO, encoding: str) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(encoding)()
    for chunk in _chunks(source):
        yield decoder.decode(chunk)
    yield decoder.decode(b"", final=True)


_GROUP = re.compile(r"[0-9]{3}(?:\.[0-9]{1,2})?")


class Table:
    """The rows of one CSV file after its header, as (line, cells).

    `source` is the file's bytes, its text already decoded, or a binary stream (read twice: once
    to find the encoding). `columns` maps each column key to the header spellings accepted for it
    (compared stripped and lower-cased); `required` keys must be there. Structural problems go
    to `log` and their rows are skipped; `rows` counts the rows yielded. A field running over a
    line break is refused unless `multiline` (free text may have them; codes and amounts not).
    """

    def __init__(
        self,
        source: bytes | str | BinaryIO,
        columns: dict[str, tuple[str, ...]],
        required: Sequence[str],
        log: IssueLog,
        *,
        multiline: bool = False,
    ) -> None:
        self.log = log
        self.rows = 0
        self.multiline = multiline
        if isinstance(source, str):
            pieces: Iterable[str] = _text_pieces(source)
        else:
            stream = io.BytesIO(source) if isinstance(source, bytes) else source
            pieces = _decoded_pieces(stream, detect_encoding(stream))
        self._lines = _split(pieces)
        self._reader = csv.reader(self._lines)
        self._done = False
        header = self._next()
        if header is None:
            raise CsvError([Issue(1, "", "", bilingual("ไฟล์ว่าง", "the file is empty"))])
        self.header = header
        self.columns = self._columns(header, columns, required)

    def _stop(self, issue: Issue) -> None:
        self.log.add(issue)
        self._done = True

    def _next(self) -> list[str] | None:
        """The next row, or None at the end or when the rest of the file cannot be read."""
        if self._done:
            return None
        start = self._reader.line_num + 1
        try:
            return next(self._reader)
        except StopIteration:
            return None
        except LineTooLong as exc:
            self._stop(Issue(exc.line, "", "", bilingual(
                f"บรรทัดยาวเกิน {MAX_LINE_CHARS:,} ตัวอักษร: ไม่ใช่ไฟล์ CSV (ไม่มีการขึ้นบรรทัดใหม่?) หยุดอ่านที่นี่",
                f"the line is longer than {MAX_LINE_CHARS:,} characters: not a CSV file (no line breaks?); "
                "reading stopped here")))  # fmt: skip
        except csv.Error as exc:
            limit = csv.field_size_limit()
            if "field larger than field limit" in str(exc):
                th = (f"ช่องข้อมูลยาวเกิน {limit:,} ตัวอักษร: น่าจะมีเครื่องหมายคำพูด \" ที่เปิดแล้วไม่ได้ปิด "
                      "หยุดอ่านที่นี่")
                en = (f"a field longer than {limit:,} characters: probably a quote (\") opened here and "
                      "never closed; reading stopped here")
            else:
                th, en = f"อ่าน CSV ไม่ได้ ({exc}) หยุดอ่านที่นี่", f"cannot read the CSV ({exc}); reading stopped here"
            self._stop(Issue(start, "", "", bilingual(th, en)))
        return None

    def _columns(self, header: list[str], wanted: dict[str, tuple[str, ...]], required: Sequence[str]) -> dict[str, int]:
        names = {alias: key for key, aliases in wanted.items() for alias in aliases}
        columns: dict[str, int] = {}
        seen: dict[str, int] = {}
        issues = []
        for i, cell in enumerate(header):
            name = cell.strip().lower()
            key = names.get(name)
            first = seen.get(key or name) if (key or name) else None
            if first is not None:
                issues.append(Issue(1, cell.strip(), ",".join(header), bilingual(
                    f"หัวตารางมีคอลัมน์นี้ซ้ำ (คอลัมน์ที่ {first + 1} และ {i + 1})",
                    f"the header names this column twice (columns {first + 1} and {i + 1})")))  # fmt: skip
                continue
            if key or name:
                seen[key or name] = i
            if key is not None:
                columns[key] = i
        expected = ",".join(required)
        for k in required:
            if k not in columns:
                issues.append(Issue(1, k, ",".join(header), bilingual(
                    f"ไม่มีคอลัมน์ {k} (หัวตารางต้องเป็น {expected})",
                    f"missing column {k} (the header must be {expected})")))  # fmt: skip
        if issues:
            self.log.extend(issues)
            raise self.log.error()
        return columns

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        """(line the row begins on, its cells), blank rows skipped, rows with a structural error
        logged and skipped."""
        width = len(self.header)
        need = max(self.columns.values(), default=-1) + 1
        while True:
            start = self._reader.line_num + 1
            row = self._next()
            if row is None:
                return
            joined = "".join(row)
            if not joined.strip():
                continue
            if not self.multiline and ("\n" in joined or "\r" in joined):
                if self._reader.line_num == start:  # the file ended inside the quotes
                    self.log.add(Issue(start, "", ",".join(row), bilingual(
                        f"เครื่องหมายคำพูด \" ที่เปิดในบรรทัด {start} ไม่ได้ปิดจนจบไฟล์",
                        f"a quote (\") opened on line {start} is never closed (the file ends inside it)")))  # fmt: skip
                    continue
                self.log.add(Issue(start, "", ",".join(row), bilingual(
                    f"เครื่องหมายคำพูด \" ที่เปิดในบรรทัด {start} ปิดในบรรทัด {self._reader.line_num} "
                    "(ข้อมูลหลายบรรทัดกลายเป็นช่องเดียว)",
                    f"a quote (\") opened on line {start} is closed only on line {self._reader.line_num} "
                    "(several lines became one field)")))  # fmt: skip
                continue
            if len(row) > width and any(cell.strip() for cell in row[width:]):
                self.log.add(Issue(start, "", ",".join(row), self._too_many(row, width)))
                continue
            if len(row) < need:
                self.log.add(Issue(start, "", ",".join(row), bilingual(
                    f"มี {len(row)} ช่อง ต้องมีอย่างน้อย {need}", f"has {len(row)} fields, expected {need}")))  # fmt: skip
                continue
            self.rows += 1
            yield start, row

    def _too_many(self, row: list[str], width: int) -> str:
        th = f"มี {len(row)} ช่อง แต่หัวตารางมี {width} คอลัมน์"
        en = f"has {len(row)} fields but the header has {width} columns"
        if any(_GROUP.fullmatch(cell.strip()) for cell in row[1:]):
            th += " น่าจะเป็นจำนวนเงินที่มีเครื่องหมายจุลภาคคั่นหลักพันโดยไม่ได้อยู่ในเครื่องหมายคำพูด (เขียน \"1,000,000\" หรือ 1000000)"
            en += ': probably an amount with thousands separators not in quotes (write "1,000,000" or 1000000)'
        else:
            th += " น่าจะมีเครื่องหมายจุลภาคในข้อมูลที่ไม่ได้อยู่ในเครื่องหมายคำพูด"
            en += ": probably a comma inside a value that is not in quotes"
        return bilingual(th, en)
