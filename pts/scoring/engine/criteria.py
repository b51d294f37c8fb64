"""Scoring one criterion for one unit and round, with a Line for every fact used.

Two steps. Measuring (per unit) yields integers and fact lines: months on target per part, each
checkpoint hit or missed. Settling turns those small states into points with Fractions and
applies the absent-series policy; equal states give equal points, so settling is memoised per
rule set and the Fraction arithmetic runs once per distinct state rather than once per unit.
Percentages are compared by cross-multiplying integers (measured × 100 × den ≥ num × base),
never through a rounded or floating value.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import cast

from pts.core.fiscal import Month, calendar_month
from pts.scoring.engine.explain import Line, exact, verdict_percent
from pts.scoring.engine.inputs import Share
from pts.scoring.engine.results import CheckResult
from pts.scoring.engine.rules import Criterion, Round, RuleSet, StepPart, ThresholdPart, checkpoints
from pts.scoring.engine.view import UnitView

ZERO = Fraction(0)
ONE = Fraction(1)


@dataclass(frozen=True)
class Slot:
    """A piece of a criterion (a part, or one checkpoint of a part): what reweighting works on."""

    max: Fraction
    series: str = ""
    source: str = ""
    month: str | None = None  # a threshold checkpoint
    part: StepPart | None = None
    tpart: ThresholdPart | None = None
    # threshold checkpoints: fiscal month position and target (None: no target; see `missing`)
    index: int = 0
    target: Fraction | None = None
    missing: str = ""
    target_text: str = ""  # exact() of target and of max, made once
    max_text: str = ""


@dataclass
class Outcome:
    score: Fraction
    lines: list[Line] = field(default_factory=list)
    absent: str = ""  # the whole criterion could not be measured (handled across criteria)
    key: Hashable = None  # equal keys give equal scores: lets a caller reuse sums; None = unique


@dataclass(frozen=True)
class _Settled:
    score: Fraction
    part_lines: tuple[tuple[Line, ...], ...]  # shown after each slot's own lines
    tail: tuple[Line, ...]
    absent: str


def meets(measured: int, base: int, target: Fraction, rounding: int | None) -> bool:
    """measured / base × 100 ≥ target, exactly, or after half-up rounding to `rounding` decimals."""
    if rounding is None:
        return measured * 100 * target.denominator >= target.numerator * base
    scale: int = 10**rounding
    r = (2 * measured * 100 * scale + base) // (2 * base)
    return bool(r * target.denominator >= target.numerator * scale)


def score_criterion(c: Criterion, rnd: Round, view: UnitView) -> Outcome:
    if c.kind == "evidence":
        return _evidence(c, rnd, view)
    slots = _slots(view.rules, c, rnd)
    if c.kind == "months_on_target":
        states, own = _months_on_target(c, rnd, view, slots)
    elif c.kind == "threshold":
        states, own = _threshold(c, rnd, view, slots)
    elif c.kind == "banded":
        states, own = _banded(c, rnd, view)
    else:
        raise ValueError(f"deductions are scored after the other criteria: {c.id}")
    memo = view.rules.cache
    key = (c.id, rnd.id, tuple(states))
    settled = memo.get(key)
    if settled is None:
        settled = _settle(c, rnd, slots, states)
        if c.partial != "proportional":  # proportional states are ratios: rarely equal, not worth keeping
            memo[key] = settled
    lines: list[Line] = []
    if view.explain:
        for mine, theirs in zip(own, settled.part_lines, strict=True):
            lines += mine
            lines += theirs
        lines += settled.tail
    return Outcome(settled.score, lines, settled.absent, key if c.partial != "proportional" else None)


def check(c: Criterion, rnd: Round, view: UnitView) -> CheckResult:
    """A rule-set check: passed when every checkpoint of the round is reached; None when the
    round has no checkpoint or the series cannot be measured (no money, no target)."""
    if c.carry_categories:
        return _carry_over_check(c, rnd, view)
    if c.realloc_tags:
        return _reallocation_check(c, rnd, view)
    slots = _slots(view.rules, c, rnd)
    if not slots:
        return CheckResult(c.id, None, ())
    states, own = _threshold(c, rnd, view, slots)
    unknown = any(isinstance(s, tuple) for s in states) or any(ln.code == "no_data" for mine in own for ln in mine)
    passed = None if unknown else all(s == "hit" for s in states)
    lines: list[Line] = []
    if view.explain:
        for slot, state, mine in zip(slots, states, own, strict=True):
            for ln in mine:
                facts = {k: v for k, v in ln.facts.items() if k not in ("points", "full", "partial")}
                lines.append(Line("check" if ln.code == "threshold" else ln.code, facts))
            if isinstance(state, tuple):
                lines.append(Line("check_absent", {"series": slot.series, "month": slot.month, "why": state[1]}))
    return CheckResult(c.id, passed, tuple(lines))


def _carry_over_check(c: Criterion, rnd: Round, view: UnitView) -> CheckResult:
    """DOH: no carry-over of these categories at all, or (with `due`) only those made by that day.

    A year-end rule, shown with the last round: passed once the year has ended without a breach,
    failed at the first breach, None before that or when the carry-overs are not known.
    """
    rules = view.rules
    known = view.unit.carry_overs
    if rnd.id != rules.rounds[-1].id or known is None:
        why = "later_round" if rnd.id != rules.rounds[-1].id else "unknown"
        return CheckResult(c.id, None, (Line("carry_over_unchecked", {"why": why}),) if view.explain else ())
    due = _due(rules, *c.carry_due) if c.carry_due else None
    lines: list[Line] = []
    breach = False
    for co in sorted(known, key=lambda x: (x.day, x.category)):
        if co.category not in c.carry_categories or co.amount <= 0:
            continue
        late = due is not None and co.day > due
        breach = breach or due is None or late
        lines.append(Line("carry_over", {"category": co.category, "day": co.day.isoformat(), "amount": co.amount,
                                         "due": due.isoformat() if due else None, "ok": not (due is None or late)}))
    ended = view.reached >= len(rules.months) - 1
    passed = False if breach else (True if ended else None)
    lines.append(Line("carry_over_result", {"passed": passed, "due": due.isoformat() if due else None}))
    return CheckResult(c.id, passed, tuple(lines) if view.explain else ())


def _reallocation_check(c: Criterion, rnd: Round, view: UnitView) -> CheckResult:
    """DOH: money re-allocated (leftover capital, on activities with these tags) is disbursed within
    `realloc_months` of its re-allocation: by then the tag's disbursed money covers everything
    allocated to it up to that re-allocation. Judged per re-allocation made in the round; one not
    yet due is pending (None) until paid or late."""
    flows_by_tag = view.unit.tag_flows
    if flows_by_tag is None:
        return CheckResult(c.id, None, (Line("carry_over_unchecked", {"why": "unknown"}),) if view.explain else ())
    today = view.unit.as_of or (view.unit.through or view.rules.months[-1]).last_day
    flows = sorted((f for tag in c.realloc_tags for f in flows_by_tag.get(tag, ())), key=lambda f: f.day)
    months = set(rnd.months)
    lines: list[Line] = []
    states: list[bool | None] = []
    allocated = 0
    for flow in flows:
        allocated += flow.allocated
        if flow.allocated <= 0 or Month.of(flow.day) not in months:
            continue
        due = _add_months(Month.of(flow.day), c.realloc_months).day(flow.day.day)
        paid = sum(f.disbursed for f in flows if f.day <= due)
        ok: bool | None = True if paid >= allocated else (False if due < today else None)
        states.append(ok)
        lines.append(Line("reallocation", {"day": flow.day.isoformat(), "amount": flow.allocated, "due": due.isoformat(),
                                           "paid": paid, "needed": allocated, "ok": ok}))  # fmt: skip
    passed = None if not states or (None in states and False not in states) else False not in states
    if not states:
        lines.append(Line("reallocation_none", {}))
    return CheckResult(c.id, passed, tuple(lines) if view.explain else ())


def _slots(rules: RuleSet, c: Criterion, rnd: Round) -> tuple[Slot, ...]:
    key = ("slots", c.id, rnd.id)
    slots = rules.cache.get(key)
    if slots is None:
        if c.kind == "months_on_target":
            slots = tuple(Slot(p.max, series=p.series, part=p) for p in c.step_parts)
        elif c.kind == "threshold":
            built = []
            for p in c.threshold_parts:
                curve = rules.curve_for(p.series, p.measure)
                for m in checkpoints(p.at, rnd):
                    index = m.fiscal_index - 1
                    target = p.target[rnd.id]
                    if target is None and curve is not None:
                        target = curve.values[index]
                    missing = "unknown_target" if curve and curve.missing[index] == "unknown" else "no_target"
                    built.append(Slot(p.points, series=p.series, month=m.iso(), tpart=p, index=index,
                                      target=target, missing="" if target is not None else missing,
                                      target_text=exact(target) if target is not None else "",
                                      max_text=exact(p.points)))  # fmt: skip
            slots = tuple(built)
        else:
            kind, _, name = c.source.partition(":")
            slots = (Slot(c.max, series=name if kind == "series" else "", source=c.source),)
        rules.cache[key] = slots
    return cast(tuple[Slot, ...], slots)


def _settle(c: Criterion, rnd: Round, slots: tuple[Slot, ...], states: list[Hashable]) -> _Settled:
    """Points per slot from its state, then the absent-series policy across the slots.

    States: ("absent", why); ("no_data",); (hits, months counted) for a step part; "hit" / "miss" or a
    Fraction of points for a checkpoint or a band.
    """
    scores: list[Fraction] = []
    part_lines: list[tuple[Line, ...]] = []
    absent: list[tuple[Slot, str]] = []
    for slot, state in zip(slots, states, strict=True):
        lines: tuple[Line, ...] = ()
        score = ZERO
        if isinstance(state, tuple) and state[0] == "absent":
            absent.append((slot, state[1]))
        elif state == ("no_data",):
            pass  # nothing reported: 0, said by the part's own line
        elif slot.part is not None:
            hits, counted = cast(tuple[int, int], state)
            row = None
            for step in slot.part.steps[rnd.id]:
                if step.at_least <= hits:
                    row = step
            score = min(row.points, slot.max) if row else ZERO
            lines = (Line("steps", {
                "series": slot.series, "hits": hits, "months": counted, "row": row.at_least if row else None,
                "points": exact(score), "max": exact(slot.max),
            }),)  # fmt: skip
        elif isinstance(state, Fraction):
            score = state
        elif state == "hit":
            score = slot.max
        scores.append(score)
        part_lines.append(lines)
    nothing = len(absent) == len(slots)  # then the criterion's own policy decides, across criteria
    tail = [
        Line("absent", {"series": s.series, "source": s.source, "month": s.month, "why": why,
                        "policy": "" if nothing else c.absent})  # no promise the criterion level may not keep
        for s, why in absent
    ]  # fmt: skip
    total = sum(scores, ZERO)
    if absent and c.absent == "full":
        total += sum((s.max for s, _ in absent), ZERO)
    elif absent and c.absent == "reweight":
        present_max = sum((s.max for s in slots), ZERO) - sum((s.max for s, _ in absent), ZERO)
        if present_max == 0:
            return _Settled(ZERO, tuple(part_lines), tuple(tail), absent[0][1])
        factor = c.max / present_max
        total *= factor
        gone = tuple(dict.fromkeys(s.series or s.source for s, _ in absent))
        kept = tuple(dict.fromkeys(s.series or s.source for s in slots if all(s is not a for a, _ in absent)))
        tail.append(Line("reweight", {
            "factor": exact(factor), "max": exact(c.max), "points": exact(total),
            "absent": gone, "present": tuple(x for x in kept if x not in gone) or kept,
            "why": absent[0][1] if len({w for _, w in absent}) == 1 else "",
        }))  # fmt: skip
    return _Settled(total, tuple(part_lines), tuple(tail), "")


def _month_plan(rules: RuleSet, part: StepPart, rnd: Round) -> tuple[tuple[int, str, int, int, str], ...]:
    """Per month of the round: (index, "YYYY-MM", target numerator, denominator, target text).

    A month without a target has numerator -1 and the reason as its text; a round in which no
    month has a target gets an empty plan. Built once per rule set.
    """
    key = ("plan", part.series, part.measure, rnd.id)
    plan = rules.cache.get(key)
    if plan is None:
        curve = rules.curve_for(part.series, part.measure)
        assert curve is not None  # the loader refuses a part without a curve
        rows = []
        for m in rnd.months:
            index = m.fiscal_index - 1
            target = curve.values[index]
            if target is None:
                reason = "unknown_target" if curve.missing[index] == "unknown" else "no_target"
                rows.append((index, m.iso(), -1, 1, reason))
            else:
                rows.append((index, m.iso(), target.numerator, target.denominator, exact(target)))
        plan = rules.cache[key] = tuple(rows) if any(num >= 0 for _, _, num, _, _ in rows) else ()
    return cast(tuple[tuple[int, str, int, int, str], ...], plan)


def _months_on_target(
    c: Criterion, rnd: Round, view: UnitView, slots: tuple[Slot, ...]
) -> tuple[list[Hashable], list[list[Line]]]:
    rounding = view.rules.options.percent_rounding
    skip_zero = view.rules.options.zero_allocation_month == "skip"
    explain = view.explain
    states: list[Hashable] = []
    own: list[list[Line]] = []
    for slot in slots:
        part = slot.part
        assert part is not None
        series = part.series
        lines: list[Line] = []
        own.append(lines)
        plan = _month_plan(view.rules, part, rnd)
        if not view.reported(rnd):
            lines.append(Line("no_data", {"series": series}))
            states.append(("no_data",))
            continue
        if not view.present(series, rnd):
            states.append(("absent", "no_allocation"))
            continue
        if not plan:
            states.append(("absent", "no_target"))
            continue
        values = view.series(series)
        curve = _curve_name(view.rules, series)
        spent = part.measure == "spent"
        original = view.original(series) if part.denominator == "original" else None
        hits = counted = 0
        reached = view.reached
        for index, iso, num, den, text in plan:
            if num < 0:
                if explain:
                    lines.append(Line("month_skipped", {"series": series, "month": iso, "reason": text}))
                continue
            figs = values[index]
            if figs is None and index > reached:
                if explain:
                    lines.append(Line("month_skipped", {"series": series, "month": iso, "reason": "not_yet"}))
                continue
            base = 0 if figs is None else figs[0] if original is None else original
            if figs is not None and base <= 0 and skip_zero:
                if explain:
                    lines.append(Line("month_skipped", {"series": series, "month": iso, "reason": "zero_allocation"}))
                continue
            counted += 1
            if figs is None or base <= 0:
                if explain:
                    reason = "no_data" if figs is None else "no_allocation"
                    lines.append(Line("month_skipped", {"series": series, "month": iso, "reason": reason}))
                continue
            measured = figs[1] + figs[2] if spent else figs[1]
            if rounding is None:
                hit = measured * 100 * den >= num * base
            else:
                hit = meets(measured, base, Fraction(num, den), rounding)
            hits += hit
            if not explain:
                continue
            lines.append(Line("month", {
                "series": series, "month": iso, "measure": part.measure, "measured": measured,
                "base": base, "percent": verdict_percent(measured, base, num, den, hit),
                "target": text, "hit": hit, "short": _short(measured, base, num, den, hit), "curve": curve,
            }))  # fmt: skip
        states.append((hits, counted))
    return states, own


def _threshold(
    c: Criterion, rnd: Round, view: UnitView, slots: tuple[Slot, ...]
) -> tuple[list[Hashable], list[list[Line]]]:
    rounding = view.rules.options.percent_rounding
    pulled_back_absent = view.rules.options.zero_at_checkpoint == "absent"
    states: list[Hashable] = []
    own: list[list[Line]] = []
    for slot in slots:
        part = slot.tpart
        assert part is not None
        lines: list[Line] = []
        own.append(lines)
        target = slot.target
        if not view.reported(rnd):
            lines.append(Line("no_data", {"series": slot.series}))
            states.append("miss")
            continue
        if not view.present(slot.series, rnd):
            states.append(("absent", "no_allocation"))
            continue
        if target is None:
            states.append(("absent", slot.missing))
            continue
        figs = view.measured(slot.series, slot.index, part.measure, part.denominator)
        if figs is not None and figs[1] <= 0 and pulled_back_absent:
            states.append(("absent", "pulled_back"))
            continue
        if figs is None or figs[1] <= 0:
            reason = "no_allocation" if figs is not None else "not_yet" if slot.index > view.reached else "no_data"
            lines.append(Line("threshold_skipped", {"series": slot.series, "month": slot.month, "reason": reason}))
            states.append("miss")
            continue
        measured, base = figs
        hit = target == 0 or meets(measured, base, target, rounding)
        state: Hashable = "hit" if hit else "miss"
        full = slot.max_text
        points = full if hit else "0"
        if not hit and c.partial == "proportional":
            state = slot.max * min(Fraction(measured * 100, base) / target, ONE)
            points = exact(state)
        states.append(state)
        if not view.explain:
            continue
        lines.append(Line("threshold", {
            "series": slot.series, "month": slot.month, "measure": part.measure, "measured": measured,
            "base": base, "percent": verdict_percent(measured, base, target.numerator, target.denominator, hit), "target": slot.target_text,
            "hit": hit, "partial": c.partial, "points": points, "full": full,
            "short": _short(measured, base, target.numerator, target.denominator, hit),
            "curve": _curve_name(view.rules, slot.series) if _target_from_curve(part, rnd) else "",
        }))  # fmt: skip
    return states, own


def _banded(c: Criterion, rnd: Round, view: UnitView) -> tuple[list[Hashable], list[list[Line]]]:
    kind, _, name = c.source.partition(":")
    if kind == "procurement":
        facts = view.unit.procurement_by_round.get(rnd.id, view.unit.procurement)
        raw = facts.get(name)
        value = Share.of(raw).percent if raw is not None else None
        why = "no_fact"
    else:
        at = checkpoints(c.at, rnd)
        figs = view.measured(name, at[-1].fiscal_index - 1, c.measure, c.denominator) if at else None
        value = Fraction(figs[0] * 100, figs[1]) if figs and figs[1] > 0 else None
        why = "no_allocation"
    if value is None:
        return [("absent", why)], [[]]
    row = next((b for b in c.bands if value >= b.at_least), None)
    points = row.points if row else ZERO
    line = Line("banded", {
        "source": c.source, "value": exact(value), "row": exact(row.at_least) if row else None,
        "points": exact(points),
    })  # fmt: skip
    return [points], [[line]]


def _short(measured: int, base: int, num: int, den: int, hit: bool) -> int:
    """Satang still needed to reach the target (num/den per cent of base); 0 once reached."""
    if hit:
        return 0
    need = -(-num * base // (100 * den))  # the least whole satang at or above the target
    return max(need - measured, 0)


def _curve_name(rules: RuleSet, series: str) -> str:
    """The curve a series is measured against when it is another series' curve, else ""."""
    spec = rules.series[series]
    return spec.curve if spec.curve and spec.curve != spec.id else ""


