"""Writes for procurement. Each action takes keyword arguments only, checks everything before
writing, runs in one transaction and writes its audit row (before/after) in it.

Who may act (`pts.organisations.permissions`): officers and coordinators of the project's unit; executives
read only. A planned date that has already passed is a promise on record: only a coordinator may
move it (officers re-plan what is still ahead; the slippage shifts the forecast anyway).
Extra holidays: national ones by administrators only; an organisation's own by its coordinators
(they close days for the units at or below it, and its audit rows reach down to them). `now` is the business time of the change
(an aware datetime); "today" is its local date.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from pts.audit.actions import audit_record, snapshot
from pts.budget.actions import commitment_record
from pts.budget.models import Category, CommitmentType, FiscalYear
from pts.budget.years import find_fiscal_year
from pts.core.db import refresh_statistics
from pts.core.fiscal import english_date, thai_date
from pts.core.money import format_baht, split_largest_remainder
from pts.core.thai import bilingual
from pts.organisations import permissions, scope
from pts.organisations.models import Org, OrgKind, User
from pts.organisations.permissions import Actor
from pts.procurement import queries, sheet, sheet_bulk
from pts.procurement.deadlines import DeadlineError, parse_scheme
from pts.procurement.models import (  # noqa: F401 - the field and date rules are part of this module's interface
    PROJECT_FIELDS,
    ExtraHoliday,
    ImportBatch,
    Instalment,
    Method,
    Milestone,
    ProcurementSettings,
    Project,
    RoundUpdate,
    actual_refusal,
    clean_category,
    clean_egp,
    clean_fund_code,
    clean_method,
    clean_money,
    clean_text,
    planned_change_refusal,
)
from pts.procurement.schedule import (
    CONTRACT,
    PlanWarning,
    ScheduleError,
    generate_plan,
    load_template,
    validate_plan,
)
from pts.schemes.actions import scheme_set_deadline_sets
from pts.schemes.models import Scheme

BULK_ROWS = 1000  # projects created by one import past which the planner's statistics are refreshed


def _error(field: str, th: str, en: str) -> ValidationError:
    return ValidationError({field: bilingual(th, en)})


def _date(value: Any, field: str) -> date | None:
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise _error(field, f"'{value}' ไม่ใช่วันที่", f"'{value}' is not a date")


def _today(now: datetime) -> date:
    if not isinstance(now, datetime) or timezone.is_naive(now):
        raise ValueError("now must be an aware datetime")
    return timezone.localdate(now)


def _lock(project: Project) -> Project:
    """The project row locked for this transaction (PostgreSQL), freshly read."""
    return Project.objects.select_for_update().select_related("unit", "fiscal_year").get(pk=project.pk)


def _audit(actor: Actor, action: str, project: Project, today: date, *, before: Any = None, after: Any = None,
           obj: Any = None, note: str = "") -> None:
    audit_record(actor=actor, action=f"procurement.{action}", obj=obj or project, unit=project.unit,
                 fiscal_year=project.fiscal_year.be_year, period=today.replace(day=1), before=before,
                 after=after, note=note)


def _egp_unused(egp: str, project: Project | None) -> None:
    others = Project.objects.filter(egp_number=egp)
    if project is not None:
        others = others.exclude(pk=project.pk)
    if egp and others.exists():
        raise _error("egp_number", f"เลขที่โครงการ e-GP {egp} ถูกใช้กับโครงการอื่นแล้ว",
                     f"e-GP project number {egp} is already used by another project")


def _name_unused(name: str, fy: FiscalYear, unit: Org, project: Project | None) -> None:
    others = Project.objects.filter(fiscal_year=fy, unit=unit, name=name)
    if project is not None:
        others = others.exclude(pk=project.pk)
    if others.exists():
        raise _error("name", f"{unit.code} มีโครงการชื่อ '{name}' ในปีงบประมาณ {fy.be_year} แล้ว",
                     f"{unit.code} already has a project named '{name}' in fiscal year {fy.be_year}")


def _clean_fields(changes: Mapping[str, Any], unit: Org) -> dict[str, Any]:
    """Clean the project fields given (only those), raising on the first bad one."""
    cleaners: dict[str, Callable[[Any], Any]] = {
        "name": lambda v: clean_text(v, "name", required=True),
        "category": clean_category,
        "fund_code": clean_fund_code,
        "allocated": lambda v: clean_money(v, "allocated", required=True, positive=True),
        "reference_price": lambda v: clean_money(v, "reference_price"),
        "method": clean_method,
        "multi_year": bool,
        "egp_number": clean_egp,
        "contract_number": lambda v: clean_text(v, "contract_number"),
        "contract_value": lambda v: clean_money(v, "contract_value"),
        "contractor": lambda v: clean_text(v, "contractor"),
        "po_number": lambda v: clean_text(v, "po_number"),
        "po_date": lambda v: _date(v, "po_date"),
        "officer_name": lambda v: clean_text(v, "officer_name"),
        "officer": lambda v: _officer(v, unit),
    }
    unknown = set(changes) - set(cleaners)
    if unknown:
        raise TypeError(f"not project fields: {sorted(unknown)}")
    return {name: cleaners[name](value) for name, value in changes.items()}


def _officer(user: Any, unit: Org) -> User | None:
    if user is None:
        return None
    if not isinstance(user, User) or not scope.can_edit_unit(user, unit):
        raise _error("officer", f"{user} ไม่ใช่เจ้าหน้าที่ของ {unit.code}", f"{user} is not an officer of {unit.code}")
    return user


def _sync_milestone_rows(project: Project) -> None:
    """Rows for every step of the method; a step the method lacks is dropped unless it was done."""
    t = load_template(project.template)
    wanted = t.method(project.method).milestone_ids
    existing = {m.code: m for m in project.milestones.all()}
    Milestone.objects.bulk_create([Milestone(project=project, code=code, seq=t.milestone(code).seq)
                                   for code in wanted if code not in existing])
    stale = [m.pk for code, m in existing.items() if code not in wanted and not m.actual]
    Milestone.objects.filter(pk__in=stale).delete()


def _pair(m: Milestone) -> list[str | None]:
    return [m.planned.isoformat() if m.planned else None, m.actual.isoformat() if m.actual else None]


def _dates(project: Project) -> dict[str, list[str | None]]:
    return {m.code: _pair(m) for m in project.milestones.order_by("seq")}


def plan_warnings(project: Project) -> list[PlanWarning]:
    planned = {m.code: m.planned for m in project.milestones.all()}
    return validate_plan(planned, value_satang=project.allocated, method=project.method,
                         calendar=queries.work_calendar(project.unit), template=load_template(project.template))


# -- projects ----------------------------------------------------------------------------------


@transaction.atomic
def project_create(
    *, actor: Actor, fiscal_year: FiscalYear | int, unit: Org, name: str, allocated: int, now: datetime,
    method: str = Method.E_BIDDING, category: str = Category.CAPITAL, start: date | None = None,
    target_contract: date | None = None, planned: Mapping[str, date | None] | None = None,
    request_key: uuid.UUID | None = None, **fields: Any,
) -> tuple[Project, list[str]]:
    """A project with its milestone plan: generated forward from `start` or backwards from
    `target_contract` (on the working-day calendar), or taken as given in `planned` (the sheet).
    Returns the project and the plan's notes and warnings (bilingual; they never block)."""
    today = _today(now)
    fy = find_fiscal_year(fiscal_year, for_write=True)
    if not isinstance(unit, Org) or unit.kind in (OrgKind.PROVINCE, OrgKind.DEPARTMENT):
        raise _error("unit", f"'{unit}' ไม่ใช่หน่วยงานที่จัดซื้อจัดจ้าง", f"'{unit}' is not a unit that procures")
    user = permissions.require_edit(actor, unit)
    if request_key and (done := Project.objects.filter(request_key=request_key).first()):
        return done, []
    data = _clean_fields({"name": name, "allocated": allocated, "method": method, "category": category, **fields},
                         unit)
    _name_unused(data["name"], fy, unit, None)
    _egp_unused(data.get("egp_number", ""), None)
    notes: list[str] = []
    if planned is None:
        try:
            plan = generate_plan(value_satang=data["allocated"], method=data["method"], start=_date(start, "start"),
                                 target_contract=_date(target_contract, "target_contract"),
                                 calendar=queries.work_calendar(unit), strict_method=False)
        except ScheduleError as exc:
            raise ValidationError({"start": str(exc)}) from exc
        planned, notes = plan.dates(), list(plan.notes)
    project = Project(fiscal_year=fy, unit=unit, created_at=now, updated_at=now, created_by=user,
                      request_key=request_key, **data)
    project.save()
    _sync_milestone_rows(project)
    unknown = set(planned) - {m.code for m in project.milestones.all()}
    if unknown:
        raise _error("planned", f"ขั้นตอน {sorted(unknown)} ไม่ใช่ขั้นตอนของวิธีนี้",
                     f"milestones {sorted(unknown)} are not steps of this method")
    for m in project.milestones.all():
        m.planned = _date(planned.get(m.code), m.code)
        m.save(update_fields=["planned"])
    warnings = notes + [w.message for w in plan_warnings(project) if w.message not in notes]
    _audit(actor, "project_create", project, today,
           after={**snapshot(project, PROJECT_FIELDS), "milestones": _dates(project)})
    return project, warnings


