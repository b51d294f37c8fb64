""""Today" for business purposes: the one place pages and actions ask for the current date.

`today()` is the local date (Asia/Bangkok), unless the setting `PTS_TODAY` (an ISO date, from the
environment) names another: the demo runs with the day its data stops (`make run` sets it), so every
page opens on a plausible month of FY2566. `now()` is the same day at the real time of day, for
actions that judge deadlines and locks. Audit timestamps of real actions never come from here:
they keep the real time (`pts.audit.models.AuditEvent.at`).
Nothing is kept in the process: the setting is read at each call.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone


def parse_today(value: str) -> date | None:
    """The `PTS_TODAY` setting as a date; None when empty. A bad value names itself."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"PTS_TODAY={value!r} is not an ISO date (YYYY-MM-DD, Christian era), e.g. 2023-07-31"
        ) from exc


def fixed_today() -> date | None:
    """The configured day, or None when the real date is in use."""
    return parse_today(getattr(settings, "PTS_TODAY", ""))


def today() -> date:
    """The business date: `PTS_TODAY` if set, else the local date."""
    return fixed_today() or timezone.localdate()


def now() -> datetime:
    """An aware datetime on `today()` at the real local time of day."""
    real = timezone.localtime()
    day = fixed_today()
    if day is None:
        return real
    return real.replace(year=day.year, month=day.month, day=day.day)
