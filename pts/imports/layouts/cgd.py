"""`cgd`: the Comptroller General's Department's public monthly disbursement workbook.

The sheet as CGD publishes it (docs/domain.md §14): a title, then a line with "วันที่" giving the
as-of date (BE text such as "ข้อมูล ณ วันที่ 15 ธันวาคม 2565", or a date cell beside it); a row of
groups รายจ่ายประจำ | รายจ่ายลงทุน | รวม (each group's label over its first column; the real file
merges the label across the group); below it, per group: budget after transfers
(งบประมาณหลังโอนเปลี่ยนแปลง), allocated (ได้รับจัดสรร), PO + reservations with debt
(PO/สำรองเงินมีหนี้), disbursed (เบิกจ่าย), % disbursed, spent (ใช้จ่าย), % spent and the gap to
the target (points); then one row per ministry or department, its name (or code) in the first
column. Amounts are in MILLION baht, turned into satang exactly (12.34 -> 1,234,000,000 satang);
more than six decimals of a million (a fraction of a baht) is refused.

The header is found by `locate_header`, which returns synthesised headers "group:measure"
("รายจ่ายประจำ:เบิกจ่าย") that `recognise` matches. The figures are rounded, so they are not
ledger lines: `commit` stores them as `ExternalFigure` rows (per unit, series and as-of date) for
reconciliation; `undo` removes them. A % column that disagrees with the amounts is a warning (a
`BatchIssue` with `warning` set, and in the batch's summary), not an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pts.core.fiscal import FiscalError, parse_date
from pts.core.money import MoneyError, check_amount
from pts.core.thai import DigitError, bilingual, normalize_digits, strict_digits
from pts.imports import cells
from pts.imports.layouts.base import Context, Field, Layout, RowError, fold

SERIES = (
    ("recurring", "รายจ่ายประจำ", "recurring", ("รายจ่ายประจำ", "recurring", "recurring expenditure")),
    ("capital", "รายจ่ายลงทุน", "capital", ("รายจ่ายลงทุน", "capital", "capital expenditure")),
    ("overall", "รวม", "overall", ("รวม", "ภาพรวม", "รวมทั้งสิ้น", "overall", "total")),
)
AMOUNTS = ("budget_after_transfers", "allocated", "committed", "disbursed", "spent")
MEASURES = (
    ("budget_after_transfers", "งบประมาณหลังโอนเปลี่ยนแปลง", "budget after transfers",
     ("งบประมาณหลังโอน", "งบหลังโอนเปลี่ยนแปลง", "งบประมาณหลังโอนเปลี่ยนแปลง", "budget after transfers")),
    ("allocated", "ได้รับจัดสรร", "allocated", ("งบประมาณที่ได้รับจัดสรร", "เงินจัดสรร", "allocated")),
    ("committed", "PO/สำรองเงินมีหนี้", "PO and reservations with debt",
     ("po+สำรองเงินมีหนี้", "po/สำรองเงินมีหนี้", "po + สำรองเงินมีหนี้", "po และสำรองเงินมีหนี้", "ก่อหนี้ผูกพัน",
      "po and reservations with debt")),
    ("disbursed", "เบิกจ่าย", "disbursed", ("ผลการเบิกจ่าย", "disbursed")),
    ("disbursed_pct", "% เบิกจ่าย", "% disbursed", ("%เบิกจ่าย", "ร้อยละเบิกจ่าย", "ร้อยละการเบิกจ่าย", "% disbursed")),
    ("spent", "ใช้จ่าย", "spent", ("ผลการใช้จ่าย", "spent")),
    ("spent_pct", "% ใช้จ่าย", "% spent", ("%ใช้จ่าย", "ร้อยละใช้จ่าย", "ร้อยละการใช้จ่าย", "% spent")),
    ("gap", "ต่ำกว่าเป้าหมาย (จุด)", "gap to target (points)",
     ("ต่ำกว่าเป้าหมาย", "ต่ำกว่าเป้า", "สูง/ต่ำกว่าเป้าหมาย", "ผลต่างจากเป้าหมาย", "gap", "gap to target")),
)
OPTIONAL = {"disbursed_pct", "spent_pct", "gap"}
AGENCY = Field("agency", "ส่วนราชการ", "agency", ("กระทรวง/ส่วนราชการ", "กระทรวง", "หน่วยงาน", "ส่วนราชการ/หน่วยงาน",
                                                   "ministry/department", "department"))
TOTAL_ROWS = {fold(t) for t in ("รวม", "รวมทั้งสิ้น", "รวมทั้งหมด", "ยอดรวม", "total", "grand total")}
SCAN_ROWS = 30                # the header must be within the first rows
MILLION = 100_000_000         # satang in a million baht
PCT_TOLERANCE = Decimal("0.06")  # points: the published % is rounded to 2 decimals of rounded amounts
_AS_OF = re.compile(r"วันที่\s*(.+)$")


def _squash(text: str) -> str:
    return fold(text).replace(" ", "")


_GROUPS = {_squash(s): key for key, *_rest, spellings in SERIES for s in spellings}
_MEASURES = {_squash(s): key for key, th, en, spellings in MEASURES for s in (key, th, en, *spellings)}


def _fields() -> tuple[Field, ...]:
    out = [AGENCY]
    for series, series_th, series_en, _s in SERIES:
        for key, th, en, _m in MEASURES:
            out.append(Field(f"{series}_{key}", f"{series_th}:{th}", f"{series_en}: {en}", (),
                             required=key not in OPTIONAL))
    return tuple(out)


def million(cell: Any) -> int:
    """Million baht -> satang, exactly; blank or "-" is zero; more than 6 decimals is refused."""
    if isinstance(cell, bool):
        raise cells.CellError(bilingual(f"'{cell}' ไม่ใช่จำนวนเงิน", f"'{cell}' is not an amount"))
    if cell is None:
        return 0
    if isinstance(cell, float):
        raw = repr(cell)
    else:
        raw = str(cell).strip()
    if raw in ("", "-", "–"):
        return 0
    try:
        raw = normalize_digits(strict_digits(raw)).replace(",", "").replace(" ", "")
        negative = raw.startswith("(") and raw.endswith(")")
        value = Decimal(raw[1:-1] if negative else raw)
    except (DigitError, InvalidOperation, ValueError) as exc:
        raise cells.CellError(bilingual(f"'{cells.shown(cell)}' ไม่ใช่จำนวนเงิน (ล้านบาท)",
                                        f"'{cells.shown(cell)}' is not an amount (million baht)")) from exc
    if not value.is_finite():
        raise cells.CellError(bilingual(f"'{cells.shown(cell)}' ไม่ใช่จำนวนเงิน", f"'{cells.shown(cell)}' is not an amount"))
    if negative:
        value = -value
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -6 and value != value.quantize(Decimal("0.000001")):
        raise cells.CellError(bilingual(
            f"'{cells.shown(cell)}' มีทศนิยมเกิน 6 ตำแหน่งของล้านบาท (ละเอียดกว่า 1 บาท)",
            f"'{cells.shown(cell)}' has more than 6 decimals of a million baht (finer than one baht)"))
    if abs(value) > Decimal(10) ** 12:
        raise cells.CellError(bilingual(f"'{cells.shown(cell)}' เกินจำนวนเงินสูงสุดที่รับได้",
                                        f"'{cells.shown(cell)}' is above the maximum amount"))
    satang = int(value * MILLION)
    try:
        return check_amount(satang)
    except MoneyError as exc:
        raise cells.CellError(bilingual(f"'{cells.shown(cell)}' เกินจำนวนเงินสูงสุดที่รับได้",
                                        f"'{cells.shown(cell)}' is above the maximum amount")) from exc


def points(cell: Any) -> Decimal | None:
    """A percentage or points cell ("45.12", "45.12%", Thai digits); None when blank."""
    if cell is None or isinstance(cell, bool):
        if isinstance(cell, bool):
            raise cells.CellError(bilingual(f"'{cell}' ไม่ใช่ตัวเลข", f"'{cell}' is not a number"))
        return None
    raw = repr(cell) if isinstance(cell, float) else str(cell).strip()
    if raw in ("", "-", "–"):
        return None
    try:
        raw = normalize_digits(strict_digits(raw)).replace("%", "").replace(",", "").replace(" ", "")
        value = Decimal(raw)
    except (DigitError, InvalidOperation, ValueError) as exc:
        raise cells.CellError(bilingual(f"'{cells.shown(cell)}' ไม่ใช่ตัวเลขร้อยละ", f"'{cells.shown(cell)}' is not a percentage")) from exc
    if not value.is_finite() or abs(value) > 100_000:
        raise cells.CellError(bilingual(f"'{cells.shown(cell)}' ไม่ใช่ตัวเลขร้อยละ", f"'{cells.shown(cell)}' is not a percentage"))
    return value


def as_of(cell: Any) -> date | None:
    """The as-of date in a cell: a date cell, or text after "วันที่" (BE or CE); None if none."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if not isinstance(cell, str):
        return None
    text = " ".join(cell.split())
    match = _AS_OF.search(text)
    candidate = match[1] if match else text
    for attempt in (candidate, candidate.split(" เวลา")[0], " ".join(candidate.split()[:3])):
        try:
            return parse_date(attempt.strip())
        except (FiscalError, DigitError, ValueError):
            continue
    return None