@transaction.atomic
def project_update(*, actor: Actor, project: Project, now: datetime, **changes: Any) -> tuple[Project, list[str]]:
    """Change project fields (only those given). A new method brings its own milestone rows."""
    today = _today(now)
    project = _lock(project)
    permissions.require_edit(actor, project.unit)
    find_fiscal_year(project.fiscal_year, for_write=True)
    data = _clean_fields(changes, project.unit)
    if "name" in data:
        _name_unused(data["name"], project.fiscal_year, project.unit, project)
    if "egp_number" in data:
        _egp_unused(data["egp_number"], project)
    if project.commitment_id and any(k in data and data[k] != getattr(project, k) for k in ("contract_value", "category")):
        raise _error("contract_value", "บันทึกก่อหนี้ผูกพันในบัญชีแล้ว: แก้มูลค่าสัญญาหรือหมวดงบไม่ได้ ต้องกลับรายการในบัญชีก่อน",
                     "the commitment is already in the ledger: reverse it there before changing the value or category")
    before = snapshot(project, PROJECT_FIELDS)
    changed = {k: v for k, v in data.items() if getattr(project, k) != v}
    if not changed:
        return project, []
    for k, v in changed.items():
        setattr(project, k, v)
    project.updated_at = now
    project.save()
    if "method" in changed:
        _sync_milestone_rows(project)
    after = snapshot(project, PROJECT_FIELDS)
    _audit(actor, "project_update", project, today, before={k: before[k] for k in before if before[k] != after[k]},
           after={k: after[k] for k in after if before[k] != after[k]})
    return project, [w.message for w in plan_warnings(project)]


