"""Writing audit rows. Every action calls `audit_record` inside its own transaction (the
organisations actions through `pts.organisations.trail`). `snapshot` is re-exported from
`pts.core.records` for the apps that describe a change."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import date, datetime
from typing import Any

from django.db import connection, models
from django.utils import timezone

from pts.audit.models import AuditEvent
from pts.core.db import db_row, db_value, insert_rows
from pts.core.records import snapshot as snapshot  # re-exported for the apps that describe a change
from pts.core.thai import thai_text
from pts.organisations.models import Org
from pts.organisations.permissions import Actor, recorded_user

# The moment loaded history happened (the demo's own dates), for the rows written inside `dated_at`.
# Scoped to one `with` block of one call: no state outlives it, and real actions never set it.
_dated: ContextVar[datetime | None] = ContextVar("pts_audit_dated", default=None)


@contextlib.contextmanager
def dated_at(moment: datetime) -> Iterator[None]:
    """Audit rows recorded inside the block carry `moment` instead of the time of recording: for
    loading history (the demo) whose events happened on their own dates. An aware datetime."""
    if moment.tzinfo is None:
        raise ValueError("dated_at needs an aware datetime")
    token = _dated.set(moment)
    try:
        yield
    finally:
        _dated.reset(token)


def recorded_now() -> datetime:
    """The moment to store for a change made now: `dated_at`'s inside one, else the real time."""
    return _dated.get() or timezone.now()


def audit_record(
    *,
    actor: Actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    unit: Org | None = None,
    fiscal_year: int | None = None,
    period: date | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
    reaches_down: bool = False,
) -> AuditEvent:
    """Record one change. Must run inside the transaction that makes the change. The system's
    changes are recorded under its own user, shown as ระบบ. `reaches_down`: the change moves the
    figures of every unit below `unit` (every unit when None), whose coordinators then see it too."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must be called inside the change's transaction")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return AuditEvent.objects.create(
        at=recorded_now(),
        actor=recorded_user(actor),
        action=action,
        object_type=object_type,
        object_id=object_id,
        unit=unit,
        fiscal_year=fiscal_year,
        period=period,
        before=before,
        after=after,
        note=thai_text(note),  # stored in Thai; a bilingual note shows the same words in any language
        reaches_down=reaches_down,
    )


# -- many rows in one short transaction (a bulk import) ----------------------------------------

AUDIT_FIELDS = ["at", "actor", "action", "object_type", "object_id", "unit", "fiscal_year", "period", "before",
                "after", "note", "reaches_down"]
AT, OBJECT_ID, AFTER = AUDIT_FIELDS.index("at"), AUDIT_FIELDS.index("object_id"), AUDIT_FIELDS.index("after")


def audit_row(*, actor: Actor, action: str, object_type: str, object_id: str = "", unit: Org | None = None,
              fiscal_year: int | None = None, period: date | None = None, before: dict[str, Any] | None = None,
              after: dict[str, Any] | None = None, note: str = "", reaches_down: bool = False) -> list[Any]:
    """What `audit_record` stores, as database values in AUDIT_FIELDS order, prepared before the
    transaction (`at` is set when `audit_rows_write` writes it; an object id not known yet may be
    filled in at OBJECT_ID, a JSON `after` at AFTER through `audit_value`)."""
    event = AuditEvent(actor=recorded_user(actor), action=action, object_type=object_type, object_id=object_id,
                       unit=unit, fiscal_year=fiscal_year, period=period, before=before, after=after,
                       note=thai_text(note), reaches_down=reaches_down)
    return db_row(event, AUDIT_FIELDS)


def audit_value(field: str, value: Any) -> Any:
    return db_value(AuditEvent, field, value)


def audit_rows_write(rows: list[list[Any]]) -> None:
    """Write rows from `audit_row`, all at the moment of recording. Must run inside the changes' transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_rows_write must be called inside the changes' transaction")
    at = db_value(AuditEvent, "at", recorded_now())
    for row in rows:
        row[AT] = at
    insert_rows(AuditEvent, AUDIT_FIELDS, rows)
