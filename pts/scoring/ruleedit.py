"""Editing a rule set in forms: the fields a coordinator may change, their labels in the users'
words, applying typed values, and the difference between two versions. Pure: no Django.

A rule set is edited as the dict `tomllib` reads from its TOML (floats as Decimal); the edited dict
is written back by `engine.tomlwrite` and checked by the engine's loader, so the file format stays
the contract. Fields are found in the dict, not listed here: whatever curves, criteria parts, step
tables, bands, causes and awards a rule set has get a field, and every `[options]` key the engine
reads (`engine.options`) gets one with its label, help, named choices and default.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pts.core.fiscal import fiscal_months
from pts.core.thai import normalize_digits
from pts.scoring.engine.options import BY_KEY, OPTIONS, Option

Path = tuple[str | int, ...]
MEASURES = {"disbursed": ("เบิกจ่าย", "disbursed"), "spent": ("ใช้จ่าย", "spent")}
MISSING = {"-": ("ไม่มีเป้า", "no target"), "?": ("ยังไม่ทราบ", "unknown")}
KEY_LABELS = {
    "points": ("คะแนน", "points"), "max": ("คะแนนเต็ม", "maximum"), "target": ("เป้าหมาย (%)", "target (%)"),
    "cap": ("หักได้ไม่เกิน", "cap"), "weight": ("น้ำหนัก", "weight"), "min_total": ("คะแนนรวมขั้นต่ำ", "minimum total"),
    "above": ("เงินจัดสรรมากกว่า (บาท)", "allocation above (baht)"), "label_th": ("ชื่อ (ไทย)", "Thai title"),
    "label_en": ("ชื่อ (อังกฤษ)", "English title"), "version": ("รุ่น", "version"),
    "targets": ("ชุดเป้าหมาย", "target set"), "partial": ("การให้คะแนนบางส่วน", "partial marks"),
    "at": ("จุดวัด", "checkpoints"), "series": ("อนุกรม", "series"), "steps": ("ตารางขั้นคะแนน", "step table"),
    "bands": ("ช่วงคะแนน", "bands"), "first": ("เดือนแรก", "first month"), "last": ("เดือนสุดท้าย", "last month"),
    "template": ("เป็นแม่แบบ", "template"), "fiscal_year": ("ปีงบประมาณ", "fiscal year"),
    "categories": ("หมวดงบ", "categories"), "tags": ("ป้ายกิจกรรม", "tags"), "curve": ("เส้นเป้าหมาย", "curve"),
}


@dataclass(frozen=True)
class Field:
    """One value a coordinator may change: where it is in the rule set, what people call it."""

    path: Path
    th: str
    en: str
    kind: str  # "target" (per cent, "-" or "?"), "percent", "number", "bool", "text", "option" (one of choices)
    group_th: str
    group_en: str
    value: Any
    choices: tuple[tuple[str, str, str], ...] = ()
    short_th: str = ""  # a column heading where the group is laid out as one row (a curve)
    short_en: str = ""
    help_th: str = ""  # what the value does, and its default (an option)
    help_en: str = ""

    @property
    def name(self) -> str:
        """The form field's name (never shown)."""
        return "f-" + "-".join(str(p) for p in self.path)

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.th

    def help(self, lang: str) -> str:
        return self.help_en if lang == "en" else self.help_th


def load(text: str) -> dict[str, Any]:
    return tomllib.loads(text, parse_float=Decimal)


def _title(node: Any, fallback: str) -> tuple[str, str]:
    if isinstance(node, dict):
        th = str(node.get("label_th") or node.get("id") or fallback)
        return th, str(node.get("label_en") or th)
    return fallback, fallback


def _series_title(doc: dict[str, Any], sid: str) -> tuple[str, str]:
    series = doc.get("series", {})
    if sid in series:
        return _title(series[sid], sid)
    for s in series.values():  # a curve named after no series: the first series that uses it
        if isinstance(s, dict) and s.get("curve") == sid:
            return _title(s, sid)
    return sid, sid


