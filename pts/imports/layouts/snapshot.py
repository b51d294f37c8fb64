"""`snapshot`: cumulative figures per unit, month and category (the `pts score` input columns).

Columns: unit, month, category (or fund, a 7-digit source-of-funds code that gives it),
allocated, disbursed; optional committed (the outstanding commitment), po and reserved_with_debt
(commitments by type: purchase orders / contracts, reservations with debt). Every figure is the
cumulative one at the month's end, in baht.

Each figure becomes the movement that brings the ledger to it: for each unit and category, in
month order, the file's figure less what the ledger already holds up to that month's end (and
what the file's earlier months add) is an allocation, a disbursement or a commitment dated the
month's last day; negative when the figure went down (a correction). So importing October to
December and then October to January adds only January's differences, and the same figures
twice add nothing. `committed` is used when the file has neither `po` nor `reserved_with_debt`.
Rows of one unit, month and category from different source-of-funds codes are summed; the same
unit, month and category twice is an error naming both rows.

The ledger is read once, before the first row (`LedgerMonth`, and the commitments by type when
the file has them); at commit the file's units' ledger stamps must be as they were, else the file
is read again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from django.db.models import Sum
from django.db.models.functions import TruncMonth

from pts.budget.bulk import Line
from pts.budget.models import LedgerMonth, LedgerStamp, Movement
from pts.core.fiscal import FiscalError, Month, parse_month
from pts.core.money import max_amount_satang
from pts.core.thai import DigitError, bilingual
from pts.imports import cells
from pts.imports.cells import CellError
from pts.imports.layouts.base import Context, Field, Layout, RowError

_PLAIN = re.compile(r"\d{1,15}(?:\.\d{1,2})?", re.ASCII).fullmatch
# figure slots: allocated, disbursed, committed (outstanding), po, reserved with debt
ALLOCATED, DISBURSED, COMMITTED, PO, DEBT = range(5)
FIGURES = (("allocated", ALLOCATED), ("disbursed", DISBURSED), ("committed", COMMITTED), ("po", PO),
           ("reserved_with_debt", DEBT))
KINDS = {ALLOCATED: ("allocation", ""), DISBURSED: ("disbursement", ""), COMMITTED: ("commitment", "po"),
         PO: ("commitment", "po"), DEBT: ("commitment", "debt_reservation")}


def _month_index(month: Month, start: date) -> int:
    return (month.year - start.year) * 12 + month.month - start.month


class Snapshot(Layout):
    code = "snapshot"
    th = "ยอดสะสมรายเดือน"
    en = "monthly cumulative figures"
    fields = (
        Field("unit", "หน่วยงาน", "unit", ("รหัสหน่วยงาน", "unit code", "รหัสหน่วยเบิกจ่าย")),
        Field("month", "เดือน", "month"),
        Field("category", "งบรายจ่าย", "category", ("หมวดงบ", "ประเภทงบ"), required=False),
        Field("fund", "รหัสแหล่งของเงิน", "fund", ("แหล่งของเงิน", "fund code"), required=False),
        Field("allocated", "งบประมาณที่ได้รับ", "allocated", ("ได้รับจัดสรร", "งบที่ได้รับจัดสรร")),
        Field("disbursed", "เบิกจ่ายสะสม", "disbursed", ("เบิกจ่าย",)),
        Field("committed", "ก่อหนี้ผูกพันคงเหลือ", "committed", ("ก่อหนี้ผูกพัน",), required=False),
        Field("po", "ใบสั่งซื้อ/สัญญา", "po", ("po สะสม", "ใบสั่งซื้อ"), required=False),
        Field("reserved_with_debt", "สำรองเงินแบบมีหนี้", "reserved_with_debt",
              ("reserved with debt", "ck/cx", "สำรองเงินมีหนี้"), required=False),
    )

    def prepare(self, ctx: Context, *, held: dict[tuple[int, str], dict[int, list[int]]],
                stamps: dict[int, tuple[int, int]]) -> None:
        """The layout's state before the first row, given what the ledger holds (no database)."""
        typed = "po" in ctx.columns or "reserved_with_debt" in ctx.columns
        slots = [ALLOCATED, DISBURSED] + ([s for k, s in FIGURES[3:] if k in ctx.columns] if typed else
                                          [COMMITTED] if "committed" in ctx.columns else [])
        ctx.state.update(start=ctx.fiscal_year.start, slots=slots, figures={}, months={}, categories={},
                         units={}, funds=set() if "fund" in ctx.columns else None, held=held, stamps=stamps,
                         maximum=max_amount_satang(),
                         index=(ctx.columns.get("unit"), ctx.columns.get("month"), ctx.columns.get("fund"),
                                ctx.columns.get("category"),
                                tuple((s, ctx.columns[FIGURES[s][0]]) for s in slots if FIGURES[s][0] in ctx.columns)))

    def begin(self, ctx: Context) -> None:
        fy = ctx.fiscal_year
        start = fy.start
        typed = "po" in ctx.columns or "reserved_with_debt" in ctx.columns
        # the stamps first: a commit slipping in between is then seen at commit as a change
        stamps = {u: (n, last) for u, n, last in LedgerStamp.objects.filter(fiscal_year=fy).values_list(
            "unit_id", "movements", "last_id")}
        held: dict[tuple[int, str], dict[int, list[int]]] = {}
        for (unit_id, category, month, a0, t_in, t_out, pulled, received, committed, settled, disbursed,
             carried) in LedgerMonth.objects.filter(fiscal_year=fy).values_list(
                "unit_id", "category", "month", "allocated_original", "transfers_in", "transfers_out", "pulled_back",
                "received_pullbacks", "committed_total", "settled", "disbursed", "carried_over"):
            slot = held.setdefault((unit_id, category), {}).setdefault(
                _month_index(Month.of(month), start), [0, 0, 0, 0, 0])
            slot[ALLOCATED] += a0 + t_in - t_out - pulled + received
            slot[DISBURSED] += disbursed
            slot[COMMITTED] += committed - settled - carried
        if typed:
            for unit_id, category, ctype, month, total in (
                    Movement.objects.filter(fiscal_year=fy, kind="commitment").annotate(m=TruncMonth("effective_date"))
                    .values_list("unit_id", "category", "commitment_type", "m").annotate(s=Sum("amount"))
                    .values_list("unit_id", "category", "commitment_type", "m", "s")):
                slot = held.setdefault((unit_id, category), {}).setdefault(
                    _month_index(Month.of(month), start), [0, 0, 0, 0, 0])
                slot[PO if ctype == "po" else DEBT] += total
        self.prepare(ctx, held=held, stamps=stamps)

    def _month(self, ctx: Context, cell: Any) -> int:
        key = cell if isinstance(cell, str) else repr(cell)
        found = ctx.state["months"].get(key)
        if found is not None:
            return found  # type: ignore[no-any-return]
        if isinstance(cell, (datetime, date)):
            month = Month.of(cell.date() if isinstance(cell, datetime) else cell)
        else:
            raw = cells.text(cell)
            if not raw:
                raise CellError(bilingual("ไม่มีเดือน", "the month is empty"))
            try:
                month = parse_month(raw[:40])
            except (FiscalError, DigitError) as exc:
                raise CellError(cells._message(exc)) from exc
        fy = ctx.fiscal_year
        if not fy.contains(month.first_day):
            raise CellError(bilingual(f"เดือน '{cells.shown(cell)}' อยู่นอกปีงบประมาณ {fy.be_year}",
                                      f"the month '{cells.shown(cell)}' is outside fiscal year {fy.be_year}"))
        index = _month_index(month, ctx.state["start"])
        ctx.state["months"][key] = index
        return index

    def row(self, ctx: Context, row: Sequence[Any], line: int) -> Iterable[Line]:
        state = ctx.state
        n = len(row)
        i_unit, i_month, i_fund, i_category, amounts = state["index"]
        unit_cell = row[i_unit] if i_unit is not None and i_unit < n else None
        month_cell = row[i_month] if i_month is not None and i_month < n else None
        fund_cell = row[i_fund] if i_fund is not None and i_fund < n else None
        category_cell = row[i_category] if i_category is not None and i_category < n else None
        unit_id = state["units"].get(unit_cell if type(unit_cell) is str else repr(unit_cell))
        month = state["months"].get(month_cell if type(month_cell) is str else repr(month_cell))
        category = (state["categories"].get(("fund", fund_cell)) if type(fund_cell) is str and fund_cell else
                    state["categories"].get(("category", category_cell)) if type(category_cell) is str else None)
        values = [0, 0, 0, 0, 0]
        maximum = state["maximum"]
        plain = _PLAIN
        try:
            for slot, index in amounts:
                cell = row[index] if index < n else None
                if type(cell) is str and plain(cell):  # 1234.50: read here, the rest by cells.amount
                    whole, _, frac = cell.partition(".")
                    value = int(whole) * 100 + (int((frac + "0")[:2]) if frac else 0)
                    if value < 0 or value > maximum:
                        raise CellError("")
                    values[slot] = value
                elif type(cell) is str and cell:
                    values[slot] = cells.amount(cell, allow_negative=False, maximum=maximum)
                elif cell is not None and cell != "":
                    values[slot] = cells.amount(cell, allow_negative=False, maximum=maximum)
                elif slot <= DISBURSED:
                    raise CellError("")
        except CellError:
            unit_id = None  # the careful way below names every problem
        if unit_id is None or month is None or category is None:
            unit_id, category, month, values = self._careful(ctx, row, unit_cell, month_cell, fund_cell,
                                                             category_cell)
        fund = fund_cell if state["funds"] is not None and fund_cell else ""
        by_month = state["figures"].get((unit_id, category))
        if by_month is None:
            by_month = state["figures"][(unit_id, category)] = {}
        old = by_month.get(month)
        if old is not None:  # values[5]: the row of the unit, category and month first read
            funds = state["funds"]
            key3 = (unit_id, category, month)
            if funds is None or not fund or (key3, fund) in funds or (key3, "") in funds:
                raise RowError.one("unit", cells.text(unit_cell), bilingual(
                    f"หน่วยงาน เดือน และงบรายจ่ายเดียวกันซ้ำกับแถว {old[5]}",
                    f"the same unit, month and category is already on row {old[5]}"))
            values = [*(a + b for a, b in zip(old[:5], values[:5], strict=True)), old[5]]
        else:
            values.append(line)
        if state["funds"] is not None:
            state["funds"].add(((unit_id, category, month), fund))
        by_month[month] = values
        return ()

    def _careful(self, ctx: Context, row: Sequence[Any], unit_cell: Any, month_cell: Any, fund_cell: Any,
                 category_cell: Any) -> tuple[int, str, int, list[int]]:
        """A row not read by the fast path: every cell read in full, every problem named (RowError)."""
        state = ctx.state
        problems: list[tuple[str, str, str]] = []
        unit_id = month = category = None
        try:
            unit_id = ctx.units.get(cells.code(unit_cell, what=("รหัสหน่วยงาน", "unit code"))).pk
            state["units"][unit_cell if type(unit_cell) is str else repr(unit_cell)] = unit_id
        except CellError as exc:
            problems.append(("unit", cells.shown(unit_cell), exc.message))
        except RowError as exc:
            problems.extend(exc.problems)
        try:
            month = self._month(ctx, month_cell)
        except CellError as exc:
            problems.append(("month", cells.shown(month_cell), exc.message))
        for key, cell in (("fund", fund_cell), ("category", category_cell)):
            if cell is None or cell == "" or category is not None:
                continue
            try:
                category = cells.fund_category(cell) if key == "fund" else cells.category(cell)
                if type(cell) is str:
                    state["categories"][(key, cell)] = category
            except CellError as exc:
                problems.append((key, cells.shown(cell), exc.message))
        if category is None and not any(p[0] in ("fund", "category") for p in problems):
            problems.append(("category", "", bilingual("ไม่มีงบรายจ่าย (หรือรหัสแหล่งของเงิน)",
                                                      "the budget category (or the source-of-funds code) is empty")))
        values = [0, 0, 0, 0, 0]
        for slot in state["slots"]:
            key = FIGURES[slot][0]
            cell = ctx.cell(row, key)
            if cell is None or cell == "":
                if slot in (ALLOCATED, DISBURSED):
                    problems.append((key, "", bilingual("ไม่มีจำนวนเงิน", "the amount is empty")))
                continue
            try:
                values[slot] = cells.amount(cell, allow_negative=False, maximum=state["maximum"])
            except CellError as exc:
                problems.append((key, cells.shown(cell), exc.message))
        if problems:
            raise RowError(problems)
        assert unit_id is not None and month is not None and category is not None
        return unit_id, category, month, values

    lazy_end = True  # `end` returns an iterator: a million lines are never all held at once

    def end(self, ctx: Context) -> Iterable[Line]:
        state = ctx.state
        start: date = state["start"]
        held: dict[tuple[int, str], dict[int, list[int]]] = state["held"]
        slots: list[int] = state["slots"]
        ends: dict[int, date] = {}
        for index in {m for months in state["figures"].values() for m in months}:
            year, month0 = divmod(start.month - 1 + index, 12)
            ends[index] = Month(start.year + year, month0 + 1).last_day
        units = sorted({u for u, _c in state["figures"]})
        stamps = state["stamps"]
        state["summary"] = {"snapshot_units": units, "ledger_digest": _digest(units, stamps),
                            "months": len(ends)}
        figures = state["figures"]
        state["figures"] = state["held"] = state["funds"] = None
        return self._lines(figures, held, slots, ends)

    @staticmethod
    def _lines(figures: dict[tuple[int, str], dict[int, list[int]]], held: dict[tuple[int, str], dict[int, list[int]]],
               slots: list[int], ends: dict[int, date]) -> Iterator[Line]:
        """For each unit and category, in month order: the differences that reach the file's figures."""
        while figures:  # each unit and category let go once its lines are out
            (unit_id, category), months = figures.popitem()
            ledger = sorted(held.get((unit_id, category), {}).items())
            running = [0, 0, 0, 0, 0]
            i = 0
            added = [0, 0, 0, 0, 0]
            for index in sorted(months):
                while i < len(ledger) and ledger[i][0] <= index:
                    for s in slots:
                        running[s] += ledger[i][1][s]
                    i += 1
                target = months[index]
                for s in slots:
                    diff = target[s] - running[s] - added[s]
                    if diff:
                        added[s] += diff
                        kind, ctype = KINDS[s]
                        yield Line(unit_id=unit_id, category=category, kind=kind, amount=diff,
                                   effective_date=ends[index], commitment_type=ctype, note="snapshot")

    def conflicts(self, ctx: Context) -> bool:
        summary = ctx.batch.summary or {}
        units = summary.get("snapshot_units", [])
        stamps: dict[int, tuple[int, int]] = {}
        for i in range(0, len(units), 900):
            stamps.update({u: (n, last) for u, n, last in LedgerStamp.objects.filter(
                fiscal_year=ctx.fiscal_year, unit_id__in=units[i:i + 900]).values_list("unit_id", "movements", "last_id")})
        return _digest(units, stamps) != summary.get("ledger_digest")


def _digest(units: list[int], stamps: dict[int, tuple[int, int]]) -> str:
    digest = hashlib.sha256()
    for unit in units:
        n, last = stamps.get(unit, (0, 0))
        digest.update(f"{unit}:{n}:{last};".encode())
    return digest.hexdigest()


LAYOUT = Snapshot()