# -- milestones --------------------------------------------------------------------------------


@transaction.atomic
def milestones_update(
    *, actor: Actor, project: Project, now: datetime, planned: Mapping[str, date | None] | None = None,
    actual: Mapping[str, date | None] | None = None, record_commitment: bool = False,
) -> list[PlanWarning]:
    """Move planned dates and record actual dates (only the milestones given). Returns every rule
    the resulting plan breaks (validate_plan): warnings to show, never a refusal.

    record_commitment: when the contract date is recorded, also record the commitment in the
    ledger (pts.budget.actions.commitment_record; the contract value, the contract or PO number as
    the document reference), once per project.
    """
    today = _today(now)
    project = _lock(project)
    permissions.require_edit(actor, project.unit)
    fy = find_fiscal_year(project.fiscal_year, for_write=True)
    planned, actual = dict(planned or {}), dict(actual or {})
    rows = {m.code: m for m in project.milestones.select_for_update().order_by("seq")}
    errors: dict[str, list[str]] = {}
    for code in {*planned, *actual} - set(rows):
        errors.setdefault(code, []).append(bilingual(f"'{code}' ไม่ใช่ขั้นตอนของโครงการนี้",
                                                     f"'{code}' is not a milestone of this project"))
    for code, day in planned.items():
        if code in rows and (why := planned_change_refusal(actor, project.unit, rows[code].planned,
                                                           _date(day, code), today)):
            errors.setdefault(code, []).append(why)
    for code, day in actual.items():
        if why := actual_refusal(fy, _date(day, code), today):
            errors.setdefault(code, []).append(why)
    contract = rows.get(CONTRACT)
    if contract and CONTRACT in actual and project.commitment_id and actual[CONTRACT] != contract.actual:
        errors.setdefault(CONTRACT, []).append(bilingual(
            "บันทึกก่อหนี้ผูกพันในบัญชีแล้ว: แก้วันลงนามสัญญาไม่ได้ ต้องกลับรายการในบัญชีก่อน",
            "the commitment is already in the ledger: reverse it there before changing the contract date"))
    if errors:
        raise ValidationError(errors)
    before = {code: _pair(m) for code, m in rows.items()}
    for code, m in rows.items():
        new_planned = planned.get(code, m.planned)
        new_actual = actual.get(code, m.actual)
        if (new_planned, new_actual) != (m.planned, m.actual):
            m.planned, m.actual = new_planned, new_actual
            m.save(update_fields=["planned", "actual"])
    after = {code: _pair(m) for code, m in rows.items()}
    changed = {k for k in after if after[k] != before[k]}
    movement = None
    if record_commitment:
        movement = _record_commitment(actor, project, rows.get(CONTRACT))
    if changed or movement:
        project.updated_at = now
        project.save(update_fields=["updated_at", "commitment"])
        _audit(actor, "milestones_update", project, today, before={k: before[k] for k in changed},
               after={k: after[k] for k in changed} | ({"commitment": movement.pk} if movement else {}))
    return validate_plan({c: m.planned for c, m in rows.items()}, value_satang=project.allocated,
                         method=project.method, calendar=queries.work_calendar(project.unit),
                         template=load_template(project.template))


