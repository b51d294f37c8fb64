"""Commitment and payment deadlines per scheme, and whether a project meets them. No Django here.

A scheme (`data/deadlines-<id>.toml`) lists deadlines, each for a kind of event ("commit": the
contract or PO date; "pay": the date the item is paid in full), optionally limited to a value range,
budget categories and single- or multi-year contracts. The due date is a day and month applied to
the project's fiscal year, or the last day of a fiscal quarter. Deadlines are calendar dates,
inclusive: an event on the due date meets it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any

from pts.core.fiscal import calendar_month, english_date, quarter_end, thai_date
from pts.core.money import parse_satang
from pts.core.thai import bilingual

KINDS = ("commit", "pay")
TERMS = ("single", "multi")


class DeadlineError(ValueError):
    """A bad deadline scheme or request; the message is bilingual."""


@dataclass(frozen=True)
class DeadlineRule:
    id: str
    kind: str  # "commit" or "pay"
    name_th: str
    name_en: str
    month: int | None = None  # with day: a day and month in the fiscal year
    day: int | None = None
    quarter: int | None = None  # or: the last day of this fiscal quarter
    value_over_satang: int | None = None  # exclusive lower bound
    value_upto_satang: int | None = None  # inclusive upper bound
    term: str | None = None  # "single", "multi" or None for both
    categories: frozenset[str] = frozenset()  # empty = every budget category

    def applies(self, facts: ProjectFacts) -> bool:
        v = facts.value_satang
        return (
            (self.value_over_satang is None or v > self.value_over_satang)
            and (self.value_upto_satang is None or v <= self.value_upto_satang)
            and (self.term is None or self.term == ("multi" if facts.multi_year else "single"))
            and (not self.categories or facts.category in self.categories)
        )

    def due(self, fiscal_year: int) -> date:
        """The due date in a BE fiscal year: 30 Nov of FY2566 is 2022-11-30."""
        if self.quarter is not None:
            return quarter_end(fiscal_year, self.quarter).last_day
        assert self.month is not None and self.day is not None
        return calendar_month(fiscal_year, self.month).day(self.day)


@dataclass(frozen=True)
class DeadlineScheme:
    id: str
    name_th: str
    name_en: str
    source: str
    rules: tuple[DeadlineRule, ...]


def _satang(raw: dict[str, Any], key: str) -> int | None:
    return parse_satang(str(raw[key])) if key in raw else None


def parse_scheme(text: str) -> DeadlineScheme:
    """Read a deadline scheme from TOML text, checking every rule names a valid kind and due date."""
    try:
        raw = tomllib.loads(text)
        meta = raw["scheme"]
        rules = []
        for r in raw["deadlines"]:
            rule = DeadlineRule(
                id=r["id"],
                kind=r["kind"],
                name_th=r["name_th"],
                name_en=r["name_en"],
                month=r.get("month"),
                day=r.get("day"),
                quarter=r.get("quarter"),
                value_over_satang=_satang(r, "value_over"),
                value_upto_satang=_satang(r, "value_upto"),
                term=r.get("term"),
                categories=frozenset(r.get("categories", ())),
            )
            dated = rule.month is not None and rule.day is not None
            if (
                rule.kind not in KINDS
                or rule.term not in (None, *TERMS)
                or dated == (rule.quarter is not None)
            ):
                raise ValueError(f"{rule.id}: kind, term, or exactly one of month+day / quarter")
            rule.due(2566)  # refuses a month 13 or quarter 5 now rather than on first use
            rules.append(rule)
        return DeadlineScheme(meta["id"], meta["name_th"], meta["name_en"], meta["source"], tuple(rules))
    except (KeyError, TypeError, ValueError) as exc:  # TOMLDecodeError and MoneyError are ValueErrors
        raise DeadlineError(bilingual("ชุดกำหนดเวลาไม่ถูกต้อง", "bad deadline scheme") + f": {exc}") from exc


@lru_cache(maxsize=16)
def load_scheme(scheme_id: str) -> DeadlineScheme:
    """A scheme shipped in pts/procurement/data (cached: schemes are immutable)."""
    path = resources.files("pts.procurement") / "data" / f"deadlines-{scheme_id}.toml"
    if not path.is_file():
        raise DeadlineError(bilingual(f"ไม่พบชุดกำหนดเวลา '{scheme_id}'", f"no deadline scheme '{scheme_id}'"))
    return parse_scheme(path.read_text(encoding="utf-8"))


def available_schemes() -> list[str]:
    """Ids of the shipped schemes, sorted."""
    folder = resources.files("pts.procurement") / "data"
    names = [p.name for p in folder.iterdir() if p.name.startswith("deadlines-") and p.name.endswith(".toml")]
    return sorted(n.removeprefix("deadlines-").removesuffix(".toml") for n in names)


@dataclass(frozen=True)
class ProjectFacts:
    """What the deadlines need to know about one project; dates are CE, None when not known."""

    value_satang: int
    fiscal_year: int  # BE
    multi_year: bool = False
    category: str = "capital"
    contract_date: date | None = None
    forecast_contract_date: date | None = None
    payment_date: date | None = None  # paid in full
    forecast_payment_date: date | None = None


class DeadlineStatus(StrEnum):
    MET = "met"  # done on or before the due date
    MISSED = "missed"  # done after it, or not done and the due date has passed
    FORECAST_TO_MISS = "forecast_to_miss"  # not done, due date ahead, forecast after it
    ON_TRACK = "on_track"  # not done, forecast on or before the due date
    NO_FORECAST = "no_forecast"  # not done, due date ahead, nothing to judge by


@dataclass(frozen=True)
class DeadlineCheck:
    scheme_id: str
    rule: DeadlineRule
    due: date
    status: DeadlineStatus
    actual: date | None
    forecast: date | None
    days_late: int | None  # calendar days past due (actual, else forecast, else today); None if not late

    @property
    def id(self) -> str:
        return f"{self.scheme_id}:{self.rule.id}"

    @property
    def flagged(self) -> bool:
        return self.status in (DeadlineStatus.MISSED, DeadlineStatus.FORECAST_TO_MISS)

    @property
    def message(self) -> str:
        th = {
            DeadlineStatus.MET: "ทันกำหนด",
            DeadlineStatus.MISSED: "ไม่ทันกำหนด",
            DeadlineStatus.FORECAST_TO_MISS: "คาดว่าจะไม่ทันกำหนด",
            DeadlineStatus.ON_TRACK: "คาดว่าทันกำหนด",
            DeadlineStatus.NO_FORECAST: "ยังไม่มีข้อมูลคาดการณ์",
        }[self.status]
        late_th = f" (ช้า {self.days_late} วัน)" if self.days_late else ""
        late_en = (
            f" ({self.days_late} day{'s' if self.days_late != 1 else ''} late)" if self.days_late else ""
        )
        return bilingual(
            f"{self.rule.name_th} (กำหนด {thai_date(self.due)}): {th}{late_th}",
            f"{self.rule.name_en} (due {english_date(self.due)}): {self.status.value.replace('_', ' ')}{late_en}",
        )


def check_deadlines(
    facts: ProjectFacts, *, today: date, schemes: Sequence[DeadlineScheme | str] | None = None
) -> list[DeadlineCheck]:
    """Every deadline of the schemes (default: all shipped) that applies to the project, judged as of today.

    An actual date decides met / missed; without one a passed due date is missed, otherwise the
    forecast decides forecast_to_miss / on_track, so a project is flagged as soon as its forecast slips.
    """
    if (
        isinstance(facts.value_satang, bool)
        or not isinstance(facts.value_satang, int)
        or facts.value_satang < 0
    ):
        raise DeadlineError(
            bilingual("วงเงินต้องเป็นจำนวนสตางค์ที่ไม่ติดลบ", "the value must be non-negative satang")
        )
    if not 2400 < facts.fiscal_year < 2800:
        raise DeadlineError(
            bilingual(
                f"ปีงบประมาณ {facts.fiscal_year} ต้องเป็นปี พ.ศ.", f"fiscal year {facts.fiscal_year} must be BE"
            )
        )
    chosen = [load_scheme(s) if isinstance(s, str) else s for s in (schemes or available_schemes())]
    checks = []
    for scheme in chosen:
        for rule in scheme.rules:
            if rule.applies(facts):
                checks.append(_judge(scheme.id, rule, facts, today))
    return checks


def _judge(scheme_id: str, rule: DeadlineRule, facts: ProjectFacts, today: date) -> DeadlineCheck:
    due = rule.due(facts.fiscal_year)
    if rule.kind == "commit":
        actual, forecast = facts.contract_date, facts.forecast_contract_date
    else:
        actual, forecast = facts.payment_date, facts.forecast_payment_date
    if actual is not None:
        status = DeadlineStatus.MET if actual <= due else DeadlineStatus.MISSED
        judged_on: date | None = actual
    elif today > due:
        status, judged_on = DeadlineStatus.MISSED, (forecast if forecast and forecast > today else today)
    elif forecast is None:
        status, judged_on = DeadlineStatus.NO_FORECAST, None
    else:
        status = DeadlineStatus.ON_TRACK if forecast <= due else DeadlineStatus.FORECAST_TO_MISS
        judged_on = forecast
    late = (judged_on - due).days if judged_on is not None and judged_on > due else None
    return DeadlineCheck(scheme_id, rule, due, status, actual, forecast, late)
