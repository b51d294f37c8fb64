"""What every layout is: its fields (the columns it reads), how a row becomes lines, how it commits.

A ledger layout (gfmis, snapshot, bureau) turns rows into `pts.budget.bulk.Line`s that the
pipeline writes into a pending ledger batch; the others stage rows (`StagedRow`) and write them in
`commit`. A layout never sees the file: the pipeline hands it the cells of each row, by field.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pts.budget.bulk import Line
from pts.core.thai import bilingual

if TYPE_CHECKING:
    from pts.budget.models import FiscalYear
    from pts.imports.models import ImportBatch
    from pts.organisations.models import Org
    from pts.organisations.permissions import Actor
    from pts.schemes.models import Scheme


def fold(text: str) -> str:
    """A header as compared: trimmed, inner spaces single, case folded."""
    return " ".join(str(text).split()).casefold()


@dataclass(frozen=True)
class Field:
    key: str
    th: str
    en: str
    headers: tuple[str, ...] = ()
    required: bool = True

    def label(self) -> str:
        return bilingual(self.th, self.en)

    def spellings(self) -> set[str]:
        return {fold(h) for h in (self.key, self.th, self.en, *self.headers)}


class RowError(Exception):
    """A row's problems: (field key or "", value shown, bilingual message) each."""

    def __init__(self, problems: Sequence[tuple[str, str, str]]) -> None:
        super().__init__("; ".join(p[2] for p in problems))
        self.problems = list(problems)

    @classmethod
    def one(cls, key: str, value: Any, message: str) -> RowError:
        return cls([(key, "" if value is None else str(value)[:200], message)])


@dataclass
class Units:
    """The units an import may name: those the importer may write, and the codes of all others."""

    writable: dict[str, Org]
    others: set[str]

    def get(self, code: str) -> Org:
        unit = self.writable.get(code)
        if unit is not None:
            return unit
        if code in self.others:
            raise RowError.one("unit", code, bilingual(
                f"หน่วยงาน {code} ไม่อยู่ในความรับผิดชอบของผู้นำเข้า: นำเข้าได้เฉพาะหน่วยงานของตนเอง",
                f"unit {code} is not one the importer may write: only their own units can be imported"))
        raise RowError.one("unit", code, bilingual(f"ไม่มีหน่วยงานรหัส {code}", f"there is no unit with code {code}"))


@dataclass
class Context:
    actor: Actor
    fiscal_year: FiscalYear
    batch: ImportBatch
    scheme: Scheme | None = None
    units: Units = field(default_factory=lambda: Units({}, set()))
    columns: dict[str, int] = field(default_factory=dict)  # field key -> index of its column in a row
    header: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)  # the layout's own, between rows

    def cell(self, row: Sequence[Any], key: str) -> Any:
        """The cell of field `key` in `row` (None when the column is not mapped or the row is short)."""
        index = self.columns.get(key)
        if index is None or index >= len(row):
            return None
        return row[index]

    def column_name(self, key: str) -> str:
        """The column as the file's header spells it (for an error message)."""
        index = self.columns.get(key)
        if index is not None and index < len(self.header):
            return self.header[index]
        return key


class Layout:
    """A file layout; subclasses set the class attributes and override the steps they need."""

    code: str = ""
    th: str = ""
    en: str = ""
    fields: tuple[Field, ...] = ()
    ledger: bool = True          # writes ledger lines (else staged rows, written by `commit`)
    dedupe: bool = False         # a line already imported by an earlier file is skipped, not doubled
    coordinator_only: bool = False
    header_row: int | None = 1   # the header's row; None: the layout finds it itself (`locate_header`)
    merged_header_rows: int = 0  # merged cells allowed in the sheet's top rows up to this one
    sheet_name: str = ""         # the sheet read when the workbook has it (else the first visible one)
    lazy_end: bool = False       # `end` checks at once and returns an iterator the pipeline consumes as it writes

    def label(self) -> str:
        return bilingual(self.th, self.en)

    def locate_header(self, rows: Iterator[tuple[int, list[Any]]]) -> tuple[int, list[str], dict[str, Any]]:
        """For a layout with no fixed header row: (header row number, its cells, options read above it).
        `rows` starts with the row the reader took for the header (the first non-blank one)."""
        raise NotImplementedError

    def recognise(self, header: Sequence[str], saved: dict[str, str] | None = None) -> dict[str, int]:
        """field key -> column index: by the saved mapping's header text first, else by the spellings."""
        folded = [fold(h) for h in header]
        found: dict[str, int] = {}
        for f in self.fields:
            wanted = fold(saved[f.key]) if saved and f.key in saved else None
            for i, name in enumerate(folded):
                if not name or i in found.values():
                    continue
                if (wanted is not None and name == wanted) or (wanted is None and name in f.spellings()):
                    found[f.key] = i
                    break
        return found

    def missing(self, columns: dict[str, int]) -> list[Field]:
        return [f for f in self.fields if f.required and f.key not in columns]

    def begin(self, ctx: Context) -> None:
        """Before the first row (lookups)."""

    def row(self, ctx: Context, cells: Sequence[Any], line: int) -> Iterable[Line | dict[str, Any]]:
        """The lines (ledger layout) or the staged data (other layouts) of one row; RowError if bad."""
        raise NotImplementedError

    def end(self, ctx: Context) -> Iterable[Line | dict[str, Any]]:
        """After the last row: file-level checks (raise RowError) and lines computed from every row."""
        return ()

    def conflicts(self, ctx: Context) -> bool:
        """At commit: has the ledger changed since the file was read so that it must be read again?"""
        return False

    def commit(self, ctx: Context) -> dict[str, Any]:
        """A non-ledger layout writes its staged rows (inside the commit's transaction); the summary."""
        raise NotImplementedError

    def undo_refusal(self, batch: ImportBatch) -> str | None:
        """Why this committed batch cannot be undone (bilingual), asked before the undo starts; None: it can."""
        return None

    def undo(self, ctx: Context) -> dict[str, Any]:
        """A non-ledger layout undoes its commit (inside the undo's transaction)."""
        raise RowError.one("", "", bilingual("การนำเข้าแบบนี้ยกเลิกไม่ได้", "this kind of import cannot be undone"))
