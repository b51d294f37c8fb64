"""Writes of deduction events: a coordinator records one (documents returned by the treasury office,
an update missed) or withdraws a mistaken one. Events are never edited or deleted; both actions
check everything before writing and write their audit row in the same transaction.

Derived events (lapsed money, carry-over without a commitment) are not stored: `sources.deduction_events`
reads them from the ledger each time.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from pts.audit.actions import audit_record, snapshot
from pts.core.fiscal import Month, fiscal_months
from pts.core.thai import bilingual
from pts.organisations import permissions
from pts.organisations.models import Org
from pts.organisations.permissions import Actor
from pts.schemes.models import Scheme
from pts.scoring.models import DeductionEvent
from pts.scoring.rulesets import rules_for
from pts.scoring.sources import deduction_causes

RECORD_FIELDS = ["scheme", "unit", "cause", "month", "note", "actor", "at"]
WITHDRAW_FIELDS = ["withdrawn_at", "withdrawn_by", "withdraw_reason"]


def _month(value: Any, scheme: Scheme) -> Month | str:
    """The month as a Month, or a bilingual message naming the bad value."""
    be = scheme.fiscal_year.be_year
    month = value if isinstance(value, Month) else Month.of(value) if isinstance(value, date) else None
    if month is None or month not in fiscal_months(be):
        return bilingual(
            f"เดือน '{value}' ไม่อยู่ในปีงบประมาณ {be} ของโครงการติดตาม '{scheme.name}'",
            f"month '{value}' is not in fiscal year {be} of scheme '{scheme.name}'",
        )
    return month


@transaction.atomic
def deduction_record(
    *, actor: Actor, scheme: Scheme, unit: Org, cause: str, month: Month | date, note: str = "",
    now: datetime | None = None, request_key: uuid.UUID | None = None,
) -> DeductionEvent:
    """Record one event costing `unit` points in `scheme`: a cause id of the scheme's rule set, in a
    month of its fiscal year. `request_key` (a form's one-time key) makes a resubmission replay."""
    permissions.require_coordinator(actor, unit)  # of the unit and of the scheme it is evaluated in
    user = permissions.require_coordinator(actor, scheme.coordinator_org, scheme_code=scheme.code)
    errors: dict[str, str] = {}
    causes = deduction_causes(rules_for(scheme))
    cause = str(cause or "").strip()
    if cause not in causes:
        shown = ", ".join(causes) or bilingual("ไม่มี", "none")
        errors["cause"] = bilingual(
            f"สาเหตุการหักคะแนน '{cause}' ไม่มีในชุดเกณฑ์ของโครงการติดตาม '{scheme.name}' (มี {shown})",
            f"deduction cause '{cause}' is not in the rule set of scheme '{scheme.name}' (causes: {shown})",
        )
    checked = _month(month, scheme)
    if isinstance(checked, str):
        errors["month"] = checked
    if not scheme.units.filter(pk=unit.pk).exists():
        errors["unit"] = bilingual(
            f"หน่วยงาน {unit.code} ไม่อยู่ในโครงการติดตาม '{scheme.name}'", f"unit {unit.code} is not in scheme '{scheme.name}'"
        )
    if errors:
        raise ValidationError(errors)
    assert isinstance(checked, Month)
    if request_key is not None and (done := DeductionEvent.objects.filter(request_key=request_key).first()):
        return done
    event = DeductionEvent.objects.create(
        scheme=scheme, unit=unit, cause=cause, month=checked.first_day, note=(note or "").strip(), actor=user,
        at=now or timezone.now(), request_key=request_key,
    )
    audit_record(actor=actor, action="scoring.deduction_record", obj=event, unit=unit,
                 fiscal_year=scheme.fiscal_year.be_year, period=checked.first_day,
                 after=snapshot(event, RECORD_FIELDS) | {"scheme_code": scheme.code, "cause_label": causes[cause].label.th},
                 note=event.note)
    return event


@transaction.atomic
def deduction_withdraw(*, actor: Actor, event: DeductionEvent, reason: str, now: datetime | None = None) -> DeductionEvent:
    """Withdraw a mistaken event with the reason: it stays on record and no longer costs points."""
    event = DeductionEvent.objects.select_for_update().select_related("scheme__fiscal_year", "unit").get(pk=event.pk)
    permissions.require_coordinator(actor, event.unit)
    user = permissions.require_coordinator(actor, event.scheme.coordinator_org, scheme_code=event.scheme.code)
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if event.withdrawn_at is not None:
        errors[NON_FIELD_ERRORS] = bilingual(
            f"การหักคะแนน #{event.pk} ({event.cause}) ถูกถอนไปแล้ว", f"deduction #{event.pk} ({event.cause}) is already withdrawn"
        )
    if not reason:
        errors["reason"] = bilingual("ต้องระบุเหตุผลในการถอนการหักคะแนน", "a reason for the withdrawal is required")
    if errors:
        raise ValidationError(errors)
    before = snapshot(event, WITHDRAW_FIELDS)
    event.withdrawn_at, event.withdrawn_by, event.withdraw_reason = now or timezone.now(), user, reason
    event.save(update_fields=WITHDRAW_FIELDS)
    audit_record(actor=actor, action="scoring.deduction_withdraw", obj=event, unit=event.unit,
                 fiscal_year=event.scheme.fiscal_year.be_year, period=event.month,
                 before=before, after=snapshot(event, WITHDRAW_FIELDS), note=reason)
    return event
