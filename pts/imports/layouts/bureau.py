"""`bureau`: the bureau's Google Sheet (ระบบงบประมาณสำนัก), exported as CSV (or xlsx).

The bureau's groups earmark money through request forms (ใบขอใช้เงินงบประมาณ) before spending and
report their disbursement every month (docs/domain.md §14; the bureau's KPI document: "ทุกกลุ่มมีการ
กันงบประมาณทุกครั้ง ผ่านใบขอใช้เงิน", "รายงานผลการเบิกจ่าย ... ผ่านระบบงบประมาณ (Google sheet)", with
the monthly table written ต.ค. ๖๕ .. ก.ย. ๖๖). So the sheet is one row per request form (or per
activity, without a form), the months across:

    กลุ่มงาน | รหัสกิจกรรม | กิจกรรม | งบรายจ่าย or รหัสแหล่งของเงิน | เลขที่ใบขอใช้เงิน | จำนวนเงินขอใช้ |
    วันที่ขอใช้เงิน | ผู้ขอใช้เงิน | ต.ค. 65 | พ.ย. 65 | ... | ก.ย. 66

- work group: a unit code, or its exact Thai name, among the units the importer may write;
- activity: code and/or name; an activity the unit does not have that year is created (code = the
  name, clipped, when only a name is given);
- category: the category column (code or Thai name) or the 7-digit source-of-funds code;
- the form (number, amount, date; requester optional, else the group's name): a ReservationForm and
  its reservation movement, dated the request date;
- months: "ต.ค. 65", "ต.ค.65", "ตุลาคม 2565", "ต.ค." (the year, when written, must be the fiscal
  year's); each amount is a disbursement dated the month's last day. A form's reservation is
  released whole (and the form marked committed: its money was used) at the end of the month in
  which the row's disbursement reaches the form's amount; until then it stays reserved in full, as
  the bureau's own sheet counts it, so committing or cancelling it later by hand (which release the
  whole amount) stays right.

A ReservationForm is a row other movements point to, so the layout is not ledger-staged: rows are
staged and `commit` (inside the import's transaction) creates the activities and forms first, then
writes the movements as one bulk ledger batch (`pts.budget.bulk`, so the rollups stay right) with
each movement pointing at its form and activity. `undo` reverses that batch and cancels the forms; it
is refused if a form was since committed or cancelled by hand. Activities it created stay (other
movements may name them; they hold no money). Bureau sheets are small (hundreds of rows): the whole
write runs in the commit's transaction.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from pts.budget.bulk import Line
from pts.core.fiscal import MONTH_ABBR, MONTH_FULL
from pts.core.thai import DigitError, bilingual, normalize_digits, strict_digits
from pts.imports import cells
from pts.imports.cells import CellError
from pts.imports.layouts.base import Context, Field, Layout, RowError

if TYPE_CHECKING:
    from pts.imports.models import ImportBatch

FISCAL_MONTHS = (10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9)
_MONTH_HEADER = re.compile(r"^([^\d]+?)\s*(\d{2}|\d{4})?$")


def _month_of(name: str) -> int | None:
    key = name.replace(" ", "").strip()
    for i, (abbr, full) in enumerate(zip(MONTH_ABBR, MONTH_FULL, strict=True)):
        if key in (abbr, abbr.replace(".", ""), full, abbr.rstrip(".")):
            return i + 1
    return None


def month_header(header: str) -> tuple[int, int | None] | None:
    """(month, BE year or None) of a month column's header ("ต.ค. 65", "ตุลาคม 2565", "ต.ค.")."""
    try:
        text = normalize_digits(strict_digits(" ".join(str(header).split())))
    except DigitError:
        return None
    match = _MONTH_HEADER.match(text)
    if not match:
        return None
    month = _month_of(match[1])
    if month is None:
        return None
    year = match[2]
    return month, (None if year is None else int(year) + (2500 if len(year) == 2 else 0))


