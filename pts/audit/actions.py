"""Writing audit rows. Every action calls `audit_record` inside its own transaction (the
organisations actions through `pts.organisations.trail`). `snapshot` is re-exported from
`pts.core.records` for the apps that describe a change."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from datetime import date, datetime
from typing import Any

from django.db import connection, models
from django.utils import timezone

from pts.audit.models import AuditEvent
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
    event = _event(recorded_now(), recorded_user(actor), action=action, obj=obj, object_type=object_type,
                   object_id=object_id, unit=unit, fiscal_year=fiscal_year, period=period, before=before,
                   after=after, note=note, reaches_down=reaches_down)
    event.save(force_insert=True)
    return event


def audit_records(*, actor: Actor, records: Iterable[dict[str, Any]]) -> list[AuditEvent]:
    """Record many changes of one actor at once (a bulk import): each record holds the keyword
    arguments of `audit_record` but `actor`; the rows are the same as one `audit_record` each, written
    in a few INSERTs. Must run inside the changes' transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_records must be called inside the changes' transaction")
    at, user = recorded_now(), recorded_user(actor)
    return AuditEvent.objects.bulk_create([_event(at, user, **record) for record in records])


def _event(at: datetime, user: Any, *, action: str, obj: models.Model | None = None, object_type: str = "",
           object_id: str = "", unit: Org | None = None, fiscal_year: int | None = None, period: date | None = None,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None, note: str = "",
           reaches_down: bool = False) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return AuditEvent(
        at=at,
        actor=user,
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
