"""What each role's home page shows: the month's work, with a link to act on each line.

- An officer: each unit they record money for, with its position against the target curve of every
  scheme evaluating it, the baht still needed by the next target, the next report (deadline and state)
  and its late procurement projects.
- A coordinator: per scheme they run, this month — who has not reported, reports returned or waiting
  for review, late procurement projects, units below the curve.
- An executive (and nothing else) lands on the scores of their latest scheme (see `views.home`).

"This month" is the day pages of each scheme's fiscal year default to (`pts.budget.years.default_as_of`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import QuerySet

from pts.budget import queries as budget
from pts.budget.models import FiscalYear
from pts.budget.years import default_as_of
from pts.core.fiscal import fiscal_year_of
from pts.organisations import scope
from pts.organisations.models import Membership, Org, Role
from pts.procurement import queries as procurement
from pts.procurement.models import Project
from pts.reporting.models import MonthlyReport, ReopenRequest, ReportingPeriod, ReportState, RequestState
from pts.reporting.queries import board_summary
from pts.schemes.models import Scheme
from pts.schemes.queries import schemes_coordinated_by
from pts.scoring.positions import Position, positions
from pts.scoring.rulesets import rules_for

BELOW_SHOWN = 5  # units below the curve listed by name on a coordinator's home; the rest are counted


def current_period(scheme: Scheme, today: date) -> ReportingPeriod | None:
    """The period whose report is due next (the first deadline from today on), else the year's last."""
    periods = ReportingPeriod.objects.filter(scheme=scheme)
    return periods.filter(deadline__gte=today).order_by("deadline", "month").first() or periods.order_by(
        "-month").first()


def money_units(user: Any) -> QuerySet[Org]:
    """The units an officer records money for: at or below their officer memberships, that either
    hold money or have nothing below them to hold it."""
    roots = [m.org for m in Membership.objects.filter(user=user, role=Role.OFFICER).select_related("org")]
    if not roots:
        return Org.objects.none()
    return scope.editable(user, Org.objects.subtree_of(roots).units()).order_by("path")


@dataclass
class SchemeLine:
    scheme: Scheme
    as_of: date
    positions: list[Position]
    period: ReportingPeriod | None
    report: MonthlyReport | None
    locked: bool
    # the period just past whose report was never sent (None when sent): its way in, locked or reopened
    overdue: ReportingPeriod | None = None
    overdue_locked: bool = False


def overdue_period(scheme: Scheme, unit: Org, today: date) -> ReportingPeriod | None:
    """The latest period whose deadline has passed, if the unit's report for it was never submitted
    (missing or still a draft; a returned report is listed on its own)."""
    period = ReportingPeriod.objects.filter(scheme=scheme, deadline__lt=today).order_by("-deadline", "-month").first()
    if period is None:
        return None
    sent = MonthlyReport.objects.filter(period=period, unit=unit).exclude(state=ReportState.DRAFT).exists()
    return None if sent else period


@dataclass
class OfficerUnit:
    unit: Org
    be_year: int
    schemes: list[SchemeLine] = field(default_factory=list)
    late_projects: int = 0
    returned: list[MonthlyReport] = field(default_factory=list)


def _late_count(units: Sequence[Org], fiscal_year: FiscalYear, as_of: date) -> dict[int, int]:
    """unit id -> how many of its procurement projects are late or at risk as of `as_of`."""
    counts: dict[int, int] = {}
    qs = Project.objects.filter(fiscal_year=fiscal_year, unit__in=[u.pk for u in units])
    for state in procurement.late_list(procurement.evaluate(qs, today=as_of)):
        counts[state.project.unit_id] = counts.get(state.project.unit_id, 0) + 1
    return counts


