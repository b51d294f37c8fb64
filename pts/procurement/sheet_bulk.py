"""The PTS sheet's commit in bulk: every write of a validated sheet worked out in memory first
(`plan_writes`, outside any write transaction), then made in a few INSERTs and UPDATEs (`write`)
inside the short transaction of `pts.procurement.actions.sheet_apply`.

The result is the one the per-row actions give (project_create, project_update, milestones_update,
round_update): the same projects, milestone dates, round updates (snapshot, forecast, slippage from
`queries.project_state` on the dates after the change) and one audit row per change with the same
before/after. Rows that need the rare paths (a new method whose milestone rows must be resynced, a
project whose ledger commitment forbids the change) are left to those actions (`PlannedWrites.slow`).

`Fingerprint` is what the plan was computed against: the count, highest id and latest change of
the actor's units' projects, milestones and round updates, the extra holidays, and the highest
procurement audit row of those units (every procurement action writes one, whatever business time
it is given). The transaction compares it before writing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Max, Model
from django.utils import timezone

from pts.audit.actions import AFTER, OBJECT_ID, audit_row, audit_rows_write, audit_value, snapshot
from pts.audit.models import AuditEvent
from pts.budget.models import FiscalYear
from pts.core.db import db_row, insert_rows, reserve_ids, update_rows
from pts.core.lookups import ids_in
from pts.organisations.models import User
from pts.procurement import queries
from pts.procurement.models import PROJECT_FIELDS, ExtraHoliday, Milestone, Project, RoundUpdate
from pts.procurement.schedule import CONTRACT, load_template
from pts.procurement.sheet import ParsedSheet, RowPlan


@dataclass(frozen=True)
class Fingerprint:
    projects: tuple[Any, ...]
    milestones: tuple[Any, ...]
    updates: tuple[Any, ...]
    holidays: tuple[Any, ...]
    trail: tuple[Any, ...]


def fingerprint(fiscal_year: FiscalYear, unit_ids: set[int]) -> Fingerprint:
    """Five aggregate queries; a unit list too long for an IN list takes every unit's rows."""
    def of(qs: Any, *extra: str) -> tuple[Any, ...]:
        got = qs.aggregate(n=Count("id"), top=Max("id"), **{e: Max(e) for e in extra})
        return tuple(got[k] for k in ("n", "top", *extra))

    return Fingerprint(
        of(Project.objects.filter(fiscal_year=fiscal_year, **ids_in("unit_id", unit_ids)), "updated_at"),
        of(Milestone.objects.filter(project__fiscal_year=fiscal_year, **ids_in("project__unit_id", unit_ids))),
        of(RoundUpdate.objects.filter(project__fiscal_year=fiscal_year, **ids_in("project__unit_id", unit_ids))),
        of(ExtraHoliday.objects.all()),
        of(AuditEvent.objects.filter(action__startswith="procurement.", **ids_in("unit_id", unit_ids))),
    )


@dataclass
class Audit:
    """One audit row to write once the object has its id; `after` None with `snap`: the object's
    snapshot then (a round update's, with its id)."""

    action: str
    project: Project
    obj: Model
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    snap: bool = False


@dataclass
class PlannedWrites:
    new_projects: list[Project] = field(default_factory=list)
    new_milestones: list[Milestone] = field(default_factory=list)
    changed_projects: list[Project] = field(default_factory=list)
    changed: dict[int, set[str]] = field(default_factory=dict)  # by id() of the project
    touched_projects: list[Project] = field(default_factory=list)  # updated_at only
    changed_milestones: list[Milestone] = field(default_factory=list)
    updates: list[RoundUpdate] = field(default_factory=list)
    audits: list[Audit] = field(default_factory=list)
    slow: list[RowPlan] = field(default_factory=list)  # through the per-row actions
    created: int = 0
    updated: int = 0
    period: date | None = None  # the month of the audit rows


def _pair(m: Milestone) -> list[str | None]:
    return [m.planned.isoformat() if m.planned else None, m.actual.isoformat() if m.actual else None]


def _dates(rows: list[Milestone]) -> dict[str, list[str | None]]:
    return {m.code: _pair(m) for m in sorted(rows, key=lambda m: m.seq)}


