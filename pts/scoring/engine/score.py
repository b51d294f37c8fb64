"""Scoring units: every criterion of every round, then weights of absent criteria, then deductions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from fractions import Fraction
from typing import Any

from pts.scoring.engine.criteria import ZERO, Outcome, check, score_criterion
from pts.scoring.engine.explain import Line, exact
from pts.scoring.engine.inputs import UnitData
from pts.scoring.engine.ranking import rank
from pts.scoring.engine.results import ItemResult, RoundResult
from pts.scoring.engine.rules import Criterion, Round, RuleSet
from pts.scoring.engine.view import UnitView

INFINITY = Fraction(10**18)  # as the points earned: no floor on the deductions


def score_unit(
    rules: RuleSet, unit: UnitData, *, rounds: Collection[int] | None = None, explain: bool = True
) -> list[RoundResult]:
    """Score one unit in every round of the rule set (or only `rounds`). No groups or awards here.

    explain=False leaves every item's lines empty: the same points for about half the work.
    """
    view = UnitView(rules, unit, explain)
    return [_score_round(rules, view, rnd) for rnd in rules.rounds if rounds is None or rnd.id in rounds]


def score_units(
    rules: RuleSet, units: Iterable[UnitData], *, rounds: Collection[int] | None = None, explain: bool = True
) -> list[RoundResult]:
    """Score every unit, then place them in size groups and award tiers per round.

    Results come in the order of `units`, rounds ascending within a unit.
    """
    results = [r for unit in units for r in score_unit(rules, unit, rounds=rounds, explain=explain)]
    if rules.size_groups or rules.awards:
        results = rank(rules, results)
    return results


def _score_round(rules: RuleSet, view: UnitView, rnd: Round) -> RoundResult:
    if rules.options.no_money == "not_assessed" and view.reported(rnd) and not view.assessable(rnd):
        return _not_assessed(rules, view, rnd)
    outcomes: dict[str, Outcome] = {}
    for c in rules.criteria:
        if c.kind != "deductions":
            outcomes[c.id] = score_criterion(c, rnd, view)
    memo = rules.cache
    keys: tuple[Any, ...] = tuple(o.key for o in outcomes.values())
    if any(o.absent for o in outcomes.values()):
        keys = _reweighted(rules, rnd, outcomes, keys, view.explain)
    earned = memo.get(keys) if None not in keys else None
    if earned is None:
        earned = sum((o.score for o in outcomes.values()), ZERO)
        if None not in keys:
            memo[keys] = earned
    total = earned
    for c in rules.criteria:
        if c.kind == "deductions":
            outcomes[c.id] = _deductions(c, rnd, view, total)
            total += outcomes[c.id].score
    explain = view.explain
    items = {c.id: ItemResult(c.id, outcomes[c.id].score, c.max, tuple(outcomes[c.id].lines) if explain else ())
             for c in rules.criteria}  # fmt: skip
    tie_values = {}
    for award in rules.awards:
        for key in award.tie_breakers:
            kind, _, name = key.partition(":")
            if kind == "item":
                tie_values[key] = items[name].score
            else:
                figs = view.measured(name, rnd.last.fiscal_index - 1, rules.options.measure, rules.options.denominator)
                tie_values[key] = Fraction(figs[0] * 100, figs[1]) if figs and figs[1] > 0 else Fraction(-1)
    basis = view.last_allocation(rules.size_series, rnd) if rules.size_series else 0
    checks = {c.id: check(c, rnd, view) for c in rules.checks}
    return RoundResult(view.unit.code, rnd.id, items, total, rnd.max, basis, tie_values, checks=checks)


def _not_assessed(rules: RuleSet, view: UnitView, rnd: Round) -> RoundResult:
    """docs/domain.md §8 default 8 as an option: no money to assess, so no score and no place in a ranking."""
    lines = (Line("not_assessed", {}),) if view.explain else ()
    items = {c.id: ItemResult(c.id, ZERO, c.max, lines) for c in rules.criteria}
    checks = {c.id: check(c, rnd, view) for c in rules.checks}
    return RoundResult(view.unit.code, rnd.id, items, ZERO, rnd.max, 0, {}, assessed=False, checks=checks)


def _reweighted(
    rules: RuleSet, rnd: Round, outcomes: dict[str, Outcome], keys: tuple[Any, ...], explain: bool
) -> tuple[Any, ...]:
    """Apply the absent-criteria policy, once per distinct state of the round's criteria.

    What it changes (scores, added lines) depends only on the criteria's states, so it is kept per
    state and replayed; returns the key under which the round's sum may be kept (None inside: not).
    """
    if None in keys:
        _absent_criteria(rules, outcomes)
        return (None,)
    key = ("absent", rnd.id, keys, tuple(o.absent for o in outcomes.values()))
    patch = rules.cache.get(key)
    if patch is None:
        before = {cid: len(o.lines) for cid, o in outcomes.items()}
        _absent_criteria(rules, outcomes)
        patch = rules.cache[key] = tuple((cid, o.score, tuple(o.lines[before[cid]:])) for cid, o in outcomes.items())
        return ("sum", key)
    for cid, score, added in patch:
        o = outcomes[cid]
        o.score = score
        if explain:
            o.lines.extend(added)
    return ("sum", key)


def _absent_criteria(rules: RuleSet, outcomes: dict[str, Outcome]) -> None:
    """Criteria with nothing to measure: reweight within their group, else score zero."""
    by_id = {c.id: c for c in rules.criteria}
    absent = [by_id[cid] for cid, o in outcomes.items() if o.absent]
    for o in outcomes.values():
        o.key = None  # scores move between criteria here: sums are no longer shared
    groups: dict[str, list[Criterion]] = defaultdict(list)
    # first the criteria whose policy fixes their own points: they then count as measured
    for c in sorted(absent, key=lambda c: c.absent == "reweight"):
        siblings = [s for s in rules.criteria if c.group and s.group == c.group and s.id in outcomes]
        if c.absent == "reweight" and any(not outcomes[s.id].absent for s in siblings):
            groups[c.group].append(c)
            continue
        policy = "full" if c.absent == "full" else "zero"
        outcomes[c.id].score = c.max if policy == "full" else ZERO
        outcomes[c.id].lines.append(Line("criterion_absent", {
            "why": outcomes[c.id].absent, "policy": policy, "points": exact(outcomes[c.id].score),
        }))  # fmt: skip
        outcomes[c.id].absent = ""
    for group, missing in groups.items():
        members = [s for s in rules.criteria if s.group == group and s.id in outcomes]
        present = [s for s in members if not outcomes[s.id].absent]
        factor = sum((s.max for s in members), ZERO) / sum((s.max for s in present), ZERO)
        for c in missing:
            outcomes[c.id].lines.append(Line("criterion_absent", {
                "why": outcomes[c.id].absent, "policy": "reweight", "points": "0",
            }))  # fmt: skip
        for s in present:
            outcomes[s.id].score *= factor
            outcomes[s.id].lines.append(Line("criterion_reweight", {
                "factor": exact(factor), "points": exact(outcomes[s.id].score),
            }))  # fmt: skip


def _deductions(c: Criterion, rnd: Round, view: UnitView, earned: Fraction) -> Outcome:
    """Points per occurrence, capped per cause and in all, never more than the points earned."""
    if not view.unit.deductions:
        return Outcome(ZERO)
    months = set(rnd.months)
    if not view.explain:  # points only: the same events give the same capped total, kept per rule set
        key = ("deductions", c.id, rnd.id, tuple(sorted(e.cause for e in view.unit.deductions if e.month in months)))
        capped = view.rules.cache.get(key)
        if capped is None:
            capped = view.rules.cache[key] = -_deductions(c, rnd, UnitView(view.rules, view.unit, True), INFINITY).score
        return Outcome(-min(capped, max(earned, ZERO)))
    causes = {x.id: x for x in c.causes}
    lines: list[Line] = []
    per_cause: dict[str, Fraction] = {}
    for event in sorted(view.unit.deductions, key=lambda e: (e.month, e.cause, e.note)):
        if event.month not in months:
            continue
        cause = causes.get(event.cause)
        if cause is None:
            lines.append(Line("deduction_ignored", {"cause": event.cause}))
            continue
        per_cause[cause.id] = per_cause.get(cause.id, ZERO) + cause.points
        lines.append(Line("deduction", {
            "cause": cause.id, "month": event.month.iso(), "points": exact(cause.points), "note": event.note,
        }))  # fmt: skip
    total = ZERO
    for cid, amount in per_cause.items():
        cap = causes[cid].cap
        if cap is not None and amount > cap:
            lines.append(Line("deduction_cap", {"cause": cid, "before": exact(amount), "after": exact(cap)}))
            amount = cap
        total += amount
    if c.cap is not None and total > c.cap:
        lines.append(Line("deduction_cap", {"cause": "", "before": exact(total), "after": exact(c.cap)}))
        total = c.cap
    if total > earned:
        floor = max(earned, ZERO)
        lines.append(Line("deduction_floor", {"before": exact(total), "after": exact(floor)}))
        total = floor
    return Outcome(-total, lines)
