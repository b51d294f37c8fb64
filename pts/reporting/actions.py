"""Writes for monthly reporting and governance evidence.

Each action is keyword-only, runs in one transaction, checks everything before writing and
records its audit row in the same transaction. Units' officers write reports and evidence, the
scheme's coordinators return, accept, reopen and lock (`pts.organisations.permissions`); reports,
movements and evidence name who made them. Rules decided for this app:

- A report's figures are cumulative since 1 October, as of the period's as-of date. Committed is
  the total of commitments made (paid or not), so it may be below disbursed: salaries and
  utilities are paid without a purchase order.
- A figure below the previously accepted month of the same scheme is a correction: allowed only
  with an explanation (`correction_note`), which the ledger's correcting movement carries.
- A locked period refuses every save and submission until the coordinator reopens it.
- Accepted reports never change; a later month's report carries any correction.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from pts.audit.actions import audit_record, recorded_now, snapshot
from pts.budget import actions as ledger
from pts.budget.models import Category, CommitmentType, FiscalYear, Movement
from pts.budget.queries import unit_figures
from pts.budget.years import find_fiscal_year
from pts.core.categories import category_th
from pts.core.fiscal import Month, english_date, thai_date
from pts.core.money import AmountTooLarge, MoneyError, check_amount, format_baht, parse_satang
from pts.core.thai import bilingual
from pts.organisations import permissions
from pts.organisations.models import Org
from pts.organisations.permissions import Actor
from pts.reporting.evidence import check_upload
from pts.reporting.models import (
    Evidence,
    EvidenceKind,
    MonthlyReport,
    ReopenRequest,
    ReportingPeriod,
    ReportLine,
    ReportState,
    RequestState,
    UnitOpening,
    evidence_upload_to,
)

FIGURE_TH = {"committed": "ก่อหนี้ผูกพันสะสม", "disbursed": "เบิกจ่ายสะสม"}
FIGURE_EN = {"committed": "cumulative committed", "disbursed": "cumulative disbursed"}
REPORT_FIELDS = ["state", "version", "obstacles", "correction_note", "return_reason", "correct_by", "is_late"]


def line_field(category: str, figure: str) -> str:
    """The form field (and error key) of one figure of one category: "operating_disbursed"."""
    return f"{category}_{figure}"


def _label(category: str, figure: str) -> tuple[str, str]:
    return f"{category_th(category)} {FIGURE_TH[figure]}", f"{category} {FIGURE_EN[figure]}"


def _local(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f"{thai_date(local.date())} {local:%H:%M}"


def _require_open(period: ReportingPeriod, unit: Org, now: datetime) -> None:
    if period.is_locked_for(unit.pk, now):
        raise ValidationError({NON_FIELD_ERRORS: bilingual(
            f"งวด {Month.of(period.month).thai_short()} ปิดรับรายงานแล้วเมื่อพ้นกำหนด {thai_date(period.deadline)}: "
            "ขอให้ผู้ประสานงานเปิดงวดอีกครั้ง",
            f"the period {Month.of(period.month).iso()} is locked since its deadline {english_date(period.deadline)}: "
            "ask the coordinator to reopen it",
        )})


# -- figures ----------------------------------------------------------------------------------

def _amount(value: Any, category: str, figure: str, errors: dict[str, str]) -> int | None:
    th, en = _label(category, figure)
    if isinstance(value, bool):
        value = str(value)
    try:
        satang = check_amount(value) if isinstance(value, int) else parse_satang(value if value is not None else "")
    except AmountTooLarge as exc:
        errors[line_field(category, figure)] = bilingual(f"{th}: {exc.th}", f"{en}: {exc.en}")
        return None
    except MoneyError:
        errors[line_field(category, figure)] = bilingual(
            f"{th}: '{value}' ไม่ใช่จำนวนเงิน", f"{en}: '{value}' is not an amount"
        )
        return None
    if satang < 0:
        errors[line_field(category, figure)] = bilingual(
            f"{th}: จำนวนเงินติดลบไม่ได้ ({format_baht(satang)})",
            f"{en}: the amount cannot be negative ({format_baht(satang)})",
        )
        return None
    return satang


def clean_lines(lines: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """Category -> (committed, disbursed) in satang; every bad value named in one ValidationError."""
    errors: dict[str, str] = {}
    cleaned: dict[str, tuple[int, int]] = {}
    for category, pair in lines.items():
        if category not in Category.values:
            errors[NON_FIELD_ERRORS] = bilingual(
                f"หมวดงบ '{category}' ไม่ถูกต้อง", f"'{category}' is not a budget category"
            )
            continue
        try:
            committed_raw, disbursed_raw = pair
        except (TypeError, ValueError):
            errors[line_field(category, "committed")] = bilingual(
                f"{category_th(category)}: ต้องระบุยอดก่อหนี้และยอดเบิกจ่าย",
                f"{category}: give (committed, disbursed)",
            )
            continue
        committed = _amount(committed_raw, category, "committed", errors)
        disbursed = _amount(disbursed_raw, category, "disbursed", errors)
        if committed is not None and disbursed is not None:
            cleaned[category] = (committed, disbursed)
    if errors:
        raise ValidationError(errors)
    return cleaned


def previous_accepted(period: ReportingPeriod, unit: Org) -> MonthlyReport | None:
    """The latest accepted report of the same unit and scheme before this period."""
    return (
        MonthlyReport.objects.filter(unit=unit, period__scheme_id=period.scheme_id, period__month__lt=period.month,
                                     state=ReportState.ACCEPTED)
        .order_by("-period__month").prefetch_related("lines").first()
    )


def check_lines(
    *, period: ReportingPeriod, unit: Org, lines: dict[str, tuple[int, int]], correction_note: str
) -> None:
    """Figures against the ledger's allocation as of the as-of date, and against last accepted month."""
    errors: dict[str, str] = {}
    figures = unit_figures(fiscal_year=period.scheme.fiscal_year, unit=unit, as_of=period.as_of,
                           include_subtree=False)
    for category, (committed, disbursed) in lines.items():
        allocation = figures[category].current_allocation if category in figures else 0
        for figure, value in (("committed", committed), ("disbursed", disbursed)):
            if value > allocation:
                th, en = _label(category, figure)
                errors[line_field(category, figure)] = bilingual(
                    f"{th} {format_baht(value)} บาท เกินงบประมาณที่ได้รับ ณ {thai_date(period.as_of)} "
                    f"({format_baht(allocation)} บาท)",
                    f"{en} {format_baht(value)} is above the allocation as of {english_date(period.as_of)} "
                    f"({format_baht(allocation)})",
                )
    if not correction_note.strip():
        for category, pair in lines.items():
            f = figures.get(category)
            for figure, value, ledger_value in (("committed", pair[0], f.committed_total if f else 0),
                                                ("disbursed", pair[1], f.disbursed if f else 0)):
                name = line_field(category, figure)
                # more than the ledger is the month's new money, recorded when the report is accepted;
                # less takes back money the ledger holds: that is a correction, and needs its reason
                if value < ledger_value and name not in errors:
                    th, en = _label(category, figure)
                    errors[name] = bilingual(
                        f"{th} {format_baht(value)} บาท ต่ำกว่ายอดในบัญชี ณ {thai_date(period.as_of)} "
                        f"({format_baht(ledger_value)} บาท): ระบุคำอธิบายการแก้ไข หรือใช้ยอดตามบัญชี",
                        f"{en} {format_baht(value)} is below the ledger as of {english_date(period.as_of)} "
                        f"({format_baht(ledger_value)}): a correction needs an explanation, or use the ledger's figures",
                    )
    previous = previous_accepted(period, unit)
    if previous is not None and not correction_note.strip():
        before = {line.category: (line.committed, line.disbursed) for line in previous.lines.all()}
        month = Month.of(previous.period.month)
        for category, now_pair in lines.items():
            for index, figure in enumerate(("committed", "disbursed")):
                old = before.get(category, (0, 0))[index]
                if now_pair[index] < old and line_field(category, figure) not in errors:
                    th, en = _label(category, figure)
                    errors[line_field(category, figure)] = bilingual(
                        f"{th} {format_baht(now_pair[index])} บาท ต่ำกว่าเดือน {month.thai_short()} ที่รับรองแล้ว "
                        f"({format_baht(old)} บาท): เป็นการแก้ไขยอด ต้องระบุคำอธิบายการแก้ไข",
                        f"{en} {format_baht(now_pair[index])} is below the accepted {month.iso()} figure "
                        f"({format_baht(old)}): a correction needs an explanation",
                    )
    if errors:
        raise ValidationError(errors)


