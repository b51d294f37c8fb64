"""A scheme's twelve reporting periods, dated from its calendar (`Scheme.as_of`, `Scheme.deadline`).

Called by the scheme actions through `pts.schemes.hooks` (registered in `ReportingConfig.ready`),
inside the scheme's own transaction, which also writes the audit row.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pts.core.fiscal import Month
from pts.reporting.models import ReportingPeriod, ReportState
from pts.schemes.models import Scheme


def periods_open(scheme: Scheme) -> None:
    """The twelve periods of a new scheme, October first."""
    ReportingPeriod.objects.bulk_create(
        ReportingPeriod(scheme=scheme, month=month.first_day, as_of=scheme.as_of(month), deadline=scheme.deadline(month))
        for month in scheme.fiscal_year.months
    )


def periods_redate(scheme: Scheme, today: date) -> list[dict[str, Any]]:
    """Re-date the periods still to come to the scheme's calendar; what moved, for the audit row.

    A period keeps its dates once its deadline is before `today` or a report in it is accepted:
    those reports were judged (late flag, ledger movements) against the old dates.
    """
    moved = []
    periods = (
        ReportingPeriod.objects.select_for_update().filter(scheme=scheme, deadline__gte=today)
        .exclude(reports__state=ReportState.ACCEPTED).order_by("month")
    )
    for period in periods:
        month = Month.of(period.month)
        as_of, deadline = scheme.as_of(month), scheme.deadline(month)
        if (as_of, deadline) != (period.as_of, period.deadline):
            moved.append({"month": period.month.isoformat(), "as_of": [period.as_of.isoformat(), as_of.isoformat()],
                          "deadline": [period.deadline.isoformat(), deadline.isoformat()]})
            period.as_of, period.deadline = as_of, deadline
            period.save(update_fields=["as_of", "deadline"])
    return moved
