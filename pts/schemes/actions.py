"""Writes for schemes: create a scheme with its twelve reporting periods, change its calendar,
its settings and the units it evaluates. Each runs in one transaction and writes its audit row.

Only a coordinator of the scheme's coordinating organisation (or the system) may act.
The periods (reporting) and the rule set check (scoring) come from apps above this one, through
`pts.schemes.hooks`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from pts.audit.actions import audit_record, snapshot
from pts.budget.models import Category, FiscalYear
from pts.budget.years import find_fiscal_year
from pts.core.fiscal import english_date, thai_date
from pts.core.thai import bilingual
from pts.organisations import permissions
from pts.organisations.models import Org, OrgKind
from pts.organisations.permissions import Actor
from pts.schemes.hooks import HOOKS
from pts.schemes.models import Denominator, Scheme, SchemeKind, default_series

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Paths under /schemes/ that a scheme code must not shadow.
RESERVED_CODES = frozenset({"new"})
SERIES_NAMES = ("overall", "recurring", "capital")
MAX_DEADLINE_OFFSET = 2
SETTINGS_FIELDS = ["name", "rule_set", "denominator", "series"]
CALENDAR_FIELDS = ["as_of_day", "deadline_day", "deadline_month_offset", "lock_after_deadline"]


def validate_series(series: Any) -> dict[str, list[str]]:
    """A mapping of series name -> non-empty list of distinct category ids; raises a bilingual error."""
    if not isinstance(series, dict) or not series:
        raise ValidationError({"series": bilingual("ต้องระบุกลุ่มรายจ่าย", "the series mapping is required")})
    cleaned: dict[str, list[str]] = {}
    for name, categories in series.items():
        if name not in SERIES_NAMES:
            raise ValidationError({"series": bilingual(
                f"ชื่อกลุ่มรายจ่าย '{name}' ไม่ถูกต้อง (ใช้ {', '.join(SERIES_NAMES)})",
                f"series '{name}' is not one of {', '.join(SERIES_NAMES)}",
            )})
        if not isinstance(categories, list | tuple) or not categories:
            raise ValidationError({"series": bilingual(
                f"กลุ่ม '{name}' ต้องมีหมวดงบอย่างน้อยหนึ่งหมวด", f"series '{name}' needs at least one category"
            )})
        for category in categories:
            if category not in Category.values:
                raise ValidationError({"series": bilingual(
                    f"หมวดงบ '{category}' ในกลุ่ม '{name}' ไม่ถูกต้อง",
                    f"category '{category}' in series '{name}' is not a budget category",
                )})
        if len(set(categories)) != len(categories):
            raise ValidationError({"series": bilingual(
                f"กลุ่ม '{name}' มีหมวดงบซ้ำ", f"series '{name}' lists a category twice"
            )})
        cleaned[name] = list(categories)
    if "overall" not in cleaned:
        raise ValidationError({"series": bilingual("ต้องมีกลุ่ม 'overall'", "the series 'overall' is required")})
    return cleaned


def validate_calendar(
    *, fiscal_year: FiscalYear, as_of_day: int | None, deadline_day: int, deadline_month_offset: int
) -> None:
    """Days 1..31, offset 0..2, and every month's figures dated no later than its deadline."""
    if as_of_day is not None and not 1 <= as_of_day <= 31:
        raise ValidationError({"as_of_day": bilingual(
            f"วันที่ของยอด {as_of_day} ต้องอยู่ระหว่าง 1-31", f"as-of day {as_of_day} must be within 1-31"
        )})
    if not 1 <= deadline_day <= 31:
        raise ValidationError({"deadline_day": bilingual(
            f"วันกำหนดส่ง {deadline_day} ต้องอยู่ระหว่าง 1-31", f"deadline day {deadline_day} must be within 1-31"
        )})
    if not 0 <= deadline_month_offset <= MAX_DEADLINE_OFFSET:
        raise ValidationError({"deadline_month_offset": bilingual(
            f"เลื่อนกำหนดส่ง {deadline_month_offset} เดือน ต้องอยู่ระหว่าง 0-2",
            f"deadline month offset {deadline_month_offset} must be within 0-2",
        )})
    probe = Scheme(as_of_day=as_of_day, deadline_day=deadline_day, deadline_month_offset=deadline_month_offset)
    for month in fiscal_year.months:
        as_of, deadline = probe.as_of(month), probe.deadline(month)
        if as_of > deadline:
            raise ValidationError({"deadline_day": bilingual(
                f"ยอด ณ {thai_date(as_of)} อยู่หลังกำหนดส่ง {thai_date(deadline)}: "
                "เลื่อนกำหนดส่งไปเดือนถัดไป หรือให้วันที่ของยอดไม่เกินวันกำหนดส่ง",
                f"figures as of {english_date(as_of)} come after the deadline {english_date(deadline)}: "
                "move the deadline to the next month or pick an as-of day no later than the deadline day",
            )})