def _target_from_curve(part: ThresholdPart, rnd: Round) -> bool:
    return part.target.get(rnd.id) is None


def _due(rules: RuleSet, month: int, day: int) -> date:
    """(month, day) of the fiscal year: October-December fall in the first CE year."""
    return calendar_month(rules.fiscal_year, month).day(day)


def _add_months(m: Month, n: int) -> Month:
    for _ in range(n):
        m = m.next()
    return m


def _evidence(c: Criterion, rnd: Round, view: UnitView) -> Outcome:
    """Each item earns its weight's share; a monthly item per month posted by its due date."""
    rules = view.rules
    if not view.unit.evidence:
        key = ("evidence_missing", c.id)
        line = rules.cache.get(key)
        if line is None:
            policy = rules.options.missing_evidence
            line = rules.cache[key] = Line("evidence_missing", {
                "policy": policy, "points": exact(c.max if policy == "full" else ZERO),
            })  # fmt: skip
        return Outcome(c.max if line.facts["policy"] == "full" else ZERO, [line], key=key)
    posted = view.evidence()
    lines: list[Line] = []
    achieved = weight_total = ZERO
    for item in c.items:
        checks: list[tuple[Month | None, date, date | None]] = []
        if item.monthly:
            checks = [(m, _add_months(m, item.open_months_after).day(item.open_day),
                       _add_months(m, item.due_months_after).day(item.due_day)) for m in rnd.months]  # fmt: skip
        else:
            due = _due(rules, *item.due) if item.due else None
            if due is not None and due > rnd.last.last_day:
                continue  # not due yet in this round
            opens = _due(rules, *item.opens) if item.opens else rules.months[0].first_day
            checks = [(None, opens, due)]
        weight_total += item.weight
        ok = 0
        for period, opens, due in checks:
            dates = posted.get((item.id, period), ())
            # the first posting inside its period; a posting before the period evidences nothing
            when = next((d for d in dates if d >= opens), dates[-1] if dates else None)
            early = when is not None and when < opens
            on_time = when is not None and not early and (due is None or when <= due)
            ok += on_time
            lines.append(Line("evidence", {
                "item": item.id, "period": period.iso() if period else None,
                "due": due.isoformat() if due else None, "posted": when.isoformat() if when else None,
                "on_time": on_time, "from": opens.isoformat(), "early": early,
            }))  # fmt: skip
        if c.partial == "proportional":
            achieved += item.weight * Fraction(ok, len(checks))
        elif ok == len(checks):
            achieved += item.weight
    if c.partial == "none" and achieved != weight_total:
        achieved = ZERO
    score = c.max * achieved / weight_total if weight_total else ZERO
    lines.append(Line("evidence_score", {
        "achieved": exact(achieved), "weight": exact(weight_total), "points": exact(score),
    }))  # fmt: skip
    return Outcome(score, lines)
