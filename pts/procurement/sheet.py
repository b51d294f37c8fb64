"""The PTS spreadsheet: export projects in the familiar layout and read the same layout back.

Layout (sheet "PTS"): row 1 Thai headers, row 2 column keys (what the import checks), data from
row 3, one row per project: agency, disbursing-unit code, project, category, source-of-funds
code, allocated, reference price, method, contract term, e-GP number, responsible officer, then a
planned / actual column pair per milestone of the template, contract number / date / value /
contractor, PO number / date, obstacles, remedy, last updated.

Decisions that keep the round trip lossless:
- Dates are text, dd/mm/BBBB in BE ("15/11/2566"): no spreadsheet turns them into CE serials.
  A real date cell typed by a user is read too.
- Amounts are numbers (Decimal written exactly, "#,##0.00"). A numeric cell comes out of
  python-calamine as a binary float; it is turned into Decimal through its shortest repr and
  refused if that has more than two decimals. No arithmetic is ever done on a float.
- Codes (unit, source of funds, e-GP) are text, so leading zeros survive.
- Text goes through pts.ui.exports.safe_cell (a leading = + - @ tab or CR gets an apostrophe);
  a text that itself begins with an apostrophe gets one more. The import removes exactly one
  apostrophe in front of those characters, so "-ล่าช้า" comes back as "-ล่าช้า".
- "agency" and "last updated" are written by the system and ignored on import.
- The contract date column repeats the contract-signed actual date; on import they must agree.

Reading never writes: `read_sheet` parses and validates every cell against the database as it is
and returns the planned changes and the errors (each naming sheet, row, column and value, in Thai
and English). `pts.procurement.actions.sheet_import` commits a sheet without errors in one
transaction.
"""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from pts.budget.models import FiscalYear
from pts.core.categories import CATEGORIES as BUDGET_CATEGORIES
from pts.core.categories import category_th
from pts.core.fiscal import FiscalError, parse_date, thai_date_numeric
from pts.core.money import MoneyError, check_amount, from_satang, parse_satang, to_satang
from pts.core.tabular import TabularRefused, open_tabular
from pts.core.thai import bilingual, normalize_digits
from pts.organisations import permissions
from pts.organisations.models import Org
from pts.organisations.permissions import Actor
from pts.procurement import queries
from pts.procurement.models import (
    Method,
    Project,
    RoundUpdate,
    actual_refusal,
    clean_egp,
    clean_fund_code,
    clean_money,
    clean_text,
    planned_change_refusal,
)
from pts.procurement.schedule import CONTRACT, DEFAULT_TEMPLATE, load_template
from pts.ui.exports import DANGEROUS_PREFIXES, safe_cell

SHEET = "PTS"
FIRST_DATA_ROW = 3
MAX_ROWS = 20_000
MONEY_FORMAT = "#,##0.00"

METHOD_LABELS: dict[str, str] = {Method.E_BIDDING: "e-bidding", Method.E_MARKET: "e-market", Method.SPECIFIC: "เฉพาะเจาะจง",
                 Method.SELECTION: "คัดเลือก"}
TERM_LABELS = {False: "ปีเดียว", True: "ผูกพันข้ามปี"}


@dataclass(frozen=True)
class Column:
    key: str
    th: str
    en: str
    kind: str  # text, code, money, date, method, category, term, skip
    width: int = 14


def columns(template_id: str = DEFAULT_TEMPLATE) -> list[Column]:
    head = [
        Column("agency", "ส่วนราชการ", "agency", "skip", 30),
        Column("unit_code", "รหัสหน่วยเบิกจ่าย", "disbursing-unit code", "code", 13),
        Column("name", "ชื่อโครงการ", "project", "text", 40),
        Column("category", "หมวดงบ", "budget category", "category", 14),
        Column("fund_code", "รหัสแหล่งของเงิน", "source-of-funds code", "code", 11),
        Column("allocated", "วงเงินงบประมาณ (บาท)", "allocated (baht)", "money", 16),
        Column("reference_price", "ราคากลาง (บาท)", "reference price (baht)", "money", 16),
        Column("method", "วิธีจัดซื้อจัดจ้าง", "method", "method", 13),
        Column("multi_year", "ระยะเวลาสัญญา", "contract term", "term", 13),
        Column("egp_number", "เลขที่โครงการ e-GP", "e-GP project number", "code", 14),
        Column("officer_name", "ผู้รับผิดชอบ", "responsible officer", "text", 20),
    ]
    steps = []
    for m in load_template(template_id).milestones:
        label = f"{m.seq}. {m.name_th}" + (f" ({m.egp_code})" if m.egp_code else "")
        steps += [Column(f"{m.id}.planned", f"{label} - แผน", f"{m.name_en}: planned", "date", 12),
                  Column(f"{m.id}.actual", f"{label} - ผล", f"{m.name_en}: actual", "date", 12)]
    tail = [
        Column("contract_number", "เลขที่สัญญา", "contract number", "text", 16),
        Column("contract_date", "วันที่ลงนามสัญญา", "contract date", "date", 12),
        Column("contract_value", "มูลค่าสัญญา (บาท)", "contract value (baht)", "money", 16),
        Column("contractor", "ผู้รับจ้าง", "contractor", "text", 24),
        Column("po_number", "เลขที่ใบสั่งซื้อ (PO)", "PO number", "text", 14),
        Column("po_date", "วันที่ใบสั่งซื้อ", "PO date", "date", 12),
        Column("obstacles", "ปัญหาอุปสรรค", "obstacles", "text", 40),
        Column("remedy", "แนวทางแก้ไข", "remedy", "text", 40),
        Column("last_updated", "ปรับปรุงล่าสุด", "last updated", "skip", 12),
    ]
    return head + steps + tail


