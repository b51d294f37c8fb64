"""Scores of a scheme from the database: engine inputs in a few queries, results, frozen snapshots,
overrides on top, the difference between a frozen round and now, and "what is still needed".

Reads only; writes (freeze, override) are in actions.py.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction
from types import MappingProxyType
from typing import Any, NamedTuple

from django.db import connection

from pts.budget import queries as budget
from pts.core.fiscal import Month, parse_month
from pts.organisations.models import Org
from pts.schemes.models import Denominator, Scheme, SchemeKind
from pts.scoring import ledger, sources
from pts.scoring.engine import (
    Deduction,
    Evidence,
    Figures,
    ItemResult,
    Line,
    RoundResult,
    RuleSet,
    Share,
    UnitData,
    exact,
    load_ruleset,
    score_unit,
    score_units,
)
from pts.scoring.engine.ranking import rank
from pts.scoring.engine.targets import resolve
from pts.scoring.models import FrozenRound, ScoreOverride

# reporting's evidence kinds -> checklist item ids of the shipped rule sets
EVIDENCE_ITEMS = {"committee_order": "committee", "minutes": "minutes", "publication": "report"}
DEFAULT_RULE_SETS = {SchemeKind.PROVINCE: "province-pts-template", SchemeKind.DEPARTMENT: "doh-kpi23-2566"}
_RULES: dict[tuple[str, int], RuleSet] = {}
_MAPPED: dict[tuple[str, int, str], RuleSet] = {}
NO_MONTHS: Mapping[Month, Mapping[str, Figures]] = MappingProxyType({})  # one object: a unit without money stays "the same"


# -- rule set and inputs -----------------------------------------------------------------------


def rule_set_ref(scheme: Scheme) -> str:
    return scheme.rule_set or DEFAULT_RULE_SETS.get(SchemeKind(scheme.kind), "doh-kpi23-2566")


def rules_for(scheme: Scheme) -> RuleSet:
    """The scheme's rule set, re-read when its file changes (an edited file changes the scores)."""
    ref = rule_set_ref(scheme)
    path = resolve(ref, None)
    stamp = path.stat().st_mtime_ns if path is not None else 0
    base = _RULES.get((ref, stamp))
    if base is None:
        base = _RULES[(ref, stamp)] = load_ruleset(ref)
    # the scheme's own category -> series mapping applies; one rule set object per mapping in use
    key = (ref, stamp, json.dumps(scheme.series or {}, sort_keys=True))
    rules = _MAPPED.get(key)
    if rules is None:
        rules = _MAPPED[key] = sources.rules_with_scheme_series(base, scheme)
    return rules


def default_series_for(rule_set: str, kind: str) -> dict[str, list[str]] | None:
    """The rule set's own category mapping (what a new scheme starts with), or None when the rule
    set cannot be read (the scheme actions then report it)."""
    from pts.scoring.engine import RuleSetError

    try:
        rules = rules_for(Scheme(rule_set=(rule_set or "").strip(), kind=kind, series={}))
    except RuleSetError:
        return None
    return {sid: list(s.categories) for sid, s in rules.series.items() if s.categories}


def months_until(scheme: Scheme, rules: RuleSet, as_of: date) -> list[Month]:
    """The rule set's months whose reporting as-of date has come by `as_of`."""
    return [m for m in rules.months if scheme.as_of(m) <= as_of]


def _uses_procurement(rules: RuleSet) -> bool:
    return any(c.source.startswith("procurement:") for c in rules.criteria) or any(
        cause.id == "late_update" for c in rules.criteria for cause in c.causes
    )


class UnitRow(NamedTuple):
    """What scoring needs of a unit: 10,000 of these cost a tenth of 10,000 model instances."""

    pk: int
    code: str
    name_th: str


def scheme_units(scheme: Scheme) -> list[UnitRow]:
    return [UnitRow(*row) for row in scheme.units.order_by("code").values_list("id", "code", "name_th")]