def _record_commitment(actor: Actor, project: Project, contract: Milestone | None) -> Any:
    def refuse(th: str, en: str) -> ValidationError:
        return ValidationError({"record_commitment": bilingual(th, en)})

    if project.commitment_id:
        raise refuse("บันทึกก่อหนี้ผูกพันของโครงการนี้ในบัญชีแล้ว", "this project's commitment is already in the ledger")
    if contract is None or contract.actual is None:
        raise refuse("ต้องบันทึกวันลงนามสัญญาก่อน", "record the contract date first")
    if not project.contract_value:
        raise refuse("ต้องระบุมูลค่าสัญญาก่อน", "enter the contract value first")
    reference = project.contract_number or project.po_number
    if not reference:
        raise refuse("ต้องระบุเลขที่สัญญาหรือเลขที่ใบสั่งซื้อก่อน", "enter the contract or PO number first")
    try:
        movement = commitment_record(
            actor=actor, fiscal_year=project.fiscal_year, unit=project.unit, category=project.category,
            amount=project.contract_value, effective_date=contract.actual, document_ref=reference,
            commitment_type=CommitmentType.PO, note=f"PTS #{project.pk} {project.name}"[:255],
        )
    except ValidationError as exc:
        raise ValidationError({"record_commitment": exc.messages}) from exc
    project.commitment = movement
    return movement


def milestone_set_planned(*, actor: Actor, milestone: Milestone, planned: date | None, now: datetime) -> list[PlanWarning]:
    """Move one planned date; returns the warnings of the whole plan (each names its rule)."""
    return milestones_update(actor=actor, project=milestone.project, now=now, planned={milestone.code: planned})


def milestone_record_actual(*, actor: Actor, milestone: Milestone, actual: date | None, now: datetime,
                            record_commitment: bool = False) -> list[PlanWarning]:
    """Record (or clear) one actual date; see milestones_update for record_commitment."""
    return milestones_update(actor=actor, project=milestone.project, now=now, actual={milestone.code: actual},
                             record_commitment=record_commitment)


# -- reporting rounds --------------------------------------------------------------------------