def validate_units(*, coordinator_org: Org, units: Iterable[Org]) -> list[Org]:
    """Units must be money-holding organisations inside the coordinator's subtree."""
    units = list(units)
    for unit in units:
        if not unit.is_within(coordinator_org):
            raise ValidationError({"units": bilingual(
                f"หน่วยงาน {unit.code} ไม่อยู่ภายใต้ {coordinator_org.code}",
                f"unit {unit.code} is not inside {coordinator_org.code}",
            )})
        if unit.kind in (OrgKind.PROVINCE, OrgKind.DEPARTMENT):
            raise ValidationError({"units": bilingual(
                f"{unit.code} เป็นหน่วยระดับบนสุด ไม่ใช่หน่วยรับงบประมาณ",
                f"{unit.code} is a root organisation, not a unit that holds money",
            )})
    return units


@transaction.atomic
def scheme_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    kind: str,
    fiscal_year: FiscalYear | int,
    coordinator_org: Org,
    units: Iterable[Org],
    rule_set: str = "",
    denominator: str = Denominator.CURRENT,
    series: dict[str, list[str]] | None = None,
    as_of_day: int | None = None,
    deadline_day: int = 25,
    deadline_month_offset: int = 0,
    lock_after_deadline: bool = True,
) -> Scheme:
    """Create a scheme and its twelve reporting periods (October first), dated from its calendar."""
    code = (code or "").strip()
    if not SLUG.match(code):
        raise ValidationError({"code": bilingual(
            f"รหัสโครงการติดตาม '{code}' ใช้ได้เฉพาะ a-z 0-9 และ - (เช่น province-2569)",
            f"scheme id '{code}' may use only a-z, 0-9 and - (e.g. province-2569)",
        )})
    if code in RESERVED_CODES or Scheme.objects.filter(code=code).exists():
        raise ValidationError({"code": bilingual(f"รหัสโครงการติดตาม '{code}' มีอยู่แล้ว", f"scheme id '{code}' is taken")})
    if not (name or "").strip():
        raise ValidationError({"name": bilingual("ต้องระบุชื่อโครงการ", "a name is required")})
    if kind not in SchemeKind.values:
        raise ValidationError({"kind": bilingual(f"ประเภท '{kind}' ไม่ถูกต้อง", f"unknown kind '{kind}'")})
    if denominator not in Denominator.values:
        raise ValidationError({"denominator": bilingual(
            f"ฐานการคำนวณ '{denominator}' ไม่ถูกต้อง", f"unknown denominator '{denominator}'"
        )})
    fy = find_fiscal_year(fiscal_year, for_write=True)
    permissions.require_coordinator(actor, coordinator_org)
    if series is None:  # the rule set's own mapping, so a new scheme scores as its rule set says
        series = HOOKS.default_series(rule_set, kind) or default_series()
    series = validate_series(series)
    HOOKS.check_rule_set(rule_set=rule_set, kind=kind, series=series, org=coordinator_org)
    validate_calendar(fiscal_year=fy, as_of_day=as_of_day, deadline_day=deadline_day,
                      deadline_month_offset=deadline_month_offset)
    unit_list = validate_units(coordinator_org=coordinator_org, units=units)

    scheme = Scheme.objects.create(
        code=code, name=name.strip(), kind=kind, fiscal_year=fy, coordinator_org=coordinator_org,
        rule_set=rule_set.strip(), denominator=denominator, series=series, as_of_day=as_of_day,
        deadline_day=deadline_day, deadline_month_offset=deadline_month_offset,
        lock_after_deadline=lock_after_deadline,
    )
    scheme.units.set(unit_list)
    HOOKS.open_periods(scheme)
    after = snapshot(scheme) | {"units": sorted(u.code for u in unit_list)}
    audit_record(actor=actor, action="scheme.create", obj=scheme, unit=coordinator_org,
                 fiscal_year=fy.be_year, after=after)
    return scheme


@transaction.atomic
def scheme_update(
    *, actor: Actor, scheme: Scheme, name: str, rule_set: str = "", denominator: str = Denominator.CURRENT,
    series: dict[str, list[str]] | None = None,
) -> Scheme:
    """Change a scheme's name, rule set, denominator and category-to-series mapping."""
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    permissions.require_coordinator(actor, scheme.coordinator_org, scheme_code=scheme.code)
    if not (name or "").strip():
        raise ValidationError({"name": bilingual("ต้องระบุชื่อโครงการ", "a name is required")})
    if denominator not in Denominator.values:
        raise ValidationError({"denominator": bilingual(
            f"ฐานการคำนวณ '{denominator}' ไม่ถูกต้อง", f"unknown denominator '{denominator}'"
        )})
    series = validate_series(scheme.series if series is None else series)
    HOOKS.check_rule_set(rule_set=rule_set, kind=scheme.kind, series=series, org=scheme.coordinator_org)
    before = snapshot(scheme, SETTINGS_FIELDS)
    scheme.name, scheme.rule_set, scheme.denominator, scheme.series = name.strip(), rule_set.strip(), denominator, series
    after = snapshot(scheme, SETTINGS_FIELDS)
    if after != before:
        scheme.save(update_fields=SETTINGS_FIELDS)
        audit_record(actor=actor, action="scheme.update", obj=scheme, unit=scheme.coordinator_org,
                     fiscal_year=scheme.fiscal_year.be_year, before=before, after=after)
    return scheme