def _months(doc: dict[str, Any]) -> list[tuple[str, str]]:
    year = doc.get("ruleset", {}).get("fiscal_year")
    if isinstance(year, int) and 2400 <= year <= 2800:
        return [(m.thai_short(), m.iso()) for m in fiscal_months(year)]
    return [(f"เดือนที่ {i}", f"month {i}") for i in range(1, 13)]


def _round_ids(doc: dict[str, Any]) -> list[str]:
    return [str(r.get("id")) for r in doc.get("rounds", []) if isinstance(r, dict)]


def fields(doc: dict[str, Any]) -> list[Field]:
    return list(_fields(doc))


def _fields(doc: dict[str, Any]) -> Iterator[Field]:
    present = doc.get("options") or {}
    for option in OPTIONS:  # every option the engine reads (the loader refuses any other key)
        yield _option_field(option, present.get(option.key, option.default))
    for cid, by_measure in (doc.get("curves") or {}).items():
        s_th, s_en = _series_title(doc, cid)
        for measure, spec in (by_measure or {}).items():
            m_th, m_en = MEASURES.get(measure, (measure, measure))
            g_th, g_en = f"เป้าหมายสะสม {s_th} ({m_th})", f"cumulative targets, {s_en} ({m_en})"
            if isinstance(spec.get("quarterly"), list):
                for i, v in enumerate(spec["quarterly"]):
                    yield Field(("curves", cid, measure, "quarterly", i), f"เป้าหมายไตรมาส {i + 1} (%) {s_th} {m_th}",
                                f"Q{i + 1} target (%), {s_en} {m_en}", "target", g_th, g_en, v,
                                short_th=f"ไตรมาส {i + 1}", short_en=f"Q{i + 1}")
            elif isinstance(spec.get("monthly"), list):
                months = _months(doc)
                for i, v in enumerate(spec["monthly"]):
                    mth, men = months[i] if i < len(months) else (str(i + 1), str(i + 1))
                    yield Field(("curves", cid, measure, "monthly", i), f"เป้าหมาย {mth} (%) {s_th} {m_th}",
                                f"target {men} (%), {s_en} {m_en}", "target", g_th, g_en, v, short_th=mth, short_en=men)
    for i, rnd in enumerate(doc.get("rounds") or []):
        r_th, r_en = _title(rnd, f"รอบ {rnd.get('id')}")
        if "max" in rnd:
            yield Field(("rounds", i, "max"), f"คะแนนเต็มของ{r_th}", f"maximum of {r_en}", "number", "รอบการประเมิน",
                        "rounds", rnd["max"])
    rounds = _round_ids(doc)
    for i, crit in enumerate(doc.get("criteria") or []):
        yield from _criterion_fields(doc, i, crit, rounds)
    for i, award in enumerate(doc.get("awards") or []):
        a_th, a_en = _title(award, f"รางวัล {i + 1}")
        if "min_total" in award:
            yield Field(("awards", i, "min_total"), f"คะแนนรวมขั้นต่ำ {a_th}", f"minimum total, {a_en}", "number",
                        "รางวัล", "awards", award["min_total"])


