"""Commitment and payment deadlines per scheme, and whether a project meets them. No Django here.

A scheme (`data/deadlines-<id>.toml`) lists deadlines, each for a kind of event ("commit": the
contract or PO date; "pay": the date the item is paid in full), optionally limited to a value range,
budget categories and single- or multi-year contracts. The due date is a day and month applied to
the project's fiscal year, or the last day of a fiscal quarter. Deadlines are inclusive: an event on
the due date meets it. A due date on a non-working day moves to the last working day before it
(when the caller gives the working-day calendar).

A shipped set also says which fiscal years it was issued for and who issued it (`owner`) and for
whom (`applies_to`: "all" schemes, or only "province" or "department" schemes);
`default_sets(fiscal_year, kind)` names the sets a scheme applies unless it chooses otherwise.
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
from pts.procurement.workdays import WorkCalendar

KINDS = ("commit", "pay")
TERMS = ("single", "multi")
APPLIES_TO = ("all", "province", "department")  # "all", or the scheme kind the set is for


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
    fiscal_years: tuple[int, ...] = ()  # BE years it was issued for; empty for a scheme's own set
    owner_th: str = ""  # who issued it: คณะรัฐมนตรี, กรมอนามัย
    owner_en: str = ""
    applies_to: str = "all"

    def applies_by_default(self, fiscal_year: int, kind: str | None) -> bool:
        """Of the scheme's own year and owner: issued for this year, for every scheme or this kind."""
        return fiscal_year in self.fiscal_years and self.applies_to in ("all", kind)

    @property
    def years_th(self) -> str:
        return ", ".join(str(y) for y in self.fiscal_years)


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
        years = meta.get("fiscal_years", [])
        if not isinstance(years, list) or any(
            isinstance(y, bool) or not isinstance(y, int) or not 2400 < y < 2800 for y in years
        ):
            raise ValueError(bilingual(f"fiscal_years ต้องเป็นรายการปี พ.ศ. (ได้ {years!r})",
                                       f"fiscal_years must be a list of BE years (got {years!r})"))
        applies_to = meta.get("applies_to", "all")
        if applies_to not in APPLIES_TO:
            raise ValueError(bilingual(f"applies_to ต้องเป็น {' / '.join(APPLIES_TO)} (ได้ {applies_to!r})",
                                       f"applies_to must be one of {', '.join(APPLIES_TO)} (got {applies_to!r})"))
        return DeadlineScheme(meta["id"], meta["name_th"], meta["name_en"], meta["source"], tuple(rules),
                              fiscal_years=tuple(years), owner_th=str(meta.get("owner_th", "")),
                              owner_en=str(meta.get("owner_en", "")), applies_to=applies_to)
    except (KeyError, TypeError, ValueError) as exc:  # TOMLDecodeError and MoneyError are ValueErrors
        raise DeadlineError(bilingual("ชุดกำหนดเวลาไม่ถูกต้อง", "bad deadline scheme") + f": {exc}") from exc


def parse_shipped_scheme(text: str, *, file_name: str) -> DeadlineScheme:
    """A shipped set must say whom and which years it is for: a set without them would judge every
    project of every year and unit."""
    scheme = parse_scheme(text)
    missing = [name for name, value in (("fiscal_years", scheme.fiscal_years), ("owner_th", scheme.owner_th),
                                        ("owner_en", scheme.owner_en)) if not value]
    if missing:
        raise DeadlineError(bilingual(f"ชุดกำหนดเวลา {file_name}: ไม่ได้ระบุ {', '.join(missing)} ใน [scheme]",
                                      f"deadline set {file_name}: [scheme] lacks {', '.join(missing)}"))
    return scheme


@lru_cache(maxsize=16)
def load_scheme(scheme_id: str) -> DeadlineScheme:
    """A scheme shipped in pts/procurement/data (cached: schemes are immutable)."""
    path = resources.files("pts.procurement") / "data" / f"deadlines-{scheme_id}.toml"
    if not path.is_file():
        raise DeadlineError(bilingual(f"ไม่พบชุดกำหนดเวลา '{scheme_id}'", f"no deadline scheme '{scheme_id}'"))
    return parse_shipped_scheme(path.read_text(encoding="utf-8"), file_name=path.name)


def available_schemes() -> list[str]:
    """Ids of the shipped schemes, sorted."""
    folder = resources.files("pts.procurement") / "data"
    names = [p.name for p in folder.iterdir() if p.name.startswith("deadlines-") and p.name.endswith(".toml")]
    return sorted(n.removeprefix("deadlines-").removesuffix(".toml") for n in names)


def default_sets(fiscal_year: int, kind: str | None = None) -> list[str]:
    """Ids of the shipped sets of this fiscal year whose owner speaks to this kind of scheme (None:
    a unit no scheme evaluates, judged only by the sets for everyone)."""
    return [s for s in available_schemes() if load_scheme(s).applies_by_default(fiscal_year, kind)]


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
    nominal_due: date | None = None  # the date the rule names, when it is not a working day

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
        moved_th = moved_en = ""
        if self.nominal_due is not None:
            moved_th = f" วันทำการสุดท้ายก่อน {thai_date(self.nominal_due)} ซึ่งเป็นวันหยุด"
            moved_en = f", the last working day before {english_date(self.nominal_due)}, a day off"
        return bilingual(
            f"{self.rule.name_th} (กำหนด {thai_date(self.due)}{moved_th}): {th}{late_th}",
            f"{self.rule.name_en} (due {english_date(self.due)}{moved_en}): "
            f"{self.status.value.replace('_', ' ')}{late_en}",
        )


def check_deadlines(
    facts: ProjectFacts,
    *,
    today: date,
    schemes: Sequence[DeadlineScheme | str] | None = None,
    calendar: WorkCalendar | None = None,
) -> list[DeadlineCheck]:
    """Every deadline of the schemes (None: all shipped; empty: none) that applies to the project,
    judged as of today. With a calendar, a due date on a non-working day is the last working day
    before it.

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
    names = available_schemes() if schemes is None else schemes
    chosen = [load_scheme(s) if isinstance(s, str) else s for s in names]
    checks = []
    for scheme in chosen:
        for rule in scheme.rules:
            if rule.applies(facts):
                checks.append(_judge(scheme.id, rule, facts, today, calendar))
    return checks


def _judge(scheme_id: str, rule: DeadlineRule, facts: ProjectFacts, today: date,
           calendar: WorkCalendar | None) -> DeadlineCheck:
    nominal = rule.due(facts.fiscal_year)
    due = calendar.working_day_on_or_before(nominal) if calendar is not None else nominal
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
    return DeadlineCheck(scheme_id, rule, due, status, actual, forecast, late, nominal if due != nominal else None)
