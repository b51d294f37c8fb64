"""PROVISIONAL (replaced by the hardened reader): open a CSV or xlsx file and yield its rows."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pts.core import csvread
from pts.core.csvread import Issue
from pts.core.thai import bilingual


class TabularRefused(Exception):
    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("\n".join(map(str, issues)))
        self.issues = issues


class Tabular:
    def __init__(self, path: Path, file_name: str, max_rows: int, sheet: str | None) -> None:
        self.path, self.file_name, self.max_rows = Path(path), file_name, max_rows
        with open(self.path, "rb") as f:
            head = f.read(8)
        self.kind = "xlsx" if head.startswith(b"PK\x03\x04") else "csv"
        self.sheet_name = file_name
        self._rows = self._iter(sheet)
        first = next(self._rows, None)
        if first is None:
            raise TabularRefused([Issue(None, "", "", bilingual("ไฟล์ว่าง", "the file is empty"))])
        self.header = [str(c if c is not None else "").strip() for c in first[1]]
        self._log = csvread.IssueLog()

    def _iter(self, sheet: str | None) -> Iterator[tuple[int, Any]]:
        if self.kind == "xlsx":
            from python_calamine import CalamineWorkbook

            wb = CalamineWorkbook.from_path(str(self.path))
            name = sheet or wb.sheet_names[0]
            self.sheet_name = name
            for i, row in enumerate(wb.get_sheet_by_name(name).iter_rows(), start=1):
                if any(c not in (None, "") for c in row):
                    yield i, list(row)
            return
        with open(self.path, "rb") as f:
            enc = csvread.detect_encoding(f)
            f.seek(0)
            reader = csv.reader(csvread._split(csvread._decoded_pieces(f, enc)))
            for line in reader:
                if any(c.strip() for c in line):
                    yield reader.line_num, line

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        count = 0
        for item in self._rows:
            count += 1
            if count > self.max_rows:
                raise TabularRefused([Issue(None, "", "", bilingual(f"เกิน {self.max_rows:,} แถว", f"more than {self.max_rows:,} rows"))])
            yield item

    def issues(self) -> list[Issue]:
        return self._log.listing()


def open_tabular(path: str | Path, *, file_name: str, max_rows: int, sheet: str | None = None) -> Tabular:
    return Tabular(Path(path), file_name, max_rows, sheet)
