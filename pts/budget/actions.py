"""Writes to the money ledger: each action validates everything, locks the units, checks the
balances, appends movements and writes one audit row, all in one transaction.

Amounts are integer satang. Who may act (`pts.organisations.permissions`): coordinators of the
unit(s) for allocations, transfers, pull-backs, carry-over and reversals; officers (or
coordinators) of the unit for reservations, commitments and disbursements. Provinces and
departments (the roots) hold money only as a centre: they receive allocations and pull-backs and
pass them on, they never spend.

"Available" is defined in `pts.budget.queries`: a movement that takes money dated D may take at
most the lowest balance on any day from D to the end of the year, so back-dating never makes a
later balance negative. Every balance (remaining, outstanding commitment, reserved, disbursed)
must stay >= 0 on every day from the movement's date on, unless it already was lower.

`request_key` (optional, a form's one-time UUID) makes a double-submitted form replay the first
result instead of recording the money twice.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from pts.audit.actions import audit_record, snapshot
from pts.budget.models import (
    Activity,
    Category,
    CommitmentType,
    FiscalYear,
    Movement,
    ReservationForm,
    ReservationStatus,
    new_group,
)
from pts.budget.models import MovementKind as K
from pts.budget.queries import Projection, project
from pts.budget.years import find_fiscal_year
from pts.core.categories import category_th
from pts.core.fiscal import english_date, thai_date
from pts.core.money import AMOUNT_LIMIT_SATANG, AmountTooLarge, check_amount, format_baht
from pts.core.thai import bilingual
from pts.organisations import permissions
from pts.organisations.models import Org, OrgKind, User
from pts.organisations.permissions import Actor

ROOT_KINDS = (OrgKind.PROVINCE, OrgKind.DEPARTMENT)
# Reservation lines follow their request form: cancel the form instead of reversing a line.
NOT_REVERSIBLE_KINDS = (K.RESERVATION, K.RESERVATION_RELEASE)
# The balances queries.GUARDED keeps from going below zero, named for messages.
MEASURES = {
    "remaining": ("ยอดคงเหลือ", "remaining balance"),
    "committed_outstanding": ("ยอดก่อหนี้ผูกพันคงค้าง", "outstanding commitment"),
    "reserved": ("ยอดกันเงินตามใบขอใช้", "reserved amount"),
    "disbursed": ("ยอดเบิกจ่ายสะสม", "disbursed amount"),
    "settled": ("ยอดเบิกจ่ายตามสัญญา", "disbursements against commitments"),
    "carried_over": ("ยอดกันเงินเหลื่อมปี", "carried-over amount"),
}
AUDIT_FIGURES = ("current_allocation", "reserved", "committed_outstanding", "disbursed", "remaining")
Key = tuple[int, int, str]


# -- validation helpers ------------------------------------------------------------------------

def _error(field: str, th: str, en: str) -> ValidationError:
    return ValidationError({field: bilingual(th, en)})


def _in_year(fy: FiscalYear, day: Any, field: str = "effective_date") -> date:
    if not isinstance(day, date):
        raise _error(field, f"'{day}' ไม่ใช่วันที่", f"'{day}' is not a date")
    if not fy.contains(day):
        raise _error(
            field,
            f"วันที่ {thai_date(day)} อยู่นอกปีงบประมาณ {fy.be_year} ({thai_date(fy.start)} – {thai_date(fy.end)})",
            f"date {english_date(day)} is outside fiscal year {fy.be_year} ({english_date(fy.start)} – {english_date(fy.end)})",
        )
    return day


def _org(value: Org | int, field: str) -> Org:
    pk = value.pk if isinstance(value, Org) else value
    try:
        org = Org.objects.get(pk=pk)
    except (Org.DoesNotExist, ValueError, TypeError) as exc:
        raise _error(field, f"ไม่พบหน่วยงาน '{value}'", f"unit '{value}' does not exist") from exc
    if not org.is_active:
        raise _error(field, f"หน่วยงาน {org.code} ปิดใช้งานแล้ว", f"unit {org.code} is inactive")
    return org


def _spender(value: Org | int, field: str = "unit") -> Org:
    """An active unit that may reserve, commit and spend (not a province or department)."""
    org = _org(value, field)
    if org.kind in ROOT_KINDS:
        raise _error(field, f"{org.code} เป็นหน่วยงานระดับบนสุด ({org.kind}) ใช้จ่ายเงินไม่ได้",
                     f"{org.code} is a {org.kind}, not a unit that spends money")
    return org


def _category(value: Any, field: str = "category") -> str:
    if value not in Category.values:
        raise _error(field, f"หมวดงบ '{value}' ไม่ถูกต้อง", f"unknown budget category '{value}'")
    return str(value)


def _amount(amount: object, *, field: str = "amount", allow_negative: bool = False, note: str = "") -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise _error(field, f"จำนวนเงิน '{amount}' ต้องเป็นจำนวนเต็มหน่วยสตางค์",
                     f"amount '{amount}' must be a whole number of satang")
    try:
        check_amount(amount)
    except AmountTooLarge as exc:
        raise _error(field, f"จำนวนเงิน {exc.th}", f"amount {exc.en}") from exc
    if amount == 0:
        raise _error(field, "จำนวนเงินต้องไม่เป็นศูนย์: '0.00'", "the amount must not be zero: '0.00'")
    if amount < 0 and not allow_negative:
        raise _error(field, f"จำนวนเงินต้องมากกว่าศูนย์: '{format_baht(amount)}'",
                     f"the amount must be more than zero: '{format_baht(amount)}'")
    if amount < 0 and not note.strip():
        raise _error("note", f"จำนวนเงินติดลบ '{format_baht(amount)}' เป็นการแก้ไข: ต้องระบุเหตุผลในหมายเหตุ",
                     f"a negative amount '{format_baht(amount)}' is a correction: give the reason in the note")
    return amount


def _stored_amount_refusal(amount: int, label: str) -> str | None:
    """Why a stored amount cannot be released or reversed: one beyond the database's limit,
    written before the limit existed (`pts ledger-check` lists them), whose negation the CHECK
    constraint would refuse. Amounts above a lowered setting but within the limit may be undone."""
    if abs(amount) <= AMOUNT_LIMIT_SATANG:
        return None
    return bilingual(
        f"{label} มีจำนวนเงินเกินขีดจำกัดของฐานข้อมูล {format_baht(AMOUNT_LIMIT_SATANG)} บาท: "
        "ผู้ดูแลระบบต้องแก้ไขในฐานข้อมูล (ดู pts ledger-check)",
        f"{label} holds an amount beyond the database's limit of {format_baht(AMOUNT_LIMIT_SATANG)} baht: "
        "an administrator must correct it in the database (see pts ledger-check)",
    )


_LABELS = {
    "document_ref": ("เลขที่เอกสาร", "the document reference"),
    "note": ("หมายเหตุ", "the note"),
    "reason": ("เหตุผล", "the reason"),
    "number": ("เลขที่ใบขอใช้เงิน", "the form number"),
    "requester": ("ผู้ขอใช้เงิน", "the requester"),
    "purpose": ("วัตถุประสงค์", "the purpose"),
}


def _text(value: Any, field: str, max_length: int, *, required: bool = False) -> str:
    th, en = _LABELS[field]
    text = str(value or "").strip()
    if required and not text:
        raise _error(field, f"ต้องระบุ{th}", f"{en} is required")
    if len(text) > max_length:
        raise _error(field, f"{th}ยาวเกิน {max_length} ตัวอักษร: '{text[:30]}…'",
                     f"{en} is longer than {max_length} characters: '{text[:30]}…'")
    return text


def _commitment_type(value: Any) -> str:
    if value not in CommitmentType.values:
        raise _error("commitment_type", f"ประเภทการก่อหนี้ '{value}' ไม่ถูกต้อง", f"unknown commitment type '{value}'")
    return str(value)


def _activity(activity: Activity | None, fy: FiscalYear, unit: Org) -> Activity | None:
    if activity is not None and (activity.fiscal_year_id != fy.pk or activity.unit_id != unit.pk):
        raise _error("activity", f"กิจกรรม '{activity.code}' ไม่ใช่ของ {unit.code} ปีงบประมาณ {fy.be_year}",
                     f"activity '{activity.code}' does not belong to {unit.code} in fiscal year {fy.be_year}")
    return activity


def _source_report(report: Any, unit: Org) -> Any:
    if report is not None and report.unit_id != unit.pk:
        raise _error("source_report", f"รายงาน #{report.pk} ไม่ใช่ของ {unit.code}",
                     f"report #{report.pk} does not belong to {unit.code}")
    return report


def _root_id(org: Org) -> str:
    return org.path.strip("/").split("/")[0]


# -- locking, balances, writing ----------------------------------------------------------------

def _lock(*orgs: Org) -> None:
    """Serialise balance checks per unit: PostgreSQL row locks, in id order to avoid deadlocks
    (SQLite's IMMEDIATE transactions already serialise writers)."""
    ids = sorted({org.pk for org in orgs})
    list(Org.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def _replayed(request_key: uuid.UUID | None) -> list[Movement]:
    """What a form with this one-time key recorded already (every side of a group), or []."""
    first = None if request_key is None else Movement.objects.filter(request_key=request_key).first()
    if first is None or first.group is None:
        return [first] if first else []
    return list(Movement.objects.filter(group=first.group).order_by("pk"))


def _check_balances(movements: list[Movement], units: dict[int, Org], field: str) -> dict[Key, Projection]:
    """Refuse if the movements would push a balance below zero on any day from their date to the
    end of the year (unless it already was lower); else the projections, for the audit row."""
    projections = project(movements)
    years = {m.fiscal_year.pk: m.fiscal_year.be_year for m in movements}
    for (fy_id, unit_id, category), p in projections.items():
        if p.short is not None and p.start is not None:
            th, en = MEASURES[p.short]
            code, year = units[unit_id].code, years[fy_id]
            raise _error(
                field,
                f"จำนวน {format_baht(p.need)} บาท เกิน{th}ที่ใช้ได้ {format_baht(p.have)} บาท ของ {code} "
                f"{category_th(category)} ปีงบประมาณ {year} (ยอดต่ำสุดตั้งแต่ {thai_date(p.start)} ถึงสิ้นปีงบประมาณ)",
                f"{format_baht(p.need)} is more than the available {en} {format_baht(p.have)} of {code}/{category} "
                f"in fiscal year {year} (the lowest from {english_date(p.start)} to the end of the year)",
            )
    return projections


def _balance_dict(checked: dict[Key, Projection], units: dict[int, Org], years: dict[int, int],
                  after: bool) -> dict[str, Any]:
    return {
        f"{years[fy_id]}/{units[unit_id].code}/{category}": {
            name: getattr(p.after if after else p.before, name) for name in AUDIT_FIGURES
        }
        for (fy_id, unit_id, category), p in checked.items()
    }


def _write(
    *, actor: User, action: str, movements: list[Movement], units: dict[int, Org], field: str = "amount",
    obj: Any = None, before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
    note: str = "", save_first: Any = None,
) -> list[Movement]:
    """Check the balances, save the movements (and `save_first` before them), write the audit row."""
    checked = _check_balances(movements, units, field)
    if save_first is not None:
        save_first()
    for m in movements:
        m.save()
    first = movements[0]
    years = {m.fiscal_year.pk: m.fiscal_year.be_year for m in movements}
    audit_record(
        actor=actor, action=action, obj=obj or first, unit=first.unit, fiscal_year=first.fiscal_year.be_year,
        period=first.effective_date.replace(day=1),
        before={**(before or {}), "balances": _balance_dict(checked, units, years, False)},
        after={**(after or {}), "movements": [snapshot(m) for m in movements],
               "balances": _balance_dict(checked, units, years, True)},
        note=note,
    )
    return movements


# -- allocation, transfer, pull-back -----------------------------------------------------------

@transaction.atomic
def allocation_record(
    *, actor: Actor, fiscal_year: FiscalYear | int, unit: Org, category: str, amount: int, effective_date: date,
    document_ref: str = "", activity: Activity | None = None, note: str = "", request_key: uuid.UUID | None = None,
) -> Movement:
    """Allocate money to a unit (or to a centre, which passes it on by transfer)."""
    fy = find_fiscal_year(fiscal_year, for_write=True)
    unit = _org(unit, "unit")
    category = _category(category)
    _amount(amount)
    _in_year(fy, effective_date)
    document_ref = _text(document_ref, "document_ref", 80)
    note = _text(note, "note", 255)
    activity = _activity(activity, fy, unit)
    user = permissions.require_coordinator(actor, unit)
    _lock(unit)
    if done := _replayed(request_key):
        return done[0]
    movement = Movement(fiscal_year=fy, unit=unit, category=category, activity=activity, kind=K.ALLOCATION,
                        amount=amount, effective_date=effective_date, document_ref=document_ref, note=note,
                        actor=user, request_key=request_key)
    _write(actor=user, action="ledger.allocation", movements=[movement], units={unit.pk: unit})
    return movement


@transaction.atomic
def allocation_transfer(
    *, actor: Actor, fiscal_year: FiscalYear | int, from_unit: Org, to_unit: Org, category: str, amount: int,
    effective_date: date, document_ref: str = "", to_category: str | None = None, note: str = "",
    request_key: uuid.UUID | None = None,
) -> tuple[Movement, Movement]:
    """Move allocation between two units (or two categories of one unit), both sides in one group."""
    fy = find_fiscal_year(fiscal_year, for_write=True)
    source = _org(from_unit, "from_unit")
    target = _org(to_unit, "to_unit")
    category = _category(category)
    to_category = _category(to_category or category, "to_category")
    if source.pk == target.pk and category == to_category:
        raise _error("to_unit", f"โอนให้ตนเองไม่ได้: {source.code} {category_th(category)}",
                     f"a unit cannot transfer to itself: {source.code}/{category}")
    if _root_id(source) != _root_id(target):
        raise _error("to_unit", f"{source.code} และ {target.code} อยู่คนละสายการบังคับบัญชา",
                     f"{source.code} and {target.code} are in different hierarchies")
    _amount(amount)
    _in_year(fy, effective_date)
    document_ref = _text(document_ref, "document_ref", 80)
    note = _text(note, "note", 255)
    permissions.require_coordinator(actor, source)
    user = permissions.require_coordinator(actor, target)
    _lock(source, target)
    if done := _replayed(request_key):
        return done[0], done[1]
    group = new_group()
    common = {"fiscal_year": fy, "amount": amount, "effective_date": effective_date, "document_ref": document_ref,
              "note": note, "actor": user, "group": group}
    out = Movement(unit=source, category=category, kind=K.TRANSFER_OUT, request_key=request_key, **common)
    into = Movement(unit=target, category=to_category, kind=K.TRANSFER_IN, **common)
    _write(actor=user, action="ledger.transfer", movements=[out, into], units={source.pk: source, target.pk: target})
    return out, into


@transaction.atomic
def allocation_pullback(
    *, actor: Actor, fiscal_year: FiscalYear | int, unit: Org, centre: Org, category: str, amount: int,
    effective_date: date, document_ref: str = "", note: str = "", request_key: uuid.UUID | None = None,
) -> tuple[Movement, Movement]:
    """Pull unused allocation back from a unit to its centre (an org above it, usually the
    scheme's coordinator org): PULLBACK_OUT on the unit, PULLBACK_IN on the centre."""
    fy = find_fiscal_year(fiscal_year, for_write=True)
    unit = _spender(unit)
    centre = _org(centre, "centre")
    if centre.pk == unit.pk or not unit.is_within(centre):
        raise _error("centre", f"{centre.code} ไม่ใช่หน่วยงานต้นสังกัดของ {unit.code}",
                     f"{centre.code} is not above {unit.code} in the hierarchy")
    category = _category(category)
    _amount(amount)
    _in_year(fy, effective_date)
    document_ref = _text(document_ref, "document_ref", 80)
    note = _text(note, "note", 255)
    user = permissions.require_coordinator(actor, centre)
    _lock(unit, centre)
    if done := _replayed(request_key):
        return done[0], done[1]
    group = new_group()
    common = {"fiscal_year": fy, "category": category, "amount": amount, "effective_date": effective_date,
              "document_ref": document_ref, "note": note, "actor": user, "group": group}
    out = Movement(unit=unit, kind=K.PULLBACK_OUT, request_key=request_key, **common)
    into = Movement(unit=centre, kind=K.PULLBACK_IN, **common)
    _write(actor=user, action="ledger.pullback", movements=[out, into], units={unit.pk: unit, centre.pk: centre})
    return out, into


# -- reservations (request forms) --------------------------------------------------------------

@transaction.atomic
def reservation_create(
    *, actor: Actor, fiscal_year: FiscalYear | int, unit: Org, category: str, number: str, requester: str,
    amount: int, requested_on: date, purpose: str = "", activity: Activity | None = None,
) -> ReservationForm:
    """Record a request form and earmark its amount (a RESERVATION movement dated `requested_on`)."""
    fy = find_fiscal_year(fiscal_year, for_write=True)
    unit = _spender(unit)
    category = _category(category)
    number = _text(number, "number", 40, required=True)
    requester = _text(requester, "requester", 150, required=True)
    purpose = _text(purpose, "purpose", 255)
    _amount(amount)
    _in_year(fy, requested_on, "requested_on")
    activity = _activity(activity, fy, unit)
    user = permissions.require_edit(actor, unit)
    _lock(unit)
    if ReservationForm.objects.filter(fiscal_year=fy, unit=unit, number=number).exists():
        raise _error("number", f"เลขที่ใบขอใช้เงิน '{number}' มีอยู่แล้ว", f"form number '{number}' already exists")
    form = ReservationForm(fiscal_year=fy, unit=unit, category=category, activity=activity, number=number,
                           requester=requester, purpose=purpose, amount=amount, requested_on=requested_on,
                           created_by=user)
    movement = Movement(fiscal_year=fy, unit=unit, category=category, activity=activity, kind=K.RESERVATION,
                        amount=amount, effective_date=requested_on, document_ref=number, actor=user)

    def save_form() -> None:
        form.save()
        movement.reservation = form

    _write(actor=user, action="ledger.reservation", movements=[movement], units={unit.pk: unit},
           save_first=save_form)
    return form


def _open_reservation(reservation: ReservationForm, effective_date: Any) -> tuple[ReservationForm, FiscalYear]:
    unit = reservation.unit
    _lock(unit)
    form = ReservationForm.objects.select_for_update().select_related("unit").get(pk=reservation.pk)
    if form.status != ReservationStatus.OPEN:
        raise _error("reservation", f"ใบขอใช้เงิน {form.number} มีสถานะ '{form.status}' แล้ว",
                     f"request form {form.number} is already {form.status}")
    fy = find_fiscal_year(form.fiscal_year, for_write=True)
    _in_year(fy, effective_date)
    if effective_date < form.requested_on:
        raise _error("effective_date", f"วันที่ {thai_date(effective_date)} อยู่ก่อนวันที่ขอใช้เงิน {thai_date(form.requested_on)}",
                     f"date {english_date(effective_date)} is before the request date {english_date(form.requested_on)}")
    return form, fy


@transaction.atomic
def reservation_commit(
    *, actor: Actor, reservation: ReservationForm, effective_date: date, document_ref: str,
    commitment_type: str = CommitmentType.PO, amount: int | None = None,
) -> Movement:
    """The request form becomes a commitment: release the reservation, commit `amount`
    (default: the reserved amount; more needs available money, less frees the rest)."""
    user = permissions.require_edit(actor, reservation.unit)
    document_ref = _text(document_ref, "document_ref", 80, required=True)
    commitment_type = _commitment_type(commitment_type)
    form, fy = _open_reservation(reservation, effective_date)
    if (why := _stored_amount_refusal(form.amount, form.number)) is not None:
        raise ValidationError({"amount": why})
    amount = form.amount if amount is None else _amount(amount)
    common = {"fiscal_year": fy, "unit": form.unit, "category": form.category, "activity_id": form.activity_id,
              "effective_date": effective_date, "document_ref": document_ref, "actor": user, "reservation": form}
    release = Movement(kind=K.RESERVATION_RELEASE, amount=form.amount, **common)
    commitment = Movement(kind=K.COMMITMENT, amount=amount, commitment_type=commitment_type, **common)

    def mark() -> None:
        form.status = ReservationStatus.COMMITTED
        form.save(update_fields=["status"])

    _write(actor=user, action="ledger.reservation_commit", movements=[release, commitment],
           units={form.unit_id: form.unit}, obj=form, before={"status": ReservationStatus.OPEN},
           after={"status": ReservationStatus.COMMITTED}, save_first=mark)
    return commitment


@transaction.atomic
def reservation_cancel(*, actor: Actor, reservation: ReservationForm, effective_date: date, note: str = "") -> Movement:
    """Cancel an open request form: its reservation is released."""
    user = permissions.require_edit(actor, reservation.unit)
    note = _text(note, "note", 255)
    form, fy = _open_reservation(reservation, effective_date)
    if (why := _stored_amount_refusal(form.amount, form.number)) is not None:
        raise ValidationError({"reservation": why})
    release = Movement(fiscal_year=fy, unit=form.unit, category=form.category, activity_id=form.activity_id,
                       kind=K.RESERVATION_RELEASE, amount=form.amount, effective_date=effective_date,
                       document_ref=form.number, note=note, actor=user, reservation=form)

    def mark() -> None:
        form.status = ReservationStatus.CANCELLED
        form.save(update_fields=["status"])

    _write(actor=user, action="ledger.reservation_cancel", movements=[release], units={form.unit_id: form.unit},
           obj=form, before={"status": ReservationStatus.OPEN}, after={"status": ReservationStatus.CANCELLED},
           note=note, save_first=mark)
    return release


# -- commitments, disbursements, carry-over ----------------------------------------------------

@transaction.atomic
def commitment_record(
    *, actor: Actor, fiscal_year: FiscalYear | int, unit: Org, category: str, amount: int, effective_date: date,
    document_ref: str, commitment_type: str = CommitmentType.PO, activity: Activity | None = None,
    source_report: Any = None, note: str = "", request_key: uuid.UUID | None = None,
) -> Movement:
    """A PO/contract or a reservation with debt. A negative amount is a correction (note required)."""
    fy = find_fiscal_year(fiscal_year, for_write=True)
    unit = _spender(unit)
    category = _category(category)
    note = _text(note, "note", 255)
    _amount(amount, allow_negative=True, note=note)
    _in_year(fy, effective_date)
    document_ref = _text(document_ref, "document_ref", 80, required=True)
    commitment_type = _commitment_type(commitment_type)
    activity = _activity(activity, fy, unit)
    source_report = _source_report(source_report, unit)
    user = permissions.require_edit(actor, unit)
    _lock(unit)
    if done := _replayed(request_key):
        return done[0]
    movement = Movement(fiscal_year=fy, unit=unit, category=category, activity=activity, kind=K.COMMITMENT,
                        amount=amount, effective_date=effective_date, document_ref=document_ref,
                        commitment_type=commitment_type, source_report=source_report, note=note, actor=user,
                        request_key=request_key)
    _write(actor=user, action="ledger.commitment", movements=[movement], units={unit.pk: unit})
    return movement


@transaction.atomic
def disbursement_record(
    *, actor: Actor, fiscal_year: FiscalYear | int, unit: Org, category: str, amount: int, effective_date: date,
    document_ref: str = "", settles_commitment: bool = False, activity: Activity | None = None,
    source_report: Any = None, note: str = "", request_key: uuid.UUID | None = None,
) -> Movement:
    """Money paid out. `settles_commitment`: paid against an outstanding commitment (takes from it,
    not from the remaining balance). A negative amount is a correction (note required)."""
    fy = find_fiscal_year(fiscal_year, for_write=True)
    unit = _spender(unit)
    category = _category(category)
    note = _text(note, "note", 255)
    _amount(amount, allow_negative=True, note=note)
    _in_year(fy, effective_date)
    document_ref = _text(document_ref, "document_ref", 80)
    activity = _activity(activity, fy, unit)
    source_report = _source_report(source_report, unit)
    user = permissions.require_edit(actor, unit)
    _lock(unit)
    if done := _replayed(request_key):
        return done[0]
    movement = Movement(fiscal_year=fy, unit=unit, category=category, activity=activity, kind=K.DISBURSEMENT,
                        amount=amount, effective_date=effective_date, document_ref=document_ref,
                        settles_commitment=bool(settles_commitment), source_report=source_report, note=note,
                        actor=user, request_key=request_key)
    _write(actor=user, action="ledger.disbursement", movements=[movement], units={unit.pk: unit})
    return movement


@transaction.atomic
def carry_over(
    *, actor: Actor, from_year: FiscalYear | int, to_year: FiscalYear | int, unit: Org, category: str, amount: int,
    effective_date: date, document_ref: str = "", commitment_type: str = CommitmentType.PO, note: str = "",
    request_key: uuid.UUID | None = None,
) -> tuple[Movement, Movement, Movement]:
    """Carry committed, unpaid money into the next year (กันเงินไว้เบิกเหลื่อมปี).

    Old year: CARRY_OVER_OUT (reduces the outstanding commitment), dated `effective_date` or the
    old year's last day if later. New year: CARRY_OVER_IN (allocation) + COMMITMENT, dated
    `effective_date` or the new year's first day if earlier. `amount` <= outstanding commitment.
    """
    old = find_fiscal_year(from_year, for_write=True, field="from_year")
    new = find_fiscal_year(to_year, for_write=True, field="to_year")
    if new.be_year != old.be_year + 1:
        raise _error("to_year", f"ปีงบประมาณ {new.be_year} ไม่ใช่ปีถัดจาก {old.be_year}",
                     f"fiscal year {new.be_year} is not the year after {old.be_year}")
    unit = _spender(unit)
    category = _category(category)
    _amount(amount)
    if not isinstance(effective_date, date) or not old.start <= effective_date <= new.end:
        raise _error("effective_date", f"วันที่ {effective_date} ต้องอยู่ในปีงบประมาณ {old.be_year} หรือ {new.be_year}",
                     f"date {effective_date} must be in fiscal year {old.be_year} or {new.be_year}")
    document_ref = _text(document_ref, "document_ref", 80)
    note = _text(note, "note", 255)
    commitment_type = _commitment_type(commitment_type)
    user = permissions.require_coordinator(actor, unit)
    _lock(unit)
    if done := _replayed(request_key):
        return done[0], done[1], done[2]
    group = new_group()
    old_day, new_day = min(effective_date, old.end), max(effective_date, new.start)
    common = {"unit": unit, "category": category, "amount": amount, "document_ref": document_ref, "note": note,
              "actor": user, "group": group}
    out = Movement(fiscal_year=old, kind=K.CARRY_OVER_OUT, effective_date=old_day, request_key=request_key, **common)
    into = Movement(fiscal_year=new, kind=K.CARRY_OVER_IN, effective_date=new_day, **common)
    commitment = Movement(fiscal_year=new, kind=K.COMMITMENT, effective_date=new_day, commitment_type=commitment_type,
                          **common)
    _write(actor=user, action="ledger.carry_over", movements=[out, into, commitment], units={unit.pk: unit})
    return out, into, commitment


# -- reversal ----------------------------------------------------------------------------------

def reversal_refusal(movement: Movement, *, is_reversed: bool | None = None) -> str | None:
    """Why a movement cannot be reversed (bilingual), or None when it can."""
    label = f"#{movement.pk}"
    if movement.reverses_id is not None:
        return bilingual(f"รายการ {label} เป็นรายการกลับรายการอยู่แล้ว", f"movement {label} is itself a reversal")
    if movement.amount < 0:
        return bilingual(f"รายการ {label} เป็นรายการแก้ไข: บันทึกรายการใหม่แทน", f"movement {label} is a correction: record a new one")
    if (why := _stored_amount_refusal(movement.amount, label)) is not None:
        return why
    if movement.kind in NOT_REVERSIBLE_KINDS:
        return bilingual(f"รายการ {label} เป็นของใบขอใช้เงิน: ให้ยกเลิกใบขอใช้เงินแทน",
                         f"movement {label} belongs to a request form: cancel the form instead")
    if movement.source_report_id is not None:
        return bilingual(f"รายการ {label} มาจากรายงานประจำเดือน: แก้ไขผ่านรายงาน",
                         f"movement {label} comes from a monthly report: correct it through the report")
    if is_reversed is None:
        is_reversed = Movement.objects.filter(reverses_id=movement.pk).exists()
    if is_reversed:
        return bilingual(f"รายการ {label} ถูกกลับรายการแล้ว", f"movement {label} has already been reversed")
    return None


@transaction.atomic
def movement_reverse(*, actor: Actor, movement: Movement, effective_date: date, reason: str) -> list[Movement]:
    """Undo a movement with negated copies (`reverses` set); a transfer, pull-back or carry-over
    is undone on every side of its group. The clicked movement's reversal comes first."""
    reason = _text(reason, "reason", 255, required=True)
    original = Movement.objects.select_related("fiscal_year", "unit").get(pk=movement.pk)
    members = [original]
    if original.group is not None:
        members += list(Movement.objects.select_related("fiscal_year", "unit")
                        .filter(group=original.group).exclude(pk=original.pk).order_by("pk"))
    for m in members:
        user = permissions.require_coordinator(actor, m.unit)
    _lock(*(m.unit for m in members))
    for m in members:
        if (why := reversal_refusal(m)) is not None:
            raise ValidationError({"movement": why})
    fy = find_fiscal_year(original.fiscal_year, for_write=True)
    _in_year(fy, effective_date)
    if effective_date < original.effective_date:
        raise _error("effective_date", f"วันที่ {thai_date(effective_date)} อยู่ก่อนรายการเดิม ({thai_date(original.effective_date)})",
                     f"date {english_date(effective_date)} is before the movement ({english_date(original.effective_date)})")
    group = new_group() if original.group is not None else None
    reversals = []
    for m in members:
        year = find_fiscal_year(m.fiscal_year, for_write=True, field="movement")
        day = max(min(max(effective_date, year.start), year.end), m.effective_date)
        reversals.append(Movement(
            fiscal_year=year, unit=m.unit, category=m.category, activity_id=m.activity_id, kind=m.kind,
            amount=-m.amount, effective_date=day, document_ref=m.document_ref, commitment_type=m.commitment_type,
            settles_commitment=m.settles_commitment, reservation_id=m.reservation_id, group=group, reverses=m,
            note=reason, actor=user,
        ))
    _write(actor=user, action="ledger.reverse", movements=reversals, units={m.unit_id: m.unit for m in members},
           field="movement", before={"movements": [snapshot(m) for m in members]}, note=reason)
    return reversals