def _criterion_fields(doc: dict[str, Any], i: int, crit: dict[str, Any], rounds: list[str]) -> Iterator[Field]:
    c_th, c_en = _title(crit, f"เกณฑ์ที่ {i + 1}")
    cid = str(crit.get("id", ""))
    number = f"{cid} " if cid[:1].isdigit() else ""  # "4.1" is what people call it; "plan" is an id
    g_th, g_en = f"{number}{c_th}", f"{number}{c_en}"
    base: Path = ("criteria", i)
    if "max" in crit:
        yield Field(base + ("max",), f"คะแนนเต็ม {g_th}", f"maximum, {g_en}", "number", g_th, g_en, crit["max"])
    if "cap" in crit:
        yield Field(base + ("cap",), f"หักรวมได้ไม่เกิน {g_th}", f"total cap, {g_en}", "number", g_th, g_en, crit["cap"])
    for j, part in enumerate(crit.get("parts") or []):
        s_th, s_en = _series_title(doc, str(part.get("series", "")))
        p = base + ("parts", j)
        if "points" in part:
            yield Field(p + ("points",), f"คะแนน {s_th} ({g_th})", f"points, {s_en} ({g_en})", "number", g_th, g_en,
                        part["points"])
        if "max" in part:
            yield Field(p + ("max",), f"คะแนนเต็ม {s_th} ({g_th})", f"maximum, {s_en} ({g_en})", "number", g_th, g_en,
                        part["max"])
        target = part.get("target")
        if isinstance(target, dict):
            for r, v in target.items():
                if v != "curve":
                    yield Field(p + ("target", r), f"เป้าหมายรอบ {r} (%) {s_th} ({g_th})",
                                f"round {r} target (%), {s_en} ({g_en})", "percent", g_th, g_en, v)
        elif target is not None and target != "curve":
            yield Field(p + ("target",), f"เป้าหมาย (%) {s_th} ({g_th})", f"target (%), {s_en} ({g_en})", "percent",
                        g_th, g_en, target)
        steps = part.get("steps")
        tables = steps.items() if isinstance(steps, dict) else [(None, steps)] if isinstance(steps, list) else []
        for r, rows in tables:
            for k, row in enumerate(rows or []):
                if isinstance(row, list) and len(row) == 2:
                    where_th = f" รอบ {r}" if r is not None else ""
                    where_en = f", round {r}" if r is not None else ""
                    path = p + (("steps", r, k, 1) if r is not None else ("steps", k, 1))
                    yield Field(path, f"คะแนนเมื่อตรงเป้า {row[0]} เดือน{where_th} {s_th} ({g_th})",
                                f"points for {row[0]} months on target{where_en}, {s_en} ({g_en})", "number",
                                g_th, g_en, row[1])
    for k, band in enumerate(crit.get("bands") or []):
        if isinstance(band, list) and len(band) == 2:
            yield Field(base + ("bands", k, 0), f"ช่วงที่ {k + 1} ตั้งแต่ (%) ({g_th})",
                        f"band {k + 1} from (%) ({g_en})", "percent", g_th, g_en, band[0])
            yield Field(base + ("bands", k, 1), f"ช่วงที่ {k + 1} คะแนน ({g_th})", f"band {k + 1} points ({g_en})",
                        "number", g_th, g_en, band[1])
    for j, cause in enumerate(crit.get("causes") or []):
        k_th, k_en = _title(cause, f"สาเหตุ {j + 1}")
        for key, (th, en) in (("points", ("หักครั้งละ", "points per occurrence")), ("cap", ("หักได้ไม่เกิน", "cap"))):
            if key in cause:
                yield Field(base + ("causes", j, key), f"{th} {k_th}", f"{en}, {k_en}", "number", g_th, g_en, cause[key])


def _option_field(option: Option, value: Any) -> Field:
    """An `[options]` key as its declarative description says: label, help, named choices, default."""
    choices = tuple((choice_key(c), *_names(option, c)) for c in option.choices)
    d_th, d_en = _names(option, option.default)
    return Field(("options", option.key), option.label_th, option.label_en, "option", "ตัวเลือกการคิดคะแนน",
                 "scoring options", value, choices,
                 help_th=f"{option.help_th} (ค่าเริ่มต้น: {d_th})", help_en=f"{option.help_en} (default: {d_en})")


