"""Audit rows of loaded history carry the day their event happened; real actions keep the real time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import transaction
from django.utils import timezone

from pts.audit.actions import audit_record, dated_at
from pts.audit.models import AuditEvent
from pts.organisations.permissions import SYSTEM

pytestmark = pytest.mark.django_db


def _record(note: str) -> AuditEvent:
    with transaction.atomic():
        return audit_record(actor=SYSTEM, action="test.event", object_type="test", note=note)


def test_rows_recorded_inside_dated_at_carry_its_moment_and_later_ones_the_real_time():
    moment = datetime(2023, 3, 15, 3, 0, tzinfo=UTC)
    before = timezone.now()
    with dated_at(moment):
        dated = _record("loaded")
    real = _record("real")
    assert AuditEvent.objects.get(pk=dated.pk).at == moment
    assert AuditEvent.objects.get(pk=real.pk).at >= before


def test_dated_at_nests_and_restores_the_outer_moment():
    outer, inner = datetime(2022, 9, 30, 2, tzinfo=UTC), datetime(2023, 1, 5, 3, tzinfo=UTC)
    with dated_at(outer):
        with dated_at(inner):
            first = _record("inner")
        second = _record("outer")
    assert (first.at, second.at) == (inner, outer)


def test_dated_at_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="aware"), dated_at(datetime(2023, 1, 5, 10)):  # noqa: DTZ001
        pass
