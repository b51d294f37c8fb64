"""Load a rule set from TOML and validate everything before any unit is scored.

The file format is described in rulesets/README.md; every number lives in the file. Errors
name the file, line, key path and value, in Thai and English, and all of them are reported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from pts.core.fiscal import Month, fiscal_months
from pts.core.thai import bilingual
from pts.scoring.engine import tomlread as t
from pts.scoring.engine.inputs import CATEGORIES
from pts.scoring.engine.options import OPTIONS
from pts.scoring.engine.rules import (
    AbsentPolicy,
    Award,
    Band,
    Cause,
    Criterion,
    Curve,
    Denominator,
    EvidenceItem,
    Kind,
    Label,
    Measure,
    Options,
    Partial,
    Round,
    RuleSet,
    Series,
    SizeGroup,
    Step,
    StepPart,
    ThresholdPart,
    checkpoints,
)
from pts.scoring.engine.targets import load_target_set, read_curves, resolve, shipped_ids

KINDS: tuple[Kind, ...] = ("evidence", "months_on_target", "threshold", "banded", "deductions")
POLICIES: tuple[AbsentPolicy, ...] = ("reweight", "zero", "full")
_kind = t.literal(*KINDS)
_absent = t.literal(*POLICIES)
_measure: Callable[[Any], Measure] = t.literal("disbursed", "spent")
_denominator: Callable[[Any], Denominator] = t.literal("current", "original")
_partial: Callable[[Any], Partial] = t.literal("none", "items", "proportional")


def shipped_rulesets() -> list[str]:
    return list(shipped_ids())


def load_ruleset(ref: str | Path) -> RuleSet:
    """A shipped rule-set id ("doh-kpi23-2566") or a path to a .toml file."""
    path = Path(ref) if Path(ref).is_file() else resolve(str(ref), None)
    if path is None:
        shipped = ", ".join(shipped_rulesets())
        raise t.RuleSetError(
            [bilingual(f"ไม่พบชุดเกณฑ์ '{ref}' (ที่มี: {shipped})", f"no rule set '{ref}' (shipped: {shipped})")]
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise t.RuleSetError(
            [f"{path.name}: " + bilingual(f"อ่านไฟล์ไม่ได้ ({exc.strerror})", f"cannot read the file ({exc.strerror})")]
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise t.RuleSetError(
            [f"{path.name}: " + bilingual("ไฟล์ต้องเป็น UTF-8", "the file must be UTF-8")]
        ) from None
    return parse_ruleset(text, source=path.name, base_dir=path.parent, sha256=hashlib.sha256(raw).hexdigest())


def parse_ruleset(
    text: str, *, source: str = "<rules>", base_dir: Path | None = None, sha256: str = ""
) -> RuleSet:
    doc = t.Doc(text, source)
    root = t.Table(doc, doc.parse(), ())
    reader = _Reader(doc, root, base_dir)
    ruleset = reader.read()
    root.done()
    doc.check()
    assert ruleset is not None
    return replace(ruleset, sha256=sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest())


class _Reader:
    def __init__(self, doc: t.Doc, root: t.Table, base_dir: Path | None) -> None:
        self.doc = doc
        self.root = root
        self.base_dir = base_dir
        self.series: dict[str, Series] = {}
        self.curves: dict[tuple[str, str], Curve] = {}
        self.rounds: list[Round] = []
        self.options = Options(None, "disbursed", "current", "reweight", "zero")
        self.months: tuple[Month, ...] = ()
        self.round_ids: set[str] = set()  # every id given in [[rounds]], even of a round with errors
        self.curves_broken = False

    def read(self) -> RuleSet | None:
        head = self.root.table("ruleset", required=True)
        if head is None:
            return None
        rs_id = head.get("id", t.ident) or ""
        label = Label(*head.label())
        fiscal_year = head.get("fiscal_year", _be_year) or 0
        version = head.get("version", t.text, "") or ""
        template = bool(head.get("template", t.boolean, False))
        targets_ref = head.get("targets", t.text, "") or ""
        head.done()
        self.months = tuple(fiscal_months(fiscal_year)) if fiscal_year else ()
        self._options()
        self._series()
        targets_label = self._curves(targets_ref, fiscal_year)
        self._rounds()
        criteria = [c for c in (self._criterion(tb) for tb in self.root.tables("criteria", required=True)) if c]
        self._check_totals(criteria)
        checks = [c for c in (self._check(tb) for tb in self.root.tables("checks")) if c]
        for i, c in enumerate(checks):
            if any(x.id == c.id for x in criteria) or any(x.id == c.id for x in checks[:i]):
                self.doc.error(("checks", i, "id"), f"รหัส '{c.id}' ซ้ำ", f"id '{c.id}' is used twice")
        size_series, groups = self._size_groups()
        awards = self._awards(criteria)
        return RuleSet(
            id=rs_id, label=label, fiscal_year=fiscal_year, template=template, version=version,
            source=self.doc.source, sha256="", options=self.options, series=self.series,
            curves=self.curves, rounds=tuple(self.rounds), criteria=tuple(criteria), months=self.months,
            size_series=size_series, size_groups=groups, awards=awards, targets_label=targets_label,
            checks=tuple(checks),
        )  # fmt: skip

    def _options(self) -> None:
        tb = self.root.table("options")
        if tb is None:
            return
        values: dict[str, Any] = {}
        for option in OPTIONS:  # every key the editor can show; anything else is an unknown key
            conv: Callable[[Any], Any] = _rounding if option.key == "percent_rounding" else _choice(option.choices)
            value = tb.get(option.key, conv, option.default)
            values[option.key] = option.default if value is None else value
        rounding = values.pop("percent_rounding")
        self.options = Options(percent_rounding=rounding if isinstance(rounding, int) else None, **values)
        tb.done()

    def _series(self) -> None:
        table = self.root.table("series", required=True)
        for sid, tb in table.subtables() if table else []:
            categories = tb.get("categories", t.list_of(_category), None) or []
            tags = tb.get("tags", t.list_of(t.ident), None) or []
            if bool(categories) == bool(tags):
                tb.error(None, "ต้องมี categories หรือ tags อย่างใดอย่างหนึ่ง", "needs exactly one of categories or tags")
            curve = tb.get("curve", t.ident, sid) or sid
            self.series[sid] = Series(sid, Label(*tb.label()), tuple(categories), tuple(tags), curve)
            tb.done()

    def _curves(self, ref: str, fiscal_year: int) -> Label:
        label = Label("", "")
        if ref and resolve(ref, self.base_dir, "targets") is None:
            shipped = ", ".join(shipped_ids("targets"))
            self.doc.error(("ruleset", "targets"), f"ไม่พบชุดเป้าหมาย '{ref}' (ที่มี: {shipped})",
                           f"no target set '{ref}' (shipped: {shipped})")  # fmt: skip
            self.curves_broken = True
        elif ref:
            try:
                target_set = load_target_set(ref, self.base_dir)
            except t.RuleSetError as exc:
                self.doc.errors.extend(exc.issues)
                self.curves_broken = True
            else:
                if fiscal_year and target_set.fiscal_year != fiscal_year:
                    self.doc.error(
                        ("ruleset", "targets"),
                        f"ชุดเป้าหมายเป็นของปีงบประมาณ {target_set.fiscal_year} ไม่ใช่ {fiscal_year}",
                        f"the target set is for fiscal year {target_set.fiscal_year}, not {fiscal_year}",
                    )
                self.curves.update(target_set.curves)
                label = target_set.label
        self.curves.update(read_curves(self.root.table("curves"), self.doc.source))
        return label

    def _rounds(self) -> None:
        for tb in self.root.tables("rounds", required=True):
            rid = tb.get("id", t.positive_int)
            self.round_ids.add(str(rid))
            first = tb.get("first", t.month)
            last = tb.get("last", t.month)
            top = tb.get("max", t.positive)
            label = Label(*tb.label())
            tb.done()
            if rid is not None and any(r.id == rid for r in self.rounds):
                tb.error("id", f"รอบที่ {rid} ซ้ำ", f"round {rid} is defined twice")
            for key, m in (("first", first), ("last", last)):
                if m is not None and self.months and m not in self.months:
                    tb.error(key, "เดือนอยู่นอกปีงบประมาณ", f"{m} is outside the fiscal year")
            if first and last and last < first:
                tb.error("last", "เดือนสุดท้ายอยู่ก่อนเดือนแรก", "the last month is before the first")
            if rid is None or first is None or last is None or top is None:
                continue
            months = tuple(m for m in self.months if first <= m <= last)
            self.rounds.append(Round(rid, label, first, last, top, months))

    def _series_ref(self, tb: t.Table, key: str = "series") -> str | None:
        sid = tb.get(key, t.ident)
        if sid is not None and sid not in self.series:
            known = ", ".join(self.series)
            tb.error(key, f"ไม่มีอนุกรม '{sid}' ใน [series] (มี {known})", f"no series '{sid}' in [series] ({known})")
            return None
        return sid

    def _need_curve(self, tb: t.Table, sid: str | None, measure: str) -> None:
        if sid is None or self.curves_broken:
            return  # a broken target set is reported once, not once per criterion
        curve = self.series[sid].curve or sid
        if (curve, measure) not in self.curves:
            tb.error(
                "series",
                f"ไม่มีเส้นเป้าหมาย '{curve}' ของ {measure} (ระบุ targets หรือ [curves.{curve}.{measure}])",
                f"no target curve '{curve}' for {measure} (set ruleset.targets or [curves.{curve}.{measure}])",
            )

    def _per_round(self, tb: t.Table, key: str, conv: Any) -> dict[int, Any] | None:
        """A value given once for every round, or as a table keyed by round id."""
        raw = tb.data.get(key)
        if not isinstance(raw, dict):
            value = tb.get(key, conv)
            return None if value is None else {r.id: value for r in self.rounds}
        sub = tb.table(key)
        assert sub is not None
        out = {}
        for r in self.rounds:
            if str(r.id) not in sub:
                sub.error(None, f"ไม่มีค่าของรอบ {r.id}", f"has no entry for round {r.id}")
            else:
                out[r.id] = sub.get(str(r.id), conv)
        for k in sub.data:
            if k not in sub.seen and k not in self.round_ids:
                sub.error(k, "ไม่มีรอบนี้ใน [[rounds]]", "no such round id in [[rounds]]")
                sub.seen.add(k)
        return out if None not in out.values() else None

    def _criterion(self, tb: t.Table) -> Criterion | None:
        cid = tb.get("id", t.ident)
        kind = tb.get("kind", _kind)
        label = Label(*tb.label())
        short_th, short_en = tb.get("short_th", t.text, "") or "", tb.get("short_en", t.text, "") or ""
        common: dict[str, Any] = {
            "short": Label(short_th or short_en, short_en or short_th) if short_th or short_en else None,
            "group": tb.get("group", t.ident, "") or "",
            "absent": tb.get("absent", _absent, self.options.absent_series),
        }
        if kind == "deductions":
            common["cap"] = tb.get("cap", t.non_negative, None)
            common["causes"] = tuple(self._causes(tb))
            top: Fraction | None = Fraction(0)
        else:
            top = tb.get("max", t.positive)
        if kind in ("months_on_target", "threshold", "banded"):
            common["measure"] = tb.get("measure", _measure, self.options.measure)
            common["denominator"] = tb.get("denominator", _denominator, self.options.denominator)
        if kind in ("threshold", "evidence"):
            fallback = self.options.evidence_partial if kind == "evidence" else "none"
            common["partial"] = tb.get("partial", _partial, fallback)
            if kind == "threshold" and common["partial"] == "items":
                tb.error("partial", 'ใช้ "items" ได้เฉพาะเกณฑ์หลักฐาน', '"items" is for evidence criteria only')
        if kind == "months_on_target":
            common["step_parts"] = tuple(self._step_parts(tb, common, top))
        elif kind == "threshold":
            common["threshold_parts"] = tuple(self._threshold_parts(tb, common, top))
        elif kind == "evidence":
            common["items"] = tuple(self._evidence_items(tb))
        elif kind == "banded":
            self._banded(tb, common, top)
        tb.done()
        if cid is None or kind is None or top is None:
            return None  # the error is recorded; parse_ruleset raises before anything uses this
        return Criterion(id=cid, kind=kind, label=label, max=top, **common)

    def _check(self, tb: t.Table) -> Criterion | None:
        """A [[checks]] entry: one series against a target at given months, flagged, not scored."""
        cid = tb.get("id", t.ident)
        label = Label(*tb.label())
        short_th, short_en = tb.get("short_th", t.text, "") or "", tb.get("short_en", t.text, "") or ""
        short = Label(short_th or short_en, short_en or short_th) if short_th or short_en else None
        source = tb.get("source", t.literal("series", "carry_over", "reallocation"), "series")
        if source == "reallocation":
            tags = tb.get("tags", t.list_of(t.ident))
            within = tb.get("within_months", _months_after, 1)
            tb.done()
            if tags == []:
                tb.error("tags", "ต้องมีอย่างน้อยหนึ่งแท็ก", "needs at least one tag")
            if within == 0:
                tb.error("within_months", "ต้องอยู่ระหว่าง 1 ถึง 12", "must be 1-12")
            if cid is None or not tags or not within:
                return None
            return Criterion(id=cid, kind="threshold", label=label, max=Fraction(1), short=short,
                             realloc_tags=tuple(tags), realloc_months=within)
        if source == "carry_over":
            categories = tb.get("categories", t.list_of(_category))
            due = tb.get("due", _month_day, None)
            tb.done()
            if cid is None or not categories:
                if categories == []:
                    tb.error("categories", "ต้องมีอย่างน้อยหนึ่งหมวด", "needs at least one category")
                return None
            return Criterion(id=cid, kind="threshold", label=label, max=Fraction(1), short=short,
                             carry_categories=tuple(categories), carry_due=due)
        sid = self._series_ref(tb)
        measure = tb.get("measure", _measure, self.options.measure) or "disbursed"
        denominator = tb.get("denominator", _denominator, self.options.denominator) or "current"
        at = tb.get("at", self._checkpoint_spec)
        targets = self._per_round(tb, "target", _threshold_target)
        tb.done()
        if targets and any(v == "curve" for v in targets.values()):
            self._need_curve(tb, sid, measure)
        if cid is None or sid is None or targets is None or at is None:
            return None
        target = {rid: (None if v == "curve" else v) for rid, v in targets.items()}
        part = ThresholdPart(sid, Fraction(1), target, at, measure, denominator)
        return Criterion(id=cid, kind="threshold", label=label, max=Fraction(1), threshold_parts=(part,),
                         absent="zero", measure=measure, denominator=denominator, short=short)

    def _step_parts(self, tb: t.Table, common: dict[str, Any], top: Fraction | None) -> list[StepPart]:
        parts = []
        for ptb in tb.tables("parts", required=True):
            sid = self._series_ref(ptb)
            pmax = ptb.get("max", t.positive)
            measure = ptb.get("measure", _measure, common["measure"]) or "disbursed"
            denominator = ptb.get("denominator", _denominator, common["denominator"]) or "current"
            self._need_curve(ptb, sid, measure)
            steps = self._per_round(ptb, "steps", t.list_of(_step_row))
            ptb.done()
            for rid, rows in (steps or {}).items():
                self._check_steps(ptb, rid, rows, pmax)
            if sid and pmax and steps:
                tables = {rid: tuple(Step(n, p) for n, p in rows) for rid, rows in steps.items()}
                parts.append(StepPart(sid, pmax, tables, measure, denominator))
        total = sum((p.max for p in parts), Fraction(0))
        if top is not None and parts and len(parts) == len(tb.data.get("parts", ())) and total != top:
            tb.error("max", f"ไม่เท่ากับผลรวมของ parts ({_num(total)})", f"is not the sum of its parts' max ({_num(total)})")
        return parts

    def _check_steps(self, ptb: t.Table, rid: int, rows: list[tuple[int, Fraction]], pmax: Fraction | None) -> None:
        path: tuple[str, ...] = ("steps", str(rid)) if isinstance(ptb.data.get("steps"), dict) else ("steps",)
        counts = [n for n, _ in rows]
        points = [p for _, p in rows]
        if not rows or counts != sorted(set(counts)):
            self.doc.error(ptb.path + path, "จำนวนเดือนต้องเรียงจากน้อยไปมากและไม่ซ้ำ",
                           "month counts must be ascending and distinct")  # fmt: skip
        elif points != sorted(points):
            self.doc.error(ptb.path + path, "คะแนนต้องไม่ลดลงเมื่อจำนวนเดือนเพิ่มขึ้น",
                           "points must not fall as the count rises")  # fmt: skip
        elif pmax is not None and points[-1] > pmax:
            self.doc.error(ptb.path + path, f"คะแนนสูงสุดในตารางเกิน max ของส่วนนี้ ({_num(pmax)})",
                           f"the table's top points exceed this part's max ({_num(pmax)})")  # fmt: skip

    def _threshold_parts(self, tb: t.Table, common: dict[str, Any], top: Fraction | None) -> list[ThresholdPart]:
        parts = []
        for ptb in tb.tables("parts", required=True):
            sid = self._series_ref(ptb)
            points = ptb.get("points", t.positive)
            measure = ptb.get("measure", _measure, common["measure"]) or "disbursed"
            denominator = ptb.get("denominator", _denominator, common["denominator"]) or "current"
            at = ptb.get("at", self._checkpoint_spec, "round_end")
            targets = self._per_round(ptb, "target", _threshold_target)
            ptb.done()
            if targets and any(v == "curve" for v in targets.values()):
                self._need_curve(ptb, sid, measure)
            if sid and points and targets and at is not None:
                target = {rid: (None if v == "curve" else v) for rid, v in targets.items()}
                parts.append(ThresholdPart(sid, points, target, at, measure, denominator))
        complete = len(parts) == len(tb.data.get("parts", ()))  # a broken part is reported on its own
        totals = {r.id: sum((p.points * len(checkpoints(p.at, r)) for p in parts), Fraction(0)) for r in self.rounds}
        wrong = {rid: total for rid, total in totals.items() if total != top}
        if top is not None and parts and complete and wrong:
            if len(set(totals.values())) == 1:
                shown = _num(next(iter(wrong.values())))
            else:
                shown = ", ".join(f"{_num(v)} (รอบ/round {k})" for k, v in wrong.items())
            tb.error("max", f"ไม่เท่ากับผลรวมคะแนนของ parts: {shown}", f"is not the sum of its parts' points: {shown}")
        return parts

    def _checkpoint_spec(self, value: Any) -> str | tuple[Month, ...]:
        if value in ("round_end", "quarter_ends"):
            return str(value)
        months = t.list_of(t.month)(value if isinstance(value, list) else [value])
        for i, m in enumerate(months):
            if self.months and m not in self.months:
                raise t.Invalid("เดือนอยู่นอกปีงบประมาณ", "the month is outside the fiscal year",
                                (i,) if isinstance(value, list) else ())  # fmt: skip
        return tuple(months)

    def _evidence_items(self, tb: t.Table) -> list[EvidenceItem]:
        items: list[EvidenceItem] = []
        for itb in tb.tables("items", required=True):
            iid = itb.get("id", t.ident)
            weight = itb.get("weight", t.positive, Fraction(1))
            monthly = bool(itb.get("monthly", t.boolean, False))
            due = itb.get("due", _month_day, None) if not monthly else None
            due_day = itb.get("due_day", _day, 31) if monthly else 31
            after = itb.get("due_months_after", _months_after, 0) if monthly else 0
            opens = itb.get("from", _month_day, None) if not monthly else None
            open_day = itb.get("from_day", _day, 1) if monthly else 1
            open_after = itb.get("from_months_after", _months_after, 0) if monthly else 0
            label = Label(*itb.label())
            itb.done()
            if iid is not None and any(i.id == iid for i in items):
                itb.error("id", f"รายการ '{iid}' ซ้ำ", f"item '{iid}' is defined twice")
            elif monthly and None not in (open_day, open_after, due_day, after) and \
                    (open_after, open_day) > (after, due_day):
                itb.error("from_day", "วันเริ่มนับอยู่หลังวันครบกำหนด", "the first day that counts is after the due date")
            elif not monthly and opens and due and _in_fiscal_order(opens) > _in_fiscal_order(due):
                itb.error("from", "วันเริ่มนับอยู่หลังวันครบกำหนด", "the first day that counts is after the due date")
            elif iid and weight and due_day is not None and after is not None and open_day and open_after is not None:
                items.append(EvidenceItem(iid, label, weight, monthly, due, due_day, after, opens, open_day, open_after))
        return items

    def _banded(self, tb: t.Table, common: dict[str, Any], top: Fraction | None) -> None:
        source = tb.get("source", t.text)
        if source is not None:
            kind, _, name = source.partition(":")
            if kind == "series" and name in self.series:
                common["at"] = tb.get("at", self._checkpoint_spec, "round_end")
            elif kind != "procurement" or not name:
                tb.error("source", "ต้องเป็น procurement:<รหัส> หรือ series:<อนุกรม>",
                         "must be procurement:<fact id> or series:<series id>")  # fmt: skip
                source = None
        common["source"] = source
        bands = tb.get("bands", t.list_of(_band_row))
        if bands is not None:
            thresholds = [b[0] for b in bands]
            if not bands or thresholds != sorted(set(thresholds), reverse=True):
                tb.error("bands", "เกณฑ์ต้องเรียงจากมากไปน้อยและไม่ซ้ำ", "thresholds must be descending and distinct")
            elif top is not None and max(b[1] for b in bands) > top:
                tb.error("bands", f"คะแนนในตารางเกิน max ({_num(top)})", f"a band's points exceed max ({_num(top)})")
        common["bands"] = tuple(Band(a, p) for a, p in bands or ())

    def _causes(self, tb: t.Table) -> list[Cause]:
        causes = []
        for ctb in tb.tables("causes", required=True):
            cause = Cause(ctb.get("id", t.ident) or "", Label(*ctb.label()),
                          ctb.get("points", t.positive) or Fraction(0), ctb.get("cap", t.non_negative, None))  # fmt: skip
            ctb.done()
            causes.append(cause)
        return causes

    def _check_totals(self, criteria: list[Criterion]) -> None:
        ids = [c.id for c in criteria]
        for i, cid in enumerate(ids):
            if cid in ids[:i]:
                self.doc.error(("criteria", i, "id"), f"รหัส '{cid}' ซ้ำ", f"criterion id '{cid}' is used twice")
        total = sum((c.max for c in criteria), Fraction(0))
        for i, r in enumerate(self.rounds):
            if self.doc.errors:
                return  # a sum over broken criteria would only add noise
            if total != r.max:
                self.doc.error(("rounds", i, "max"), f"{_num(r.max)} ไม่เท่ากับผลรวม max ของ criteria ({_num(total)})",
                               f"{_num(r.max)} is not the sum of the criteria's max ({_num(total)})")  # fmt: skip

    def _size_groups(self) -> tuple[str, tuple[SizeGroup, ...]]:
        tb = self.root.table("size_groups")
        if tb is None:
            return "", ()
        sid = self._series_ref(tb) or ""
        groups: list[SizeGroup] = []
        gtbs = tb.tables("groups", required=True)
        for n, gtb in enumerate(gtbs):
            above = gtb.get("above", t.baht, None)
            group = SizeGroup(gtb.get("id", t.ident) or "", Label(*gtb.label()), above)
            gtb.done()
            if (above is None) != (n == len(gtbs) - 1):
                gtb.error("above", "ทุกกลุ่มยกเว้นกลุ่มสุดท้ายต้องมี above", "every group but the last needs above")
            elif groups and above is not None and groups[-1].above is not None and above >= groups[-1].above:
                gtb.error("above", "ต้องน้อยกว่ากลุ่มก่อนหน้า", "must be below the previous group's")
            groups.append(group)
        tb.done()
        return sid, tuple(groups)

    def _awards(self, criteria: list[Criterion]) -> tuple[Award, ...]:
        awards = []
        for tb in self.root.tables("awards"):
            breakers = tb.get("tie_breakers", t.list_of(t.text), []) or []
            for i, key in enumerate(breakers):
                kind, _, name = key.partition(":")
                ok = (kind == "item" and any(c.id == name for c in criteria)) or (kind == "series" and name in self.series)
                if not ok:
                    self.doc.error(tb.path + ("tie_breakers", i), "ต้องเป็น item:<รหัสเกณฑ์> หรือ series:<อนุกรม> ที่มีอยู่",
                                   "must be item:<criterion id> or series:<series id> of this rule set")  # fmt: skip
            award = Award(tb.get("id", t.ident) or "", Label(*tb.label()), tb.get("min_total", t.non_negative) or Fraction(0),
                          tb.get("best_per_group", t.positive_int, None), tuple(breakers))  # fmt: skip
            tb.done()
            awards.append(award)
        return tuple(sorted(awards, key=lambda a: a.min_total))


def _num(value: Fraction) -> str:
    """A rule-set number for a message, exact where it terminates (0.35, not 0.35000000000000003)."""
    if value.denominator == 1:
        return str(value.numerator)
    return format((Decimal(value.numerator) / Decimal(value.denominator)).normalize(), "f")


def _choice(choices: tuple[Any, ...]) -> Callable[[Any], Any]:
    """One of an option's named values (an exact match: 1 is not true)."""

    def conv(value: Any) -> Any:
        for choice in choices:
            if value == choice and type(value) is type(choice):
                return choice
        listed = ", ".join(str(c).lower() if isinstance(c, bool) else str(c) for c in choices)
        raise t.Invalid(f"ต้องเป็นหนึ่งใน {listed}", f"must be one of {listed}")

    return conv