def _month_key(month: int) -> str:
    return f"m{month:02d}"


def _month_fields() -> tuple[Field, ...]:
    return tuple(Field(_month_key(m), MONTH_ABBR[m - 1], calendar.month_abbr[m], (MONTH_FULL[m - 1],), required=False)
                 for m in FISCAL_MONTHS)


CATEGORY = Field("category", "งบรายจ่าย", "category", ("หมวดรายจ่าย", "งบ", "ประเภทงบ"), required=False)
FUND = Field("fund", "รหัสแหล่งของเงิน", "source of funds", ("แหล่งของเงิน", "fund", "fund code"), required=False)


def _reusable_forms(batch: ImportBatch | None, fy: Any) -> set[int]:
    """Forms an undone (or the replaced) bureau import created and cancelled: a corrected sheet may
    name them again, and they are reopened rather than duplicated."""
    from pts.budget.models import ReservationForm, ReservationStatus
    from pts.imports.models import ImportBatch, State

    ids: set[int] = set()
    undone = ImportBatch.objects.filter(layout="bureau", fiscal_year=fy, state=State.UNDONE)
    if batch is not None and batch.replaces_id is not None:
        undone = undone | ImportBatch.objects.filter(pk=batch.replaces_id)
    for summary in undone.values_list("summary", flat=True):
        ids.update((summary or {}).get("forms", []))
    replaced = set((batch.replaces.summary or {}).get("forms", [])) if batch is not None and batch.replaces else set()
    return set(ReservationForm.objects.filter(pk__in=ids).filter(
        status=ReservationStatus.CANCELLED).values_list("id", flat=True)) | replaced