@transaction.atomic
def round_update(*, actor: Actor, project: Project, now: datetime, obstacles: str = "", remedy: str = "",
                 round_month: date | None = None, request_key: uuid.UUID | None = None) -> RoundUpdate:
    """File the project's update for a reporting round: obstacles, remedy, and a snapshot of every
    planned and actual date with the forecast, kept as it was (append-only)."""
    today = _today(now)
    project = _lock(project)
    user = permissions.require_edit(actor, project.unit)
    find_fiscal_year(project.fiscal_year, for_write=True)
    if request_key and (done := RoundUpdate.objects.filter(request_key=request_key).first()):
        return done
    obstacles = clean_text(obstacles, "obstacles")
    remedy = clean_text(remedy, "remedy")
    settings = queries.settings_for(project)
    choices = settings.selectable_rounds(today)
    chosen = settings.default_round(today) if round_month is None else next(
        (r for r in choices if r.month == round_month), None)
    if chosen is None:
        raise _error("round_month", f"รอบรายงาน '{round_month}' เลือกไม่ได้", f"round '{round_month}' cannot be chosen")
    state = queries.project_state(project, today=today, calendar=queries.work_calendar(project.unit), settings=settings)
    update = RoundUpdate.objects.create(
        project=project, period_id=chosen.period_id, month=chosen.month, deadline=chosen.deadline,
        obstacles=obstacles, remedy=remedy, snapshot=_dates(project), forecast_contract=state.forecast_contract,
        slippage=state.slippage, recorded_at=now, recorded_by=user, request_key=request_key,
    )
    project.updated_at = now
    project.save(update_fields=["updated_at"])
    _audit(actor, "round_update", project, today, obj=update, after=snapshot(update))
    return update


# -- instalments -------------------------------------------------------------------------------


def _check_total(project: Project, amounts: Sequence[int]) -> None:
    """Instalments may add up to the contract value (or the allocation before a contract), not more."""
    limit, (th, en) = ((project.contract_value, ("มูลค่าสัญญา", "the contract value")) if project.contract_value
                       else (project.allocated, ("วงเงินงบประมาณ", "the allocated amount")))
    total = sum(amounts)
    if total > limit:
        raise _error("amount", f"งวดเงินรวม {format_baht(total)} บาท เกิน{th} {format_baht(limit)} บาท",
                     f"the instalments add up to {format_baht(total)}, more than {en} {format_baht(limit)}")


def _instalment_dates(fy: FiscalYear, accepted: date | None, paid: date | None, today: date) -> None:
    errors = {}
    for field, day in (("accepted_on", accepted), ("paid_on", paid)):
        if why := actual_refusal(fy, day, today):
            errors[field] = why
    if paid and (accepted is None or paid < accepted):
        errors["paid_on"] = bilingual("วันจ่ายเงินต้องไม่ก่อนวันตรวจรับ", "an instalment is paid on or after its acceptance")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def instalment_add(*, actor: Actor, project: Project, deliverable: str, due_date: date, amount: int,
                   now: datetime) -> Instalment:
    today = _today(now)
    project = _lock(project)
    permissions.require_edit(actor, project.unit)
    find_fiscal_year(project.fiscal_year, for_write=True)
    deliverable = clean_text(deliverable, "deliverable", required=True)
    due_date = _date(due_date, "due_date") or date.min
    amount = clean_money(amount, "amount", required=True, positive=True) or 0
    existing = list(project.instalments.values_list("amount", flat=True))
    _check_total(project, [*existing, amount])
    seq = max(project.instalments.values_list("seq", flat=True), default=0) + 1
    item = Instalment.objects.create(project=project, seq=seq, deliverable=deliverable, due_date=due_date,
                                     amount=amount)
    project.updated_at = now
    project.save(update_fields=["updated_at"])
    _audit(actor, "instalment_add", project, today, obj=item, after=snapshot(item))
    return item