# -- export ------------------------------------------------------------------------------------


def text_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return safe_cell("'" + text if text.startswith("'") else text)


def agency_of(unit: Org) -> Org:
    parent = unit.parent
    return parent if parent is not None and parent.parent_id is not None else unit


def project_row(project: Project, latest: RoundUpdate | None, cols: list[Column]) -> list[Any]:
    """One project as cell values (money as Decimal, dates as BE text, text neutralised)."""
    dates = {m.code: m for m in project.milestones.all()}
    values: dict[str, Any] = {
        "agency": agency_of(project.unit).name_th, "unit_code": project.unit.code, "name": project.name,
        "category": category_th(project.category), "fund_code": project.fund_code,
        "allocated": project.allocated, "reference_price": project.reference_price,
        "method": METHOD_LABELS.get(project.method, project.method),
        "multi_year": TERM_LABELS[project.multi_year], "egp_number": project.egp_number,
        "officer_name": project.officer_name, "contract_number": project.contract_number,
        "contract_date": dates[CONTRACT].actual if CONTRACT in dates else None,
        "contract_value": project.contract_value, "contractor": project.contractor,
        "po_number": project.po_number, "po_date": project.po_date,
        "obstacles": latest.obstacles if latest else "", "remedy": latest.remedy if latest else "",
        "last_updated": timezone.localdate(project.updated_at),
    }
    for code, m in dates.items():
        values[f"{code}.planned"], values[f"{code}.actual"] = m.planned, m.actual
    row: list[Any] = []
    for c in cols:
        v = values.get(c.key)
        if c.kind == "money":
            row.append(None if v is None else from_satang(v))
        elif c.kind == "date" or isinstance(v, date):
            row.append(thai_date_numeric(v))
        else:
            row.append(text_cell(v))
    return row


def export_workbook(projects: Iterable[Project], *, fiscal_year: FiscalYear, latest: dict[int, RoundUpdate]) -> bytes:
    """The PTS sheet of the given projects (scope them first; prefetch milestones)."""
    cols = columns()
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append([c.th for c in cols])
    ws.append([c.key for c in cols])
    head = Font(bold=True)
    for cell in ws[1]:
        cell.font, cell.alignment = head, Alignment(wrap_text=True, vertical="top")
        cell.fill = PatternFill("solid", fgColor="DCE6F1")
    for cell in ws[2]:
        cell.font = Font(color="808080", size=8)
    for i, c in enumerate(cols, 1):
        ws.column_dimensions[get_column_letter(i)].width = c.width
    money = [i for i, c in enumerate(cols) if c.kind == "money"]
    for project in projects:
        ws.append(project_row(project, latest.get(project.pk), cols))
        for i in money:
            ws.cell(ws.max_row, i + 1).number_format = MONEY_FORMAT
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 4)
    wb.properties.title = f"PTS {fiscal_year.be_year}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# -- import: reading cells ---------------------------------------------------------------------


class CellProblem(ValueError):
    """A cell that cannot be read; the message is bilingual."""


def unescape(text: str) -> str:
    """Undo the export's apostrophe: exactly one in front of a formula character or an apostrophe."""
    if text.startswith("'") and text[1:2] and (text[1:].startswith(DANGEROUS_PREFIXES) or text[1] == "'"):
        return text[1:]
    return text