def build_inputs(*, scheme: Scheme, as_of: date, rules: RuleSet | None = None,
                 units: Sequence[Org | UnitRow] | None = None) -> list[UnitData]:
    """One UnitData per unit of the scheme (code order), from the ledger, evidence and procurement.

    Figures: cumulative at each month's as-of day; `allocated` is the current allocation, or the
    original one when the scheme's denominator says so; `committed` is the outstanding commitment.
    """
    rules = rules or rules_for(scheme)
    units = list(units) if units is not None else scheme_units(scheme)
    months = months_until(scheme, rules, as_of)
    ids = [u.pk for u in units]
    cells = monthly_cells(scheme=scheme, months=months, units=ids)

    evidence = _evidence(scheme, ids, as_of)
    procurement: dict[int, Any] = {}
    if _uses_procurement(rules):
        from pts.procurement.queries import procurement_facts

        procurement = procurement_facts(fiscal_year=scheme.fiscal_year, units=units, today=as_of,
                                        with_projects_only=True)
    tags = sources.wanted_tags(rules)
    by_tag = sources.tag_cells(scheme=scheme, months=months, unit_ids=ids, tags=tags,
                               unions=sources.tag_unions(rules)) if tags else {}
    events = sources.deduction_events(scheme=scheme, rules=rules, months=months, unit_ids=ids, as_of=as_of,
                                      cells=cells)
    wanted = set(months)
    through = months[-1] if months else rules.months[0].prev()  # the months the scoring date has reached
    out = []
    for unit in units:
        facts = procurement.get(unit.pk)
        deductions: tuple[Deduction, ...] = tuple(events.get(unit.pk, ()))
        if facts is not None:
            deductions += tuple(Deduction("late_update", m) for m in facts.missed_rounds if m in wanted)
        out.append(UnitData(
            code=unit.code, name=unit.name_th, months=cells.get(unit.pk, NO_MONTHS), through=through,
            tags=by_tag.get(unit.pk, {}),
            evidence=evidence.get(unit.pk, ()), procurement=facts.as_facts() if facts is not None else {},
            deductions=deductions,
        ))
    return out


def monthly_cells(*, scheme: Scheme, months: Sequence[Month], units: Any) -> dict[int, dict[Month, dict[str, Figures]]]:
    """unit id -> month -> category -> engine Figures, cumulative at each month's as-of day (see
    `pts.scoring.ledger`); `units` is a list of ids. Units without money are left out."""
    ids = [u if isinstance(u, int) else u.pk for u in units]
    cells = ledger.monthly_cells(fiscal_year_id=scheme.fiscal_year_id, months=months,
                                 ends=[scheme.as_of(m) for m in months],
                                 original=scheme.denominator == Denominator.ORIGINAL, unit_ids=ids)
    return {pk: c for pk, c in cells.items() if c}


def _evidence(scheme: Scheme, ids: list[int], as_of: date) -> dict[int, tuple[Evidence, ...]]:
    from pts.reporting.queries import evidence_facts

    out: dict[int, tuple[Evidence, ...]] = {}
    for unit_id, facts in evidence_facts(fiscal_year=scheme.fiscal_year, units=ids).items():
        found: list[Evidence] = []
        for key, days in facts.items():
            kind, _, month = key.partition(":")
            item = EVIDENCE_ITEMS.get(kind, kind)
            period = parse_month(month) if month else None
            found.extend(Evidence(item, day, period) for day in days if day <= as_of)
        out[unit_id] = tuple(found)
    return out


def score_scheme(*, scheme: Scheme, as_of: date, rules: RuleSet | None = None,
                 explain: Collection[str] | None = None) -> list[RoundResult]:
    """Every unit of the scheme in every round, as of `as_of`, placed in size groups and award tiers.

    `explain`: codes of the units whose items carry their explanation lines (a score card needs
    one); None explains every unit. The points are the same either way.
    """
    rules = rules or rules_for(scheme)
    inputs = build_inputs(scheme=scheme, as_of=as_of, rules=rules)
    if explain is None:
        return score_units(rules, inputs)
    results = _points(scheme, as_of, rules, inputs)
    if explain:
        lines = {(r.unit, r.round): r for u in inputs if u.code in explain for r in score_unit(rules, u)}
        results = [lines.get((r.unit, r.round), r) for r in results]
    return rank(rules, results) if rules.size_groups or rules.awards else results


# (database, scheme, as of) -> the rule set, and per unit the inputs scored and their results
_SCORED: OrderedDict[tuple[Any, ...], tuple[RuleSet, dict[str, tuple[UnitData, list[RoundResult]]]]] = OrderedDict()
_SCORED_LOCK = threading.Lock()


def forget() -> None:
    """Drop every kept result (tests; a process that wants its memory back)."""
    with _SCORED_LOCK:
        _SCORED.clear()


def _same(a: UnitData, b: UnitData) -> bool:
    """The same inputs: the ledger's cells are compared by identity (`ledger` hands out the same
    object until a unit's movements change, and a new one inside a transaction), the rest by value."""
    return (a.months is b.months and a.code == b.code and a.tags == b.tags and a.evidence == b.evidence
            and a.procurement == b.procurement and a.procurement_by_round == b.procurement_by_round
            and a.deductions == b.deductions and a.through == b.through)