def _be_year(value: Any) -> int:
    year = t.integer(value)
    if not 2400 <= year <= 2800:
        raise t.Invalid("ต้องเป็นปีงบประมาณ พ.ศ. เช่น 2566", "must be a BE fiscal year, e.g. 2566")
    return year


def _rounding(value: Any) -> str | int:
    if value == "exact":
        return "exact"
    n = t.integer(value)
    if not 0 <= n <= 6:
        raise t.Invalid('ต้องเป็น "exact" หรือ 0-6 ตำแหน่ง', 'must be "exact" or 0-6 decimals')
    return n


def _category(value: Any) -> str:
    if value not in CATEGORIES:
        raise t.Invalid(f"ต้องเป็นหนึ่งใน {', '.join(CATEGORIES)}", f"must be one of {', '.join(CATEGORIES)}")
    return str(value)


def _pair(value: Any) -> tuple[Any, Any]:
    if not isinstance(value, list) or len(value) != 2:
        raise t.Invalid("ต้องเป็นคู่ [ค่า, คะแนน]", "must be a pair [value, points]")
    return value[0], value[1]


def _step_row(value: Any) -> tuple[int, Fraction]:
    count, points = _pair(value)
    return t.positive_int(count), t.non_negative(points)


def _band_row(value: Any) -> tuple[Fraction, Fraction]:
    at_least, points = _pair(value)
    return t.percent(at_least), t.non_negative(points)


def _threshold_target(value: Any) -> Fraction | str:
    if value == "curve":
        return "curve"
    return t.percent(value)


def _month_day(value: Any) -> tuple[int, int]:
    parts = t.text(value).split("-")
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        m, d = int(parts[0]), int(parts[1])
        if 1 <= m <= 12 and 1 <= d <= (29 if m == 2 else 30 if m in (4, 6, 9, 11) else 31):
            return m, d
    raise t.Invalid('ต้องเป็น "MM-DD" เช่น "10-31"', 'must be "MM-DD", e.g. "10-31"')


def _in_fiscal_order(month_day: tuple[int, int]) -> tuple[int, int]:
    return (month_day[0] - 10) % 12, month_day[1]


def _day(value: Any) -> int:
    day = t.positive_int(value)
    if day > 31:
        raise t.Invalid("ต้องเป็นวันที่ 1-31", "must be a day 1-31")
    return day


def _months_after(value: Any) -> int:
    n = t.integer(value)
    if not 0 <= n <= 12:
        raise t.Invalid("ต้องอยู่ระหว่าง 0 ถึง 12", "must be 0-12")
    return n