def _stored_lines(report: MonthlyReport) -> dict[str, tuple[int, int]]:
    return {line.category: (line.committed, line.disbursed) for line in report.lines.all()}


def _report_snapshot(report: MonthlyReport) -> dict[str, Any]:
    data = snapshot(report, REPORT_FIELDS)
    data["lines"] = {c: list(pair) for c, pair in sorted(_stored_lines(report).items())}
    return data


def _stale(report: MonthlyReport) -> ValidationError:
    who = report.saved_by or report.created_by
    return ValidationError({NON_FIELD_ERRORS: bilingual(
        f"{who} บันทึกรายงานนี้ไปแล้วเมื่อ {_local(report.saved_at)} (ฉบับที่ {report.version}): "
        "โหลดหน้าใหม่ก่อนแก้ไข ข้อมูลของท่านยังไม่ได้บันทึก",
        f"{who} saved this report at {_local(report.saved_at)} (version {report.version}): "
        "reload the page; your changes were not saved",
    )})


def _write_lines(report: MonthlyReport, lines: dict[str, tuple[int, int]]) -> None:
    report.lines.exclude(category__in=list(lines)).delete()
    for category, (committed, disbursed) in lines.items():
        ReportLine.objects.update_or_create(report=report, category=category,
                                            defaults={"committed": committed, "disbursed": disbursed})


