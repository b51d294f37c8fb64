"""Reads for procurement: each project's status, slippage, forecast and deadline flags, the late
list, and the per-unit figures the provincial scheme's procurement dimension scores.

Everything is judged as of a `today` the caller passes. Actual dates after `today` are ignored, so
a page "as of 31/07/2566" shows what was known then (planned dates are the current ones).

Definitions (documented here once, used by the screens, the sheet and the scoring facts):

- Reporting round: a ReportingPeriod of the scheme that evaluates the unit (the scheme with
  procurement settings first, then by code; a scheme evaluating an ancestor counts). A unit in no
  scheme reports by calendar month, due by the month's last day.
- Project status: completed (payment or closure recorded); late (behind plan: slippage > 0 working
  days, or a deadline missed); at risk (a deadline forecast to be missed); otherwise on track.
- Risk (the late list's order): a flagged deadline (missed or forecast to miss) first, then the
  slippage in working days (largest first), then the allocated value (largest first).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from pts.budget.models import FiscalYear
from pts.core.fiscal import Month, fiscal_months
from pts.core.lookups import ids_in
from pts.core.thai import bilingual
from pts.organisations.models import Org
from pts.organisations.scope import ancestor_paths
from pts.procurement.deadlines import (
    DeadlineCheck,
    DeadlineScheme,
    DeadlineStatus,
    ProjectFacts,
    available_schemes,
    check_deadlines,
    default_sets,
    load_scheme,
    parse_scheme,
)
from pts.procurement.models import (
    ExtraHoliday,
    Instalment,
    Method,
    Milestone,
    Project,
    ProjectStatus,
    RoundUpdate,
)
from pts.procurement.schedule import (
    CONTRACT,
    PlanWarning,
    Progress,
    Status,
    Template,
    load_template,
    track,
    validate_plan,
)
from pts.procurement.workdays import WorkCalendar, calendar_for
from pts.reporting.models import ReportingPeriod
from pts.schemes.models import Scheme


def holidays_for(units: Iterable[Org]) -> dict[int, frozenset[date]]:
    """unit id -> the extra days off that apply to it: the national ones (no organisation) and those
    of the organisation it sits in or under (its tree's coordinators'). One query."""
    units = list(units)
    ancestors = {p for u in units for p in ancestor_paths(u.path)}
    rows = ExtraHoliday.objects.filter(Q(org__isnull=True) | Q(org__path__in=ancestors)).values_list("day", "org__path")
    national: set[date] = set()
    owned: defaultdict[str, set[date]] = defaultdict(set)
    for day, path in rows:
        (national if path is None else owned[path]).add(day)
    made: dict[tuple[str, ...], frozenset[date]] = {}  # per set of owning ancestors: most units share one
    result = {}
    for u in units:
        owners = tuple(p for p in ancestor_paths(u.path) if p in owned)
        if owners not in made:
            made[owners] = frozenset(national.union(*(owned[p] for p in owners)))
        result[u.pk] = made[owners]
    return result


def work_calendar(unit: Org | None = None) -> WorkCalendar:
    """The working-day calendar of a unit: national days off and its tree's extra days (cached per
    set of days). Without a unit: the national days only."""
    if unit is None:
        return calendar_for(ExtraHoliday.objects.filter(org__isnull=True).values_list("day", flat=True))
    return calendar_for(holidays_for([unit])[unit.pk])


def calendars_for(units: Iterable[Org]) -> dict[int, WorkCalendar]:
    made: dict[int, WorkCalendar] = {}  # by the identity of the shared set of days
    result = {}
    for unit_id, days in holidays_for(units).items():
        if id(days) not in made:
            made[id(days)] = calendar_for(days)
        result[unit_id] = made[id(days)]
    return result


# -- deadline sets ---------------------------------------------------------------------------


def deadline_set_label(set_id: str, language: str | None = None) -> str:
    """A shipped set as its users name it: its name, fiscal years and who issued it."""
    s = load_scheme(set_id)
    if (language or get_language()) == "en":
        return f"{s.name_en} (FY {s.years_th}; {s.owner_en})"
    return f"{s.name_th} (ปีงบประมาณ {s.years_th}; {s.owner_th})"


def deadline_set_choices(fiscal_year: int, kind: str) -> list[tuple[str, str]]:
    """Every shipped set, those of the year first (a scheme may knowingly adopt another year's)."""
    ids = sorted(available_schemes(), key=lambda i: (fiscal_year not in load_scheme(i).fiscal_years, i))
    return [(i, deadline_set_label(i)) for i in ids]


def default_deadline_sets(fiscal_year: int, kind: str) -> list[str]:
    return default_sets(fiscal_year, kind)


def check_deadline_sets(deadline_sets: list[str]) -> None:
    known = available_schemes()
    unknown = [s for s in deadline_sets if s not in known]
    if unknown:
        raise ValidationError({"deadline_sets": bilingual(
            f"ไม่รู้จักชุดกำหนดเวลา {', '.join(unknown)} (มี {', '.join(known)})",
            f"unknown deadline sets {', '.join(unknown)} (known: {', '.join(known)})")})


def scheme_deadline_sets(scheme: Scheme | None, fiscal_year: int) -> list[str]:
    """The shipped sets that judge the projects a scheme evaluates (None: a unit in no scheme,
    judged by the sets of its year issued for everyone)."""
    if scheme is None:
        return default_sets(fiscal_year)
    if scheme.deadline_sets is None:
        return default_sets(fiscal_year, scheme.kind)
    return list(scheme.deadline_sets)


def fiscal_year_obj(value: FiscalYear | int) -> FiscalYear:
    return value if isinstance(value, FiscalYear) else FiscalYear.objects.get(be_year=value)


# -- settings and reporting rounds -----------------------------------------------------------


@dataclass(frozen=True)
class Round:
    month: date  # first day
    deadline: date
    period_id: int | None = None

    @property
    def label(self) -> Month:
        return Month.of(self.month)


def month_round(day: date) -> Round:
    """The calendar-month round of a unit that no scheme evaluates: due by the month's last day."""
    month = Month.of(day)
    return Round(month.first_day, month.last_day)


@dataclass(frozen=True)
class UnitSettings:
    scheme_id: int | None
    schemes: tuple[DeadlineScheme, ...]  # the deadline sets that judge its projects
    plan_deadline: date
    rounds: tuple[Round, ...]  # the scheme's periods; empty for calendar-month rounds

    def default_round(self, today: date) -> Round:
        """The round an update made today belongs to: the next one due (its deadline today or later)."""
        for r in self.rounds:
            if r.deadline >= today:
                return r
        return month_round(today)

    def selectable_rounds(self, today: date) -> list[Round]:
        """Rounds an update may be filed under today: any that has started, and the default one."""
        default = self.default_round(today)
        chosen = [r for r in self.rounds if r.month <= today or r == default]
        return chosen if default in chosen else [*chosen, default]

    def rounds_due(self, fiscal_year: int, today: date) -> list[Round]:
        """Rounds of the fiscal year whose deadline has passed by today."""
        rounds = self.rounds or tuple(month_round(m.first_day) for m in fiscal_months(fiscal_year))
        return [r for r in rounds if r.deadline < today]


@lru_cache(maxsize=64)
def _custom_scheme(text: str) -> DeadlineScheme:
    return parse_scheme(text)


def deadline_schemes_of(scheme: Scheme | None, settings: Any, fiscal_year: int) -> tuple[DeadlineScheme, ...]:
    """The deadline sets that judge a scheme's projects: the shipped ones that apply to it and its
    own deadlines (ProcurementSettings.custom_deadlines)."""
    chosen = [load_scheme(s) for s in scheme_deadline_sets(scheme, fiscal_year)]
    if settings is not None and settings.custom_deadlines.strip():
        chosen.append(_custom_scheme(settings.custom_deadlines))
    return tuple(chosen)


def unit_settings(*, fiscal_year: FiscalYear, units: Iterable[Org]) -> dict[int, UnitSettings]:
    """For each unit: the scheme that evaluates it this year (itself or an ancestor), its deadline
    schemes, plan deadline and rounds. Four queries for any number of units."""
    units = list(units)
    chains = {u.pk: [int(p) for p in reversed(u.path.strip("/").split("/"))] for u in units}
    wanted = {pk for chain in chains.values() for pk in chain}
    links = defaultdict(list)
    for org_id, scheme_id in Scheme.units.through.objects.filter(
        scheme__fiscal_year=fiscal_year, org_id__in=wanted
    ).values_list("org_id", "scheme_id"):
        links[org_id].append(scheme_id)
    schemes = {
        s.pk: s for s in Scheme.objects.filter(pk__in={i for ids in links.values() for i in ids})
        .select_related("procurement")
    }
    periods = defaultdict(list)
    for p in ReportingPeriod.objects.filter(scheme_id__in=schemes).order_by("month"):
        periods[p.scheme_id].append(Round(p.month, p.deadline, p.pk))
    fallback_plan = date(fiscal_year.start.year, 10, 31)
    result: dict[int, UnitSettings] = {}
    made: dict[int, UnitSettings] = {}  # per scheme: 10,000 units of one scheme share their settings
    for unit_id, chain in chains.items():
        candidates = [schemes[i] for org_id in chain for i in links.get(org_id, ())]
        candidates.sort(key=lambda s: (not hasattr(s, "procurement"), s.code))
        if not candidates:
            result[unit_id] = UnitSettings(None, deadline_schemes_of(None, None, fiscal_year.be_year), fallback_plan, ())
            continue
        scheme = candidates[0]
        if scheme.pk in made:
            result[unit_id] = made[scheme.pk]
            continue
        settings = getattr(scheme, "procurement", None)
        rounds = tuple(periods.get(scheme.pk, ()))
        plan_deadline = (settings.plan_deadline if settings and settings.plan_deadline
                         else rounds[0].deadline if rounds else fallback_plan)
        result[unit_id] = made[scheme.pk] = UnitSettings(
            scheme.pk, deadline_schemes_of(scheme, settings, fiscal_year.be_year), plan_deadline, rounds)
    return result


def settings_for(project: Project) -> UnitSettings:
    return unit_settings(fiscal_year=project.fiscal_year, units=[project.unit])[project.unit_id]


# -- one project -----------------------------------------------------------------------------


@dataclass
class MilestoneLine:
    row: Milestone
    name: str
    egp_code: str
    status: str | None
    slippage: int | None
    forecast: date | None
    actual: date | None  # as of today (a later recorded date is not yet known)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ProjectState:
    project: Project
    progress: Progress
    checks: list[DeadlineCheck]
    warnings: list[PlanWarning]
    lines: list[MilestoneLine]
    status: str
    latest_update: RoundUpdate | None = None

    @property
    def slippage(self) -> int:
        return self.progress.slippage

    @property
    def forecast_contract(self) -> date | None:
        return self.progress.forecast_contract

    @property
    def flags(self) -> list[DeadlineCheck]:
        return [c for c in self.checks if c.flagged]

    @property
    def flagged(self) -> bool:
        return any(c.flagged for c in self.checks)

    @property
    def needs_attention(self) -> bool:
        return self.status in (ProjectStatus.LATE, ProjectStatus.AT_RISK)

    @property
    def next_line(self) -> MilestoneLine | None:
        return next((line for line in self.lines if line.actual is None and line.row.planned), None)

    @property
    def late_lines(self) -> list[MilestoneLine]:
        return [line for line in self.lines if line.status == Status.LATE]

    def risk_key(self) -> tuple[Any, ...]:
        return (not self.flagged, -self.slippage, -self.project.allocated, self.project.unit.code,
                self.project.name, self.project.pk)


def template_of(project: Project) -> Template:
    return load_template(project.template)


def project_state(project: Project, *, today: date, calendar: WorkCalendar, settings: UnitSettings,
                  latest_update: RoundUpdate | None = None, language: str = "th",
                  milestones: Iterable[Milestone] | None = None,
                  instalments: Iterable[Instalment] | None = None) -> ProjectState:
    """Track one project (milestones and instalments prefetched) as of today. `milestones` and
    `instalments` given: judged on those instead (rows held in memory, a project not yet saved:
    the sheet import computes the state its writes will leave, before writing)."""
    t = template_of(project)
    rows = sorted(project.milestones.all() if milestones is None else milestones, key=lambda m: m.seq)
    planned = {m.code: m.planned for m in rows}
    actual = {m.code: m.actual if m.actual and m.actual <= today else None for m in rows}
    progress = track(planned, actual, today=today, method=project.method, value_satang=project.allocated,
                     calendar=calendar, template=t)
    warnings = validate_plan(planned, value_satang=project.allocated, method=project.method,
                             calendar=calendar, template=t)
    by_code = {item.id: item for item in progress.items}
    lines = []
    for m in rows:
        step = t.milestone(m.code)
        item = by_code.get(m.code)
        lines.append(MilestoneLine(
            row=m, name=step.name_en if language == "en" else step.name_th, egp_code=step.egp_code,
            status=item.status.value if item else None, slippage=item.slippage if item else None,
            forecast=item.forecast if item else None, actual=actual.get(m.code),
            warnings=[w.message for w in warnings if w.milestone_id == m.code],
        ))
    checks = check_deadlines(project_facts(project, progress, actual, today, instalments), today=today,
                             schemes=settings.schemes, calendar=calendar)
    status = _status(progress, checks, actual)
    return ProjectState(project, progress, checks, warnings, lines, status, latest_update)


def payment_date(project: Project, actual: dict[str, date | None], today: date,
                 instalments: Iterable[Instalment] | None = None) -> date | None:
    """Paid in full: the payment milestone's date, or the last instalment once every one is paid."""
    if actual.get("payment"):
        return actual["payment"]
    instalments = list(project.instalments.all() if instalments is None else instalments)
    paid = [i.paid_on for i in instalments if i.paid_on and i.paid_on <= today]
    return max(paid) if instalments and len(paid) == len(instalments) else None


def project_facts(project: Project, progress: Progress, actual: dict[str, date | None], today: date,
                  instalments: Iterable[Instalment] | None = None) -> ProjectFacts:
    """What the deadline schemes judge; the value is the allocated amount (the budget line's value)."""
    forecast_pay = None
    if any(item.id == "payment" for item in progress.items):
        forecast_pay = progress.forecast("payment")
    return ProjectFacts(
        value_satang=project.allocated, fiscal_year=project.fiscal_year.be_year, multi_year=project.multi_year,
        category=project.category, contract_date=actual.get(CONTRACT),
        forecast_contract_date=progress.forecast_contract,
        payment_date=payment_date(project, actual, today, instalments),
        forecast_payment_date=forecast_pay,
    )


def _status(progress: Progress, checks: list[DeadlineCheck], actual: dict[str, date | None]) -> str:
    if actual.get("payment") or actual.get("closed"):
        return ProjectStatus.COMPLETED
    if progress.slippage > 0 or any(c.status == DeadlineStatus.MISSED for c in checks):
        return ProjectStatus.LATE
    if any(c.status == DeadlineStatus.FORECAST_TO_MISS for c in checks):
        return ProjectStatus.AT_RISK
    return ProjectStatus.ON_TRACK


# -- many projects ---------------------------------------------------------------------------


def projects_of(qs: QuerySet[Project]) -> QuerySet[Project]:
    """What evaluating a list of projects needs, in three queries."""
    return qs.select_related("unit", "unit__parent", "fiscal_year").prefetch_related("milestones", "instalments")


def latest_updates(project_ids: Iterable[int]) -> dict[int, RoundUpdate]:
    latest: dict[int, RoundUpdate] = {}
    for u in RoundUpdate.objects.filter(project_id__in=list(project_ids)).order_by("project_id", "recorded_at", "id"):
        latest[u.project_id] = u
    return latest


def evaluate(qs: QuerySet[Project], *, today: date, language: str = "th") -> list[ProjectState]:
    """Every project of the queryset as of today (scope the queryset first)."""
    projects = list(projects_of(qs))
    if not projects:
        return []
    calendars = calendars_for({p.unit_id: p.unit for p in projects}.values())
    settings: dict[tuple[int, int], UnitSettings] = {}
    by_year: dict[FiscalYear, dict[int, Org]] = defaultdict(dict)
    for p in projects:
        by_year[p.fiscal_year][p.unit_id] = p.unit
    for fy, units in by_year.items():
        for unit_id, s in unit_settings(fiscal_year=fy, units=units.values()).items():
            settings[(fy.pk, unit_id)] = s
    latest = latest_updates(p.pk for p in projects)
    return [
        project_state(p, today=today, calendar=calendars[p.unit_id], settings=settings[(p.fiscal_year_id, p.unit_id)],
                      latest_update=latest.get(p.pk), language=language)
        for p in projects
    ]


def late_list(states: Sequence[ProjectState]) -> list[ProjectState]:
    """Projects that are late or at risk, riskiest first (see the module docstring)."""
    return sorted((s for s in states if s.needs_attention), key=ProjectState.risk_key)


def status_counts(states: Sequence[ProjectState]) -> dict[str, int]:
    counts = {value: 0 for value in ProjectStatus.values}
    for s in states:
        counts[s.status] += 1
    return counts


# -- per-unit figures for the scoring engine -------------------------------------------------


@dataclass(frozen=True)
class Count:
    """`achieved` of `total`, exact; nothing to count when total is 0."""

    achieved: int = 0
    total: int = 0

    @property
    def fraction(self) -> Fraction | None:
        return Fraction(self.achieved, self.total) if self.total else None

    @property
    def percent(self) -> Fraction | None:
        return Fraction(self.achieved * 100, self.total) if self.total else None

    def __add__(self, other: Count) -> Count:
        return Count(self.achieved + other.achieved, self.total + other.total)


@dataclass(frozen=True)
class UnitFacts:
    """One unit's procurement figures as of a day (exact counts)."""

    unit_id: int
    projects: int
    plan_on_time: bool | None  # every project entered by the plan deadline; None without projects
    contracts_by_deadline: Count  # e-bidding projects whose commitment deadlines are decided
    milestones_on_time: Count  # milestones done or due with a plan: done by the planned date
    updates_on_time: Count  # rounds due with a project to update: every project updated by the deadline
    missed_rounds: tuple[Month, ...] = ()  # rounds not updated in time (the late_update deduction)
    late_projects: int = 0
    flagged_projects: int = 0

    def as_facts(self) -> dict[str, Fraction | bool]:
        """Fact ids of the provincial rule set (procurement:<id>); a fact with nothing to count is left out."""
        facts: dict[str, Fraction | bool] = {}
        if self.plan_on_time is not None:
            facts["plan_on_time"] = self.plan_on_time
        for name in ("contracts_by_deadline", "milestones_on_time", "updates_on_time"):
            value = getattr(self, name).fraction
            if value is not None:
                facts[name] = value
        return facts


def procurement_facts(*, fiscal_year: FiscalYear | int, units: Iterable[Any], today: date,
                      with_projects_only: bool = False) -> dict[int, UnitFacts]:
    """Per unit (anything with the unit's `pk`): the procurement figures of its own projects (not
    those of units below it). `with_projects_only` leaves out units without projects (their facts
    are empty): what a scheme of 10,000 units needs.

    - plan_on_time: every project was entered (created) by the plan deadline of the unit's scheme.
    - contracts_by_deadline: e-bidding projects whose commit deadlines are decided (met, or
      missed); achieved when none is missed.
    - milestones_on_time: milestones with a planned date that are done or overdue; achieved when
      done on or before the planned date.
    - updates_on_time: rounds whose deadline has passed in which the unit had a project entered
      before the round's month and not closed before it; achieved when every such project has a
      round update filed under that round by its deadline.
    """
    fy = fiscal_year_obj(fiscal_year)
    units = list(units)
    ids = {u.pk for u in units}
    wanted = Project.objects.filter(fiscal_year=fy, **ids_in("unit_id", ids))
    projects = [p for p in projects_of(wanted) if p.unit_id in ids]
    # only units with projects need their scheme's settings: the others owe nothing
    with_projects = {p.unit_id for p in projects}
    settings = unit_settings(fiscal_year=fy, units=Org.objects.filter(pk__in=with_projects)) if with_projects else {}
    calendars = calendars_for({p.unit_id: p.unit for p in projects}.values())
    updates = defaultdict(list)
    for u in RoundUpdate.objects.filter(project__in=projects).values("project_id", "month", "recorded_at"):
        updates[u["project_id"]].append((u["month"], timezone.localdate(u["recorded_at"])))
    per_unit: dict[int, list[ProjectState]] = defaultdict(list)
    for p in projects:
        per_unit[p.unit_id].append(project_state(p, today=today, calendar=calendars[p.unit_id],
                                                 settings=settings[p.unit_id]))
    result = {}
    for unit in units:
        states = per_unit.get(unit.pk, [])
        if not states and with_projects_only:
            continue
        if not states:
            result[unit.pk] = UnitFacts(unit_id=unit.pk, projects=0, plan_on_time=None, contracts_by_deadline=Count(),
                                        milestones_on_time=Count(), updates_on_time=Count(), missed_rounds=(),
                                        late_projects=0, flagged_projects=0)
            continue
        s = settings[unit.pk]
        contracts = milestones = Count()
        for state in states:
            commit = [c for c in state.checks if c.rule.kind == "commit"]
            if state.project.method == Method.E_BIDDING and commit:
                missed = any(c.status == DeadlineStatus.MISSED for c in commit)
                if missed or all(c.status == DeadlineStatus.MET for c in commit):
                    contracts += Count(0 if missed else 1, 1)
            for item in state.progress.items:
                if item.planned is not None and item.status in (Status.MET, Status.LATE):
                    milestones += Count(int(item.status == Status.MET), 1)
        rounds, missed_rounds = Count(), []
        for r in s.rounds_due(fy.be_year, today):
            due = [st.project for st in states if _due_in_round(st, r)]
            if not due:
                continue
            met = all(any(m == r.month and day <= r.deadline for m, day in updates[p.pk]) for p in due)
            rounds += Count(int(met), 1)
            if not met:
                missed_rounds.append(r.label)
        plan = all(timezone.localdate(st.project.created_at) <= s.plan_deadline for st in states)
        result[unit.pk] = UnitFacts(
            unit_id=unit.pk, projects=len(states), plan_on_time=plan, contracts_by_deadline=contracts,
            milestones_on_time=milestones, updates_on_time=rounds, missed_rounds=tuple(missed_rounds),
            late_projects=sum(st.status == ProjectStatus.LATE for st in states),
            flagged_projects=sum(st.flagged for st in states),
        )
    return result


def _due_in_round(state: ProjectState, r: Round) -> bool:
    """A project owes an update in a round when it existed before the round's month began and was not
    closed before it."""
    if timezone.localdate(state.project.created_at) >= r.month:
        return False
    closed = next((m.actual for m in state.project.milestones.all() if m.code == "closed"), None)
    return closed is None or closed >= r.month