def _slow(row: RowPlan) -> bool:
    """A row the per-row actions must apply: a method change (milestone rows resynced), a change
    the recorded ledger commitment forbids (the action refuses it with its own message), or a
    date for a step the project has no row for."""
    project = row.project
    if project is None:
        return False
    rows = {m.code: m for m in project.milestones.all()}
    if row.changes and row.fields.get("method") != project.method:
        return True
    if project.commitment_id:
        if any(row.fields.get(k) != getattr(project, k) for k in ("contract_value", "category")):
            return True
        if CONTRACT in row.actual and CONTRACT in rows and row.actual[CONTRACT] != rows[CONTRACT].actual:
            return True
    return bool({*row.planned, *row.actual} - set(rows))


def plan_writes(parsed: ParsedSheet, *, fiscal_year: FiscalYear, user: User, now: datetime) -> PlannedWrites:
    """Everything a validated sheet writes, computed on the rows `read_sheet` loaded (milestones
    and instalments prefetched) with each unit's settings and calendar read once. Writes nothing."""
    today = timezone.localdate(now)
    out = PlannedWrites(period=today.replace(day=1))
    units = {row.unit.pk: row.unit for row in parsed.rows if row.kind != "unchanged"}
    settings = queries.unit_settings(fiscal_year=fiscal_year, units=units.values()) if units else {}
    calendars = queries.calendars_for(units.values()) if units else {}
    for row in parsed.rows:
        if row.kind == "unchanged":
            continue
        if _slow(row):
            out.slow.append(row)
            out.updated += bool(row.changes)
            continue
        project = row.project
        if project is None:
            project = Project(fiscal_year=fiscal_year, unit=row.unit, created_at=now, updated_at=now, created_by=user,
                              request_key=None, name=row.name, **row.fields)
            t = load_template(project.template)
            milestones = [Milestone(project=project, code=code, seq=t.milestone(code).seq, planned=row.planned.get(code))
                          for code in t.method(project.method).milestone_ids]
            out.new_projects.append(project)
            out.new_milestones += milestones
            out.audits.append(Audit("project_create", project, project,
                                    after={**snapshot(project, PROJECT_FIELDS), "milestones": _dates(milestones)}))
            instalments: list[Any] = []
            out.created += 1
        else:
            milestones = list(project.milestones.all())
            instalments = list(project.instalments.all())
            changed = {k: v for k, v in row.fields.items() if getattr(project, k) != v} if row.changes else {}
            if changed:
                before = snapshot(project, PROJECT_FIELDS)
                for k, v in changed.items():
                    setattr(project, k, v)
                after = snapshot(project, PROJECT_FIELDS)
                out.changed_projects.append(project)
                out.changed[id(project)] = set(changed)
                out.audits.append(Audit("project_update", project, project,
                                        before={k: before[k] for k in before if before[k] != after[k]},
                                        after={k: after[k] for k in after if before[k] != after[k]}))
            else:
                out.touched_projects.append(project)
            out.updated += bool(row.changes)
            project.updated_at = now
        rows = {m.code: m for m in milestones}
        moved: dict[str, tuple[list[str | None], list[str | None]]] = {}
        for m in milestones:
            planned = row.planned.get(m.code, m.planned) if row.project is not None else m.planned
            actual = row.actual.get(m.code, m.actual)
            if (planned, actual) != (m.planned, m.actual):
                was = _pair(m)
                m.planned, m.actual = planned, actual
                moved[m.code] = (was, _pair(m))
                if row.project is not None:
                    out.changed_milestones.append(m)
        if moved:
            out.audits.append(Audit("milestones_update", project, project, before={k: v[0] for k, v in moved.items()},
                                    after={k: v[1] for k, v in moved.items()}))
        unit_settings = settings[row.unit.pk]
        state = queries.project_state(project, today=today, calendar=calendars[row.unit.pk], settings=unit_settings,
                                      milestones=rows.values(), instalments=instalments)
        chosen = unit_settings.default_round(today)
        update = RoundUpdate(project=project, period_id=chosen.period_id, month=chosen.month, deadline=chosen.deadline,
                             obstacles=row.obstacles, remedy=row.remedy, snapshot=_dates(milestones),
                             forecast_contract=state.forecast_contract, slippage=state.slippage, recorded_at=now,
                             recorded_by=user, request_key=None)
        out.updates.append(update)
        out.audits.append(Audit("round_update", project, update, snap=True))
    return out