# -- reports ----------------------------------------------------------------------------------

@transaction.atomic
def report_save_draft(
    *,
    actor: Actor,
    period: ReportingPeriod,
    unit: Org,
    lines: dict[str, Any],
    obstacles: str,
    version: int | None,
    now: datetime,
    correction_note: str = "",
) -> MonthlyReport:
    """Create or update a unit's draft for a period.

    `version` is the version the form was loaded with (0 for a new report; None skips the check).
    A save carrying another version is refused and changes nothing, unless it repeats exactly what
    is stored (a double-submitted form): then the stored report is returned unchanged.
    """
    period = ReportingPeriod.objects.select_related("scheme__fiscal_year").get(pk=period.pk)
    user = permissions.require_edit(actor, unit)
    if not period.scheme.units.filter(pk=unit.pk).exists():
        raise ValidationError({"unit": bilingual(
            f"หน่วยงาน {unit.code} ไม่อยู่ในโครงการติดตาม '{period.scheme.name}'",
            f"unit {unit.code} is not in scheme '{period.scheme.name}'",
        )})
    cleaned = clean_lines(lines)
    obstacles, correction_note = (obstacles or "").strip(), (correction_note or "").strip()

    report = MonthlyReport.objects.select_for_update().filter(period=period, unit=unit).first()
    if report is None:
        _require_open(period, unit, now)
        check_lines(period=period, unit=unit, lines=cleaned, correction_note=correction_note)
        try:
            with transaction.atomic():
                report = MonthlyReport.objects.create(
                    period=period, unit=unit, obstacles=obstacles, correction_note=correction_note,
                    created_by=user, saved_at=now, saved_by=user,
                )
        except IntegrityError:
            # Another request created it a moment ago: treat this one as a save on a loaded version 0.
            report = MonthlyReport.objects.select_for_update().get(period=period, unit=unit)
        else:
            _write_lines(report, cleaned)
            audit_record(actor=actor, action="report.create", obj=report, unit=unit,
                         fiscal_year=period.scheme.fiscal_year.be_year, period=period.month,
                         after=_report_snapshot(report))
            return report

    same = (_stored_lines(report) == cleaned and report.obstacles == obstacles
            and report.correction_note == correction_note)
    if same and report.state != ReportState.ACCEPTED:
        return report  # nothing to change: a repeated form or an unchanged save
    if version is not None and version != report.version:
        raise _stale(report)
    if report.state == ReportState.ACCEPTED:
        raise ValidationError({NON_FIELD_ERRORS: bilingual(
            f"รายงานนี้รับรองแล้วเมื่อ {_local(report.accepted_at)} แก้ไขไม่ได้: แก้ยอดในรายงานเดือนถัดไป",
            f"this report was accepted at {_local(report.accepted_at)} and cannot change: "
            "correct the figures in a later month's report",
        )})
    if report.state == ReportState.SUBMITTED:
        raise ValidationError({NON_FIELD_ERRORS: bilingual(
            "รายงานนี้ส่งแล้ว แก้ไขได้เมื่อผู้ประสานงานส่งกลับให้แก้ไข",
            "this report is submitted: it can change only after the coordinator returns it",
        )})
    _require_open(period, unit, now)
    check_lines(period=period, unit=unit, lines=cleaned, correction_note=correction_note)
    before = _report_snapshot(report)
    report.obstacles, report.correction_note = obstacles, correction_note
    report.version += 1
    report.saved_at, report.saved_by = now, user
    report.save(update_fields=["obstacles", "correction_note", "version", "saved_at", "saved_by", "updated_at"])
    _write_lines(report, cleaned)
    audit_record(actor=actor, action="report.save", obj=report, unit=unit,
                 fiscal_year=period.scheme.fiscal_year.be_year, period=period.month,
                 before=before, after=_report_snapshot(report))
    return report


