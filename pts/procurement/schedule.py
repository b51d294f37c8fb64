"""Procurement milestone plans on the Thai working-day calendar. No Django here.

The milestones, value bands, methods, typical durations and minimum/maximum gaps are data
(`data/milestones-<template>.toml`); this module reads them and:

- `generate_plan` makes planned dates forward from a start date or backwards from a target
  contract date, never on a non-working day and never breaking a rule;
- `validate_plan` checks an officer-edited plan and names every rule it breaks;
- `track` turns planned and actual dates into a status, slippage and forecast per milestone.

Everything is passed in, including "today" and the calendar (with the coordinator's extra days).
Milestone ids (stable, stored): annual_plan, tor_committee, tor_price, purchase_report,
draft_hearing, invitation_approved, invitation_published, bid_day, evaluation, winner_announced,
appeal_window, contract_signed, acceptance, payment, closed.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any

from pts.core.fiscal import english_date, thai_date
from pts.core.money import format_baht, parse_satang
from pts.core.thai import bilingual
from pts.procurement.workdays import WorkCalendar, calendar_for

DEFAULT_TEMPLATE = "egp-2560"
CONTRACT = "contract_signed"


class ScheduleError(ValueError):
    """A bad template, method, value or plan request; the message is bilingual."""


# -- the template ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    id: str
    upto_satang: int | None  # inclusive upper bound; None for the open top band
    name_th: str
    name_en: str


@dataclass(frozen=True)
class Method:
    id: str
    name_th: str
    name_en: str
    milestone_ids: tuple[str, ...]
    value_max_satang: int | None = None


@dataclass(frozen=True)
class Milestone:
    id: str
    seq: int
    name_th: str
    name_en: str
    egp_code: str
    typical: int
    typical_by_method: Mapping[str, int] = field(default_factory=dict, hash=False)
    optional_in_bands: frozenset[str] = frozenset()

    def typical_for(self, method_id: str) -> int:
        return self.typical_by_method.get(method_id, self.typical)

    @property
    def label_th(self) -> str:
        return f"{self.name_th} ({self.egp_code})" if self.egp_code else self.name_th

    @property
    def label_en(self) -> str:
        return f"{self.name_en} ({self.egp_code})" if self.egp_code else self.name_en


@dataclass(frozen=True)
class GapRule:
    """`to` is at least (kind "min") or at most (kind "max") `working_days` after `from`."""

    id: str
    kind: str
    from_id: str
    to_id: str
    working_days: int
    name_th: str
    name_en: str
    source: str
    confirmed: bool
    methods: frozenset[str] = frozenset()  # empty = every method
    bands: frozenset[str] = frozenset()  # empty = every band
    note: str = ""

    def applies(self, method_id: str, band_id: str) -> bool:
        return (not self.methods or method_id in self.methods) and (not self.bands or band_id in self.bands)


@dataclass(frozen=True)
class Template:
    id: str
    name_th: str
    name_en: str
    at_risk_working_days: int
    bands: tuple[Band, ...]
    methods: tuple[Method, ...]
    milestones: tuple[Milestone, ...]
    rules: tuple[GapRule, ...]

    def milestone(self, milestone_id: str) -> Milestone:
        for m in self.milestones:
            if m.id == milestone_id:
                return m
        raise ScheduleError(bilingual(f"ไม่รู้จักขั้นตอน '{milestone_id}'", f"unknown milestone '{milestone_id}'"))

    def method(self, method_id: str) -> Method:
        for m in self.methods:
            if m.id == method_id:
                return m
        known = ", ".join(m.id for m in self.methods)
        raise ScheduleError(
            bilingual(
                f"ไม่รู้จักวิธีจัดซื้อจัดจ้าง '{method_id}' (ใช้ได้: {known})",
                f"unknown procurement method '{method_id}' (known: {known})",
            )
        )

    def band_for(self, value_satang: int) -> Band:
        if value_satang <= 0:
            raise ScheduleError(
                bilingual(
                    f"วงเงินต้องมากกว่าศูนย์ (ได้ {format_baht(value_satang)})",
                    f"the value must be above zero (got {format_baht(value_satang)})",
                )
            )
        for band in self.bands:
            if band.upto_satang is None or value_satang <= band.upto_satang:
                return band
        raise ScheduleError(bilingual("ไม่มีช่วงวงเงินที่ครอบคลุม", "no value band covers the value"))

    def method_problem(self, method_id: str, value_satang: int) -> str | None:
        """Why the method does not fit the value (bilingual), or None when it fits."""
        method = self.method(method_id)
        if method.value_max_satang is not None and value_satang > method.value_max_satang:
            return bilingual(
                f"{method.name_th} ใช้ได้กับวงเงินไม่เกิน {format_baht(method.value_max_satang)} บาท "
                f"(วงเงิน {format_baht(value_satang)} บาท)",
                f"the {method.name_en} is for values up to {format_baht(method.value_max_satang)} baht "
                f"(value {format_baht(value_satang)} baht)",
            )
        return None

    def milestones_for(
        self, method_id: str, value_satang: int, *, include_optional: bool
    ) -> tuple[Milestone, ...]:
        band = self.band_for(value_satang)
        wanted = set(self.method(method_id).milestone_ids)
        return tuple(
            m
            for m in self.milestones
            if m.id in wanted and (include_optional or band.id not in m.optional_in_bands)
        )

    def rules_for(self, method_id: str, value_satang: int) -> tuple[GapRule, ...]:
        band = self.band_for(value_satang)
        return tuple(r for r in self.rules if r.applies(method_id, band.id))


def _satang(raw: Mapping[str, Any], key: str) -> int | None:
    return parse_satang(str(raw[key])) if key in raw else None


def parse_template(text: str) -> Template:
    """Read a milestone template from TOML text and check that every id it mentions exists."""
    try:
        raw = tomllib.loads(text)
        meta = raw["template"]
        # fmt: off
        milestones = tuple(
            Milestone(m["id"], i + 1, m["name_th"], m["name_en"], m.get("egp_code", ""), int(m["typical"]),
                      dict(m.get("typical_by_method", {})), frozenset(m.get("optional_in_bands", ())))
            for i, m in enumerate(raw["milestones"])
        )
        bands = tuple(Band(b["id"], _satang(b, "upto"), b["name_th"], b["name_en"])
                      for b in raw["bands"])
        methods = tuple(
            Method(m["id"], m["name_th"], m["name_en"], tuple(m["milestones"]),
                   _satang(m, "value_max"))
            for m in raw["methods"]
        )
        rules = tuple(
            GapRule(r["id"], r["kind"], r["from"], r["to"], int(r["working_days"]), r["name_th"], r["name_en"],
                    r["source"], bool(r["confirmed"]), frozenset(r.get("methods", ())),
                    frozenset(r.get("bands", ())), r.get("note", ""))
            for r in raw.get("rules", ())
        )
        template = Template(meta["id"], meta["name_th"], meta["name_en"], int(meta["at_risk_working_days"]),
                            bands, methods, milestones, rules)
        # fmt: on
    except (KeyError, TypeError, ValueError) as exc:  # TOMLDecodeError and MoneyError are ValueErrors
        raise ScheduleError(bilingual(f"แม่แบบขั้นตอนไม่ถูกต้อง: {exc}", f"bad milestone template: {exc}")) from exc
    _check_template(template)
    return template


def _check_template(t: Template) -> None:
    seq = {m.id: m.seq for m in t.milestones}
    problems = [] if len(seq) == len(t.milestones) else ["duplicate milestone ids"]
    bounds = [b.upto_satang for b in t.bands]
    if bounds[-1] is not None or bounds[:-1] != sorted(b for b in bounds[:-1] if b is not None):
        problems.append("bands must rise and end with an open band")
    band_ids = {b.id for b in t.bands}
    for method in t.methods:
        order = [seq.get(i, 0) for i in method.milestone_ids]
        if 0 in order or order != sorted(order):
            problems.append(f"method {method.id}: unknown or out-of-order milestones")
    for m in t.milestones:
        if min([m.typical, *m.typical_by_method.values()]) < 0 or not m.optional_in_bands <= band_ids:
            problems.append(f"milestone {m.id}: negative typical or unknown band")
    for r in t.rules:
        if r.kind not in ("min", "max") or r.from_id not in seq or r.to_id not in seq or r.working_days < 0:
            problems.append(f"rule {r.id}: bad kind, milestone or working days")
        elif seq[r.from_id] >= seq[r.to_id] or not r.bands <= band_ids:
            problems.append(f"rule {r.id}: 'from' must come before 'to'; bands must exist")
    if problems:
        raise ScheduleError(
            bilingual("แม่แบบขั้นตอนไม่ถูกต้อง", "bad milestone template") + ": " + "; ".join(problems)
        )


@lru_cache(maxsize=8)
def load_template(name: str = DEFAULT_TEMPLATE) -> Template:
    """A template shipped in pts/procurement/data (cached: templates are immutable)."""
    path = resources.files("pts.procurement") / "data" / f"milestones-{name}.toml"
    if not path.is_file():
        raise ScheduleError(bilingual(f"ไม่พบแม่แบบ '{name}'", f"no milestone template '{name}'"))
    return parse_template(path.read_text(encoding="utf-8"))


# -- plans -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedMilestone:
    milestone: Milestone
    planned: date
    gap_working_days: int | None  # after the previous milestone of the plan; None for the first
    rules: tuple[GapRule, ...]  # rules that end at this milestone

    @property
    def id(self) -> str:
        return self.milestone.id

    @property
    def name_th(self) -> str:
        return self.milestone.name_th

    @property
    def name_en(self) -> str:
        return self.milestone.name_en

    def _strictest(self, kind: str) -> GapRule | None:
        rules = sorted((r for r in self.rules if r.kind == kind), key=lambda r: r.working_days)
        return (rules[-1] if kind == "min" else rules[0]) if rules else None

    @property
    def min_working_days(self) -> int | None:
        """The largest minimum gap ending here (after `min_after`), None when no rule sets one."""
        rule = self._strictest("min")
        return rule.working_days if rule else None

    @property
    def min_after(self) -> str | None:
        rule = self._strictest("min")
        return rule.from_id if rule else None

    @property
    def max_working_days(self) -> int | None:
        rule = self._strictest("max")
        return rule.working_days if rule else None


@dataclass(frozen=True)
class Plan:
    template_id: str
    method: Method
    band: Band
    value_satang: int
    items: tuple[PlannedMilestone, ...]
    notes: tuple[str, ...] = ()  # bilingual: anchor moved off a holiday, method outside its limit

    def dates(self) -> dict[str, date]:
        return {item.id: item.planned for item in self.items}

    def planned(self, milestone_id: str) -> date | None:
        return self.dates().get(milestone_id)


def _check_value(value_satang: int) -> None:
    if isinstance(value_satang, bool) or not isinstance(value_satang, int):
        raise ScheduleError(bilingual("วงเงินต้องเป็นจำนวนสตางค์", "the value must be integer satang"))


def generate_plan(
    *,
    value_satang: int,
    method: str = "e-bidding",
    start: date | None = None,
    target_contract: date | None = None,
    calendar: WorkCalendar | None = None,
    template: Template | None = None,
    include_optional: bool = False,
    strict_method: bool = True,
) -> Plan:
    """Planned dates for every milestone of the method and value band.

    1. Check the value and the method; a method outside its value limit is refused
       (strict_method) or noted in `Plan.notes`.
    2. Anchor: the first milestone on `start`, or the contract on `target_contract`; an anchor on
       a non-working day moves to the next (start) or previous (target) working day.
    3. Backward from the anchor: each milestone on the latest day that leaves the typical gap to the
       next one and every minimum to later ones.
    4. Forward from the anchor: each milestone its typical gap after the previous one, pushed later
       by every minimum, pulled earlier by a maximum but never below a minimum.
    """
    _check_value(value_satang)
    t = template or load_template()
    cal = calendar or calendar_for()
    band = t.band_for(value_satang)
    notes: list[str] = []
    if problem := t.method_problem(method, value_satang):
        if strict_method:
            raise ScheduleError(problem)
        notes.append(problem)
    if (start is None) == (target_contract is None):
        raise ScheduleError(
            bilingual(
                "ระบุวันเริ่มต้นหรือวันลงนามสัญญาเป้าหมาย อย่างใดอย่างหนึ่ง",
                "give either a start date or a target contract date, not both or neither",
            )
        )
    steps = t.milestones_for(method, value_satang, include_optional=include_optional)
    ids = [m.id for m in steps]
    rules = [r for r in t.rules_for(method, value_satang) if r.from_id in ids and r.to_id in ids]
    when: dict[str, date] = {}
    if start is not None:
        anchor, when[ids[0]] = 0, cal.working_day_on_or_after(start)
        if when[ids[0]] != start:
            notes.append(_moved_note(start, when[ids[0]], cal))
    else:
        assert target_contract is not None
        if CONTRACT not in ids:
            raise ScheduleError(bilingual("วิธีนี้ไม่มีขั้นตอนลงนามสัญญา", "this method has no contract milestone"))
        anchor, when[CONTRACT] = ids.index(CONTRACT), cal.working_day_on_or_before(target_contract)
        if when[CONTRACT] != target_contract:
            notes.append(_moved_note(target_contract, when[CONTRACT], cal))
    for j in range(anchor - 1, -1, -1):
        ceilings = [cal.add_working_days(when[ids[j + 1]], -steps[j + 1].typical_for(method))]
        ceilings += [cal.add_working_days(when[r.to_id], -r.working_days)
                     for r in rules if r.kind == "min" and r.from_id == ids[j] and r.to_id in when]  # fmt: skip
        when[ids[j]] = min(ceilings)
    for i in range(anchor + 1, len(ids)):
        prev = when[ids[i - 1]]
        ending = [r for r in rules if r.to_id == ids[i] and r.from_id in when]
        floor = max(
            [prev]
            + [cal.add_working_days(when[r.from_id], r.working_days) for r in ending if r.kind == "min"]
        )
        caps = [cal.add_working_days(when[r.from_id], r.working_days) for r in ending if r.kind == "max"]
        wanted = max(floor, cal.add_working_days(prev, steps[i].typical_for(method)))
        when[ids[i]] = max(floor, min([wanted, *caps]))
    items = tuple(
        PlannedMilestone(m, when[m.id], None if i == 0 else cal.working_days_between(when[ids[i - 1]], when[m.id]),
                         tuple(r for r in rules if r.to_id == m.id))
        for i, m in enumerate(steps)
    )  # fmt: skip
    return Plan(t.id, t.method(method), band, value_satang, items, tuple(notes))


def _moved_note(asked: date, used: date, cal: WorkCalendar) -> str:
    reason_th = cal.holiday_name(asked) or "วันหยุดสุดสัปดาห์"
    reason_en = cal.holiday_name(asked) or "weekend"
    return bilingual(
        f"{thai_date(asked)} ไม่ใช่วันทำการ ({reason_th}) ใช้ {thai_date(used)} แทน",
        f"{english_date(asked)} is not a working day ({reason_en}); {english_date(used)} is used",
    )


# -- validation of an edited plan ------------------------------------------------------------


@dataclass(frozen=True)
class PlanWarning:
    """One broken rule; `kind` is min, max, order, holiday, missing, extra or method."""

    kind: str
    milestone_id: str | None
    message: str  # bilingual, names the milestones and the numbers
    rule_id: str | None = None
    from_id: str | None = None
    required: int | None = None
    actual: int | None = None

    def __str__(self) -> str:
        return self.message


def validate_plan(
    planned: Mapping[str, date | None],
    *,
    value_satang: int,
    method: str,
    calendar: WorkCalendar | None = None,
    template: Template | None = None,
) -> list[PlanWarning]:
    """Every rule an officer-edited plan breaks, in milestone order; an empty list means it is fine.

    Milestones without a date are skipped; a required one is reported missing only when a later
    milestone already has a date.
    """
    _check_value(value_satang)
    t = template or load_template()
    cal = calendar or calendar_for()
    band = t.band_for(value_satang)
    warnings: list[PlanWarning] = []
    if problem := t.method_problem(method, value_satang):
        warnings.append(PlanWarning("method", None, problem))
    steps = t.method(method).milestone_ids
    dated = {k: v for k, v in planned.items() if v is not None}
    for milestone_id in dated:
        m = t.milestone(milestone_id)
        if milestone_id not in steps:
            warnings.append(PlanWarning("extra", m.id, bilingual(
                f"{m.label_th} ไม่ใช่ขั้นตอนของ{t.method(method).name_th}",
                f"{m.label_en} is not a step of the {t.method(method).name_en}")))  # fmt: skip
    previous: Milestone | None = None
    for m in t.milestones_for(method, value_satang, include_optional=True):
        day = dated.get(m.id)
        if day is None:
            later = [i for i in steps[steps.index(m.id) + 1 :] if i in dated]
            if later and band.id not in m.optional_in_bands:
                warnings.append(PlanWarning("missing", m.id, bilingual(
                    f"ไม่มีวันที่ของ {m.label_th} ซึ่งเป็นขั้นตอนที่ต้องทำ",
                    f"{m.label_en} is required but has no date")))  # fmt: skip
            continue
        if not cal.is_working_day(day):
            name = cal.holiday_name(day)
            warnings.append(PlanWarning("holiday", m.id, bilingual(
                f"{m.label_th} ตรงกับ {thai_date(day)} ซึ่งไม่ใช่วันทำการ ({name or 'วันหยุดสุดสัปดาห์'})",
                f"{m.label_en} falls on {english_date(day)}, not a working day ({name or 'weekend'})")))  # fmt: skip
        if previous is not None and day < dated[previous.id]:
            warnings.append(PlanWarning("order", m.id, bilingual(
                f"{m.label_th} ({thai_date(day)}) อยู่ก่อน {previous.label_th} ({thai_date(dated[previous.id])})",
                f"{m.label_en} ({english_date(day)}) comes before {previous.label_en} "
                f"({english_date(dated[previous.id])})"), from_id=previous.id))  # fmt: skip
        for rule in t.rules_for(method, value_satang):
            if rule.to_id == m.id and rule.from_id in dated:
                warning = _check_rule(rule, t.milestone(rule.from_id), m, dated[rule.from_id], day, cal)
                if warning:
                    warnings.append(warning)
        previous = m
    return warnings


def _check_rule(
    rule: GapRule, a: Milestone, b: Milestone, day_a: date, day_b: date, cal: WorkCalendar
) -> PlanWarning | None:
    gap = cal.working_days_between(day_a, day_b)
    broken = gap < rule.working_days if rule.kind == "min" else gap > rule.working_days
    if not broken:
        return None
    limit_th, limit_en = (
        ("น้อยกว่าขั้นต่ำ", "below the minimum of") if rule.kind == "min" else ("เกินกำหนด", "above the maximum of")
    )
    message = bilingual(
        f"{rule.name_th}: {a.label_th} → {b.label_th} ห่างกัน {gap} วันทำการ "
        f"{limit_th} {rule.working_days} วันทำการ (ที่มา: {rule.source})",
        f"{rule.name_en}: {a.label_en} → {b.label_en} is {gap} working days, "
        f"{limit_en} {rule.working_days} (source: {rule.source})",
    )
    return PlanWarning(rule.kind, b.id, message, rule.id, a.id, rule.working_days, gap)


# -- actuals, slippage, forecast -------------------------------------------------------------


class Status(StrEnum):
    SCHEDULED = "scheduled"  # not done, not due soon, forecast on time
    MET = "met"  # done on or before the planned date (or done with no plan to compare)
    LATE = "late"  # done after the planned date, or not done and the planned date has passed
    AT_RISK = "at_risk"  # not done; due within the at-risk window or forecast after its plan
    UNPLANNED = "unplanned"  # a required step of the method, neither planned nor done


@dataclass(frozen=True)
class MilestoneProgress:
    id: str
    planned: date | None
    actual: date | None
    status: Status
    slippage: int | None  # working days late (negative: early); None while it cannot be measured
    forecast: date | None  # the actual date once done


@dataclass(frozen=True)
class Progress:
    items: tuple[MilestoneProgress, ...]
    slippage: int  # working days the remaining plan is shifted by
    forecast_contract: date | None

    def item(self, milestone_id: str) -> MilestoneProgress:
        for item in self.items:
            if item.id == milestone_id:
                return item
        raise KeyError(milestone_id)

    def forecast(self, milestone_id: str) -> date | None:
        return self.item(milestone_id).forecast


def track(
    planned: Mapping[str, date | None],
    actual: Mapping[str, date | None],
    *,
    today: date,
    method: str,
    value_satang: int,
    calendar: WorkCalendar | None = None,
    template: Template | None = None,
    at_risk_working_days: int | None = None,
) -> Progress:
    """Status, slippage and forecast per milestone as of `today`.

    1. Slippage so far: the last done milestone's actual minus planned (working days), raised to
       how far a not-done milestone is already overdue (it can be done today at the earliest).
    2. Forecast of each remaining milestone: its planned date shifted by that slippage, never
       before today, the previous milestone, or a minimum gap after an earlier milestone.
    3. Status: met / late when done; late when overdue; at risk when due within the window or
       forecast after its plan; otherwise scheduled.
    """
    _check_value(value_satang)
    t = template or load_template()
    cal = calendar or calendar_for()
    window = t.at_risk_working_days if at_risk_working_days is None else at_risk_working_days
    plan = {k: v for k, v in planned.items() if v is not None}
    done = {k: v for k, v in actual.items() if v is not None}
    for milestone_id in {*plan, *done}:
        t.milestone(milestone_id)  # refuses unknown ids
    required = {m.id for m in t.milestones_for(method, value_satang, include_optional=False)}
    order = [m.id for m in t.milestones if m.id in plan or m.id in done or m.id in required]
    earliest = cal.working_day_on_or_after(today)
    slip = 0
    measured = [i for i in order if i in done and i in plan]
    if measured:
        slip = cal.working_days_between(plan[measured[-1]], done[measured[-1]])
    # A gap left before a later recorded step is a missing entry, not a delay: only what follows counts.
    after = max((order.index(i) for i in done), default=-1) + 1
    for i in order[after:]:
        if i in plan and plan[i] < today:
            slip = max(slip, cal.working_days_between(plan[i], earliest))
    rules = [r for r in t.rules_for(method, value_satang) if r.kind == "min"]
    forecast: dict[str, date] = {}
    items = []
    for i in order:
        if i in done:
            forecast[i] = done[i]
        elif i in plan:
            floors = [cal.add_working_days(plan[i], slip), earliest] + [
                cal.add_working_days(forecast[r.from_id], r.working_days)
                for r in rules
                if r.to_id == i and r.from_id in forecast
            ]
            if forecast:
                floors.append(max(forecast.values()))
            forecast[i] = cal.working_day_on_or_after(max(floors))
        items.append(_progress(i, plan.get(i), done.get(i), forecast.get(i), today, window, cal))
    contract = forecast.get(CONTRACT)
    return Progress(tuple(items), slip, contract)


def _progress(
    milestone_id: str, plan: date | None, done: date | None, forecast: date | None,
    today: date, window: int, cal: WorkCalendar,
) -> MilestoneProgress:  # fmt: skip
    if plan is None:
        status = Status.MET if done else Status.UNPLANNED
        return MilestoneProgress(milestone_id, None, done, status, None, forecast)
    if done is not None:
        slip = cal.working_days_between(plan, done)
        return MilestoneProgress(
            milestone_id, plan, done, Status.MET if done <= plan else Status.LATE, slip, done
        )
    if plan < today:
        slip = cal.working_days_between(plan, cal.working_day_on_or_after(today))
        return MilestoneProgress(milestone_id, plan, None, Status.LATE, slip, forecast)
    soon = plan <= cal.add_working_days(today, window)
    status = Status.AT_RISK if soon or (forecast is not None and forecast > plan) else Status.SCHEDULED
    return MilestoneProgress(milestone_id, plan, None, status, None, forecast)