class Cgd(Layout):
    code = "cgd"
    th = "รายงานผลการเบิกจ่ายของกรมบัญชีกลาง"
    en = "CGD disbursement workbook"
    ledger = False
    header_row = None
    fields = _fields()
    # The published file merges each group's label across its columns: merged ranges are allowed in
    # the title and header rows (the reader yields the value in the range's first cell, None in the
    # others: what `_synthesise` expects), refused among the data.
    merged_header_rows = 5  # the published layout: title, as-of line, blank, groups (row 4), measures

    # -- the header ---------------------------------------------------------------------------

    def locate_header(self, rows: Iterator[tuple[int, list[Any]]]) -> tuple[int, list[str], dict[str, Any]]:
        found: date | None = None
        said_date = False
        groups: list[Any] | None = None
        for count, (number, row) in enumerate(rows):
            if count >= SCAN_ROWS:
                break
            if groups is not None:
                return number, self._synthesise(groups, row), ({"as_of": found.isoformat()} if found else {})
            texts = [cells.text(c) for c in row]
            if any("วันที่" in t for t in texts) and found is None:
                said_date = True
                for i, c in enumerate(row):
                    if "วันที่" in cells.text(c):
                        found = as_of(c) or next((d for d in (as_of(x) for x in row[i + 1:]) if d), None)
                        if found:
                            break
            kinds = {_GROUPS.get(_squash(t)) for t in texts} - {None}
            if {"recurring", "capital"} <= kinds:
                groups = row
                if found is None:
                    raise RowError.one("", "", bilingual(
                        "ไม่พบวันที่ของข้อมูล (บรรทัด 'ข้อมูล ณ วันที่ ...' เหนือหัวตาราง)" if not said_date else
                        "อ่านวันที่ของข้อมูลในบรรทัด 'วันที่' ไม่ได้ (เช่น 'ข้อมูล ณ วันที่ 15 ธันวาคม 2565')",
                        "no as-of date found (the line 'ข้อมูล ณ วันที่ ...' above the header)" if not said_date else
                        "the as-of date on the 'วันที่' line cannot be read (e.g. 'ข้อมูล ณ วันที่ 15 ธันวาคม 2565')"))
        raise RowError.one("", "", bilingual(
            f"ไม่พบหัวตารางของกรมบัญชีกลาง (แถวกลุ่ม รายจ่ายประจำ | รายจ่ายลงทุน | รวม และแถวรายการใต้แถวนั้น) ใน {SCAN_ROWS} แถวแรก",
            f"no CGD header found (a row of groups รายจ่ายประจำ | รายจ่ายลงทุน | รวม and the row below it) "
            f"in the first {SCAN_ROWS} rows"))

    @staticmethod
    def _synthesise(groups: Sequence[Any], subs: Sequence[Any]) -> list[str]:
        out: list[str] = []
        group = ""
        for i in range(max(len(groups), len(subs))):
            label = cells.text(groups[i]) if i < len(groups) else ""
            sub = cells.text(subs[i]) if i < len(subs) else ""
            if label and _GROUPS.get(_squash(label)):
                group = label
            elif label:
                group = ""
                sub = sub or label
            out.append(f"{group}:{sub}" if group and sub else (sub or label))
        return out

    def recognise(self, header: Sequence[str], saved: dict[str, str] | None = None) -> dict[str, int]:
        if saved:
            return super().recognise(header, saved)
        found: dict[str, int] = {}
        agency = AGENCY.spellings()
        for i, name in enumerate(header):
            group, sep, sub = str(name).partition(":")
            if not sep:
                if "agency" not in found and fold(name) in agency:
                    found["agency"] = i
                continue
            series = _GROUPS.get(_squash(group))
            measure = _MEASURES.get(_squash(sub))
            if series and measure and f"{series}_{measure}" not in found:
                found[f"{series}_{measure}"] = i
        if "agency" not in found and header and ":" not in str(header[0]) and str(header[0]).strip():
            found["agency"] = 0  # the first column names the agency, whatever its heading
        return found

    # -- the rows -----------------------------------------------------------------------------

    def begin(self, ctx: Context) -> None:
        from pts.organisations.models import Org

        writable = ctx.units.writable
        ctx.state["names"] = {" ".join(o.name_th.split()): o for o in writable.values()}
        ctx.state["other_names"] = {" ".join(n.split()) for n in Org.objects.exclude(
            pk__in=[o.pk for o in writable.values()]).values_list("name_th", flat=True)}
        ctx.state["seen"] = {}
        ctx.state["warnings"] = []
        ctx.state["disbursed"] = {s[0]: 0 for s in SERIES}
        day = ctx.options.get("as_of")
        ctx.state["as_of"] = date.fromisoformat(day) if day else None

    def _agency(self, ctx: Context, cell: Any) -> Any:
        name = " ".join(cells.text(cell).split())
        if name in ctx.units.writable or name in ctx.units.others:
            try:
                return ctx.units.get(name)
            except RowError as exc:  # said of the unit code: of this column here
                raise RowError([("agency", value, message) for _key, value, message in exc.problems]) from exc
        unit = ctx.state["names"].get(name)
        if unit is not None:
            return unit
        if name in ctx.state["other_names"]:
            raise RowError.one("agency", name, bilingual(
                f"ส่วนราชการ '{name}' ไม่อยู่ในความรับผิดชอบของผู้นำเข้า: นำเข้าได้เฉพาะหน่วยงานของตนเอง",
                f"the agency '{name}' is not one the importer may write: only their own units can be imported"))
        raise RowError.one("agency", name, bilingual(
            f"ไม่รู้จักส่วนราชการ '{name}' (ต้องตรงกับชื่อภาษาไทยหรือรหัสของหน่วยงานในระบบ)",
            f"unknown agency '{name}' (it must match a unit's Thai name or code exactly)"))

    def row(self, ctx: Context, row: Sequence[Any], line: int) -> Iterable[dict[str, Any]]:
        agency = cells.text(ctx.cell(row, "agency"))
        if not agency or fold(agency) in TOTAL_ROWS or fold(agency).startswith("รวม"):
            return []
        problems: list[tuple[str, str, str]] = []
        unit = None
        try:
            unit = self._agency(ctx, ctx.cell(row, "agency"))
        except RowError as exc:
            problems.extend(exc.problems)
        if unit is not None and unit.pk in ctx.state["seen"]:
            problems.append(("agency", agency, bilingual(
                f"ส่วนราชการนี้มีแล้วในแถว {ctx.state['seen'][unit.pk]}", f"this agency is already in row {ctx.state['seen'][unit.pk]}")))
        day = ctx.state["as_of"]
        if day is not None and not ctx.fiscal_year.contains(day):
            problems.append(("", day.isoformat(), bilingual(
                f"วันที่ของข้อมูลอยู่นอกปีงบประมาณ {ctx.fiscal_year.be_year}",
                f"the as-of date is outside fiscal year {ctx.fiscal_year.be_year}")))
        figures: dict[str, dict[str, Any]] = {}
        for series, *_rest in SERIES:
            values: dict[str, Any] = {}
            for key in AMOUNTS:
                cell = ctx.cell(row, f"{series}_{key}")
                try:
                    values[key] = million(cell)
                except cells.CellError as exc:
                    problems.append((f"{series}_{key}", cells.shown(cell), exc.message))
            for key in OPTIONAL:
                cell = ctx.cell(row, f"{series}_{key}")
                try:
                    values[key] = points(cell)
                except cells.CellError as exc:
                    problems.append((f"{series}_{key}", cells.shown(cell), exc.message))
            figures[series] = values
        if problems:
            raise RowError(problems)
        assert unit is not None and day is not None
        ctx.state["seen"][unit.pk] = line
        out = []
        for series, values in figures.items():
            for pct, amount in (("disbursed_pct", "disbursed"), ("spent_pct", "spent")):
                self._check_pct(ctx, line, f"{series}_{pct}", values.get(pct), values[amount],
                                (values["budget_after_transfers"], values["allocated"]))
            ctx.state["disbursed"][series] += values["disbursed"]
            out.append({"_line": line, "unit": unit.pk, "series": series, "as_of": day.isoformat(),
                        **{key: values[key] for key in AMOUNTS}})
        return out

    def _check_pct(self, ctx: Context, line: int, key: str, shown: Decimal | None, amount: int,
                   bases: tuple[int, int]) -> None:
        if shown is None:
            return
        expected = [Decimal(amount) * 100 / base for base in bases if base]
        if not expected and amount == 0:
            return
        if any(abs(shown - e) <= PCT_TOLERANCE for e in expected):
            return
        if len(ctx.state["warnings"]) < 200:
            near = f"{expected[0]:.2f}" if expected else "-"
            ctx.state["warnings"].append({
                "row": line, "column": ctx.column_name(key), "value": str(shown),
                "th": f"ร้อยละ {shown} ไม่ตรงกับจำนวนเงิน (คำนวณได้ {near})",
                "en": f"the percentage {shown} does not match the amounts (computed {near})"})

    def end(self, ctx: Context) -> Iterable[dict[str, Any]]:
        if not ctx.state.get("seen"):
            raise RowError.one("agency", "", bilingual("ไม่มีแถวข้อมูลของส่วนราชการ", "there are no agency rows"))
        ctx.state["summary"] = {"as_of": ctx.options.get("as_of"), "agencies": len(ctx.state["seen"]),
                                "disbursed_by_series": ctx.state["disbursed"], "warnings": ctx.state["warnings"]}
        return ()

    # -- writing --------------------------------------------------------------------------------

    def commit(self, ctx: Context) -> dict[str, Any]:
        from pts.imports.models import ExternalFigure, StagedRow

        figures = [ExternalFigure(batch=ctx.batch, source="cgd", unit_id=d["unit"], series=d["series"],
                                  as_of=date.fromisoformat(d["as_of"]), **{k: d[k] for k in AMOUNTS})
                   for d in StagedRow.objects.filter(batch=ctx.batch).values_list("data", flat=True)]
        ExternalFigure.objects.bulk_create(figures, batch_size=1000)
        return {"created": len(figures)}

    def undo(self, ctx: Context) -> dict[str, Any]:
        from pts.imports.models import ExternalFigure

        removed, _by = ExternalFigure.objects.filter(batch=ctx.batch).delete()
        return {"removed": removed}


LAYOUT = Cgd()