def _locked_report(report: MonthlyReport) -> MonthlyReport:
    return (MonthlyReport.objects.select_for_update(of=("self",))
            .select_related("period__scheme__fiscal_year", "unit").get(pk=report.pk))


def _refuse_accepted(report: MonthlyReport) -> None:
    if report.state == ReportState.ACCEPTED:
        raise ValidationError({NON_FIELD_ERRORS: bilingual(
            f"รายงานนี้รับรองแล้วเมื่อ {_local(report.accepted_at)} โดย {report.accepted_by} เปลี่ยนแปลงไม่ได้",
            f"this report was accepted at {_local(report.accepted_at)} by {report.accepted_by} and cannot change",
        )})


@transaction.atomic
def report_submit(*, actor: Actor, report: MonthlyReport, version: int | None, now: datetime) -> MonthlyReport:
    """Send a draft (or a returned report) to the coordinator. Late when the local date of the
    first submission is after the deadline; a resubmission keeps the first one's flag."""
    report = _locked_report(report)
    period = report.period
    user = permissions.require_edit(actor, report.unit)
    _refuse_accepted(report)
    if report.state == ReportState.SUBMITTED:
        return report  # already submitted: a repeated click changes nothing
    if version is not None and version != report.version:
        raise _stale(report)
    _require_open(period, report.unit, now)
    check_lines(period=period, unit=report.unit, lines=_stored_lines(report), correction_note=report.correction_note)
    before = _report_snapshot(report)
    if report.first_submitted_at is None:
        report.first_submitted_at = now
        report.is_late = timezone.localdate(now) > period.deadline
    report.state = ReportState.SUBMITTED
    report.submitted_at, report.submitted_by = now, user
    report.saved_at, report.saved_by = now, user
    report.version += 1
    report.save()
    audit_record(actor=actor, action="report.submit", obj=report, unit=report.unit,
                 fiscal_year=period.scheme.fiscal_year.be_year, period=period.month,
                 before=before, after=_report_snapshot(report))
    return report


def default_correct_by(period: ReportingPeriod, now: datetime) -> date:
    """A returned report's own deadline when the coordinator gives none: the period's deadline, or
    `PTS_CORRECTION_DAYS` days from today if that is later."""
    return max(period.deadline, timezone.localdate(now) + timedelta(days=settings.PTS_CORRECTION_DAYS))