@transaction.atomic
def scheme_update_calendar(
    *,
    actor: Actor,
    scheme: Scheme,
    as_of_day: int | None,
    deadline_day: int,
    deadline_month_offset: int,
    lock_after_deadline: bool,
    today: date,
) -> Scheme:
    """Change the reporting calendar and re-date the periods still to come.

    A period keeps its dates once its deadline is before `today` or a report in it is accepted:
    those reports were judged (late flag, ledger movements) against the old dates.
    """
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    permissions.require_coordinator(actor, scheme.coordinator_org, scheme_code=scheme.code)
    validate_calendar(fiscal_year=scheme.fiscal_year, as_of_day=as_of_day, deadline_day=deadline_day,
                      deadline_month_offset=deadline_month_offset)
    before = snapshot(scheme, CALENDAR_FIELDS)
    scheme.as_of_day, scheme.deadline_day = as_of_day, deadline_day
    scheme.deadline_month_offset, scheme.lock_after_deadline = deadline_month_offset, lock_after_deadline
    after = snapshot(scheme, CALENDAR_FIELDS)
    moved = HOOKS.redate_periods(scheme, today)
    if after != before or moved:
        scheme.save(update_fields=CALENDAR_FIELDS)
        audit_record(actor=actor, action="scheme.calendar", obj=scheme, unit=scheme.coordinator_org,
                     fiscal_year=scheme.fiscal_year.be_year, before=before, after=after | {"periods": moved})
    return scheme


@transaction.atomic
def scheme_set_deadline_sets(*, actor: Actor, scheme: Scheme, deadline_sets: Iterable[str] | None) -> Scheme:
    """Choose the procurement deadline sets that judge the scheme's projects; None (or exactly the
    defaults) keeps "those of its own year and owner", which follows the shipped sets."""
    scheme = Scheme.objects.select_for_update().select_related("fiscal_year").get(pk=scheme.pk)
    permissions.require_coordinator(actor, scheme.coordinator_org, scheme_code=scheme.code)
    chosen = None if deadline_sets is None else list(dict.fromkeys(deadline_sets))
    if chosen is not None:
        HOOKS.check_deadline_sets(chosen)
        if sorted(chosen) == sorted(HOOKS.default_deadline_sets(scheme.fiscal_year.be_year, scheme.kind)):
            chosen = None
    if chosen != scheme.deadline_sets:
        before = snapshot(scheme, ["deadline_sets"])
        scheme.deadline_sets = chosen
        scheme.save(update_fields=["deadline_sets"])
        audit_record(actor=actor, action="scheme.deadline_sets", obj=scheme, unit=scheme.coordinator_org,
                     fiscal_year=scheme.fiscal_year.be_year, before=before, after=snapshot(scheme, ["deadline_sets"]))
    return scheme


@transaction.atomic
def scheme_set_units(*, actor: Actor, scheme: Scheme, units: Iterable[Org]) -> Scheme:
    """Set the units a scheme evaluates. A unit that has reported in the scheme cannot leave it."""
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    permissions.require_coordinator(actor, scheme.coordinator_org, scheme_code=scheme.code)
    unit_list = validate_units(coordinator_org=scheme.coordinator_org, units=units)
    old = set(scheme.units.all())
    new = set(unit_list)
    leaving = old - new
    reported = (
        Org.objects.filter(pk__in=[u.pk for u in leaving], reports__period__scheme=scheme).distinct().order_by("code")
    )
    if reported:
        codes = ", ".join(u.code for u in reported)
        raise ValidationError({"units": bilingual(
            f"นำหน่วยงาน {codes} ออกไม่ได้: มีรายงานในโครงการนี้แล้ว",
            f"units {codes} cannot leave: they have reports in this scheme",
        )})
    if old != new:
        scheme.units.set(unit_list)
        audit_record(actor=actor, action="scheme.units", obj=scheme, unit=scheme.coordinator_org,
                     fiscal_year=scheme.fiscal_year.be_year,
                     before={"units": sorted(u.code for u in old)}, after={"units": sorted(u.code for u in new)})
    return scheme