def _points(scheme: Scheme, as_of: date, rules: RuleSet, inputs: list[UnitData]) -> list[RoundResult]:
    """Points of every unit, unranked; a unit whose inputs are those scored last time keeps its results.

    The engine is deterministic, so equal inputs give equal results: a league table opened again
    after a few reports came in scores only the units whose figures changed.
    """
    key = (connection.alias, str(connection.settings_dict.get("NAME")), scheme.pk, as_of)
    with _SCORED_LOCK:
        kept = _SCORED.get(key)
    before = kept[1] if kept is not None and kept[0] is rules else {}
    now: dict[str, tuple[UnitData, list[RoundResult]]] = {}
    out: list[RoundResult] = []
    for unit in inputs:
        prev = before.get(unit.code)
        if prev is not None and _same(prev[0], unit):
            now[unit.code] = prev
        else:
            now[unit.code] = (unit, score_unit(rules, unit, explain=False))
        out.extend(now[unit.code][1])
    with _SCORED_LOCK:
        _SCORED[key] = (rules, now)
        _SCORED.move_to_end(key)
        while len(_SCORED) > ledger.KEEP:
            _SCORED.popitem(last=False)
    return out


# -- JSON snapshots (frozen rounds) ------------------------------------------------------------


def inputs_json(units: Iterable[UnitData], as_of: date) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for u in units:
        data[u.code] = {
            "months": {m.iso(): {c: list(f) for c, f in cats.items()} for m, cats in sorted(u.months.items())},
            "evidence": [[e.item, e.posted.isoformat(), e.period.iso() if e.period else None] for e in u.evidence],
            "procurement": {k: str(_share(v)) for k, v in u.procurement.items()},
            "deductions": [[d.cause, d.month.iso(), d.note] for d in u.deductions],
            "tags": {tag: {m.iso(): list(f) for m, f in sorted(per.items())} for tag, per in u.tags.items()},
        }
    return {"as_of": as_of.isoformat(), "units": data}


def _share(value: Share | Fraction | bool) -> Fraction:
    """A procurement fact as the fraction 0..1 it stands for."""
    share = Share.of(value)
    return Fraction(share.achieved, share.total) if share.total else Fraction(0)


def result_json(r: RoundResult) -> dict[str, Any]:
    return {
        "unit": r.unit, "round": r.round, "total": exact(r.total), "max": exact(r.max),
        "items": {i.id: {"score": exact(i.score), "max": exact(i.max), "lines": [[ln.code, ln.facts] for ln in i.lines]}
                  for i in r.items.values()},
        "size_basis": r.size_basis, "tie_values": {k: exact(v) for k, v in r.tie_values.items()},
        "size_group": r.size_group, "award": r.award, "notes": [[ln.code, ln.facts] for ln in r.notes],
    }


def result_from_json(d: Mapping[str, Any]) -> RoundResult:
    items = {cid: ItemResult(cid, Fraction(i["score"]), Fraction(i["max"]), tuple(Line(c, f) for c, f in i["lines"]))
             for cid, i in d["items"].items()}
    return RoundResult(
        unit=d["unit"], round=d["round"], items=items, total=Fraction(d["total"]), max=Fraction(d["max"]),
        size_basis=d["size_basis"], tie_values={k: Fraction(v) for k, v in d["tie_values"].items()},
        size_group=d["size_group"], award=d["award"], notes=tuple(Line(c, f) for c, f in d["notes"]),
    )


def frozen_results(frozen: FrozenRound) -> list[RoundResult]:
    return [result_from_json(d) for d in frozen.results["units"]]


# -- overrides ----------------------------------------------------------------------------------


def latest_overrides(scheme: Scheme, round_no: int) -> dict[tuple[str, str], ScoreOverride]:
    """(unit code, criterion id) -> the override that applies (the latest)."""
    out: dict[tuple[str, str], ScoreOverride] = {}
    for o in ScoreOverride.objects.filter(scheme=scheme, round_no=round_no).select_related("unit", "actor"):
        out[(o.unit.code, o.criterion)] = o  # ordered by time: a later one replaces an earlier one
    return out


def apply_overrides(rules: RuleSet, results: list[RoundResult],
                    overrides: Mapping[tuple[str, str], ScoreOverride]) -> list[RoundResult]:
    """Results with the overridden item scores, totals re-added and groups and awards placed again."""
    if not overrides:
        return results
    out = []
    for r in results:
        changed = {cid: o for (code, cid), o in overrides.items() if code == r.unit and cid in r.items}
        if not changed:
            out.append(r)
            continue
        items = dict(r.items)
        kinds = {c.id: c.kind for c in rules.criteria}
        for cid, o in changed.items():
            if kinds.get(cid) != "deductions":
                items[cid] = replace(items[cid], score=Fraction(o.score))
        for cid, o in changed.items():  # after the others: deductions never take more than the points earned
            if kinds.get(cid) == "deductions":
                earned = sum((i.score for k, i in items.items() if kinds.get(k) != "deductions"), Fraction(0))
                items[cid] = replace(items[cid], score=max(Fraction(o.score), -max(earned, Fraction(0))))
        ties = {k: (items[k[5:]].score if k.startswith("item:") else v) for k, v in r.tie_values.items()}
        total = sum((i.score for i in items.values()), Fraction(0))
        out.append(replace(r, items=items, total=total, tie_values=ties))
    if rules.size_groups or rules.awards:
        out = rank(rules, out)
    return out


