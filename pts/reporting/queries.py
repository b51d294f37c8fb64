"""Reads for monthly reporting and governance evidence, scoped through pts.organisations.scope."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from pts.budget.models import Category, FiscalYear
from pts.budget.queries import unit_figures
from pts.core.fiscal import Month
from pts.core.lookups import ids_in
from pts.organisations import scope
from pts.organisations.models import Membership, Org, Role
from pts.organisations.queries import search_orgs
from pts.reporting.models import Evidence, EvidenceKind, MonthlyReport, ReportingPeriod, ReportState


def periods_visible_to(user: Any) -> QuerySet[ReportingPeriod]:
    """Periods of schemes run from the user's subtree, and of schemes evaluating a unit they see."""
    own = scope.visible(user, ReportingPeriod.objects.all())
    evaluating = ReportingPeriod.objects.filter(scheme__units__in=scope.visible(user, Org.objects.all()))
    return ReportingPeriod.objects.filter(
        Q(pk__in=own.values("pk")) | Q(pk__in=evaluating.values("pk"))
    ).select_related("scheme__fiscal_year", "scheme__coordinator_org")


def latest_reported_as_of(user: Any, fiscal_year: FiscalYear, until: date) -> date | None:
    """The as-of day of the latest month of `fiscal_year`, on or before `until`, that a unit has
    reported (submitted, returned or accepted) in a scheme the user sees; None when none has.
    The default day of a past year's pages (`pts.budget.years.default_as_of`)."""
    reported = MonthlyReport.objects.exclude(state=ReportState.DRAFT).values("period_id")
    return (periods_visible_to(user).filter(scheme__fiscal_year=fiscal_year, as_of__lte=until, pk__in=reported)
            .order_by("-as_of").values_list("as_of", flat=True).first())


def reports_visible_to(user: Any) -> QuerySet[MonthlyReport]:
    return scope.visible(user, MonthlyReport.objects.all()).select_related("period__scheme", "unit")


@dataclass(frozen=True)
class BoardRow:
    unit: Org
    report: MonthlyReport | None

    @property
    def missing(self) -> bool:
        """Nothing submitted yet: no report, or a draft."""
        return self.report is None or self.report.state == ReportState.DRAFT

    @property
    def state(self) -> str:
        return self.report.state if self.report else ""


def period_board(*, user: Any, period: ReportingPeriod) -> list[BoardRow]:
    """Every unit of the scheme the user can see, with its report (or None) for the period."""
    return board_rows(user=user, period=period, units=board_units(user=user, period=period))


# what the board can be narrowed to: units that have not reported, were late, or are at a state
BOARD_FILTERS = ("missing", "late", ReportState.SUBMITTED, ReportState.RETURNED, ReportState.ACCEPTED)


def board_units(*, user: Any, period: ReportingPeriod, q: str = "", show: str = "") -> QuerySet[Org]:
    """The scheme's units the user can see, in tree order, narrowed by a search by code or name and
    by what their report says (`show`, one of BOARD_FILTERS; "" for every unit)."""
    units = search_orgs(scope.visible(user, period.scheme.units.all()), q)
    reports = scope.visible(user, MonthlyReport.objects.filter(period=period))
    if show == "missing":
        units = units.exclude(pk__in=reports.exclude(state=ReportState.DRAFT).values("unit_id"))
    elif show == "late":
        units = units.filter(pk__in=reports.filter(is_late=True).values("unit_id"))
    elif show in BOARD_FILTERS:
        units = units.filter(pk__in=reports.filter(state=show).values("unit_id"))
    return units.order_by("path")


def board_rows(*, user: Any, period: ReportingPeriod, units: Iterable[Org]) -> list[BoardRow]:
    """Each of `units` (a page of the board) with its report for the period, or None."""
    units = list(units)
    reports = {
        r.unit_id: r
        for r in scope.visible(user, MonthlyReport.objects.filter(period=period, **ids_in("unit_id", [u.pk for u in units])))
        .select_related("submitted_by")
    }
    return [BoardRow(unit=u, report=reports.get(u.pk)) for u in units]


def board_summary(*, user: Any, period: ReportingPeriod) -> dict[str, int]:
    """The counts `board_counts` gives, over every unit the user sees, from three aggregates."""
    units = scope.visible(user, period.scheme.units.all())
    reports = scope.visible(user, MonthlyReport.objects.filter(period=period, unit__in=units.values("pk")))
    by_state = dict(reports.order_by().values_list("state").annotate(n=Count("id")))
    n_units = units.count()
    counts = {"units": n_units, "missing": n_units - sum(n for s, n in by_state.items() if s != ReportState.DRAFT),
              "late": reports.filter(is_late=True).count()}
    for state in (ReportState.ACCEPTED, ReportState.SUBMITTED, ReportState.RETURNED):
        counts[state] = by_state.get(state, 0)
    return counts


