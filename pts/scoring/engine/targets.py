"""Target curves: cumulative per-cent targets per fiscal month, from monthly or quarterly tables.

A target set file (rulesets/targets/*.toml) holds the curves of one publisher and fiscal year:

    [target_set]
    id = "cabinet-2568"
    fiscal_year = 2568
    [curves.overall.disbursed]
    quarterly = [27, 53, 75, 94]     # Q1..Q4; months between are interpolated linearly from 0
    [curves.capital.disbursed]
    monthly = ["-", 18, 29, ...]     # Oct..Sep; "-" = no target that month, "?" = not published
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from pts.core.thai import bilingual
from pts.scoring.engine import tomlread as t
from pts.scoring.engine.rules import Curve, Label, Measure

SHIPPED_DIR = Path(__file__).resolve().parent.parent / "rulesets"
MEASURES: tuple[Measure, ...] = ("disbursed", "spent")
_MISSING = {"-": "none", "?": "unknown"}


@dataclass(frozen=True)
class TargetSet:
    id: str
    label: Label
    fiscal_year: int
    curves: dict[tuple[str, str], Curve]


def _target_value(value: Any) -> Fraction | str:
    if isinstance(value, str) and value.strip() in _MISSING:
        return _MISSING[value.strip()]
    try:
        return t.percent(value)
    except t.Invalid:
        raise t.Invalid(
            'ต้องเป็นร้อยละ 0-100, "-" (ไม่มีเป้า) หรือ "?" (ยังไม่ประกาศ)',
            'must be a per cent 0-100, "-" (no target) or "?" (not published)',
        ) from None


def interpolate_quarters(quarters: list[Fraction | str]) -> tuple[list[Fraction | None], list[str | None]]:
    """Four quarter-end values -> twelve monthly values, linear from 0 at the start of the year.

    A month between two quarter ends is unknown when either end is unknown: nothing is invented.
    """
    values: list[Fraction | None] = []
    missing: list[str | None] = []
    for k in range(12):
        quarter, position = divmod(k, 3)
        current = quarters[quarter]
        previous = Fraction(0) if quarter == 0 else quarters[quarter - 1]
        if position == 2:
            value = current
        elif isinstance(current, Fraction) and isinstance(previous, Fraction):
            value = previous + (current - previous) * (position + 1) / 3
        else:
            value = "unknown"
        values.append(value if isinstance(value, Fraction) else None)
        missing.append(None if isinstance(value, Fraction) else str(value))
    return values, missing


def read_curves(table: t.Table | None, source: str) -> dict[tuple[str, str], Curve]:
    """[curves.<curve id>.<measure>] tables -> curves keyed by (curve id, measure)."""
    curves: dict[tuple[str, str], Curve] = {}
    if table is None:
        return curves
    for curve_id, by_measure in table.subtables():
        for measure, spec in by_measure.subtables():
            known = next((m for m in MEASURES if m == measure), None)
            if known is None:
                by_measure.error(measure, "ต้องเป็น disbursed หรือ spent", "must be disbursed or spent")
                continue
            curve = _read_curve(spec, curve_id, known, source)
            if curve is not None:
                curves[(curve_id, measure)] = curve
            spec.done()
    return curves


def _read_curve(spec: t.Table, curve_id: str, measure: Measure, source: str) -> Curve | None:
    note = spec.get("source", t.text, "") or source
    if ("monthly" in spec) == ("quarterly" in spec):
        spec.error(None, "ต้องมี monthly หรือ quarterly อย่างใดอย่างหนึ่ง", "needs exactly one of monthly or quarterly")
        spec.seen.update(("monthly", "quarterly"))
        return None
    kind: Literal["monthly", "quarterly"] = "monthly" if "monthly" in spec else "quarterly"
    raw = spec.get(kind, t.list_of(_target_value))
    if raw is None:
        return None
    expected = 12 if kind == "monthly" else 4
    if len(raw) != expected:
        spec.error(
            kind,
            f"ต้องมี {expected} ค่า (มี {len(raw)})",
            f"needs {expected} values, {'Oct..Sep' if expected == 12 else 'Q1..Q4'} (has {len(raw)})",
        )
        return None
    if kind == "monthly":
        values = [v if isinstance(v, Fraction) else None for v in raw]
        missing = [None if isinstance(v, Fraction) else v for v in raw]
    else:
        values, missing = interpolate_quarters(raw)
    known = [v for v in values if v is not None]
    if any(b < a for a, b in zip(known, known[1:], strict=False)):
        spec.error(kind, "เป้าหมายสะสมต้องไม่ลดลง", "cumulative targets must not decrease")
    return Curve(curve_id, measure, tuple(values), tuple(missing), kind, note)


def shipped_ids(subdir: str = "") -> tuple[str, ...]:
    """The registry of shipped files: rule sets (subdir "") or target sets ("targets")."""
    return tuple(sorted(p.stem for p in (SHIPPED_DIR / subdir).glob("*.toml")))


def resolve(ref: str, base_dir: Path | None, subdir: str = "") -> Path | None:
    """A file reference: a path relative to base_dir, a file beside it, else a shipped id.

    Without a base_dir (a rule set that is not a file: the database's, a probe) only the shipped
    registry answers, and a name outside it is refused before any file is opened.
    """
    if ref.endswith(".toml") or "/" in ref or "\\" in ref:
        if base_dir is None:
            return None
        path = base_dir / ref
        return path if path.is_file() else None
    if base_dir is not None and (base_dir / subdir / f"{ref}.toml").is_file():
        return base_dir / subdir / f"{ref}.toml"
    return SHIPPED_DIR / subdir / f"{ref}.toml" if ref in shipped_ids(subdir) else None


def load_target_set(ref: str, base_dir: Path | None = None) -> TargetSet:
    path = resolve(ref, base_dir, "targets")
    if path is None:
        shipped = ", ".join(shipped_ids("targets"))
        raise t.RuleSetError(
            [bilingual(f"ไม่พบชุดเป้าหมาย '{ref}' (ที่มี: {shipped})", f"no target set '{ref}' (shipped: {shipped})")]
        )
    return parse_target_set(path.read_text(encoding="utf-8"), source=path.name)


def parse_target_set(text: str, *, source: str = "<targets>") -> TargetSet:
    doc = t.Doc(text, source)
    root = t.Table(doc, doc.parse(), ())
    head = root.table("target_set", required=True)
    ts_id, fiscal_year, label = "", 0, Label("", "")
    if head is not None:
        ts_id = head.get("id", t.ident) or ""
        fiscal_year = head.get("fiscal_year", t.integer) or 0
        label = Label(*head.label())
        head.get("source", t.text, "")
        head.done()
    curves = read_curves(root.table("curves", required=True), source)
    root.done()
    doc.check()
    return TargetSet(ts_id, label, fiscal_year, curves)