@transaction.atomic
def instalments_split(*, actor: Actor, project: Project, due_dates: Sequence[date], now: datetime,
                      deliverables: Sequence[str] | None = None) -> list[Instalment]:
    """Split the contract value into one instalment per due date, to the satang (largest remainder)."""
    project = _lock(project)
    permissions.require_edit(actor, project.unit)
    if project.instalments.exists():
        raise _error("amount", "โครงการนี้มีงวดงานแล้ว", "this project already has instalments")
    if not project.contract_value or not due_dates:
        raise _error("amount", "ต้องมีมูลค่าสัญญาและวันครบกำหนดอย่างน้อยหนึ่งงวด",
                     "a contract value and at least one due date are needed")
    if project.contract_value < len(due_dates):
        raise _error("amount", f"แบ่ง {format_baht(project.contract_value)} บาท เป็น {len(due_dates)} งวดไม่ได้",
                     f"{format_baht(project.contract_value)} cannot be split into {len(due_dates)} instalments")
    amounts = split_largest_remainder(project.contract_value, [1] * len(due_dates))
    names = list(deliverables or [f"งวดที่ {i}" for i in range(1, len(due_dates) + 1)])
    return [instalment_add(actor=actor, project=project, deliverable=names[i], due_date=due_dates[i],
                           amount=amounts[i], now=now) for i in range(len(due_dates))]


@transaction.atomic
def instalment_update(*, actor: Actor, instalment: Instalment, now: datetime, deliverable: str, due_date: date,
                      amount: int, accepted_on: date | None = None, paid_on: date | None = None) -> Instalment:
    today = _today(now)
    project = _lock(instalment.project)
    permissions.require_edit(actor, project.unit)
    find_fiscal_year(project.fiscal_year, for_write=True)
    item = Instalment.objects.select_for_update().get(pk=instalment.pk)
    before = snapshot(item)
    deliverable = clean_text(deliverable, "deliverable", required=True)
    amount = clean_money(amount, "amount", required=True, positive=True) or 0
    accepted_on, paid_on = _date(accepted_on, "accepted_on"), _date(paid_on, "paid_on")
    _instalment_dates(project.fiscal_year, accepted_on, paid_on, today)
    others = list(project.instalments.exclude(pk=item.pk).values_list("amount", flat=True))
    _check_total(project, [*others, amount])
    item.deliverable, item.due_date, item.amount = deliverable, _date(due_date, "due_date") or item.due_date, amount
    item.accepted_on, item.paid_on = accepted_on, paid_on
    item.save()
    project.updated_at = now
    project.save(update_fields=["updated_at"])
    _audit(actor, "instalment_update", project, today, obj=item, before=before, after=snapshot(item))
    return item


@transaction.atomic
def instalment_remove(*, actor: Actor, instalment: Instalment, now: datetime) -> None:
    today = _today(now)
    project = _lock(instalment.project)
    permissions.require_edit(actor, project.unit)
    if instalment.accepted_on or instalment.paid_on:
        raise _error(NON_FIELD_ERRORS, "งวดที่ตรวจรับหรือจ่ายแล้วลบไม่ได้", "an accepted or paid instalment cannot be removed")
    before = snapshot(instalment)
    instalment.delete()
    _audit(actor, "instalment_remove", project, today, before=before)


# -- extra holidays and settings ---------------------------------------------------------------


def _holiday_permission(actor: Actor, org: Org | None) -> User:
    if org is None:
        return permissions.require_administrator(actor)
    return permissions.require_coordinator(actor, org)


def _holiday_audit(actor: Actor, action: str, holiday: ExtraHoliday, **values: Any) -> None:
    """Seen in the audit trail of every organisation whose working days it moves: the whole tree
    below its organisation, or everyone for a national day."""
    audit_record(actor=actor, action=action, obj=holiday, unit=holiday.org, reaches_down=True,
                 note=f"{thai_date(holiday.day)} {holiday.name}"[:200], **values)


@transaction.atomic
def extra_holiday_add(*, actor: Actor, day: date, name: str, org: Org | None = None) -> ExtraHoliday:
    """A day off the holidays package does not know: national (org None, administrators) or of an
    organisation's tree (its coordinators), a non-working day for every plan and deadline there."""
    user = _holiday_permission(actor, org)
    day = _date(day, "day") or date.min
    name = clean_text(name, "holiday_name", required=True)
    calendar = queries.work_calendar(org)
    if day in calendar.extra_holidays:
        raise _error("day", f"{thai_date(day)} เป็นวันหยุดเพิ่มเติมอยู่แล้ว", f"{english_date(day)} is already an extra holiday")
    if not calendar.is_working_day(day):
        reason = calendar.holiday_name(day) or "วันเสาร์-อาทิตย์ / weekend"
        raise _error("day", f"{thai_date(day)} ไม่ใช่วันทำการอยู่แล้ว ({reason})",
                     f"{english_date(day)} is already not a working day ({reason})")
    holiday = ExtraHoliday.objects.create(day=day, name=name, org=org, added_by=user)
    _holiday_audit(actor, "procurement.extra_holiday_add", holiday, after=snapshot(holiday))
    return holiday