PROJECT_COLUMNS = [f.name for f in Project._meta.concrete_fields if not f.primary_key]
MILESTONE_COLUMNS = ["code", "seq", "planned", "actual"]
UPDATE_COLUMNS = [f.name for f in RoundUpdate._meta.concrete_fields if f.name not in ("id", "project")]


@dataclass
class Prepared:
    """The planned writes as database values (`pts.core.db.db_row`), made before the transaction.
    A project reference is its id, or -(i + 1) for the i-th new project (its id is taken in `write`)."""

    projects: list[list[Any]] = field(default_factory=list)
    milestones: list[tuple[int, list[Any]]] = field(default_factory=list)
    project_changes: dict[tuple[str, ...], list[list[Any]]] = field(default_factory=dict)
    milestone_changes: list[list[Any]] = field(default_factory=list)
    updates: list[tuple[int, list[Any]]] = field(default_factory=list)
    audits: list[tuple[int, int | None, list[Any], dict[str, Any] | None]] = field(default_factory=list)


def prepare(planned: PlannedWrites, *, actor: Any) -> Prepared:
    out = Prepared()
    new = {id(p): -(i + 1) for i, p in enumerate(planned.new_projects)}

    def ref(project: Project) -> int:
        return new.get(id(project)) or project.pk

    out.projects = [db_row(p, PROJECT_COLUMNS) for p in planned.new_projects]
    out.milestones = [(ref(m.project), db_row(m, MILESTONE_COLUMNS)) for m in planned.new_milestones]
    for p in planned.changed_projects + planned.touched_projects:
        names = tuple(sorted(planned.changed.get(id(p), ()))) + ("updated_at",)
        out.project_changes.setdefault(names, []).append(db_row(p, names) + [p.pk])
    out.milestone_changes = [db_row(m, ["planned", "actual"]) + [m.pk] for m in planned.changed_milestones]
    index = {id(u): i for i, u in enumerate(planned.updates)}
    out.updates = [(ref(u.project), db_row(u, UPDATE_COLUMNS)) for u in planned.updates]
    for a in planned.audits:
        p = a.project
        row = audit_row(actor=actor, action=f"procurement.{a.action}", object_type=a.obj._meta.label_lower,
                        unit=p.unit, fiscal_year=p.fiscal_year.be_year, period=planned.period, before=a.before,
                        after=None if a.snap else a.after)
        out.audits.append((ref(p), index[id(a.obj)] if a.snap else None, row, snapshot(a.obj) if a.snap else None))
    return out


def write(prepared: Prepared) -> None:
    """Make the prepared writes: inside the caller's transaction, one executemany per table and kind."""
    ids = reserve_ids(Project, len(prepared.projects))

    def resolve(ref: int) -> int:
        return ref if ref > 0 else ids[-ref - 1]

    insert_rows(Project, ["id", *PROJECT_COLUMNS], [[pk, *row] for pk, row in zip(ids, prepared.projects, strict=True)])
    insert_rows(Milestone, ["project", *MILESTONE_COLUMNS], [[resolve(r), *row] for r, row in prepared.milestones])
    for names, rows in prepared.project_changes.items():
        update_rows(Project, list(names), rows)
    update_rows(Milestone, ["planned", "actual"], prepared.milestone_changes)
    update_ids = reserve_ids(RoundUpdate, len(prepared.updates))
    insert_rows(RoundUpdate, ["id", "project", *UPDATE_COLUMNS],
                [[pk, resolve(r), *row] for pk, (r, row) in zip(update_ids, prepared.updates, strict=True)])
    rows = []
    for r, update, row, after in prepared.audits:
        row = list(row)
        if update is None:
            row[OBJECT_ID] = str(resolve(r))
        else:
            row[OBJECT_ID] = str(update_ids[update])
            row[AFTER] = audit_value("after", {**(after or {}), "id": update_ids[update], "project_id": resolve(r)})
        rows.append(row)
    audit_rows_write(rows)