def read_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        raise CellProblem(bilingual("ต้องเป็นข้อความ", "must be text"))
    if isinstance(value, float):
        if not value.is_integer():
            raise CellProblem(bilingual("ต้องเป็นข้อความ", "must be text"))
        value = int(value)
    if isinstance(value, datetime | date):
        raise CellProblem(bilingual("ต้องเป็นข้อความ ไม่ใช่วันที่", "must be text, not a date"))
    return unescape(str(value)).strip()


def read_money(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or isinstance(value, datetime | date):
        raise CellProblem(bilingual("ต้องเป็นจำนวนเงิน", "must be an amount"))
    try:
        if isinstance(value, int):
            return check_amount(to_satang(Decimal(value)))
        if isinstance(value, float):
            if not math.isfinite(value):
                raise CellProblem(bilingual(f"'{value}' ไม่ใช่จำนวนเงิน", f"'{value}' is not an amount"))
            # Shortest repr of the float a spreadsheet stored: exact for any amount typed with 2 decimals.
            return check_amount(to_satang(Decimal(repr(value))))
        return parse_satang(unescape(str(value)).strip())
    except (MoneyError, InvalidOperation) as exc:
        raise CellProblem(str(exc)) from exc


def read_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            raise CellProblem(bilingual("ต้องเป็นวันที่ ไม่มีเวลา", "must be a date without a time"))
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise CellProblem(bilingual("ต้องเป็นวันที่ เช่น 15/11/2566", "must be a date such as 15/11/2566"))
    try:
        return parse_date(value)
    except FiscalError as exc:
        raise CellProblem(str(exc)) from exc


def _aliases(pairs: Iterable[tuple[Any, Iterable[str]]]) -> dict[str, Any]:
    return {" ".join(str(alias).lower().split()): key for key, names in pairs for alias in names}


_T = load_template(DEFAULT_TEMPLATE)
METHODS = _aliases((m, [m, METHOD_LABELS[m], _T.method(m).name_th, _T.method(m).name_en, f"วิธี{METHOD_LABELS[m]}"])
                   for m in Method.values)
CATEGORIES = _aliases((c.code, c.names) for c in BUDGET_CATEGORIES)
TERMS = _aliases([(False, ["ปีเดียว", "single", "single-year", ""]), (True, ["ผูกพันข้ามปี", "ข้ามปี", "multi", "multi-year"])])


def read_choice(value: Any, table: dict[str, Any], th: str, en: str) -> Any:
    key = " ".join(read_text(value).lower().split())
    if key not in table:
        known = ", ".join(sorted({k for k in table if k}))
        raise CellProblem(bilingual(f"ไม่รู้จัก{th} (ใช้ได้: {known})", f"unknown {en} (known: {known})"))
    return table[key]


# -- import: validating rows -------------------------------------------------------------------


@dataclass(frozen=True)
class CellError:
    sheet: str
    row: int
    column: str  # letter
    header: str
    value: Any
    problem: str  # bilingual

    @property
    def message(self) -> str:
        shown = "" if self.value is None else str(self.value)
        return bilingual(
            f"แผ่นงาน {self.sheet} แถว {self.row} คอลัมน์ {self.column} ({self.header}) ค่า '{shown}'",
            f"sheet {self.sheet} row {self.row} column {self.column} ({self.header}) value '{shown}'",
        ) + f": {self.problem}"


@dataclass
class RowPlan:
    row: int
    unit: Org
    name: str
    project: Project | None
    fields: dict[str, Any]
    planned: dict[str, date | None]
    actual: dict[str, date | None]
    obstacles: str
    remedy: str
    changes: list[str] = field(default_factory=list)  # headers of the cells that change something
    round_due: bool = False  # no update filed in the current round yet

    @property
    def kind(self) -> str:
        if self.project is None:
            return "create"
        return "update" if self.changes else ("round" if self.round_due else "unchanged")


@dataclass
class ParsedSheet:
    file_name: str
    sha256: str
    size: int
    sheet: str = SHEET
    rows: list[RowPlan] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        out = {"create": 0, "update": 0, "round": 0, "unchanged": 0}
        for r in self.rows:
            out[r.kind] += 1
        return out


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def read_sheet(content: bytes, *, file_name: str, actor: Actor, fiscal_year: FiscalYear, now: datetime) -> ParsedSheet:
    """Parse and validate a PTS sheet against the database; writes nothing."""
    parsed = ParsedSheet(file_name=file_name, sha256=sha256_of(content), size=len(content))
    cols = columns()

    def fail(row: int, col: int, value: Any, problem: str) -> None:
        c = cols[col] if col < len(cols) else Column("?", "?", "?", "skip")
        parsed.errors.append(CellError(parsed.sheet, row, get_column_letter(col + 1), f"{c.th} / {c.en}", value, problem))

    problem = bilingual("อ่านไฟล์ไม่ได้: ต้องเป็นไฟล์ Excel (.xlsx) ตามแบบ PTS", "cannot read the file: it must be a PTS Excel workbook (.xlsx)")
    try:
        with open_tabular(content, file_name=file_name, max_rows=MAX_ROWS + FIRST_DATA_ROW - 1, prefer=SHEET,
                          header_row=None) as tab:
            parsed.sheet = tab.sheet_name
            if tab.kind != "xlsx":
                parsed.errors.append(CellError(file_name, 1, "A", "-", "", problem))
                return parsed
            data = list(tab.all_rows())
    except TabularRefused as exc:
        for issue in exc.issues:
            where = get_column_letter(_column_index(issue.column)) if _column_index(issue.column) else "A"
            parsed.errors.append(CellError(file_name, issue.line or 1,
                                           where, "-", issue.value, issue.message))
        return parsed
    by_row = dict(data)
    keys = ["" if v is None else str(v).strip() for v in by_row.get(2, [])]
    for i, c in enumerate(cols):
        found = keys[i] if i < len(keys) else ""
        if found != c.key:
            fail(2, i, found, bilingual(f"หัวคอลัมน์ต้องเป็น '{c.key}' ตามแบบ PTS", f"the column key must be '{c.key}' (PTS layout)"))
    if parsed.errors:
        return parsed
    _validate_rows(parsed, [(n, row) for n, row in data if n >= FIRST_DATA_ROW], cols, fail, actor=actor, fiscal_year=fiscal_year, now=now)
    return parsed


def _column_index(ref: str) -> int:
    """The 1-based column of a cell reference ("C7" -> 3), 0 when there is none."""
    n = 0
    for ch in ref:
        if not ("A" <= ch <= "Z"):
            break
        n = n * 26 + ord(ch) - 64
    return n


def _validate_rows(parsed: ParsedSheet, data: list[tuple[int, list[Any]]], cols: list[Column], fail: Any, *, actor: Actor,
                   fiscal_year: FiscalYear, now: datetime) -> None:
    today = timezone.localdate(now)
    index = {c.key: i for i, c in enumerate(cols)}
    units = {u.code: u for u in permissions.editable(actor, Org.objects.units())}
    existing = {(p.unit_id, p.name): p for p in queries.projects_of(
        permissions.editable(actor, Project.objects.filter(fiscal_year=fiscal_year, unit__in=units.values())))}
    latest = queries.latest_updates(p.pk for p in existing.values())
    filed = set(RoundUpdate.objects.filter(project__in=list(existing.values())).values_list("project_id", "month"))
    egp_owner = dict(Project.objects.exclude(egp_number="").values_list("egp_number", "pk"))
    seen_names: dict[tuple[int, str], int] = {}
    seen_egp: dict[str, int] = {}
    settings = queries.unit_settings(fiscal_year=fiscal_year, units=units.values()) if units else {}
    for rownum, raw in data:
        cells = list(raw) + [None] * (len(cols) - len(raw))
        if all(v is None or v == "" for v in cells):
            continue
        before = len(parsed.errors)

        def get(key: str, reader: Any, *args: Any, rownum: int = rownum, cells: list[Any] = cells) -> Any:
            i = index[key]
            try:
                return reader(cells[i], *args)
            except CellProblem as exc:
                fail(rownum, i, cells[i], str(exc))
            except ValidationError as exc:
                fail(rownum, i, cells[i], " ".join(exc.messages))
            return None

        code = get("unit_code", lambda v: normalize_digits(read_text(v)))
        unit = units.get(code or "")
        if code is not None and unit is None:
            fail(rownum, index["unit_code"], cells[index["unit_code"]], bilingual(
                "ไม่รู้จักรหัสหน่วยเบิกจ่ายนี้ หรือไม่มีสิทธิ์แก้ไขข้อมูลของหน่วยนี้",
                "unknown disbursing-unit code, or not a unit you may change"))
        name = get("name", lambda v: clean_text(read_text(v), "name", required=True))
        fields = {
            "category": get("category", read_choice, CATEGORIES, "หมวดงบ", "budget category"),
            "fund_code": get("fund_code", lambda v: clean_fund_code(read_text(v))),
            "allocated": get("allocated", lambda v: clean_money(read_money(v), "allocated", required=True, positive=True)),
            "reference_price": get("reference_price", lambda v: clean_money(read_money(v), "reference_price")),
            "method": get("method", read_choice, METHODS, "วิธีจัดซื้อจัดจ้าง", "procurement method"),
            "multi_year": get("multi_year", read_choice, TERMS, "ระยะเวลาสัญญา", "contract term"),
            "egp_number": get("egp_number", lambda v: clean_egp(read_text(v))),
            "officer_name": get("officer_name", lambda v: clean_text(read_text(v), "officer_name")),
            "contract_number": get("contract_number", lambda v: clean_text(read_text(v), "contract_number")),
            "contract_value": get("contract_value", lambda v: clean_money(read_money(v), "contract_value")),
            "contractor": get("contractor", lambda v: clean_text(read_text(v), "contractor")),
            "po_number": get("po_number", lambda v: clean_text(read_text(v), "po_number")),
            "po_date": get("po_date", read_date),
        }
        obstacles = get("obstacles", lambda v: clean_text(read_text(v), "obstacles")) or ""
        remedy = get("remedy", lambda v: clean_text(read_text(v), "remedy")) or ""
        project = existing.get((unit.pk, name)) if unit and name else None
        method = fields["method"] or (project.method if project else Method.E_BIDDING)
        steps = set(_T.method(method).milestone_ids)
        planned: dict[str, date | None] = {}
        actual: dict[str, date | None] = {}
        old = {m.code: m for m in project.milestones.all()} if project else {}
        for m in _T.milestones:
            for part, target in (("planned", planned), ("actual", actual)):
                i = index[f"{m.id}.{part}"]
                day = get(f"{m.id}.{part}", read_date)
                if day is None:
                    if m.id in steps:
                        target[m.id] = None
                    continue
                if m.id not in steps:
                    fail(rownum, i, cells[i], bilingual(f"{m.name_th} ไม่ใช่ขั้นตอนของวิธีนี้", f"{m.name_en} is not a step of this method"))
                    continue
                target[m.id] = day
                if part == "actual" and (old.get(m.id) is None or old[m.id].actual != day):
                    if why := actual_refusal(fiscal_year, day, today):
                        fail(rownum, i, cells[i], why)
        for code_, day in planned.items():
            if code_ in old and unit is not None and (
                    why := planned_change_refusal(actor, unit, old[code_].planned, day, today)):
                i = index[f"{code_}.planned"]
                fail(rownum, i, cells[i], why)
        contract_date = get("contract_date", read_date)
        if contract_date and actual.get(CONTRACT) and contract_date != actual[CONTRACT]:
            i = index["contract_date"]
            fail(rownum, i, cells[i], bilingual("ต้องตรงกับวันลงนามในสัญญาในช่อง 'ผล' ของขั้นตอนลงนามสัญญา",
                                                "must equal the actual date of the contract-signed milestone"))
        elif contract_date and CONTRACT in steps:
            actual[CONTRACT] = contract_date
        if unit and name:
            key = (unit.pk, name)
            if key in seen_names:
                fail(rownum, index["name"], name, bilingual(f"ซ้ำกับแถว {seen_names[key]}", f"repeats row {seen_names[key]}"))
            seen_names[key] = rownum
        egp = fields["egp_number"]
        if egp:
            if egp in seen_egp:
                fail(rownum, index["egp_number"], egp, bilingual(f"ซ้ำกับแถว {seen_egp[egp]}", f"repeats row {seen_egp[egp]}"))
            elif egp in egp_owner and (project is None or egp_owner[egp] != project.pk):
                fail(rownum, index["egp_number"], egp, bilingual("ถูกใช้กับโครงการอื่นแล้ว", "already used by another project"))
            seen_egp[egp] = rownum
        if len(parsed.errors) > before or unit is None or name is None:
            continue
        plan = RowPlan(rownum, unit, name, project, fields, planned, actual, obstacles, remedy)
        if project is not None:
            _diff(plan, project, old, latest.get(project.pk), cols, index)
            current = settings[unit.pk].default_round(today).month
            plan.round_due = (project.pk, current) not in filed
        parsed.rows.append(plan)


def _diff(plan: RowPlan, project: Project, old: dict[str, Any], latest: RoundUpdate | None, cols: list[Column],
          index: dict[str, int]) -> None:
    changed = [k for k, v in plan.fields.items() if getattr(project, k) != v]
    for code, day in plan.planned.items():
        if old.get(code) is None or old[code].planned != day:
            changed.append(f"{code}.planned")
    for code, day in plan.actual.items():
        if old.get(code) is None or old[code].actual != day:
            changed.append(f"{code}.actual")
    if (plan.obstacles, plan.remedy) != ((latest.obstacles, latest.remedy) if latest else ("", "")):
        changed.append("obstacles")
    plan.changes = [cols[index[k]].th for k in changed]
