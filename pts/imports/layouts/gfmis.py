"""`gfmis`: document lines downloaded from GFMIS (NFMA55 / NFMA60 / NFMA60CX and the like).

One row per document line: document number (and line item, if the report has one), document type,
posting date, disbursing-unit code, 7-digit source-of-funds code (which gives the budget category,
docs/domain.md §2) and amount. The real reports' headers vary between versions and offices, so the
coordinator matches the columns once and saves the mapping by name (docs/domain.md §8).

Types: a purchase order or contract (PO) is a commitment; a reservation with debt (CK, CX) is a
commitment of that type; a disbursement document is a disbursement, settling a commitment when the
line names the document it pays (the reference column). A line already imported by an earlier file
(same unit, type and document number) is skipped, so each month's year-to-date download adds only
its new lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pts.budget.bulk import Line
from pts.core.thai import bilingual
from pts.imports import cells
from pts.imports.cells import CellError
from pts.imports.layouts.base import Context, Field, Layout, RowError, fold

COMMITMENT, DISBURSEMENT = "commitment", "disbursement"
TYPES: dict[str, tuple[str, str]] = {}
for _names, _kind in (
    (("po", "ใบสั่งซื้อ", "สัญญา", "ใบสั่งซื้อ/สัญญา", "purchase order", "contract", "ก่อหนี้ผูกพัน"), (COMMITMENT, "po")),
    (("ck", "cx", "ck/cx", "สำรองเงินแบบมีหนี้", "สำรองเงินมีหนี้", "reservation with debt"), (COMMITMENT, "debt_reservation")),
    (("disbursement", "เบิกจ่าย", "ขอเบิก", "จ่าย", "ka", "kb", "kc", "kd", "ke", "kl", "payment"), (DISBURSEMENT, "")),
):
    for _name in _names:
        TYPES[fold(_name)] = _kind


class Gfmis(Layout):
    code = "gfmis"
    th = "รายการเอกสาร GFMIS"
    en = "GFMIS document lines"
    dedupe = True
    fields = (
        Field("document", "เลขที่เอกสาร", "document number", ("doc no", "document no", "เลขที่เอกสาร gfmis")),
        Field("item", "รายการที่", "line item", ("line", "item", "ลำดับรายการ"), required=False),
        Field("type", "ประเภทเอกสาร", "document type", ("doc type", "type")),
        Field("date", "วันที่ผ่านรายการ", "posting date", ("วันที่บันทึก", "date", "posting_date")),
        Field("unit", "รหัสหน่วยเบิกจ่าย", "disbursing unit", ("unit", "unit code", "รหัสหน่วยงาน")),
        Field("fund", "รหัสแหล่งของเงิน", "source of funds", ("fund", "fund code", "แหล่งของเงิน")),
        Field("amount", "จำนวนเงิน", "amount", ("จำนวนเงิน (บาท)", "amount (baht)")),
        Field("reference", "เอกสารอ้างอิง", "reference document", ("reference", "po number", "เลขที่ใบสั่งซื้อ"),
              required=False),
    )

    def row(self, ctx: Context, row: Sequence[Any], line: int) -> Iterable[Line]:
        fast = ctx.state.get("gfmis")
        if fast is None:
            fast = ctx.state["gfmis"] = _Fast(ctx)
        found = fast.line(row)
        if found is not None:
            return (found,)
        return self.checked(ctx, row, line)

    def checked(self, ctx: Context, row: Sequence[Any], line: int) -> Iterable[Line]:
        """The row read field by field, every problem collected (the path of a row `_Fast` refuses)."""
        problems: list[tuple[str, str, str]] = []
        values: dict[str, Any] = {}
        for key, read in (("document", lambda c: cells.code(c, what=("เลขที่เอกสาร", "document number"), max_length=40)),
                          ("date", cells.day), ("fund", cells.fund_category), ("amount", cells.amount)):
            cell = ctx.cell(row, key)
            try:
                values[key] = read(cell)
            except CellError as exc:
                problems.append((key, cells.shown(cell), exc.message))
        kind = TYPES.get(fold(cells.text(ctx.cell(row, "type"))))
        if kind is None:
            problems.append(("type", cells.shown(ctx.cell(row, "type")), bilingual(
                "ประเภทเอกสารต้องเป็น PO, CK, CX หรือเบิกจ่าย", "the document type must be PO, CK, CX or disbursement")))
        unit = None
        try:
            unit = ctx.units.get(cells.code(ctx.cell(row, "unit"), what=("รหัสหน่วยเบิกจ่าย", "unit code")))
        except CellError as exc:
            problems.append(("unit", cells.shown(ctx.cell(row, "unit")), exc.message))
        except RowError as exc:
            problems.extend(exc.problems)
        day = values.get("date")
        if day is not None and not ctx.fiscal_year.contains(day):
            problems.append(("date", cells.shown(ctx.cell(row, "date")), bilingual(
                f"วันที่อยู่นอกปีงบประมาณ {ctx.fiscal_year.be_year}", f"the date is outside fiscal year {ctx.fiscal_year.be_year}")))
        if values.get("amount") == 0:
            problems.append(("amount", cells.shown(ctx.cell(row, "amount")), bilingual("จำนวนเงินเป็นศูนย์", "the amount is zero")))
        if problems:
            raise RowError(problems)
        assert kind is not None and unit is not None
        document = values["document"]
        item = cells.text(ctx.cell(row, "item"))
        ref = f"{document}/{item}" if item else document
        reference = cells.text(ctx.cell(row, "reference"))
        yield Line(unit_id=unit.pk, category=values["fund"], kind=kind[0], amount=values["amount"],
                   effective_date=values["date"], document_ref=ref[:80], commitment_type=kind[1],
                   settles=kind[0] == DISBURSEMENT and bool(reference),
                   note=(f"GFMIS {reference}"[:255] if reference else ""))


def _key(cell: Any) -> Any:
    return cell if type(cell) is str else (type(cell), cell)  # True and 1 are different cells


class _Fast:
    """The same reading as `Gfmis.checked` for a row without problems, with what repeats cached:
    a year's file has a few hundred dates, a few funds and types, a thousand units, a million rows.
    Any doubt returns None and the row is read again by `checked`, which names every problem."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.at = [ctx.columns.get(key) for key in ("document", "item", "type", "date", "unit", "fund", "amount",
                                                    "reference")]
        self.width = max(i for i in self.at if i is not None) + 1
        self.days: dict[Any, Any] = {}
        self.funds: dict[Any, str] = {}
        self.units: dict[Any, int] = {}
        self.types: dict[Any, tuple[str, str] | None] = {}

    def line(self, row: Sequence[Any]) -> Line | None:
        if len(row) < self.width:
            return None
        doc_i, item_i, type_i, date_i, unit_i, fund_i, amount_i, ref_i = self.at
        assert doc_i is not None and type_i is not None and date_i is not None and unit_i is not None
        assert fund_i is not None and amount_i is not None
        try:
            cell = row[date_i]
            day = self.days.get(_key(cell))
            if day is None:
                day = cells.day(cell)
                if not self.ctx.fiscal_year.contains(day):
                    return None
                self.days[_key(cell)] = day
            cell = row[fund_i]
            fund = self.funds.get(_key(cell))
            if fund is None:
                fund = self.funds[_key(cell)] = cells.fund_category(cell)
            cell = row[unit_i]
            unit_id = self.units.get(_key(cell))
            if unit_id is None:
                unit = self.ctx.units.writable.get(cells.code(cell, what=("รหัสหน่วยเบิกจ่าย", "unit code")))
                if unit is None:
                    return None
                unit_id = self.units[_key(cell)] = unit.pk
            cell = row[type_i]
            key = _key(cell)
            if key not in self.types:
                self.types[key] = TYPES.get(fold(cells.text(cell)))
            kind = self.types[key]
            if kind is None:
                return None
            amount = cells.amount(row[amount_i])
            if amount == 0:
                return None
            document = row[doc_i]
            if not (type(document) is str and document.isascii() and document.isdigit() and len(document) <= 40):
                document = cells.code(document, what=("เลขที่เอกสาร", "document number"), max_length=40)
        except (CellError, RowError):
            return None
        item = cells.text(row[item_i]) if item_i is not None and item_i < len(row) else ""
        ref = f"{document}/{item}" if item else document
        reference = cells.text(row[ref_i]) if ref_i is not None and ref_i < len(row) else ""
        return Line(unit_id=unit_id, category=fund, kind=kind[0], amount=amount, effective_date=day,
                    document_ref=ref[:80], commitment_type=kind[1], settles=kind[0] == DISBURSEMENT and bool(reference),
                    note=(f"GFMIS {reference}"[:255] if reference else ""))


LAYOUT = Gfmis()