@transaction.atomic
def extra_holiday_remove(*, actor: Actor, holiday: ExtraHoliday) -> None:
    _holiday_permission(actor, holiday.org)
    _holiday_audit(actor, "procurement.extra_holiday_remove", holiday, before=snapshot(holiday))
    holiday.delete()


@transaction.atomic
def procurement_settings_set(*, actor: Actor, scheme: Scheme, deadline_schemes: Sequence[str] | None = None,
                             custom_deadlines: str = "", plan_deadline: date | None = None) -> ProcurementSettings:
    """The scheme's own extra deadlines and plan deadline; with `deadline_schemes`, also which shipped
    deadline sets apply to it (`scheme_set_deadline_sets`; None leaves them as they are)."""
    permissions.require_coordinator(actor, scheme.coordinator_org, scheme_code=scheme.code)
    if deadline_schemes is not None:
        try:
            scheme_set_deadline_sets(actor=actor, scheme=scheme, deadline_sets=list(deadline_schemes))
        except ValidationError as exc:
            raise ValidationError({"deadline_schemes": exc.message_dict.get("deadline_sets", exc.messages)}) from exc
    if custom_deadlines.strip():
        try:
            parse_scheme(custom_deadlines)
        except DeadlineError as exc:
            raise ValidationError({"custom_deadlines": str(exc)}) from exc
    settings, _created = ProcurementSettings.objects.get_or_create(scheme=scheme)
    before = snapshot(settings)
    settings.custom_deadlines = custom_deadlines
    settings.plan_deadline = _date(plan_deadline, "plan_deadline")
    settings.save()
    audit_record(actor=actor, action="procurement.settings_set", obj=settings, unit=scheme.coordinator_org,
                 fiscal_year=scheme.fiscal_year.be_year, before=before, after=snapshot(settings))
    return settings


# -- the PTS sheet -----------------------------------------------------------------------------


STALE_RETRIES = 3  # plans computed again when the database changed under them, before planning inside the lock


class StalePlan(Exception):
    """The database changed between planning a sheet and writing it: plan again."""


@dataclass
class SheetPlan:
    """A validated PTS sheet with every write it makes worked out (`sheet_bulk.plan_writes`)."""

    actor: Actor
    fiscal_year: FiscalYear
    file_name: str
    now: datetime
    parsed: sheet.ParsedSheet
    writes: sheet_bulk.PlannedWrites
    prepared: sheet_bulk.Prepared
    unit_ids: set[int]
    fingerprint: sheet_bulk.Fingerprint


def sheet_plan(*, actor: Actor, fiscal_year: FiscalYear | int, content: bytes, file_name: str,
               now: datetime) -> SheetPlan:
    """Read and validate a PTS sheet and work out everything committing it writes. Reads only: run
    it outside any transaction, so that nobody waits for it. Refuses the sheet whole on any cell error."""
    _today(now)
    fy = find_fiscal_year(fiscal_year, for_write=True)
    user = permissions.require_edit(actor)  # each row is checked against its own unit by read_sheet
    limit = django_settings.PTS_IMPORT_MAX_BYTES
    if len(content) > limit:
        raise _error("file", f"ไฟล์ใหญ่เกิน {limit:,} ไบต์", f"the file is larger than {limit:,} bytes")
    unit_ids = set(permissions.editable(actor, Org.objects.units()).values_list("pk", flat=True))
    mark = sheet_bulk.fingerprint(fy, unit_ids)  # before reading: a change made while we read shows
    parsed = sheet.read_sheet(content, file_name=file_name, actor=actor, fiscal_year=fy, now=now)
    if parsed.errors:
        raise ValidationError({"file": [e.message for e in parsed.errors]})
    writes = sheet_bulk.plan_writes(parsed, fiscal_year=fy, user=user, now=now)
    prepared = sheet_bulk.prepare(writes, actor=actor)
    return SheetPlan(actor, fy, file_name, now, parsed, writes, prepared, unit_ids, mark)