def end_of_day(day: date) -> datetime:
    """The first moment after the local day `day`: a window "until 5 Oct" includes all of 5 Oct."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


@transaction.atomic
def report_return(*, actor: Actor, report: MonthlyReport, reason: str, now: datetime,
                  correct_by: date | None = None) -> MonthlyReport:
    """The coordinator sends a submitted report back to the unit for correction, saying why, with
    its own deadline (`correct_by`, default `default_correct_by`): the period stays open for that
    unit until the end of that day, even when it is locked for the others."""
    report = _locked_report(report)
    period = report.period
    user = permissions.require_coordinator(actor, period.scheme.coordinator_org, scheme_code=period.scheme.code)
    _refuse_accepted(report)
    if report.state != ReportState.SUBMITTED:
        raise ValidationError({NON_FIELD_ERRORS: bilingual(
            "ส่งกลับได้เฉพาะรายงานที่ส่งแล้ว", "only a submitted report can be returned"
        )})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": bilingual("ต้องระบุเหตุผลที่ส่งกลับ", "a reason for the return is required")})
    correct_by = correct_by or default_correct_by(period, now)
    if correct_by < timezone.localdate(now):
        raise ValidationError({"correct_by": bilingual(
            f"กำหนดแก้ไข {thai_date(correct_by)} ต้องไม่ก่อนวันนี้ ({thai_date(timezone.localdate(now))})",
            f"the correction deadline {english_date(correct_by)} must not be before today",
        )})
    before = _report_snapshot(report)
    report.state, report.return_reason = ReportState.RETURNED, reason
    report.correct_by = correct_by
    report.saved_at, report.saved_by = now, user
    report.version += 1
    report.save()
    UnitOpening.objects.create(period=period, unit=report.unit, until=end_of_day(correct_by), reason=reason,
                               created_by=user, created_at=now)
    audit_record(actor=actor, action="report.return", obj=report, unit=report.unit,
                 fiscal_year=period.scheme.fiscal_year.be_year, period=period.month,
                 before=before, after=_report_snapshot(report), note=reason)
    return report


def ledger_deltas(
    *, committed: int, disbursed: int, ledger_committed: int, ledger_settled: int, ledger_disbursed: int
) -> tuple[int, int, int]:
    """What the ledger must record so its cumulative figures equal a report's.

    Returns (commitment, disbursement settling a commitment, other disbursement), in satang.
    New payments settle open commitments first (up to what is outstanding after the reported
    commitments); a reduction takes back payments without a commitment first.
    """
    commitment = committed - ledger_committed
    paid = disbursed - ledger_disbursed
    if paid >= 0:
        settling = min(paid, max(0, committed - ledger_settled))
    else:
        other = max(paid, -(ledger_disbursed - ledger_settled))
        settling = paid - other
    return commitment, settling, paid - settling


@transaction.atomic
def report_accept(*, actor: Actor, report: MonthlyReport, now: datetime) -> MonthlyReport:
    """Accept a submitted report and record the ledger movements it implies.

    1. Compare each category's reported cumulative figures with the ledger as of the as-of date.
    2. Record the differences (commitment, then disbursements), effective on the as-of date,
       linked to the report; a negative difference is a correction carrying the report's note.
    3. Refuse when a difference would change a month already accepted later (or the same day).
    """
    report = _locked_report(report)
    period, unit = report.period, report.unit
    fy = period.scheme.fiscal_year
    user = permissions.require_coordinator(actor, period.scheme.coordinator_org, scheme_code=period.scheme.code)
    _refuse_accepted(report)
    if report.state != ReportState.SUBMITTED:
        raise ValidationError({NON_FIELD_ERRORS: bilingual(
            "รับรองได้เฉพาะรายงานที่ส่งแล้ว", "only a submitted report can be accepted"
        )})
    lines = _stored_lines(report)
    check_lines(period=period, unit=unit, lines=lines, correction_note=report.correction_note)
    figures = unit_figures(fiscal_year=fy, unit=unit, as_of=period.as_of, include_subtree=False)
    plan: list[tuple[str, str, int, bool]] = []
    for category, (committed, disbursed) in sorted(lines.items()):
        f = figures.get(category)
        ledger_committed = f.committed_total if f else 0
        ledger_settled = f.settled if f else 0
        ledger_disbursed = f.disbursed if f else 0
        commitment, settling, other = ledger_deltas(
            committed=committed, disbursed=disbursed, ledger_committed=ledger_committed,
            ledger_settled=ledger_settled, ledger_disbursed=ledger_disbursed,
        )
        plan += [(category, "commitment", commitment, False), (category, "disbursement", settling, True),
                 (category, "disbursement", other, False)]
    plan = [step for step in plan if step[2] != 0]
    if plan:
        later = (MonthlyReport.objects.filter(unit=unit, state=ReportState.ACCEPTED, period__as_of__gte=period.as_of,
                                              period__scheme__fiscal_year=fy)
                 .exclude(pk=report.pk).select_related("period").order_by("period__as_of").first())
        if later is not None:
            raise ValidationError({NON_FIELD_ERRORS: bilingual(
                f"รับรองไม่ได้: ยอดที่ต่างจากบัญชีจะเปลี่ยนรายงานเดือน {Month.of(later.period.month).thai_short()} "
                "ที่รับรองไปแล้ว ให้ส่งกลับและแก้ยอดในรายงานเดือนล่าสุดแทน",
                f"cannot accept: the differences from the ledger would change the accepted report of "
                f"{Month.of(later.period.month).iso()}; return it and correct the latest month instead",
            )})
    month = Month.of(period.month)
    base_note = f"รายงานประจำเดือน {month.thai_short()} (#{report.pk})"
    movements: list[Movement] = []
    for category, kind, amount, settles in plan:
        note = base_note if amount > 0 else f"แก้ไขยอดตาม{base_note}: {report.correction_note or 'ยอดตามรายงาน'}"
        common: dict[str, Any] = {
            "actor": actor, "fiscal_year": fy, "unit": unit, "category": category, "amount": amount,
            "effective_date": period.as_of, "document_ref": f"RPT-{report.pk}", "source_report": report,
            "note": note[:255],
        }
        try:
            if kind == "commitment":
                movements.append(ledger.commitment_record(commitment_type=CommitmentType.PO, **common))
            else:
                movements.append(ledger.disbursement_record(settles_commitment=settles, **common))
        except ValidationError as exc:
            raise ValidationError({NON_FIELD_ERRORS: bilingual(
                f"รับรองไม่ได้: บัญชีไม่รับยอด{FIGURE_TH['committed' if kind == 'commitment' else 'disbursed']}"
                f"ของ{category_th(category)}",
                f"cannot accept: the ledger refuses the {category} "
                f"{FIGURE_EN['committed' if kind == 'commitment' else 'disbursed']}",
            ) + " — " + " ".join(exc.messages)}) from exc
    before = _report_snapshot(report)
    report.state = ReportState.ACCEPTED
    report.accepted_at, report.accepted_by = now, user
    report.saved_at, report.saved_by = now, user
    report.version += 1
    report.save()
    after = _report_snapshot(report) | {"movements": [m.pk for m in movements]}
    audit_record(actor=actor, action="report.accept", obj=report, unit=unit, fiscal_year=fy.be_year,
                 period=period.month, before=before, after=after)
    return report


# -- periods ----------------------------------------------------------------------------------

@transaction.atomic
def period_reopen(
    *, actor: Actor, period: ReportingPeriod, until: datetime, reason: str, now: datetime
) -> ReportingPeriod:
    """Let units save and submit in a locked period until `until` (an aware datetime)."""
    period = ReportingPeriod.objects.select_for_update(of=("self",)).select_related("scheme__fiscal_year").get(pk=period.pk)
    permissions.require_coordinator(actor, period.scheme.coordinator_org, scheme_code=period.scheme.code)
    if not isinstance(until, datetime) or timezone.is_naive(until):
        raise ValidationError({"until": bilingual("ต้องระบุวันเวลาที่เปิดถึง", "give the date and time to reopen until")})
    if until <= now:
        raise ValidationError({"until": bilingual(
            f"เปิดถึง {_local(until)} ต้องอยู่หลังเวลาปัจจุบัน ({_local(now)})",
            f"reopen until {_local(until)} must be after now ({_local(now)})",
        )})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": bilingual("ต้องระบุเหตุผลที่เปิดงวด", "a reason for reopening is required")})
    before = snapshot(period, ["reopened_until"])
    period.reopened_until = until
    period.save(update_fields=["reopened_until"])
    audit_record(actor=actor, action="period.reopen", obj=period, unit=period.scheme.coordinator_org,
                 fiscal_year=period.scheme.fiscal_year.be_year, period=period.month,
                 before=before, after=snapshot(period, ["reopened_until"]), note=reason)
    return period


def _period_for_update(period: ReportingPeriod) -> ReportingPeriod:
    return (ReportingPeriod.objects.select_for_update(of=("self",)).select_related("scheme__fiscal_year")
            .get(pk=period.pk))


def _require_in_scheme(period: ReportingPeriod, unit: Org) -> None:
    if not period.scheme.units.filter(pk=unit.pk).exists():
        raise ValidationError({"unit": bilingual(
            f"หน่วยงาน {unit.code} ไม่อยู่ในโครงการติดตาม {period.scheme.name}",
            f"unit {unit.code} is not in the scheme {period.scheme.name}",
        )})


@transaction.atomic
def period_reopen_unit(
    *, actor: Actor, period: ReportingPeriod, unit: Org, until: date, reason: str, now: datetime
) -> UnitOpening:
    """Reopen a period for one unit until the end of the local day `until`; answers the unit's
    open request, if any, as granted."""
    period = _period_for_update(period)
    user = permissions.require_coordinator(actor, period.scheme.coordinator_org, scheme_code=period.scheme.code)
    _require_in_scheme(period, unit)
    if not isinstance(until, date) or until < timezone.localdate(now):
        raise ValidationError({"until": bilingual(
            "วันที่เปิดถึงต้องไม่ก่อนวันนี้", "the date to reopen until must not be before today",
        )})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": bilingual("ต้องระบุเหตุผลที่เปิดงวด", "a reason for reopening is required")})
    opening = UnitOpening.objects.create(period=period, unit=unit, until=end_of_day(until), reason=reason,
                                         created_by=user, created_at=now)
    answered = list(ReopenRequest.objects.select_for_update().filter(period=period, unit=unit,
                                                                    state=RequestState.OPEN))
    for request in answered:
        request.state, request.resolved_by, request.resolved_at, request.answer = (
            RequestState.GRANTED, user, now, reason)
        request.save(update_fields=["state", "resolved_by", "resolved_at", "answer"])
    audit_record(actor=actor, action="period.reopen_unit", obj=period, unit=unit,
                 fiscal_year=period.scheme.fiscal_year.be_year, period=period.month,
                 after={"unit": unit.code, "until": until.isoformat(), "requests": [r.pk for r in answered]},
                 note=reason)
    return opening


@transaction.atomic
def reopen_request(*, actor: Actor, period: ReportingPeriod, unit: Org, reason: str, now: datetime) -> ReopenRequest:
    """An officer asks for a locked period to be reopened for their unit. A second request while
    one is waiting returns the waiting one."""
    period = _period_for_update(period)
    user = permissions.require_edit(actor, unit)
    _require_in_scheme(period, unit)
    if not period.is_locked_for(unit.pk, now):
        raise ValidationError({NON_FIELD_ERRORS: bilingual(
            "งวดนี้ยังเปิดรับรายงานอยู่: ส่งรายงานได้เลย", "this period is open: the report can be sent now",
        )})
    waiting = ReopenRequest.objects.filter(period=period, unit=unit, state=RequestState.OPEN).first()
    if waiting is not None:
        return waiting
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": bilingual("ต้องระบุเหตุผลที่ขอเปิดงวด", "a reason for the request is required")})
    try:
        with transaction.atomic():
            request = ReopenRequest.objects.create(period=period, unit=unit, reason=reason, requested_by=user,
                                                   requested_at=now)
    except IntegrityError:  # another request of the unit landed a moment ago: that one is waiting
        return ReopenRequest.objects.get(period=period, unit=unit, state=RequestState.OPEN)
    audit_record(actor=actor, action="period.reopen_request", obj=request, unit=unit,
                 fiscal_year=period.scheme.fiscal_year.be_year, period=period.month,
                 after=snapshot(request, ["state", "reason"]), note=reason)
    return request


@transaction.atomic
def reopen_request_decline(*, actor: Actor, request: ReopenRequest, answer: str, now: datetime) -> ReopenRequest:
    """The coordinator declines a waiting request, saying why."""
    request = (ReopenRequest.objects.select_for_update(of=("self",)).select_related("period__scheme__fiscal_year",
                                                                                    "unit").get(pk=request.pk))
    period = request.period
    user = permissions.require_coordinator(actor, period.scheme.coordinator_org, scheme_code=period.scheme.code)
    if request.state != RequestState.OPEN:
        raise ValidationError({NON_FIELD_ERRORS: bilingual("คำขอนี้ได้รับคำตอบแล้ว", "this request was answered already")})
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": bilingual("ต้องระบุเหตุผลที่ไม่อนุมัติ", "a reason for declining is required")})
    request.state, request.resolved_by, request.resolved_at, request.answer = RequestState.DECLINED, user, now, answer
    request.save(update_fields=["state", "resolved_by", "resolved_at", "answer"])
    audit_record(actor=actor, action="period.reopen_decline", obj=request, unit=request.unit,
                 fiscal_year=period.scheme.fiscal_year.be_year, period=period.month,
                 after=snapshot(request, ["state", "answer"]), note=answer)
    return request


@transaction.atomic
def period_lock(*, actor: Actor, period: ReportingPeriod, now: datetime) -> ReportingPeriod:
    """End a reopening early: the period is locked again from `now` (if its deadline has passed)."""
    period = ReportingPeriod.objects.select_for_update(of=("self",)).select_related("scheme__fiscal_year").get(pk=period.pk)
    permissions.require_coordinator(actor, period.scheme.coordinator_org, scheme_code=period.scheme.code)
    if period.reopened_until is None or period.reopened_until <= now:
        raise ValidationError({NON_FIELD_ERRORS: bilingual(
            "งวดนี้ไม่ได้เปิดรับรายงานเพิ่มเติมอยู่", "this period is not reopened"
        )})
    before = snapshot(period, ["reopened_until"])
    period.reopened_until = now
    period.save(update_fields=["reopened_until"])
    audit_record(actor=actor, action="period.lock", obj=period, unit=period.scheme.coordinator_org,
                 fiscal_year=period.scheme.fiscal_year.be_year, period=period.month,
                 before=before, after=snapshot(period, ["reopened_until"]))
    return period


# -- governance evidence ----------------------------------------------------------------------

def _evidence_month(kind: str, month: Any, fy: FiscalYear) -> date | None:
    if kind == EvidenceKind.COMMITTEE_ORDER:
        return None  # one order a year: a month given with it means nothing and is dropped
    if month is None or month == "":
        raise ValidationError({"month": bilingual(
            "ต้องระบุเดือนของรายงานการประชุมหรือการเผยแพร่", "the month is required for minutes and publications"
        )})
    value = month if isinstance(month, Month) else Month.of(month)
    if value not in fy.months:
        raise ValidationError({"month": bilingual(
            f"เดือน {value.thai_short()} ไม่อยู่ในปีงบประมาณ {fy.be_year}",
            f"month {value.iso()} is not in fiscal year {fy.be_year}",
        )})
    return value.first_day


def evidence_date_bounds(fy: FiscalYear, month: date | None) -> tuple[date, date]:
    """A document is dated inside the fiscal year; a monthly one not before its month and, for
    the last months, up to the end of the month after it (the posting deadline)."""
    if month is None:
        return fy.start, fy.end
    m = Month.of(month)
    return m.first_day, max(fy.end, m.next().last_day)


@transaction.atomic
def evidence_upload(
    *,
    actor: Actor,
    unit: Org,
    fiscal_year: FiscalYear | int,
    kind: str,
    month: date | Month | None,
    event_date: date,
    uploaded_file: Any,
    today: date | None = None,
) -> Evidence:
    """Store a dated governance document (PDF, PNG or JPEG, checked by content) for a unit and year.

    The stored name is the file's SHA-256: the uploader's file name is kept only as a label.
    """
    fy = find_fiscal_year(fiscal_year, for_write=True)
    user = permissions.require_edit(actor, unit)
    if kind not in EvidenceKind.values:
        raise ValidationError({"kind": bilingual(f"ประเภทหลักฐาน '{kind}' ไม่ถูกต้อง", f"unknown evidence kind '{kind}'")})
    month_day = _evidence_month(kind, month, fy)
    if not isinstance(event_date, date):
        raise ValidationError({"event_date": bilingual(f"'{event_date}' ไม่ใช่วันที่", f"'{event_date}' is not a date")})
    low, high = evidence_date_bounds(fy, month_day)
    if not low <= event_date <= high:
        raise ValidationError({"event_date": bilingual(
            f"วันที่ {thai_date(event_date)} อยู่นอกช่วง {thai_date(low)} – {thai_date(high)}",
            f"date {english_date(event_date)} is outside {english_date(low)} – {english_date(high)}",
        )})
    if today is not None and event_date > today:
        raise ValidationError({"event_date": bilingual(
            f"วันที่ {thai_date(event_date)} ยังมาไม่ถึง", f"date {english_date(event_date)} is in the future"
        )})
    checked = check_upload(uploaded_file, max_bytes=settings.PTS_EVIDENCE_MAX_BYTES)
    evidence = Evidence(
        fiscal_year=fy, unit=unit, kind=kind, month=month_day, event_date=event_date,
        original_name=checked.original_name, content_type=checked.content_type, size=checked.size,
        sha256=checked.sha256, uploaded_by=user, uploaded_at=recorded_now(),
    )
    name = evidence_upload_to(evidence, checked.original_name)
    storage = evidence.file.storage
    if storage.exists(name):
        evidence.file.name = name  # the same bytes are stored already under their hash
    else:
        evidence.file.save(name, ContentFile(checked.content), save=False)
    evidence.save()
    audit_record(actor=actor, action="evidence.upload", obj=evidence, unit=unit, fiscal_year=fy.be_year,
                 period=month_day, after=snapshot(evidence))
    return evidence
