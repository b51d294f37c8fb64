"""The `pts score` input files: monthly figures and governance evidence, as CSV.

Figures: header `unit,month,category,allocated,disbursed[,committed]`, one row per unit × month ×
category; amounts in baht (thousands separators and Thai digits allowed), cumulative at month end.
Evidence: header `unit,item,posted[,month]`; `month` names the month a monthly item reports on.
Both: UTF-8 (with or without BOM) or cp874. Every row is validated and every error is collected
(line, column, value, Thai / English) before anything is built. The common case, plain ASCII
digits, is parsed with int() and no Decimal.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from operator import itemgetter

from pts.core.categories import CATEGORY_NAMES, CATEGORY_TH
from pts.core.fiscal import FiscalError, Month, parse_date, parse_month
from pts.core.money import MoneyError, parse_satang
from pts.core.thai import bilingual
from pts.scoring.engine.inputs import CATEGORIES, Evidence, Figures, UnitData
from pts.scoring.engine.rules import RuleSet

FIGURE_COLUMNS = {
    "unit": ("unit", "หน่วยงาน", "หน่วยเบิกจ่าย"),
    "month": ("month", "เดือน"),
    "category": ("category", "หมวด", "หมวดรายจ่าย", "งบรายจ่าย"),
    "allocated": ("allocated", "เงินจัดสรร", "จัดสรร"),
    "disbursed": ("disbursed", "เบิกจ่าย", "เบิกจ่ายสะสม"),
    "committed": ("committed", "ก่อหนี้ผูกพัน"),
}
EVIDENCE_COLUMNS = {
    "unit": ("unit", "หน่วยงาน", "หน่วยเบิกจ่าย"),
    "item": ("item", "รายการ"),
    "month": ("month", "เดือน"),
    "posted": ("posted", "date", "วันที่"),
}
_CAT_INDEX = {name: CATEGORIES.index(c) for name, c in CATEGORY_NAMES.items()}
_NCAT = len(CATEGORIES)


@dataclass(frozen=True)
class Issue:
    """A problem in an input file; line is None for a problem of a whole unit."""

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


class InputError(ValueError):
    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("\n".join(map(str, issues)))


def decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped), else cp874, the encoding Thai Excel saves CSV in."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp874")
    except UnicodeDecodeError as exc:
        raise InputError([Issue(None, "", "", bilingual(
            f"อ่านไฟล์ไม่ได้: ไม่ใช่ UTF-8 หรือ cp874 (ไบต์ที่ {exc.start})",
            f"cannot read the file: neither UTF-8 nor cp874 (byte {exc.start})",
        ))]) from None  # fmt: skip


def _header(reader: Iterator[list[str]], wanted: dict[str, tuple[str, ...]], required: Sequence[str]) -> dict[str, int]:
    header = next(reader, None)
    if header is None:
        raise InputError([Issue(1, "", "", bilingual("ไฟล์ว่าง", "the file is empty"))])
    names = {alias: key for key, aliases in wanted.items() for alias in aliases}
    columns: dict[str, int] = {}
    for i, cell in enumerate(header):
        key = names.get(cell.strip().lower())
        if key is not None and key not in columns:
            columns[key] = i
    missing = [k for k in required if k not in columns]
    if missing:
        expected = ",".join(required)
        raise InputError([
            Issue(1, k, ",".join(header), bilingual(f"ไม่มีคอลัมน์ {k} (หัวตารางต้องเป็น {expected})",
                                                    f"missing column {k} (the header must be {expected})"))
            for k in missing
        ])  # fmt: skip
    return columns


def _slow_amount(text: str) -> int | str:
    """Satang, or a bilingual error message."""
    if not text.strip():
        return bilingual("ต้องระบุจำนวนเงิน", "an amount is required")
    try:
        satang = parse_satang(text)
    except MoneyError as exc:
        return str(exc)
    if satang < 0:
        return bilingual("จำนวนเงินต้องไม่ติดลบ", "the amount must not be negative")
    return satang


def read_figures(data: bytes | str, rules: RuleSet) -> tuple[list[UnitData], list[Issue]]:
    """Units in order of first appearance, and warnings. Raises InputError listing every error.

    An optimistic loop reads a clean file; at the first thing that needs a message (an error, a
    warning, an unusual amount) it gives up and the careful reader, which words every message,
    reads the file again from the top. `data` is the file's bytes, or its text already decoded.
    """
    text = data if isinstance(data, str) else decode(data)
    units = _read_fast(text, rules)
    if units is not None:
        return units, []
    return _read_rows(text, rules)


_figures = tuple.__new__  # Figures without its Python-level __new__: 600,000 rows add up


class _Bail(Exception):
    """The fast reader met something only the careful reader may report."""


_FOREIGN = re.compile(r"[^\x00-\x7f\u0e00-\u0e7f\ufeff]")  # beyond ASCII, Thai and a BOM
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d\d)?")


def _fast_amount(text: str) -> int:
    """Satang of "1,234.50", "1,234", "1234.50" or "1234"; anything else is for the careful reader."""
    whole, dot, frac = text.partition(".")
    if whole.isdigit() and (not dot or (len(frac) == 2 and frac.isdigit())):
        return int(whole) * 100 + (int(frac) if dot else 0)
    if _GROUPED.fullmatch(text):
        whole = whole.replace(",", "")
        return int(whole) * 100 + (int(frac) if dot else 0)
    raise _Bail


class _MonthIndex(dict[str, int]):
    """Month label -> fiscal position, each label parsed once; an unusable one bails."""

    def __init__(self, fiscal: dict[Month, int], be_year: int) -> None:
        super().__init__()
        self.fiscal, self.be_year = fiscal, be_year

    def __missing__(self, label: str) -> int:
        found = _month_index(label, self.fiscal, self.be_year)
        if isinstance(found, str):
            raise _Bail
        self[label] = found
        return found


class _UnitRows(dict[str, list[dict[str, Figures]]]):
    """Unit code -> twelve month rows, made on first sight; a blank or padded code bails."""

    def __missing__(self, unit: str) -> list[dict[str, Figures]]:
        if not unit or unit != unit.strip():
            raise _Bail
        rows: list[dict[str, Figures]] = [{} for _ in range(12)]
        self[unit] = rows
        return rows


def _read_fast(text: str, rules: RuleSet) -> list[UnitData] | None:
    if not text.isascii() and _FOREIGN.search(text):
        return None  # int() reads every script's digits; the careful reader takes ASCII and Thai only
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    names = {alias: key for key, aliases in FIGURE_COLUMNS.items() for alias in aliases}
    keys = [names.get(cell.strip().lower()) for cell in header or ()]
    wanted = ("unit", "month", "category", "allocated", "disbursed")
    if "committed" in keys or not all(keys.count(k) == 1 for k in wanted):
        return None
    pick = itemgetter(*(keys.index(k) for k in wanted))
    fiscal = {m: i for i, m in enumerate(rules.months)}
    months_of = _MonthIndex(fiscal, rules.fiscal_year)
    by_unit = _UnitRows()
    odd = "_" in text or "+" in text  # characters int() takes that an amount may not have
    try:
        for unit, label, cat, a, d in map(pick, reader):
            category = CATEGORY_NAMES[cat]
            # "1234.50" -> int("123450") satang: int() is the check; thousands separators and
            # anything int() refuses go to _fast_amount, signs and "_" (int() takes them) bail below
            try:
                allocated = int(a.replace(".", "", 1)) if a[-3:-2] == "." else int(a) * 100
                disbursed = int(d.replace(".", "", 1)) if d[-3:-2] == "." else int(d) * 100
            except ValueError:
                allocated, disbursed = _fast_amount(a), _fast_amount(d)
            if disbursed > allocated or disbursed < 0 or (odd and ("_" in a or "_" in d or "+" in a or "+" in d)):
                raise _Bail
            row = by_unit[unit][months_of[label]]
            if category in row:
                raise _Bail
            row[category] = _figures(Figures, (allocated, disbursed, 0))
    except (_Bail, KeyError, IndexError, ValueError):
        return None
    out = []
    for code, months in by_unit.items():
        present = [row.keys() for row in months if row]
        if any(keys != present[0] for keys in present):
            return None  # a category missing in some month: the careful reader reports the gap
        out.append(UnitData(code=code, months={rules.months[i]: row for i, row in enumerate(months) if row}))
    return out


def _read_rows(text: str, rules: RuleSet) -> tuple[list[UnitData], list[Issue]]:
    reader = csv.reader(io.StringIO(text))
    cols = _header(reader, FIGURE_COLUMNS, ("unit", "month", "category", "allocated", "disbursed"))
    iu, im, ic, ia, idis = (cols[k] for k in ("unit", "month", "category", "allocated", "disbursed"))
    icm = cols.get("committed")
    width = max(cols.values()) + 1
    fiscal = {m: i for i, m in enumerate(rules.months)}
    month_cache: dict[str, int | str] = {}
    errors: list[Issue] = []
    warnings: list[Issue] = []
    cells: dict[str, dict[int, tuple[int, int, int, int]]] = {}
    for row in reader:
        line = reader.line_num
        if len(row) < width:
            if any(cell.strip() for cell in row):
                errors.append(Issue(line, "", ",".join(row), bilingual(
                    f"มี {len(row)} ช่อง ต้องมีอย่างน้อย {width}", f"has {len(row)} fields, expected {width}")))  # fmt: skip
            continue
        unit, label, cat = row[iu].strip(), row[im], row[ic]
        bad = len(errors)
        if not unit:
            errors.append(Issue(line, "unit", "", bilingual("ต้องระบุหน่วยงาน", "the unit is required")))
        mi = month_cache.get(label)
        if mi is None:
            mi = month_cache[label] = _month_index(label, fiscal, rules.fiscal_year)
        if isinstance(mi, str):
            errors.append(Issue(line, "month", label, mi))
        ci = _CAT_INDEX.get(cat)
        if ci is None:
            ci = _CAT_INDEX.get(cat.strip().lower())
            if ci is None:
                errors.append(Issue(line, "category", cat, bilingual(
                    f"ไม่รู้จักหมวดรายจ่าย ({' '.join(CATEGORY_TH.values())})",
                    f"unknown category ({', '.join(CATEGORIES)})")))
        amounts = []
        for column, index in (("allocated", ia), ("disbursed", idis), ("committed", icm)):
            if index is None:
                amounts.append(0)
                continue
            text = row[index]
            if text.isascii() and text.isdigit():
                amounts.append(int(text) * 100)
                continue
            whole, dot, frac = text.partition(".")
            if dot and len(frac) <= 2 and whole.isascii() and whole.isdigit() and frac.isascii() and frac.isdigit():
                amounts.append(int(whole) * 100 + int(frac.ljust(2, "0")))
                continue
            if column == "committed" and not text.strip():
                amounts.append(0)
                continue
            value = _slow_amount(text)
            if isinstance(value, str):
                errors.append(Issue(line, column, text, value))
                amounts.append(0)
            else:
                amounts.append(value)
        if len(errors) > bad:
            continue
        allocated, disbursed, committed = amounts
        assert isinstance(mi, int) and ci is not None  # the row had no error
        key = mi * _NCAT + ci
        unit_cells = cells.get(unit)
        if unit_cells is None:
            unit_cells = cells[unit] = {}
        elif key in unit_cells:
            first = unit_cells[key][3]
            errors.append(Issue(line, "", f"{unit},{label},{cat}", bilingual(
                f"ซ้ำกับบรรทัด {first} (หน่วยงาน เดือน และหมวดเดียวกัน)",
                f"duplicates line {first} (same unit, month and category)")))  # fmt: skip
            continue
        if disbursed > allocated:
            warnings.append(Issue(line, "disbursed", row[idis], bilingual(
                "เบิกจ่ายสะสมเกินเงินจัดสรร (ร้อยละเกิน 100)", "disbursed exceeds allocated (over 100 per cent)")))  # fmt: skip
        unit_cells[key] = (allocated, disbursed, committed, line)
    errors.extend(_gaps(cells, rules.months))
    if errors:
        raise InputError(errors)
    return [_unit(code, unit_cells, rules.months) for code, unit_cells in cells.items()], warnings


def split_by_unit(text: str, parts: int) -> list[str] | None:
    """The file as `parts` smaller files (each with the header) that cut only where the unit changes.

    None when that cannot be done safely: no unit column, a quoted field running over a cut, or no
    change of unit near a cut. A unit whose rows are scattered is caught later (it appears in two
    parts) by whoever reads the parts.
    """
    start = text.find("\n") + 1
    if start == 0 or parts < 2:
        return None
    names = {alias: key for key, aliases in FIGURE_COLUMNS.items() for alias in aliases}
    header = [names.get(cell.strip().lower()) for cell in next(csv.reader([text[:start]]), [])]
    if "unit" not in header:
        return None
    column = header.index("unit")

    def unit_at(pos: int) -> str | None:  # the unit of the line starting at pos
        end = text.find("\n", pos)
        cells = next(csv.reader([text[pos : end if end >= 0 else len(text)]]), [])
        return cells[column].strip() if len(cells) > column else None

    cuts = [start]
    for k in range(1, parts):
        prev = text.rfind("\n", 0, start + (len(text) - start) * k // parts) + 1
        if prev <= cuts[-1]:
            continue  # the previous cut already passed this point: one part fewer
        pos = text.find("\n", prev) + 1
        for _ in range(1000):  # a unit has 60 rows: a change comes soon
            if pos <= 0 or pos >= len(text) or unit_at(prev) != unit_at(pos):
                break
            prev, pos = pos, text.find("\n", pos) + 1
        else:
            return None
        if pos <= 0 or pos >= len(text):
            break  # the rest of the file is one unit
        if text.count('"', 0, pos) % 2:
            return None  # the cut would fall inside a quoted field
        cuts.append(pos)
    if len(cuts) < 2:
        return None
    head = text[:start]
    return [head + text[a:b] for a, b in zip(cuts, [*cuts[1:], len(text)], strict=True)]


def _month_index(label: str, fiscal: dict[Month, int], be_year: int) -> int | str:
    try:
        month = parse_month(label)
    except FiscalError as exc:
        return str(exc)
    if month not in fiscal:
        return bilingual(f"เดือนนี้อยู่นอกปีงบประมาณ {be_year}", f"the month is outside fiscal year {be_year}")
    return fiscal[month]


def _gaps(cells: dict[str, dict[int, tuple[int, int, int, int]]], months: Sequence[Month]) -> list[Issue]:
    """A category a unit reports in some of its months must be in all of them: a gap is an error."""
    issues = []
    for unit, unit_cells in cells.items():
        present_months = sorted({k // _NCAT for k in unit_cells})
        present_cats = sorted({k % _NCAT for k in unit_cells})
        if len(unit_cells) == len(present_months) * len(present_cats):
            continue
        for mi in present_months:
            for ci in present_cats:
                if mi * _NCAT + ci not in unit_cells:
                    issues.append(Issue(None, "", f"{unit},{months[mi].iso()},{CATEGORIES[ci]}", bilingual(
                        f"หน่วยงาน {unit} ไม่มีแถว {CATEGORIES[ci]} ของเดือน {months[mi].thai_short()} (มีในเดือนอื่น)",
                        f"unit {unit} has no {CATEGORIES[ci]} row for {months[mi].iso()} (it has one in other months)",
                    )))  # fmt: skip
    return issues


def _unit(code: str, unit_cells: dict[int, tuple[int, int, int, int]], months: Sequence[Month]) -> UnitData:
    by_month: dict[Month, dict[str, Figures]] = {}
    for key, (a, d, c, _line) in unit_cells.items():
        mi, ci = divmod(key, _NCAT)
        month = months[mi]
        row = by_month.get(month)
        if row is None:
            row = by_month[month] = {}
        row[CATEGORIES[ci]] = Figures(a, d, c)
    return UnitData(code=code, months=by_month)


def evidence_items(rules: RuleSet) -> dict[str, bool]:
    """Checklist item id -> is it monthly."""
    return {i.id: i.monthly for c in rules.criteria for i in c.items}


def read_evidence(data: bytes, rules: RuleSet) -> dict[str, list[Evidence]]:
    """unit -> evidence. Raises InputError listing every error."""
    reader = csv.reader(io.StringIO(decode(data)))
    cols = _header(reader, EVIDENCE_COLUMNS, ("unit", "item", "posted"))
    items = evidence_items(rules)
    known = ", ".join(items) or "-"
    fiscal = set(rules.months)
    errors: list[Issue] = []
    out: dict[str, list[Evidence]] = {}
    width = max(cols.values()) + 1
    for row in reader:
        line = reader.line_num
        if len(row) < width:
            if any(cell.strip() for cell in row):
                errors.append(Issue(line, "", ",".join(row), bilingual(
                    f"มี {len(row)} ช่อง ต้องมีอย่างน้อย {width}", f"has {len(row)} fields, expected {width}")))  # fmt: skip
            continue
        unit, item, text = row[cols["unit"]].strip(), row[cols["item"]].strip(), row[cols["posted"]].strip()
        month_text = row[cols["month"]].strip() if "month" in cols else ""
        bad = len(errors)
        if not unit:
            errors.append(Issue(line, "unit", "", bilingual("ต้องระบุหน่วยงาน", "the unit is required")))
        if item not in items:
            errors.append(Issue(line, "item", item, bilingual(f"ไม่รู้จักรายการ (มี {known})", f"unknown item ({known})")))
        posted: date | None = None
        try:
            posted = parse_date(text)
        except FiscalError as exc:
            errors.append(Issue(line, "posted", text, str(exc)))
        period: Month | None = None
        if items.get(item) and not month_text:
            errors.append(Issue(line, "month", "", bilingual(
                "รายการรายเดือนต้องระบุเดือนที่รายงาน", "a monthly item needs the month it reports on")))  # fmt: skip
        elif items.get(item):
            try:
                period = parse_month(month_text)
                if period not in fiscal:
                    errors.append(Issue(line, "month", month_text, bilingual(
                        "เดือนนี้อยู่นอกปีงบประมาณ", "the month is outside the fiscal year")))  # fmt: skip
            except FiscalError as exc:
                errors.append(Issue(line, "month", month_text, str(exc)))
        if len(errors) == bad and posted is not None:
            out.setdefault(unit, []).append(Evidence(item, posted, period))
    if errors:
        raise InputError(errors)
    return out