class Bureau(Layout):
    code = "bureau"
    th = "ชีตงบประมาณของสำนัก"
    en = "the bureau's budget sheet"
    ledger = False
    fields = (
        Field("group", "กลุ่มงาน", "work group", ("กลุ่ม", "หน่วยงาน", "group")),
        Field("activity_code", "รหัสกิจกรรม", "activity code", ("รหัสโครงการ/กิจกรรม",), required=False),
        Field("activity", "กิจกรรม", "activity", ("ชื่อกิจกรรม", "โครงการ/กิจกรรม", "activity name"), required=False),
        CATEGORY,
        FUND,
        Field("form", "เลขที่ใบขอใช้เงิน", "request form number", ("ใบขอใช้เงิน", "เลขที่ใบขอ", "form number"),
              required=False),
        Field("form_amount", "จำนวนเงินขอใช้", "amount requested", ("วงเงินขอใช้", "จำนวนเงินตามใบขอใช้เงิน",
                                                                     "จำนวนเงิน", "form amount"), required=False),
        Field("form_date", "วันที่ขอใช้เงิน", "request date", ("วันที่ขอใช้", "วันที่ใบขอใช้เงิน", "form date"),
              required=False),
        Field("requester", "ผู้ขอใช้เงิน", "requester", ("ผู้ขอ",), required=False),
        *_month_fields(),
    )

    def recognise(self, header: Sequence[str], saved: dict[str, str] | None = None) -> dict[str, int]:
        found = super().recognise(header, saved)
        for i, name in enumerate(header):
            parsed = month_header(name)
            if parsed is not None and i not in found.values() and _month_key(parsed[0]) not in found:
                found[_month_key(parsed[0])] = i
        return found

    def missing(self, columns: dict[str, int]) -> list[Field]:
        out = super().missing(columns)
        if "category" not in columns and "fund" not in columns:
            out.append(CATEGORY)
        return out

    # -- reading ---------------------------------------------------------------------------------

    def begin(self, ctx: Context) -> None:
        from pts.budget.models import Activity, ReservationForm
        from pts.organisations.models import Org

        fy = ctx.fiscal_year
        writable = ctx.units.writable
        ctx.state["names"] = {" ".join(o.name_th.split()): o for o in writable.values()}
        ctx.state["other_names"] = {" ".join(n.split()) for n in Org.objects.exclude(
            pk__in=[o.pk for o in writable.values()]).values_list("name_th", flat=True)}
        by_code: dict[tuple[int, str], tuple[int, str]] = {}
        by_name: dict[tuple[int, str], str] = {}
        for pk, unit_id, code, name in Activity.objects.filter(fiscal_year=fy).values_list("id", "unit_id", "code", "name"):
            by_code[(unit_id, code)] = (pk, name)
            by_name.setdefault((unit_id, " ".join(name.split())), code)
        ctx.state["activities"], ctx.state["activity_names"] = by_code, by_name
        reusable = _reusable_forms(ctx.batch, fy)
        ctx.state["forms_taken"] = {(u, n) for pk, u, n in ReservationForm.objects.filter(fiscal_year=fy).values_list(
            "id", "unit_id", "number") if pk not in reusable}
        ctx.state["forms_here"] = {}
        ctx.state["totals"] = {}
        problems = []
        for key, index in ctx.columns.items():
            if not key.startswith("m") or not key[1:].isdigit():
                continue
            parsed = month_header(ctx.header[index]) if index < len(ctx.header) else None
            if parsed and parsed[1] is not None:
                want = fy.be_year - 1 if parsed[0] >= 10 else fy.be_year
                if parsed[1] != want:
                    problems.append((key, ctx.header[index], bilingual(
                        f"คอลัมน์เดือน '{ctx.header[index]}' ไม่ใช่เดือนของปีงบประมาณ {fy.be_year} (ต้องเป็นปี {want})",
                        f"the month column '{ctx.header[index]}' is not in fiscal year {fy.be_year} (it must be {want})")))
        ctx.state["header_problems"] = problems

    def _group(self, ctx: Context, cell: Any) -> Any:
        name = " ".join(cells.text(cell).split())
        if not name:
            raise RowError.one("group", "", bilingual("ไม่มีกลุ่มงาน", "the work group is empty"))
        if name in ctx.units.writable or name in ctx.units.others:
            try:
                return ctx.units.get(name)
            except RowError as exc:  # said of the unit code: of this column here
                raise RowError([("group", value, message) for _key, value, message in exc.problems]) from exc
        unit = ctx.state["names"].get(name)
        if unit is not None:
            return unit
        if name in ctx.state["other_names"]:
            raise RowError.one("group", name, bilingual(
                f"กลุ่มงาน '{name}' ไม่อยู่ในความรับผิดชอบของผู้นำเข้า: นำเข้าได้เฉพาะหน่วยงานของตนเอง",
                f"the work group '{name}' is not one the importer may write: only their own units can be imported"))
        raise RowError.one("group", name, bilingual(f"ไม่รู้จักกลุ่มงาน '{name}' (ต้องตรงกับรหัสหรือชื่อหน่วยงานในระบบ)",
                                                    f"unknown work group '{name}' (it must match a unit's code or name)"))

    def row(self, ctx: Context, row: Sequence[Any], line: int) -> Iterable[dict[str, Any]]:
        problems: list[tuple[str, str, str]] = []
        fy = ctx.fiscal_year

        def read(key: str, reader: Any) -> Any:
            cell = ctx.cell(row, key)
            try:
                return reader(cell)
            except CellError as exc:
                problems.append((key, cells.shown(cell), exc.message))
            except RowError as exc:
                problems.extend(exc.problems)
            return None

        unit = read("group", lambda c: self._group(ctx, c))
        category = None
        if cells.text(ctx.cell(row, "category")):
            category = read("category", cells.category)
        if cells.text(ctx.cell(row, "fund")):
            by_fund = read("fund", cells.fund_category)
            if category and by_fund and by_fund != category:
                problems.append(("fund", cells.shown(ctx.cell(row, "fund")), bilingual(
                    "รหัสแหล่งของเงินไม่ตรงกับงบรายจ่ายในแถวเดียวกัน", "the source-of-funds code disagrees with the row's category")))
            category = category or by_fund
        elif category is None and not problems:
            problems.append(("category", "", bilingual("ไม่มีงบรายจ่ายหรือรหัสแหล่งของเงิน",
                                                       "there is neither a category nor a source-of-funds code")))
        activity = self._activity(ctx, row, unit, problems)
        form = None
        if any(cells.text(ctx.cell(row, k)) for k in ("form", "form_amount", "form_date")):
            number = read("form", lambda c: cells.code(c, what=("เลขที่ใบขอใช้เงิน", "request form number"), max_length=40))
            amount = read("form_amount", lambda c: cells.amount(c, allow_negative=False))
            day = read("form_date", cells.day)
            if amount == 0:
                problems.append(("form_amount", "0", bilingual("จำนวนเงินขอใช้เป็นศูนย์", "the amount requested is zero")))
            if day is not None and not fy.contains(day):
                problems.append(("form_date", cells.shown(ctx.cell(row, "form_date")), bilingual(
                    f"วันที่อยู่นอกปีงบประมาณ {fy.be_year}", f"the date is outside fiscal year {fy.be_year}")))
            if number and unit is not None:
                if (unit.pk, number) in ctx.state["forms_taken"]:
                    problems.append(("form", number, bilingual(
                        f"ใบขอใช้เงิน {number} ของ {unit.code} มีในระบบแล้ว (นำเข้าไฟล์ที่แก้แล้วโดยแทนที่การนำเข้าครั้งก่อน)",
                        f"request form {number} of {unit.code} is already recorded (import the corrected file "
                        "replacing the earlier import)")))
                elif (unit.pk, number) in ctx.state["forms_here"]:
                    problems.append(("form", number, bilingual(
                        f"ใบขอใช้เงิน {number} ซ้ำกับแถว {ctx.state['forms_here'][(unit.pk, number)]}",
                        f"request form {number} repeats row {ctx.state['forms_here'][(unit.pk, number)]}")))
            requester = cells.text(ctx.cell(row, "requester"))[:150]
            if number and amount and day:
                form = {"number": number, "amount": amount, "date": day.isoformat(), "requester": requester}
        months: list[list[Any]] = []
        for month in FISCAL_MONTHS:
            key = _month_key(month)
            cell = ctx.cell(row, key)
            if not cells.text(cell) or cells.text(cell) == "-":
                continue
            value = read(key, cells.amount)
            if value:
                year = fy.start.year if month >= 10 else fy.start.year + 1
                months.append([date(year, month, calendar.monthrange(year, month)[1]).isoformat(), value])
        if problems:
            raise RowError(problems)
        assert unit is not None and category is not None
        if form is not None:
            ctx.state["forms_here"][(unit.pk, form["number"])] = line
            if form["date"] > min((m[0] for m in months), default="9999") and months:
                raise RowError.one("form_date", form["date"], bilingual(
                    "วันที่ขอใช้เงินอยู่หลังเดือนที่เบิกจ่าย", "the request date is after a month with disbursement"))
        releases: list[list[Any]] = []
        if form is not None:
            spent = 0
            for day_text, value in months:
                spent += value
                if spent >= form["amount"]:  # the form's money is used: its reservation is released whole
                    releases.append([day_text, form["amount"]])
                    break
            self._count(ctx, category, "reservation", form["amount"])
            for _d, value in releases:
                self._count(ctx, category, "reservation_release", value)
        for _d, value in months:
            self._count(ctx, category, "disbursement", value)
        if form is None and not months:
            return []
        return [{"_line": line, "unit": unit.pk, "category": category, "activity": activity, "form": form,
                 "months": months, "releases": releases}]

    def _activity(self, ctx: Context, row: Sequence[Any], unit: Any, problems: list[tuple[str, str, str]]) -> list[str] | None:
        code_text = cells.text(ctx.cell(row, "activity_code"))
        name = " ".join(cells.text(ctx.cell(row, "activity")).split())
        if not code_text and not name:
            return None
        try:
            code = normalize_digits(strict_digits(code_text)) if code_text else ""
        except DigitError as exc:
            problems.append(("activity_code", code_text[:80], str(exc.args[0] if exc.args else exc)))
            return None
        if len(code) > 40 or len(name) > 255:
            problems.append(("activity_code" if len(code) > 40 else "activity", (code or name)[:80], bilingual(
                "รหัสกิจกรรมยาวเกิน 40 ตัวอักษร หรือชื่อกิจกรรมยาวเกิน 255 ตัวอักษร",
                "the activity code is longer than 40 characters or its name longer than 255")))
            return None
        if unit is None:
            return None
        if not code:
            code = ctx.state["activity_names"].get((unit.pk, name)) or name[:40]
        return [code, name or code]

    @staticmethod
    def _count(ctx: Context, category: str, kind: str, amount: int) -> None:
        for key, value in (("categories", category), ("kinds", kind)):
            slot = ctx.state["totals"].setdefault(key, {}).setdefault(value, [0, 0])
            slot[0] += 1
            slot[1] += amount

    def end(self, ctx: Context) -> Iterable[dict[str, Any]]:
        if ctx.state.get("header_problems"):
            raise RowError(ctx.state["header_problems"])
        totals = ctx.state.get("totals", {})
        ctx.state["summary"] = {"categories": totals.get("categories", {}), "kinds": totals.get("kinds", {}),
                                "forms_in_file": len(ctx.state.get("forms_here", {}))}
        return ()

    # -- writing ---------------------------------------------------------------------------------

    def commit(self, ctx: Context) -> dict[str, Any]:
        from pts.budget import bulk
        from pts.budget.models import Activity, MovementKind, ReservationForm, ReservationStatus
        from pts.imports.models import ImportBatch, StagedRow
        from pts.organisations import permissions

        batch, fy = ctx.batch, ctx.fiscal_year
        user = permissions.recorded_user(ctx.actor)
        old = batch.replaces
        if old is not None and old.layout == self.code:  # its ledger lines were just reversed
            ReservationForm.objects.filter(pk__in=(old.summary or {}).get("forms", [])).update(
                status=ReservationStatus.CANCELLED)
        reopen = {(f.unit_id, f.number): f for f in ReservationForm.objects.filter(pk__in=_reusable_forms(batch, fy))}
        staged = [d for d in StagedRow.objects.filter(batch=batch).order_by("line").values_list("data", flat=True)]
        activities = {(u, c): pk for pk, u, c in Activity.objects.filter(fiscal_year=fy).values_list("id", "unit_id", "code")}
        created_activities = 0
        for data in staged:
            if data["activity"] and (data["unit"], data["activity"][0]) not in activities:
                made = Activity.objects.create(fiscal_year=fy, unit_id=data["unit"], code=data["activity"][0],
                                               name=data["activity"][1])
                activities[(data["unit"], made.code)] = made.pk
                created_activities += 1
        from pts.organisations.models import Org

        unit_names = dict(Org.objects.filter(pk__in={d["unit"] for d in staged}).values_list("id", "name_th"))
        lines: list[Line] = []
        forms: list[int] = []
        statuses: dict[str, str] = {}
        created = 0
        for data in staged:
            unit_id, category = data["unit"], data["category"]
            activity_id = activities.get((unit_id, data["activity"][0])) if data["activity"] else None
            form_id = None
            ref = ""
            spec = data["form"]
            if spec is not None:
                ref = spec["number"]
                fields = {"category": category, "activity_id": activity_id, "amount": spec["amount"],
                          "requested_on": date.fromisoformat(spec["date"]),
                          "requester": spec["requester"] or unit_names.get(unit_id, "")[:150],
                          "purpose": (data["activity"][1][:255] if data["activity"] else "")}
                released = sum(v for _d, v in data["releases"])
                status = ReservationStatus.COMMITTED if released == spec["amount"] else ReservationStatus.OPEN
                form = reopen.get((unit_id, spec["number"]))
                if form is not None:
                    for name, value in fields.items():
                        setattr(form, name, value)
                    form.status = status
                    form.save()
                else:
                    form = ReservationForm.objects.create(fiscal_year=fy, unit_id=unit_id, number=spec["number"],
                                                          created_by=user, status=status, **fields)
                    created += 1
                form_id = form.pk
                forms.append(form.pk)
                statuses[str(form.pk)] = status
                lines.append(Line(unit_id=unit_id, category=category, kind=MovementKind.RESERVATION, amount=spec["amount"],
                                  effective_date=date.fromisoformat(spec["date"]), document_ref=ref,
                                  activity_id=activity_id, reservation_id=form_id))
            for day, value in data["releases"]:
                lines.append(Line(unit_id=unit_id, category=category, kind=MovementKind.RESERVATION_RELEASE, amount=value,
                                  effective_date=date.fromisoformat(day), document_ref=ref, activity_id=activity_id,
                                  reservation_id=form_id))
            for day, value in data["months"]:
                lines.append(Line(unit_id=unit_id, category=category, kind=MovementKind.DISBURSEMENT, amount=value,
                                  effective_date=date.fromisoformat(day), document_ref=ref, activity_id=activity_id,
                                  reservation_id=form_id, note=f"import {batch.pk}"))
        ledger = bulk.open_batch(fy, f"import {batch.pk}")
        bulk.write(ledger, lines, actor_id=user.pk)
        bulk.commit(ledger)
        ImportBatch.objects.filter(pk=batch.pk).update(ledger_batch=ledger)
        batch.ledger_batch = ledger
        return {"created": created, "activities_created": created_activities, "movements": len(lines),
                "forms": forms, "form_status": statuses}

    def undo_refusal(self, batch: ImportBatch) -> str | None:
        from pts.budget.models import ReservationForm

        statuses = (batch.summary or {}).get("form_status", {})
        for pk, number, status in ReservationForm.objects.filter(pk__in=[int(k) for k in statuses]).values_list(
                "id", "number", "status"):
            if statuses[str(pk)] != status:
                return bilingual(
                    f"ยกเลิกการนำเข้าไม่ได้: ใบขอใช้เงิน {number} ถูกเปลี่ยนสถานะหลังนำเข้าแล้ว ให้แก้ใบขอใช้เงินนั้นก่อน",
                    f"the import cannot be undone: request form {number} changed status after the import; "
                    "correct that form first")
        if batch.ledger_batch_id is None:
            return bilingual("การนำเข้านี้ไม่มีรายการบัญชีให้ยกเลิก", "this import wrote no ledger lines to undo")
        return None

    def undo(self, ctx: Context) -> dict[str, Any]:
        from pts.budget import bulk
        from pts.budget.models import ReservationForm, ReservationStatus
        from pts.imports.models import ImportBatch
        from pts.organisations import permissions

        batch = ctx.batch
        refusal = self.undo_refusal(batch)
        if refusal is not None:
            raise RowError.one("", "", refusal)
        assert batch.ledger_batch is not None
        actor = batch.undone_by or permissions.recorded_user(ctx.actor)
        reversal = bulk.reverse(batch.ledger_batch, actor_id=actor.pk, purpose=f"undo of import {batch.pk}")
        bulk.commit(reversal)
        ImportBatch.objects.filter(pk=batch.pk).update(undo_batch=reversal)
        cancelled = ReservationForm.objects.filter(pk__in=batch.summary.get("forms", [])).update(
            status=ReservationStatus.CANCELLED)
        return {"forms_cancelled": cancelled}


LAYOUT = Bureau()