def choice_key(value: Any) -> str:
    """A choice as a form sends it: true / false for a bool, the value's text otherwise."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _names(option: Option, value: Any) -> tuple[str, str]:
    if option.names:
        return option.name(value, "th"), option.name(value, "en")
    if isinstance(value, bool):
        return ("ใช่", "yes") if value else ("ไม่ใช่", "no")
    return str(value), str(value)


def with_targets(doc: dict[str, Any], target_set: dict[str, Any]) -> dict[str, Any]:
    """`doc` with the curves of its target set written into its own [curves] (its own curves win),
    so that an in-app rule set carries every target it is edited and scored with."""
    out = copy.deepcopy(doc)
    curves = out.setdefault("curves", {})
    for cid, by_measure in (target_set.get("curves") or {}).items():
        for measure, spec in (by_measure or {}).items():
            curves.setdefault(cid, {}).setdefault(measure, copy.deepcopy(spec))
    return out


def shown(value: Any) -> str:
    """A rule-set value as a person reads it in a form or a difference."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "ใช่" if value else "ไม่ใช่"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    if isinstance(value, list):
        return "[" + ", ".join(shown(v) for v in value) + "]"
    return str(value)


def _number(text: str) -> int | Decimal:
    value = Decimal(normalize_digits(text).strip().replace(",", "").replace("_", ""))
    if not value.is_finite():
        raise InvalidOperation
    if value == value.to_integral_value() and "." not in text:
        return int(value)
    return value


def parse_value(field: Field, raw: Any) -> tuple[Any, str | None]:
    """(the TOML value, None) or (None, the Thai / English error naming the field)."""
    if field.kind == "bool":
        return bool(raw), None
    text = normalize_digits(str(raw if raw is not None else "")).strip()
    if field.kind == "option":
        option = BY_KEY[str(field.path[-1])]
        for choice in option.choices:
            if choice_key(choice) == text:
                return choice, None
        names_th = ", ".join(c[1] for c in field.choices)
        names_en = ", ".join(c[2] for c in field.choices)
        return None, (f'{field.th}: "{text}" ไม่ใช่ตัวเลือกที่มี ({names_th}) / '
                      f'{field.en}: "{text}" is not one of the choices ({names_en})')
    if field.kind == "text":
        if not text:
            return None, f"{field.th}: ต้องระบุค่า / {field.en}: a value is required"
        if text.isdigit() and not isinstance(field.value, str):
            return int(text), None
        if text.isdigit() and field.choices and any(c[0] == text for c in field.choices):
            return int(text), None  # percent_rounding = 2 is an integer in the file
        return text, None
    if field.kind == "target" and text in MISSING:
        return text, None
    try:
        value = _number(text)
    except (InvalidOperation, ValueError):
        if field.kind == "target":
            return None, (f'{field.th}: "{text}" ไม่ใช่ร้อยละ 0–100, "-" (ไม่มีเป้า) หรือ "?" (ยังไม่ทราบ) / '
                          f'{field.en}: "{text}" is not a per cent 0-100, "-" (no target) or "?" (unknown)')
        return None, f'{field.th}: "{text}" ไม่ใช่ตัวเลข / {field.en}: "{text}" is not a number'
    if value < 0 or (field.kind in ("target", "percent") and value > 100):
        limit_th, limit_en = ("0–100", "0-100") if field.kind in ("target", "percent") else ("0 ขึ้นไป", "0 or more")
        return None, f"{field.th}: {text} ต้องอยู่ในช่วง {limit_th} / {field.en}: {text} must be {limit_en}"
    return value, None


def _set(doc: Any, path: Path, value: Any) -> None:
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value


