"""Scores of a scheme from the database: engine inputs in a few queries, results, frozen snapshots,
overrides on top, the difference between a frozen round and now, and "what is still needed".

Reads only; writes (freeze, override) are in actions.py.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction
from types import MappingProxyType
from typing import Any, NamedTuple

from pts.budget import queries as budget
from pts.budget.models import Activity, LedgerStamp
from pts.core.fiscal import Month, parse_month
from pts.core.lookups import ids_in
from pts.organisations.models import Org
from pts.procurement.queries import procurement_facts
from pts.reporting.queries import evidence_facts
from pts.schemes.models import Denominator, Scheme
from pts.scoring import ledger, rulesets, snapshots, sources
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
    score_unit,
    score_units,
)
from pts.scoring.engine.ranking import rank
from pts.scoring.engine.results import CheckResult
from pts.scoring.models import FrozenRound, ScoreOverride
from pts.scoring.rulesets import rule_set_ref, rules_for

# reporting's evidence kinds -> checklist item ids of the shipped rule sets
EVIDENCE_ITEMS = {"committee_order": "committee", "minutes": "minutes", "publication": "report"}
NO_MONTHS: Mapping[Month, Mapping[str, Figures]] = MappingProxyType({})  # one object: a unit without money stays "the same"


# -- rule set and inputs -----------------------------------------------------------------------


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
        procurement = procurement_facts(fiscal_year=scheme.fiscal_year, units=units, today=as_of,
                                        with_projects_only=True)
    tags = sources.wanted_tags(rules)
    by_tag = sources.tag_cells(scheme=scheme, months=months, unit_ids=ids, tags=tags,
                               unions=sources.tag_unions(rules)) if tags else {}
    events = sources.deduction_events(scheme=scheme, rules=rules, months=months, unit_ids=ids, as_of=as_of,
                                      cells=cells)
    carried = sources.carry_overs(scheme=scheme, rules=rules, unit_ids=ids, as_of=as_of)
    flows = sources.tag_flows(scheme=scheme, rules=rules, unit_ids=ids, as_of=as_of)
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
            deductions=deductions, carry_overs=carried.get(unit.pk, ()) if carried is not None else None,
            tag_flows=flows.get(unit.pk, {}) if flows is not None else None, as_of=as_of,
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
    if explain is None:
        return score_units(rules, build_inputs(scheme=scheme, as_of=as_of, rules=rules))
    results = _points(scheme, as_of, rules)
    if explain:
        shown = [u for u in scheme_units(scheme) if u.code in explain]
        inputs = build_inputs(scheme=scheme, as_of=as_of, rules=rules, units=shown)
        lines = {(r.unit, r.round): r for u in inputs for r in score_unit(rules, u)}
        results = [lines.get((r.unit, r.round), r) for r in results]
    return rank(rules, results) if rules.size_groups or rules.awards else results


def _points(scheme: Scheme, as_of: date, rules: RuleSet) -> list[RoundResult]:
    """Points of every unit, unranked, from the scores stored in the database where a unit's
    inputs are those they were computed from; the other units are scored and stored
    (`pts.scoring.snapshots`). Equal to scoring every unit afresh: the engine is deterministic."""
    units = scheme_units(scheme)
    ids = [u.pk for u in units]
    months = months_until(scheme, rules, as_of)
    digests = _digests(scheme, rules, as_of, units, months)
    context = snapshots.context_digest(scheme=scheme, rules_digest=rulesets.rules_digest(rule_set_ref(scheme)),
                                       rules_id=rules.id)
    set_id, stored = snapshots.load(scheme=scheme, as_of=as_of, context=context)
    fresh = [u for u in units if stored.get(u.pk, ("",))[0] != digests[u.pk]]
    scored: dict[str, list[RoundResult]] = {}
    if fresh:
        for data in build_inputs(scheme=scheme, as_of=as_of, rules=rules, units=fresh):
            scored[data.code] = score_unit(rules, data, explain=False)
    wanted = set(ids)
    gone = [pk for pk in stored if pk not in wanted]
    if fresh or gone or set_id is None:
        snapshots.store(scheme=scheme, as_of=as_of, context=context, set_id=set_id, gone=gone,
                        changed={u.pk: (digests[u.pk], snapshots.encode(scored[u.code])) for u in fresh})
    kept = iter(snapshots.decode_many([(u.code, stored[u.pk][1]) for u in units if u.code not in scored]))
    out: list[RoundResult] = []
    for u in units:  # code order, each unit's rounds in the engine's order
        found = scored.get(u.code)
        out.extend(found if found is not None else next(kept))
    return out


def _digests(scheme: Scheme, rules: RuleSet, as_of: date, units: Sequence[UnitRow],
             months: Sequence[Month]) -> dict[int, str]:
    """unit id -> the digest of everything its points depend on besides the context: the version of
    its ledger (kept by the database), evidence, procurement facts, recorded deductions and, when
    the rule set sums activity tags, its activities' tags. Derived deductions (carry-overs,
    lapsed money) come from the ledger, so its version covers them."""
    ids = [u.pk for u in units]
    wanted = set(ids)
    stamps = {unit_id: (n, last) for unit_id, n, last in LedgerStamp.objects.filter(
        fiscal_year_id=scheme.fiscal_year_id, **ids_in("unit_id", ids)).values_list("unit_id", "movements", "last_id")
        if unit_id in wanted}
    evidence = _evidence(scheme, ids, as_of)
    procurement: dict[int, Any] = {}
    if _uses_procurement(rules):
        procurement = procurement_facts(fiscal_year=scheme.fiscal_year, units=units, today=as_of,
                                        with_projects_only=True)
    recorded = sources.recorded_deductions(scheme=scheme, rules=rules, months=months, unit_ids=ids, as_of=as_of)
    tags: dict[int, list[Any]] = defaultdict(list)
    if sources.wanted_tags(rules) or any(c.realloc_tags for c in rules.checks):  # tags read for series or checks
        for unit_id, pk, found in Activity.objects.filter(fiscal_year_id=scheme.fiscal_year_id,
                                                          **ids_in("unit_id", ids)).values_list("unit_id", "pk", "tags"):
            if unit_id in wanted:
                tags[unit_id].append((pk, repr(found)))
    through = months[-1] if months else None
    out = {}
    for u in units:
        facts = procurement.get(u.pk)
        out[u.pk] = snapshots.inputs_digest((
            stamps.get(u.pk, (0, 0)), through, evidence.get(u.pk, ()),
            (sorted(facts.as_facts().items()), facts.missed_rounds) if facts is not None else None,
            recorded.get(u.pk, ()), sorted(tags.get(u.pk, ())),
        ))
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
            "carry_overs": None if u.carry_overs is None else
            [[c.category, c.day.isoformat(), c.amount] for c in u.carry_overs],
            "tag_flows": None if u.tag_flows is None else
            {tag: [[f.day.isoformat(), f.allocated, f.disbursed] for f in flows] for tag, flows in u.tag_flows.items()},
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
        "assessed": r.assessed,
        "checks": {k: [c.passed, [[ln.code, ln.facts] for ln in c.lines]] for k, c in r.checks.items()},
    }


def result_from_json(d: Mapping[str, Any]) -> RoundResult:
    items = {cid: ItemResult(cid, Fraction(i["score"]), Fraction(i["max"]), tuple(Line(c, f) for c, f in i["lines"]))
             for cid, i in d["items"].items()}
    return RoundResult(
        unit=d["unit"], round=d["round"], items=items, total=Fraction(d["total"]), max=Fraction(d["max"]),
        size_basis=d["size_basis"], tie_values={k: Fraction(v) for k, v in d["tie_values"].items()},
        size_group=d["size_group"], award=d["award"], notes=tuple(Line(c, f) for c, f in d["notes"]),
        assessed=d.get("assessed", True),  # frozen before the option existed: assessed
        checks={k: CheckResult(k, passed, tuple(Line(c, f) for c, f in lines))
                for k, (passed, lines) in d.get("checks", {}).items()},
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
    rank: int | None  # within the size group (or the whole scheme), 1, 2, 2, 4; None: not assessed
    overridden: frozenset[str]


def league(rules: RuleSet, results: Sequence[RoundResult], *, round_no: int, units: Mapping[str, Org],
           visible_codes: set[str], overridden: Iterable[tuple[str, str]] = ()) -> list[LeagueRow]:
    """The round's rows, ranked within size groups over every unit, then cut to what the user may see."""
    marks: dict[str, set[str]] = defaultdict(set)
    for code, cid in overridden:
        marks[code].add(cid)
    order = {g.id: i for i, g in enumerate(rules.size_groups)}
    rows = [r for r in results if r.round == round_no and r.unit in units and r.assessed]
    rows.sort(key=lambda r: (order.get(r.size_group or "", len(order)), -r.total, r.unit))
    out, previous, place = [], None, 0
    for position_in_group, r in _positions(rows):
        key = (r.size_group, r.total)
        if key != previous:
            place, previous = position_in_group, key
        if r.unit in visible_codes:
            out.append(LeagueRow(units[r.unit], r, place, frozenset(marks.get(r.unit, ()))))
    # units not assessed in the round take no place: listed after the ranked ones
    for r in sorted((r for r in results if r.round == round_no and r.unit in units and not r.assessed),
                    key=lambda r: r.unit):
        if r.unit in visible_codes:
            out.append(LeagueRow(units[r.unit], r, None, frozenset(marks.get(r.unit, ()))))
    return out


def ranked_per_group(results: Sequence[RoundResult], *, round_no: int, units: Mapping[str, Any]) -> Counter[str | None]:
    """How many units take a place in each size group (None: no groups): the "of 20" of "14 of 20"."""
    return Counter(r.size_group for r in results if r.round == round_no and r.unit in units and r.assessed)


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