def board_counts(rows: list[BoardRow]) -> dict[str, int]:
    counts = {"units": len(rows), "missing": 0, "late": 0, "accepted": 0, "submitted": 0, "returned": 0}
    for row in rows:
        counts["missing"] += row.missing
        if row.report is not None:
            counts["late"] += row.report.is_late
            counts[row.report.state] = counts.get(row.report.state, 0) + 1
    return counts


def officer_units(user: Any) -> QuerySet[Org]:
    """Units the user reports for: those under their officer memberships, that a scheme evaluates.
    (A coordinator's units are reached through the period boards instead.)"""
    if getattr(user, "is_superuser", False):
        roots: list[Org] = []
    else:
        roots = [m.org for m in Membership.objects.filter(user=user, role=Role.OFFICER).select_related("org")]
    return (scope.editable(user, Org.objects.subtree_of(roots)).filter(schemes__isnull=False)
            .distinct().order_by("path"))


@dataclass(frozen=True)
class MyReportRow:
    period: ReportingPeriod
    unit: Org
    report: MonthlyReport | None
    locked: bool


def my_report_rows(*, user: Any, now: datetime) -> list[MyReportRow]:
    """For each unit the user reports for, every period of every scheme evaluating it."""
    units = list(officer_units(user))
    if not units:
        return []
    periods = (ReportingPeriod.objects.filter(scheme__units__in=units).distinct()
               .select_related("scheme__fiscal_year").prefetch_related("scheme__units")
               .order_by("-scheme__fiscal_year__be_year", "scheme__code", "month"))
    reports = {
        (r.period_id, r.unit_id): r
        for r in scope.visible(user, MonthlyReport.objects.filter(unit__in=units, period__in=periods))
    }
    unit_ids = {u.pk for u in units}
    rows = []
    for period in periods:
        locked = period.is_locked(now)
        for unit in period.scheme.units.all():
            if unit.pk in unit_ids:
                rows.append(MyReportRow(period=period, unit=unit, report=reports.get((period.pk, unit.pk)),
                                        locked=locked))
    return rows


@dataclass(frozen=True)
class FormLine:
    category: str
    label: str
    allocation: int
    ledger_committed: int
    ledger_disbursed: int


def form_lines(*, period: ReportingPeriod, unit: Org) -> list[FormLine]:
    """The ledger's figures as of the period's as-of date, per category, for the report form."""
    figures = unit_figures(fiscal_year=period.scheme.fiscal_year, unit=unit, as_of=period.as_of,
                           include_subtree=False)
    lines = []
    for category, label in Category.choices:
        f = figures.get(category)
        lines.append(FormLine(
            category=category, label=str(label), allocation=f.current_allocation if f else 0,
            ledger_committed=f.committed_total if f else 0, ledger_disbursed=f.disbursed if f else 0,
        ))
    return lines


# -- governance evidence ----------------------------------------------------------------------

def evidence_key(kind: str, month: date | None) -> str:
    """"committee_order", or "minutes:2022-11" / "publication:2022-11" for a monthly document."""
    return kind if month is None else f"{kind}:{Month.of(month).iso()}"


def evidence_facts(*, fiscal_year: FiscalYear | int, units: Iterable[Org | int]) -> dict[int, dict[str, list[date]]]:
    """Per unit id: evidence key (see `evidence_key`) -> the documents' dates, earliest first.

    For the scoring engine's checklist; a unit without documents maps to an empty dict.
    """
    be_year = fiscal_year.be_year if isinstance(fiscal_year, FiscalYear) else int(fiscal_year)
    unit_ids = [u.pk if isinstance(u, Org) else int(u) for u in units]
    facts: dict[int, dict[str, list[date]]] = {uid: defaultdict(list) for uid in unit_ids}
    rows = Evidence.objects.filter(fiscal_year__be_year=be_year, **ids_in("unit_id", unit_ids))
    for unit_id, kind, month, event_date in rows.order_by("event_date", "id").values_list(
            "unit_id", "kind", "month", "event_date"):
        if unit_id in facts:
            facts[unit_id][evidence_key(kind, month)].append(event_date)
    return {uid: dict(items) for uid, items in facts.items()}


@dataclass(frozen=True)
class ChecklistMonth:
    month: Month
    minutes: list[Evidence]
    publications: list[Evidence]


def evidence_checklist(*, user: Any, unit: Org, fiscal_year: FiscalYear) -> tuple[list[Evidence], list[ChecklistMonth]]:
    """The committee orders, and each fiscal month's minutes and publications, the user may see."""
    items = list(scope.visible(user, Evidence.objects.filter(unit=unit, fiscal_year=fiscal_year)))
    orders = [e for e in items if e.kind == EvidenceKind.COMMITTEE_ORDER]
    months = []
    for month in fiscal_year.months:
        mine = [e for e in items if e.month == month.first_day]
        months.append(ChecklistMonth(
            month=month,
            minutes=[e for e in mine if e.kind == EvidenceKind.MINUTES],
            publications=[e for e in mine if e.kind == EvidenceKind.PUBLICATION],
        ))
    return orders, months
