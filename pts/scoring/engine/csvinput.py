"""The `pts score` input files: monthly figures and governance evidence, as CSV.

Figures: header `unit,month,category,allocated,disbursed[,committed][,fund]`, one row per unit ×
month × category; amounts in baht (thousands separators and Thai digits allowed), cumulative at
month end. `fund`, a 7-digit GFMIS source-of-funds code, classifies a row into its category (the
category column may then be left out) and lets rows of one unit, month and category from
different codes be summed; without it a second such row is a duplicate.
Evidence: header `unit,item,posted[,month]`; `month` names the month a monthly item reports on.
Both: UTF-8 (with or without BOM) or cp874, read by `pts.core.csvread` (streamed, errors capped).
Every row is validated and the errors collected (line, column, value, Thai / English) before
anything is built. The common case, plain ASCII digits, is parsed with int() and no Decimal;
every amount, however read, is held to the one ceiling (`pts.core.money.check_amount`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import date
from operator import itemgetter
from typing import BinaryIO

from pts.core.categories import CATEGORY_NAMES, CATEGORY_TH, fund_code_category, is_fund_code
from pts.core.csvread import CsvError, Issue, IssueLog, Table, decode
from pts.core.fiscal import FiscalError, Month, parse_date, parse_month
from pts.core.money import MoneyError, check_amount, max_amount_satang, parse_satang
from pts.core.thai import DigitError, bilingual, foreign_digit, foreign_digit_message, strict_digits
from pts.scoring.engine.inputs import CATEGORIES, Evidence, Figures, UnitData
from pts.scoring.engine.rules import RuleSet

FIGURE_COLUMNS = {
    "unit": ("unit", "หน่วยงาน", "หน่วยเบิกจ่าย"),
    "month": ("month", "เดือน"),
    "category": ("category", "หมวด", "หมวดรายจ่าย", "งบรายจ่าย"),
    "allocated": ("allocated", "เงินจัดสรร", "จัดสรร"),
    "disbursed": ("disbursed", "เบิกจ่าย", "เบิกจ่ายสะสม"),
    "committed": ("committed", "ก่อหนี้ผูกพัน"),
    "fund": ("fund", "fund_code", "source_of_funds", "แหล่งของเงิน", "รหัสแหล่งของเงิน"),
}
EVIDENCE_COLUMNS = {
    "unit": ("unit", "หน่วยงาน", "หน่วยเบิกจ่าย"),
    "item": ("item", "รายการ"),
    "month": ("month", "เดือน"),
    "posted": ("posted", "date", "วันที่"),
}
_CAT_INDEX = {name: CATEGORIES.index(c) for name, c in CATEGORY_NAMES.items()}
_NCAT = len(CATEGORIES)


InputError = CsvError  # the name `pts score` and its tests have always caught
__all__ = ["InputError", "Issue", "decode", "read_evidence", "read_figures", "split_by_unit"]


def _slow_amount(text: str) -> int | str:
    """Satang, or a bilingual error message."""
    if not text.strip():
        return bilingual("ต้องระบุจำนวนเงิน", "an amount is required")
    if (ch := foreign_digit(text)) is not None:
        return foreign_digit_message(text, ch)
    try:
        satang = parse_satang(text)
    except MoneyError as exc:
        return str(exc)
    if satang < 0:
        return bilingual("จำนวนเงินต้องไม่ติดลบ", "the amount must not be negative")
    return satang


def read_figures(data: bytes | str | BinaryIO, rules: RuleSet) -> tuple[list[UnitData], list[Issue]]:
    """Units in order of first appearance, and warnings. Raises InputError listing the errors
    (the first hundred, then how many more).

    An optimistic loop reads a clean file held in memory; at the first thing that needs a message
    (an error, a warning, an unusual amount) it gives up and the careful reader, which words every
    message, reads the file again from the top. `data` is the file's bytes, its text already
    decoded, or a binary stream (a file too big to hold: only the careful reader, streaming).
    """
    if not isinstance(data, bytes | str):
        return _read_rows(data, rules)
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
    if text.count('"') % 2:
        return None  # a quote never closed: the file ends inside it
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None) or []
    names = {alias: key for key, aliases in FIGURE_COLUMNS.items() for alias in aliases}
    keys = [names.get(cell.strip().lower()) for cell in header]
    wanted = ("unit", "month", "category", "allocated", "disbursed")
    if "committed" in keys or "fund" in keys or not all(keys.count(k) == 1 for k in wanted):
        return None
    spelled = [names.get(name, name) for name in (cell.strip().lower() for cell in header) if name]
    if len(set(spelled)) != len(spelled):
        return None  # a column named twice: the careful reader refuses it
    width = len(header)
    pick = itemgetter(*(keys.index(k) for k in wanted))
    fiscal = {m: i for i, m in enumerate(rules.months)}
    months_of = _MonthIndex(fiscal, rules.fiscal_year)
    by_unit = _UnitRows()
    odd = "_" in text or "+" in text  # characters int() takes that an amount may not have
    limit = max_amount_satang()  # disbursed <= allocated below, so allocated is the one to check
    rows = 0
    try:
        for fields in reader:
            if len(fields) != width:
                raise _Bail  # a field too many ("1,000,000" unquoted) or too few, or a blank line
            rows += 1
            unit, label, cat, a, d = pick(fields)
            category = CATEGORY_NAMES[cat]
            # "1234.50" -> int("123450") satang: int() is the check; thousands separators and
            # anything int() refuses go to _fast_amount, signs and "_" (int() takes them) bail below
            try:
                allocated = int(a.replace(".", "", 1)) if a[-3:-2] == "." else int(a) * 100
                disbursed = int(d.replace(".", "", 1)) if d[-3:-2] == "." else int(d) * 100
            except ValueError:
                allocated, disbursed = _fast_amount(a), _fast_amount(d)
            if allocated > limit or disbursed > allocated or disbursed < 0 or (odd and ("_" in a or "_" in d or "+" in a or "+" in d)):
                raise _Bail
            row = by_unit[unit][months_of[label]]
            if category in row:
                raise _Bail
            row[category] = _figures(Figures, (allocated, disbursed, 0))
    except (_Bail, KeyError, IndexError, ValueError, csv.Error):
        return None
    if rows == 0 or reader.line_num != rows + 1:
        return None  # nothing to score, or a quoted field ran over a line break: both need words
    out = []
    for code, months in by_unit.items():
        present = [row.keys() for row in months if row]
        if any(keys != present[0] for keys in present):
            return None  # a category missing in some month: the careful reader reports the gap
        out.append(UnitData(code=code, months={rules.months[i]: row for i, row in enumerate(months) if row}))
    return out


_NOTHING = bilingual("ไฟล์มีแต่หัวตาราง ไม่มีแถวข้อมูล: ไม่มีอะไรให้คิดคะแนน",
                     "the file has a header but no rows: nothing to score")


def _read_rows(source: str | BinaryIO, rules: RuleSet) -> tuple[list[UnitData], list[Issue]]:
    log = IssueLog()
    table = Table(source, FIGURE_COLUMNS, ("unit", "month", "allocated", "disbursed"), log)
    cols = table.columns
    if "category" not in cols and "fund" not in cols:
        log.add(Issue(1, "category", ",".join(table.header), bilingual(
            "ไม่มีคอลัมน์ category หรือ fund (รหัสแหล่งของเงิน)",
            "missing column category (or fund, the source-of-funds code)")))  # fmt: skip
        raise log.error()
    iu, im, ia, idis = (cols[k] for k in ("unit", "month", "allocated", "disbursed"))
    ic, icm, ifund = cols.get("category"), cols.get("committed"), cols.get("fund")
    fiscal = {m: i for i, m in enumerate(rules.months)}
    limit = max_amount_satang()
    month_cache: dict[str, int | str] = {}
    warnings = IssueLog()
    cells: dict[str, dict[int, tuple[int, int, int, int]]] = {}
    funds: dict[tuple[str, int], dict[str, int]] = {}  # (unit, cell) -> fund code -> its line
    for line, row in table:
        unit, label = row[iu].strip(), row[im]
        bad = len(log)
        if not unit:
            log.add(Issue(line, "unit", "", bilingual("ต้องระบุหน่วยงาน", "the unit is required")))
        elif not unit.isascii() and (ch := foreign_digit(unit)) is not None:
            log.add(Issue(line, "unit", unit, foreign_digit_message(unit, ch)))
        mi = month_cache.get(label)
        if mi is None:
            mi = _month_index(label, fiscal, rules.fiscal_year)
            if isinstance(mi, int) or len(month_cache) < 1000:  # junk of any size keeps it small
                month_cache[label] = mi
        if isinstance(mi, str):
            log.add(Issue(line, "month", label, mi))
        fund = ""
        if ifund is not None:
            ci, fund = _category(line, row, ic, ifund, log)
        elif (ci := _CAT_INDEX.get(row[ic] if ic is not None else "")) is None:
            ci, _ = _category(line, row, ic, None, log)  # the careful way, with its message
        amounts = []
        for column, index in (("allocated", ia), ("disbursed", idis), ("committed", icm)):
            if index is None:
                amounts.append(0)
                continue
            text = row[index]
            satang: int | None = None
            if len(text) > 24:  # far past the ceiling; int() refuses 4,300 digits: parse_satang words it
                pass
            elif text.isascii() and text.isdigit():
                satang = int(text) * 100
            else:
                whole, dot, frac = text.partition(".")
                if dot and len(frac) <= 2 and whole.isascii() and whole.isdigit() and frac.isascii() and frac.isdigit():
                    satang = int(whole) * 100 + int(frac.ljust(2, "0"))
            if satang is not None:
                if satang > limit:
                    try:
                        check_amount(satang, maximum=limit)
                    except MoneyError as exc:
                        log.add(Issue(line, column, text, str(exc)))
                    satang = 0
                amounts.append(satang)
                continue
            if column == "committed" and not text.strip():
                amounts.append(0)
                continue
            value = _slow_amount(text)
            if isinstance(value, str):
                log.add(Issue(line, column, text, value))
                amounts.append(0)
            else:
                amounts.append(value)
        if len(log) > bad:
            continue
        allocated, disbursed, committed = amounts
        assert isinstance(mi, int) and ci is not None  # the row had no error
        key = mi * _NCAT + ci
        unit_cells = cells.get(unit)
        if unit_cells is None:
            unit_cells = cells[unit] = {}
        if disbursed > allocated:
            warnings.add(Issue(line, "disbursed", row[idis], bilingual(
                "เบิกจ่ายสะสมเกินเงินจัดสรร (ร้อยละเกิน 100)", "disbursed exceeds allocated (over 100 per cent)")))  # fmt: skip
        if key not in unit_cells:
            unit_cells[key] = (allocated, disbursed, committed, line)
            if fund:
                funds[unit, key] = {fund: line}
            continue
        first = unit_cells[key][3]
        where = f"{unit},{label},{CATEGORIES[ci]}"
        if fund and fund not in funds[unit, key]:
            a0, d0, c0, _ = unit_cells[key]
            unit_cells[key] = (a0 + allocated, d0 + disbursed, c0 + committed, first)
            funds[unit, key][fund] = line
        elif fund:
            log.add(Issue(line, "fund", fund, bilingual(
                f"ซ้ำกับบรรทัด {funds[unit, key][fund]} (หน่วยงาน เดือน หมวด และรหัสแหล่งของเงินเดียวกัน)",
                f"duplicates line {funds[unit, key][fund]} (same unit, month, category and source-of-funds code)")))  # fmt: skip
        else:
            log.add(Issue(line, "", where, bilingual(
                f"ซ้ำกับบรรทัด {first} (หน่วยงาน เดือน และหมวดเดียวกัน) หากเป็นเงินจากแหล่งของเงินต่างกัน "
                "ให้เพิ่มคอลัมน์ fund ใส่รหัสแหล่งของเงิน 7 หลักของแต่ละแถว แล้วระบบจะรวมยอดให้",
                f"duplicates line {first} (same unit, month and category); if the rows are money from "
                "different sources of funds, add a fund column with each row's 7-digit source-of-funds "
                "code and they are summed")))  # fmt: skip
    if table.rows == 0 and not len(log):
        log.add(Issue(None, "", "", _NOTHING))
    if len(log) == 0:
        log.extend(_gaps(cells, rules.months))
    if len(log):
        raise log.error()
    return [_unit(code, unit_cells, rules.months) for code, unit_cells in cells.items()], warnings.listing()


def _category(line: int, row: list[str], ic: int | None, ifund: int | None, log: IssueLog) -> tuple[int | None, str]:
    """The row's category index and its source-of-funds code ("" without one); errors go to log."""
    cat = row[ic] if ic is not None and ic < len(row) else ""
    raw = row[ifund].strip() if ifund is not None and ifund < len(row) else ""
    ci: int | None = None
    if cat.strip():
        ci = _CAT_INDEX.get(cat)
        if ci is None:
            ci = _CAT_INDEX.get(cat.strip().lower())
        if ci is None:
            log.add(Issue(line, "category", cat, bilingual(
                f"ไม่รู้จักหมวดรายจ่าย ({' '.join(CATEGORY_TH.values())})",
                f"unknown category ({', '.join(CATEGORIES)})")))  # fmt: skip
            return None, ""
    if not raw:
        if ci is None:
            log.add(Issue(line, "category", "", bilingual(
                "ต้องระบุหมวดรายจ่ายหรือรหัสแหล่งของเงิน", "a category (or a source-of-funds code) is required")))  # fmt: skip
        return ci, ""
    try:
        fund = strict_digits(raw)
    except DigitError as exc:
        log.add(Issue(line, "fund", raw, str(exc)))
        return None, ""
    by_code = fund_code_category(fund) if is_fund_code(fund) else None
    if by_code is None:
        log.add(Issue(line, "fund", raw, bilingual(
            "ไม่ใช่รหัสแหล่งของเงินที่รู้จัก (ตัวเลข 7 หลัก YYBBXXX เช่น 6611200)",
            "not a known source-of-funds code (7 digits YYBBXXX, e.g. 6611200)")))  # fmt: skip
        return None, ""
    if ci is not None and CATEGORIES[ci] != by_code:
        log.add(Issue(line, "fund", raw, bilingual(
            f"รหัสแหล่งของเงินเป็นของ{CATEGORY_TH[by_code]} แต่หมวดระบุว่า{CATEGORY_TH[CATEGORIES[ci]]}",
            f"the source-of-funds code is {by_code} money but the category says {CATEGORIES[ci]}")))  # fmt: skip
        return None, ""
    return _CAT_INDEX[by_code], fund