def get(doc: Any, path: Path) -> Any:
    node = doc
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def apply(doc: dict[str, Any], values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """A copy of `doc` with the typed values (by form field name) set; errors by field name.
    A field left out of `values` keeps its value, except checkboxes (unticked = absent)."""
    out = copy.deepcopy(doc)
    errors: dict[str, str] = {}
    for field in fields(doc):
        if field.name not in values and field.kind != "bool":
            continue
        value, error = parse_value(field, values.get(field.name))
        if error:
            errors[field.name] = error
        elif field.kind == "option" and get(out, field.path) is None:
            if not _same_choice(value, BY_KEY[str(field.path[-1])].default):  # the default stays unwritten
                out.setdefault("options", {})[field.path[-1]] = value
        else:
            _set(out, field.path, value)
    return out, errors


def _same_choice(a: Any, b: Any) -> bool:
    return a == b and type(a) is type(b)


def field_for(doc: dict[str, Any], path: Path) -> Field | None:
    """The field a loader error at `path` belongs to: the same path, or the nearest one around it."""
    every = fields(doc)
    for f in every:
        if f.path == tuple(path):
            return f
    inside = [f for f in every if f.path[: len(path)] == tuple(path)]
    if inside:
        return inside[0]
    around = [f for f in every if tuple(path)[: len(f.path)] == f.path]
    return around[-1] if around else None


def path_label(doc: dict[str, Any], path: Path, lang: str = "th") -> str:
    """Any key path of a rule set in the users' words (for differences and errors without a field)."""
    field = next((f for f in fields(doc) if f.path == tuple(path)), None)
    if field is not None:
        return field.label(lang)
    words: list[str] = []
    node: Any = doc
    index = 1 if lang == "en" else 0
    for step in path:
        child = node[step] if isinstance(node, dict) and step in node else (
            node[step] if isinstance(node, list) and isinstance(step, int) and step < len(node) else None)
        if isinstance(step, int):
            words.append(_title(child, f"#{step + 1}")[index] if isinstance(child, dict) else f"#{step + 1}")
        elif isinstance(node, dict) and (node is doc.get("series") or node is doc.get("curves")):
            words.append((_series_title(doc, step))[index])
        elif step in KEY_LABELS:
            words.append(KEY_LABELS[step][index])
        elif node is doc.get("options") and step in BY_KEY:
            words.append(BY_KEY[step].label_en if lang == "en" else BY_KEY[step].label_th)
        elif step in MEASURES:
            words.append(MEASURES[step][index])
        elif step not in ("criteria", "parts", "causes", "items", "groups", "ruleset"):
            words.append(str(step).replace("_", " "))
        node = child
    return " · ".join(w for w in words if w) or ("ทั้งชุดเกณฑ์" if lang != "en" else "the whole rule set")


def _flat(node: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _flat(value, path + (key,))
    elif isinstance(node, list) and node and all(isinstance(v, dict) for v in node):
        for i, value in enumerate(node):
            yield from _flat(value, path + (i,))
    elif isinstance(node, list) and any(isinstance(v, list) for v in node):
        for i, value in enumerate(node):
            yield from _flat(value, path + (i,))
    elif isinstance(node, list) and path[:1] == ("curves",):
        for i, value in enumerate(node):
            yield path + (i,), value
    else:
        yield path, node


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


def diff(old: dict[str, Any], new: dict[str, Any], lang: str = "th") -> list[Change]:
    """Field by field, what changed from `old` to `new`, labelled in the users' words."""
    before = dict(_flat(old))
    after = dict(_flat(new))
    out = []
    for path in list(before) + [p for p in after if p not in before]:
        a, b = before.get(path), after.get(path)
        if _is_num(a) and _is_num(b):
            if Decimal(str(a)) == Decimal(str(b)):  # 50 and 50.0 are the same target
                continue
        elif a == b and type(a) is type(b):
            continue
        option = BY_KEY.get(str(path[1])) if len(path) == 2 and path[0] == "options" else None
        if option is not None:  # an option by its named choices; a key left out is its default
            a_words = option.name(option.default if path not in before else a, lang)
            b_words = option.name(option.default if path not in after else b, lang)
            if a_words != b_words:
                out.append(Change(path_label(new if path in after else old, path, lang), a_words, b_words))
            continue
        out.append(Change(path_label(new if path in after else old, path, lang), shown(a), shown(b)))
    return out


def _is_num(value: Any) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)