def officer_home(user: Any, today: date, now: Any) -> list[OfficerUnit]:
    units = list(money_units(user))
    if not units:
        return []
    schemes = list(Scheme.objects.filter(units__in=units).distinct().select_related("fiscal_year")
                   .order_by("-fiscal_year__be_year", "code"))
    # the latest fiscal year that has begun (or the earliest, before any has)
    years = sorted({s.fiscal_year for s in schemes}, key=lambda fy: fy.be_year)
    begun = [fy for fy in years if fy.start <= today]
    fiscal_year = begun[-1] if begun else (years[0] if years else None)
    if fiscal_year is None:
        fiscal_year = FiscalYear.objects.filter(be_year__lte=fiscal_year_of(today)).order_by("-be_year").first() or \
            FiscalYear.objects.order_by("be_year").first()
    if fiscal_year is None:
        return [OfficerUnit(unit=u, be_year=0) for u in units]
    as_of = default_as_of(fiscal_year, user=user, today=today)
    ids = [u.pk for u in units]
    evaluated: dict[int, list[Scheme]] = {}
    for scheme in schemes:
        if scheme.fiscal_year_id != fiscal_year.pk:
            continue
        for unit_id in scheme.units.filter(pk__in=ids).values_list("pk", flat=True):
            evaluated.setdefault(unit_id, []).append(scheme)
    # units that hold money this year, or are evaluated by a scheme: not an agency with nothing of its own
    own = budget.figures_by_unit_category(fiscal_year=fiscal_year, as_of=fiscal_year.end, units=ids)
    holding = {unit_id for (unit_id, _c), f in own.items() if f.current_allocation or f.disbursed}
    # nothing allocated anywhere yet: the units themselves, to say so
    units = [u for u in units if u.pk in holding or u.pk in evaluated] or units
    late = _late_count(units, fiscal_year, as_of)
    returned: dict[int, list[MonthlyReport]] = {}
    for returned_report in scope.visible(user, MonthlyReport.objects.filter(
            unit__in=[u.pk for u in units], state=ReportState.RETURNED,
            period__scheme__fiscal_year=fiscal_year)).select_related("period__scheme").order_by("period__month"):
        returned.setdefault(returned_report.unit_id, []).append(returned_report)
    # per scheme once: the period due next, and every shown unit's position (one ledger query)
    shown = {u.pk for u in units}
    this_year = [s for s in schemes if s.fiscal_year_id == fiscal_year.pk]
    periods = {s.pk: current_period(s, today) for s in this_year}
    placed: dict[tuple[int, int], list[Position]] = {}
    for scheme in this_year:
        ids_in_scheme = [pk for pk, listed in evaluated.items() if pk in shown and scheme in listed]
        for p in positions(scheme=scheme, rules=rules_for(scheme), units=ids_in_scheme, as_of=as_of):
            placed.setdefault((scheme.pk, p.unit_id), []).append(p)
    out = []
    for unit in units:
        line = OfficerUnit(unit=unit, be_year=fiscal_year.be_year, late_projects=late.get(unit.pk, 0),
                           returned=returned.get(unit.pk, []))
        for scheme in evaluated.get(unit.pk, []):
            period = periods[scheme.pk]
            report = None if period is None else MonthlyReport.objects.filter(period=period, unit=unit).first()
            overdue = overdue_period(scheme, unit, today)
            line.schemes.append(SchemeLine(
                scheme=scheme, as_of=as_of,
                positions=placed.get((scheme.pk, unit.pk), []),
                period=period, report=report, locked=period.is_locked_for(unit.pk, now) if period else False,
                overdue=overdue if overdue != period else None,
                overdue_locked=overdue.is_locked_for(unit.pk, now) if overdue else False))
        out.append(line)
    return out


@dataclass
class CoordinatorScheme:
    scheme: Scheme
    as_of: date
    period: ReportingPeriod | None
    counts: dict[str, int]
    late_projects: int
    below: list[tuple[Org, Position]]
    below_count: int
    units: int
    requests: list[ReopenRequest]


def coordinator_home(user: Any, today: date) -> list[CoordinatorScheme]:
    """Per scheme the user runs, in its latest fiscal year that has begun: this month's work."""
    schemes = list(schemes_coordinated_by(user).select_related("fiscal_year").order_by("-fiscal_year__be_year", "code"))
    begun = [s for s in schemes if s.fiscal_year.start <= today]
    if begun:
        latest = begun[0].fiscal_year.be_year
        schemes = [s for s in begun if s.fiscal_year.be_year == latest]
    out = []
    for scheme in schemes:
        as_of = default_as_of(scheme.fiscal_year, user=user, today=today)
        period = current_period(scheme, today)
        units = list(scope.visible(user, scheme.units.all()).order_by("path"))
        counts = board_summary(user=user, period=period) if period is not None else {}
        late = sum(_late_count(units, scheme.fiscal_year, as_of).values())
        by_id = {u.pk: u for u in units}
        below = sorted((p for p in positions(scheme=scheme, rules=rules_for(scheme), units=units, as_of=as_of)
                        if p.below), key=lambda p: (p.share - (p.reached_target or 0), by_id[p.unit_id].code))
        seen: set[int] = set()
        first = []  # each unit once, furthest below first
        for p in below:
            if p.unit_id not in seen:
                seen.add(p.unit_id)
                first.append((by_id[p.unit_id], p))
        requests = list(scope.visible(user, ReopenRequest.objects.filter(period__scheme=scheme, state=RequestState.OPEN))
                        .select_related("unit", "period").order_by("requested_at"))
        out.append(CoordinatorScheme(scheme=scheme, as_of=as_of, period=period, counts=counts, late_projects=late,
                                     below=first[:BELOW_SHOWN], below_count=len(first), units=len(units),
                                     requests=requests))
    return out