def split_by_unit(text: str, parts: int) -> list[str] | None:
    """The file as `parts` smaller files (each with the header) that cut only where the unit changes.

    None when that cannot be done safely: no unit column, a quoted field running over a cut, no
    change of unit near a cut, or a line the csv module cannot read (the careful reader says why).
    A unit whose rows are scattered is caught later (it appears in two parts) by whoever reads
    the parts.
    """
    try:
        return _split_by_unit(text, parts)
    except csv.Error:
        return None


def _split_by_unit(text: str, parts: int) -> list[str] | None:
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


def read_evidence(data: bytes | str | BinaryIO, rules: RuleSet) -> dict[str, list[Evidence]]:
    """unit -> evidence. Raises InputError listing the errors (the first hundred, then how many more)."""
    log = IssueLog()
    table = Table(data, EVIDENCE_COLUMNS, ("unit", "item", "posted"), log)
    cols = table.columns
    items = evidence_items(rules)
    known = ", ".join(items) or "-"
    fiscal = set(rules.months)
    out: dict[str, list[Evidence]] = {}
    for line, row in table:
        unit, item, text = row[cols["unit"]].strip(), row[cols["item"]].strip(), row[cols["posted"]].strip()
        month_text = row[cols["month"]].strip() if "month" in cols and cols["month"] < len(row) else ""
        bad = len(log)
        if not unit:
            log.add(Issue(line, "unit", "", bilingual("ต้องระบุหน่วยงาน", "the unit is required")))
        if item not in items:
            log.add(Issue(line, "item", item, bilingual(f"ไม่รู้จักรายการ (มี {known})", f"unknown item ({known})")))
        posted: date | None = None
        try:
            posted = parse_date(text)
        except FiscalError as exc:
            log.add(Issue(line, "posted", text, str(exc)))
        period: Month | None = None
        if items.get(item) and not month_text:
            log.add(Issue(line, "month", "", bilingual(
                "รายการรายเดือนต้องระบุเดือนที่รายงาน", "a monthly item needs the month it reports on")))  # fmt: skip
        elif items.get(item):
            try:
                period = parse_month(month_text)
                if period not in fiscal:
                    log.add(Issue(line, "month", month_text, bilingual(
                        "เดือนนี้อยู่นอกปีงบประมาณ", "the month is outside the fiscal year")))  # fmt: skip
            except FiscalError as exc:
                log.add(Issue(line, "month", month_text, str(exc)))
        if len(log) == bad and posted is not None:
            out.setdefault(unit, []).append(Evidence(item, posted, period))
    if len(log):
        raise log.error()
    return out
