"""`pts plan`: print a procurement milestone plan on the Thai working-day calendar.

    pts plan --value 1,500,000 --start 2023-11-01
    pts plan --value ๒๕๐๐๐๐๐ --target-contract 31/12/2566 --method e-bidding --format json
    pts plan --value 800000 --start 2023-11-01 --extra-holiday 2023-11-27 --extra-holiday 2023-11-28
    pts plan --value 1500000 --start 2025-10-06 --fiscal-year 2569 --scheme-kind department

With --fiscal-year the planned contract and payment are also judged by the deadline sets that apply
to a scheme of that year and kind (or those named with --deadline-set), each due date on the last
working day on or before it; the JSON is then {"milestones": [...], "deadlines": [...]}.

Dates may be ISO (CE), day/month/year (BE above 2400, or a two-digit BE year: 31/8/66) or Thai
("15 พ.ย. 66"), Thai digits too; digits of other scripts are refused.
Notes (a start date moved off a holiday) go to stderr so that JSON on stdout stays clean.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from datetime import date
from typing import Any

from pts.core.categories import category_code
from pts.core.cli import UsageError
from pts.core.fiscal import FiscalError, parse_date, thai_date
from pts.core.money import MoneyError, format_baht, parse_satang
from pts.core.thai import bilingual, foreign_digit, foreign_digit_message
from pts.procurement.deadlines import (
    APPLIES_TO,
    DeadlineCheck,
    DeadlineError,
    ProjectFacts,
    available_schemes,
    check_deadlines,
    default_sets,
)
from pts.procurement.schedule import (
    CONTRACT,
    Plan,
    PlannedMilestone,
    ScheduleError,
    generate_plan,
    load_template,
)
from pts.procurement.workdays import CalendarError, WorkCalendar, calendar_for

FORMATS = ("table", "json")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--value", required=True, metavar="BAHT", help="project value in baht (Thai digits accepted)"
    )
    parser.add_argument("--start", metavar="DATE", help="plan forward from this date (first milestone)")
    parser.add_argument(
        "--target-contract", metavar="DATE", help="plan backwards so the contract is signed by this date"
    )
    parser.add_argument(
        "--method", default="e-bidding", help="e-bidding (default), e-market, selection, specific"
    )
    parser.add_argument(
        "--format", default="table", metavar="FORMAT", help="table (default, BE dates) or json"
    )
    parser.add_argument(
        "--extra-holiday",
        action="append",
        default=[],
        metavar="DATE",
        help="an extra non-working day declared by the cabinet or the coordinator (repeatable)",
    )
    parser.add_argument(
        "--include-optional",
        action="store_true",
        help="keep optional steps (the draft hearing up to 5 M baht)",
    )
    parser.add_argument(
        "--fiscal-year", metavar="BE", help="judge the plan by the deadline sets of this fiscal year (BE)"
    )
    parser.add_argument(
        "--scheme-kind",
        default="province",
        metavar="KIND",
        help="province (default) or department: whose deadline sets apply with --fiscal-year",
    )
    parser.add_argument(
        "--deadline-set",
        action="append",
        default=[],
        metavar="ID",
        help="judge by this deadline set instead of the defaults of the year and kind (repeatable)",
    )
    parser.add_argument("--multi-year", action="store_true", help="a multi-year contract (with --fiscal-year)")
    parser.add_argument(
        "--category", default="capital", metavar="CATEGORY", help="budget category (default capital)"
    )


def _date(text: str, option: str) -> date:
    try:
        return parse_date(text)
    except FiscalError as exc:
        raise UsageError(f"{option}: {exc}") from exc


def run(args: argparse.Namespace) -> int:
    if args.format not in FORMATS:
        raise UsageError(
            bilingual(
                f"--format ต้องเป็น table หรือ json (ได้ '{args.format}')",
                f"--format must be table or json (got '{args.format}')",
            )
        )
    if (args.start is None) == (args.target_contract is None):
        raise UsageError(
            bilingual(
                "ระบุ --start หรือ --target-contract อย่างใดอย่างหนึ่ง",
                "give exactly one of --start and --target-contract",
            )
        )
    if (ch := foreign_digit(args.value)) is not None:  # parse_satang's \d would read them
        raise UsageError(f"--value: {foreign_digit_message(args.value, ch)}")
    try:
        value = parse_satang(args.value)
    except MoneyError as exc:
        raise UsageError(f"--value: {exc}") from exc
    if value <= 0:
        raise UsageError(
            bilingual(
                f"--value: วงเงินต้องมากกว่าศูนย์ (ได้ '{args.value}')",
                f"--value: must be above zero (got '{args.value}')",
            )
        )
    start = _date(args.start, "--start") if args.start is not None else None
    target = _date(args.target_contract, "--target-contract") if args.target_contract is not None else None
    extra = [_date(text, "--extra-holiday") for text in args.extra_holiday]
    fiscal_year = _fiscal_year(args)
    calendar = calendar_for(extra)
    try:
        plan = generate_plan(
            value_satang=value,
            method=args.method,
            start=start,
            target_contract=target,
            calendar=calendar,
            include_optional=args.include_optional,
        )
        checks = _deadlines(args, plan, fiscal_year, calendar) if fiscal_year is not None else None
    except (ScheduleError, CalendarError, DeadlineError) as exc:
        raise UsageError(str(exc)) from exc
    for note in plan.notes:
        print(note, file=sys.stderr)
    if args.format == "json":
        print(_json(plan) if checks is None else _json_with_deadlines(plan, checks))
    else:
        print(_table(plan) if checks is None else _table(plan) + "\n\n" + _deadline_table(checks))
    return 0


def _fiscal_year(args: argparse.Namespace) -> int | None:
    if args.fiscal_year is None:
        if args.deadline_set or args.multi_year:
            raise UsageError(bilingual("--deadline-set และ --multi-year ใช้คู่กับ --fiscal-year",
                                       "--deadline-set and --multi-year go with --fiscal-year"))
        return None
    text = str(args.fiscal_year).translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")).strip()
    if not text.isdigit() or not 2400 < int(text) < 2800:
        raise UsageError(bilingual(f"--fiscal-year: ต้องเป็นปี พ.ศ. เช่น 2569 (ได้ '{args.fiscal_year}')",
                                   f"--fiscal-year: must be a BE year such as 2569 (got '{args.fiscal_year}')"))
    kinds = [k for k in APPLIES_TO if k != "all"]
    if args.scheme_kind not in kinds:
        raise UsageError(bilingual(f"--scheme-kind ต้องเป็น {' หรือ '.join(kinds)} (ได้ '{args.scheme_kind}')",
                                   f"--scheme-kind must be {' or '.join(kinds)} (got '{args.scheme_kind}')"))
    known = available_schemes()
    unknown = [s for s in args.deadline_set if s not in known]
    if unknown:
        raise UsageError(bilingual(f"--deadline-set: ไม่รู้จัก {', '.join(unknown)} (มี {', '.join(known)})",
                                   f"--deadline-set: unknown {', '.join(unknown)} (known: {', '.join(known)})"))
    category = category_code(args.category)
    if category is None:
        raise UsageError(bilingual(f"--category: ไม่รู้จักหมวดงบ '{args.category}'",
                                   f"--category: unknown budget category '{args.category}'"))
    args.category = category
    return int(text)


def _deadlines(args: argparse.Namespace, plan: Plan, fiscal_year: int, calendar: WorkCalendar) -> list[DeadlineCheck]:
    """The planned contract and payment judged by the sets that apply (as planned: nothing done yet)."""
    sets = args.deadline_set or default_sets(fiscal_year, args.scheme_kind)
    facts = ProjectFacts(
        value_satang=plan.value_satang, fiscal_year=fiscal_year, multi_year=args.multi_year,
        category=args.category, forecast_contract_date=plan.planned(CONTRACT),
        forecast_payment_date=plan.planned("payment"),
    )
    return check_deadlines(facts, today=date.min, schemes=sets, calendar=calendar)


def _check_row(check: DeadlineCheck) -> dict[str, Any]:
    return {
        "id": check.id, "kind": check.rule.kind, "name_th": check.rule.name_th, "name_en": check.rule.name_en,
        "due": check.due.isoformat(), "due_th": thai_date(check.due),
        "named_date": (check.nominal_due or check.due).isoformat(),
        "planned": check.forecast.isoformat() if check.forecast else None,
        "meets": None if check.forecast is None else check.forecast <= check.due,
    }  # fmt: skip


def _json_with_deadlines(plan: Plan, checks: list[DeadlineCheck]) -> str:
    data = {"milestones": [_row(item) for item in plan.items], "deadlines": [_check_row(c) for c in checks]}
    return json.dumps(data, ensure_ascii=False, indent=2)


def _deadline_table(checks: list[DeadlineCheck]) -> str:
    if not checks:
        return "ไม่มีกำหนดเวลาที่ใช้กับโครงการนี้ / no deadline applies"
    lines = ["กำหนดเวลา / deadlines:"]
    for c in checks:
        verdict = "-" if c.forecast is None else (
            "ทันตามแผน / meets it as planned" if c.forecast <= c.due else "ไม่ทันตามแผน / misses it as planned")
        moved = f" (แทน {thai_date(c.nominal_due)} ซึ่งเป็นวันหยุด)" if c.nominal_due else ""
        lines.append(f"  {c.rule.name_th}: กำหนด {thai_date(c.due)}{moved} · {verdict}")
    return "\n".join(lines)


def _row(item: PlannedMilestone) -> dict[str, Any]:
    """One milestone as JSON: CE ISO date (and the BE one), the rules behind its limits with their sources."""
    return {
        "id": item.id,
        "seq": item.milestone.seq,
        "name_th": item.name_th,
        "name_en": item.name_en,
        "egp_code": item.milestone.egp_code,
        "planned": item.planned.isoformat(),
        "planned_th": thai_date(item.planned),
        "gap_working_days": item.gap_working_days,
        "min_working_days": item.min_working_days,
        "min_after": item.min_after,
        "max_working_days": item.max_working_days,
        "rules": [
            {"id": r.id, "kind": r.kind, "from": r.from_id, "working_days": r.working_days,
             "source": r.source, "confirmed": r.confirmed}
            for r in item.rules
        ],
    }  # fmt: skip


def _json(plan: Plan) -> str:
    return json.dumps([_row(item) for item in plan.items], ensure_ascii=False, indent=2)


def _width(text: str) -> int:
    """Columns a terminal gives the text: Thai vowel and tone marks above or below take none."""
    return sum(0 if unicodedata.combining(ch) or unicodedata.category(ch) == "Mn" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _table(plan: Plan) -> str:
    template = load_template(plan.template_id)
    header = (
        f"{template.name_th}\n"
        f"วิธี / method: {plan.method.name_th} · วงเงิน / value: {format_baht(plan.value_satang)} บาท · "
        f"{plan.band.name_th} / {plan.band.name_en}"
    )
    rows = [("#", "id", "ขั้นตอน / milestone", "วันที่ตามแผน / planned", "ห่าง / gap", "ขั้นต่ำ / min")]
    for item in plan.items:
        limit = "-"
        if item.min_working_days is not None:
            limit = str(item.min_working_days)
        elif item.max_working_days is not None:
            limit = f"≤ {item.max_working_days}"
        gap = "" if item.gap_working_days is None else str(item.gap_working_days)
        label = item.milestone.label_th
        rows.append((str(item.milestone.seq), item.id, label, thai_date(item.planned), gap, limit))
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    footer = "ห่าง/ขั้นต่ำ เป็นวันทำการ / gap and minimum are in working days"
    return "\n".join([header, "", *lines, "", footer])