@transaction.atomic
def sheet_apply(plan: SheetPlan, *, check: bool = True) -> ImportBatch:
    """Commit a planned sheet in one short transaction of bulk writes (the rare rows through the
    per-row actions) and record the batch (file name, SHA-256, who, when). Raises StalePlan, writing
    nothing, when the touched units' projects changed since the plan."""
    actor, fy, now, parsed, writes = plan.actor, plan.fiscal_year, plan.now, plan.parsed, plan.writes
    user = permissions.require_edit(actor)
    find_fiscal_year(fy, for_write=True)
    existing = [row.project.pk for row in parsed.rows if row.project is not None and row.kind != "unchanged"]
    if existing and connection.vendor == "postgresql":  # SQLite: the IMMEDIATE transaction holds the write lock
        list(Project.objects.select_for_update().filter(pk__in=existing).values_list("pk", flat=True))
    if check and sheet_bulk.fingerprint(fy, plan.unit_ids) != plan.fingerprint:
        raise StalePlan
    try:
        with transaction.atomic():
            sheet_bulk.write(plan.prepared)
    except IntegrityError as exc:  # a project created elsewhere since the plan took a name or e-GP number
        if not check:
            raise
        raise StalePlan from exc
    for row in writes.slow:
        _sheet_row(actor, fy, row, now)
    batch = ImportBatch.objects.create(fiscal_year=fy, file_name=plan.file_name[:255], sha256=parsed.sha256,
                                       size=parsed.size, rows=len(parsed.rows), created=writes.created,
                                       updated=writes.updated, imported_by=user, imported_at=now)
    batch.units.set({row.unit.pk for row in parsed.rows})
    audit_record(actor=actor, action="procurement.sheet_import", obj=batch, fiscal_year=fy.be_year,
                 after={"file_name": batch.file_name, "sha256": batch.sha256, "rows": batch.rows,
                        "created": writes.created, "updated": writes.updated}, note=plan.file_name[:200])
    if writes.created >= BULK_ROWS:  # a first import of a large sheet: the planner should know the new sizes
        transaction.on_commit(lambda: refresh_statistics([Project, Milestone, RoundUpdate]))
    return batch


def _sheet_row(actor: Actor, fy: FiscalYear, row: sheet.RowPlan, now: datetime) -> None:
    """One sheet row through the per-row actions (what the bulk path leaves to them)."""
    project = row.project
    if project is None:
        project, _notes = project_create(actor=actor, fiscal_year=fy, unit=row.unit, name=row.name, now=now,
                                         planned=row.planned, **row.fields)
    elif row.changes:
        project_update(actor=actor, project=project, now=now, **row.fields)
    rows = {m.code: m for m in Milestone.objects.filter(project=project)}
    planned = {k: v for k, v in row.planned.items() if k not in rows or rows[k].planned != v}
    actual = {k: v for k, v in row.actual.items() if k not in rows or rows[k].actual != v}
    if planned or actual:
        milestones_update(actor=actor, project=project, now=now, planned=planned, actual=actual)
    round_update(actor=actor, project=project, now=now, obstacles=row.obstacles, remedy=row.remedy)


def sheet_import(*, actor: Actor, fiscal_year: FiscalYear | int, content: bytes, file_name: str, now: datetime) -> Any:
    """Commit a PTS sheet: plan it outside any transaction (`sheet_plan`: read, validate, work out
    every write), then write it in one short transaction (`sheet_apply`). When the database changed
    in between, plan again; after STALE_RETRIES, plan inside the transaction itself."""
    for _attempt in range(STALE_RETRIES):
        plan = sheet_plan(actor=actor, fiscal_year=fiscal_year, content=content, file_name=file_name, now=now)
        try:
            return sheet_apply(plan)
        except StalePlan:
            continue
    with transaction.atomic():
        plan = sheet_plan(actor=actor, fiscal_year=fiscal_year, content=content, file_name=file_name, now=now)
        return sheet_apply(plan, check=False)