# -- frozen vs current ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    unit: str
    item: str  # criterion id, or "total"
    frozen: Fraction | None
    current: Fraction | None


def diff(frozen: Iterable[RoundResult], current: Iterable[RoundResult]) -> list[Change]:
    """Per unit and item, what differs between a frozen round and a recomputation (same round)."""
    before = {r.unit: r for r in frozen}
    after = {r.unit: r for r in current}
    changes = []
    for code in sorted(before.keys() | after.keys()):
        a, b = before.get(code), after.get(code)
        ids = list((a.items if a else {}).keys()) + [i for i in (b.items if b else {}) if not a or i not in a.items]
        for cid in ids:
            x = a.items[cid].score if a and cid in a.items else None
            y = b.items[cid].score if b and cid in b.items else None
            if x != y:
                changes.append(Change(code, cid, x, y))
        if (a.total if a else None) != (b.total if b else None):
            changes.append(Change(code, "total", a.total if a else None, b.total if b else None))
    return changes


# -- league table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeagueRow:
    unit: Org
    result: RoundResult
    rank: int  # within the size group (or the whole scheme), competition ranking 1, 2, 2, 4
    overridden: frozenset[str]


def league(rules: RuleSet, results: Sequence[RoundResult], *, round_no: int, units: Mapping[str, Org],
           visible_codes: set[str], overridden: Iterable[tuple[str, str]] = ()) -> list[LeagueRow]:
    """The round's rows, ranked within size groups over every unit, then cut to what the user may see."""
    marks: dict[str, set[str]] = defaultdict(set)
    for code, cid in overridden:
        marks[code].add(cid)
    order = {g.id: i for i, g in enumerate(rules.size_groups)}
    rows = [r for r in results if r.round == round_no and r.unit in units]
    rows.sort(key=lambda r: (order.get(r.size_group or "", len(order)), -r.total, r.unit))
    out, previous, place = [], None, 0
    for position_in_group, r in _positions(rows):
        key = (r.size_group, r.total)
        if key != previous:
            place, previous = position_in_group, key
        if r.unit in visible_codes:
            out.append(LeagueRow(units[r.unit], r, place, frozenset(marks.get(r.unit, ()))))
    return out


def _positions(rows: Sequence[RoundResult]) -> Iterable[tuple[int, RoundResult]]:
    group, n = object(), 0
    for r in rows:
        n = 1 if r.size_group != group else n + 1
        group = r.size_group
        yield n, r


# -- what is still needed -----------------------------------------------------------------------


@dataclass(frozen=True)
class Needed:
    series: str
    label: str
    month: Month
    target: Fraction  # per cent
    base: int  # satang
    measured: int
    needed: int  # satang, rounded up: the least amount that reaches the target


def needed_by_month_end(*, scheme: Scheme, rules: RuleSet, unit: Org, as_of: date) -> list[Needed]:
    """Per series with a target curve: what the unit must still disburse (or spend) by the end of the
    next month with a target to meet it, on the figures as of `as_of`."""
    month = Month.of(as_of)
    if as_of >= month.last_day:
        month = month.next()
    measure = rules.options.measure
    by_cat = budget.figures_by_unit_category(fiscal_year=scheme.fiscal_year, as_of=as_of, units=[unit])
    out = []
    for sid, series in rules.series.items():
        curve = rules.curve_for(sid, measure)
        if curve is None or not series.categories:
            continue
        target_month = next((m for m in rules.months if m >= month and curve.values[m.fiscal_index - 1] is not None),
                            None)
        if target_month is None:
            continue
        target = curve.values[target_month.fiscal_index - 1]
        assert target is not None  # chosen above as a month with a target
        figs = [by_cat.get((unit.pk, c), budget.ZERO) for c in series.categories]
        total = sum(figs, budget.ZERO)
        base = total.base("original" if scheme.denominator == Denominator.ORIGINAL else "current")
        if base <= 0:
            continue
        measured = total.disbursed if measure == "disbursed" else total.spent
        goal = Fraction(target * base, 100)
        need = max(0, -(-goal.numerator // goal.denominator) - measured)
        out.append(Needed(sid, series.label.th, target_month, target, base, measured, need))
    return out
