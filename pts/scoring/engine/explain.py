"""Explanation lines: every fact a score used, as data and as Thai (or English) text.

A Line is machine-readable (`code` + JSON-ready `facts`: satang as int, per cents and points as
exact strings such as "45", "0.2" or "25/12"); `Explainer` turns it into a sentence using the rule
set's labels. Text is made only when shown, so scoring 10,000 units does not format 300,000 strings.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from fractions import Fraction
from functools import lru_cache
from typing import Any, NamedTuple

from pts.core.categories import CATEGORY_EN, CATEGORY_TH
from pts.core.fiscal import MONTH_EN, Month, parse_month, thai_date
from pts.core.money import format_baht
from pts.scoring.engine.rules import RuleSet


class Line(NamedTuple):
    """One fact a score used. A tuple: 300,000 of them are made for 10,000 units."""

    code: str
    facts: dict[str, Any]


def exact(value: Fraction) -> str:
    """Exact decimal text when the fraction has one ("0.2", "45"), else "25/12"."""
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return f"{value.numerator}/{value.denominator}"
    places = max(twos, fives)
    if places == 0:
        return str(value.numerator)
    scaled = value.numerator * 10**places // value.denominator
    sign = "-" if scaled < 0 else ""
    whole, frac = divmod(abs(scaled), 10**places)
    return f"{sign}{whole}.{frac:0{places}d}".rstrip("0").rstrip(".")


def rounded(value: Fraction, places: int = 4) -> Fraction:
    """Half-up rounding to `places` decimals, for display and for JSON numbers only."""
    scale = 10**places
    sign = -1 if value < 0 else 1
    q = (2 * abs(value.numerator) * scale + value.denominator) // (2 * value.denominator)
    return Fraction(sign * q, scale)


def points(value: Fraction) -> str:
    """Points as the official forms print them: four decimals (0.2 -> "0.2000")."""
    q = rounded(value, 4)
    whole, frac = divmod(abs(q.numerator) * 10_000 // q.denominator, 10_000)
    return f"{'-' if q < 0 else ''}{whole}.{frac:04d}"


def verdict_percent(measured: int, base: int, num: int, den: int, hit: bool) -> str:
    """measured / base as a per cent that never contradicts the verdict beside it (docs/domain.md §8 default 10).

    Two decimals half up, or as many more as it takes (44.995 % of a 45 % target = num/den that is
    missed reads "44.995", never "45.00"); past six decimals it is cut towards the verdict.
    """
    q = (2 * measured * 10000 + base) // (2 * base)  # two decimals, half up: the usual case, in integers
    if (q * den >= num * 100) == hit:
        return f"{q // 100}.{q % 100:02d}"
    target = Fraction(num, den)
    value = Fraction(measured * 100, base)
    for places in range(3, 7):
        shown = rounded(value, places)
        if (shown >= target) == hit:
            return _fixed(shown, places)
    scale = 10**6
    cut = Fraction(-(-value.numerator * scale // value.denominator) if hit else value.numerator * scale // value.denominator, scale)
    return _fixed(cut, 6)


def _fixed(value: Fraction, places: int) -> str:
    scaled = value.numerator * 10**places // value.denominator
    sign = "-" if scaled < 0 else ""
    whole, frac = divmod(abs(scaled), 10**places)
    return f"{sign}{whole}.{frac:0{places}d}"


@lru_cache(maxsize=4096)
def show(value: str | Fraction | None, places: int = 2) -> str:
    """An exact string or Fraction shown with at most `places` decimals ("25/12" -> "2.08")."""
    if value is None:
        return "-"
    if isinstance(value, str):
        num, _, den = value.partition("/")
        value = Fraction(int(num), int(den)) if den else Fraction(num)
    return exact(rounded(value, places))


@lru_cache(maxsize=256)
def _month_label(iso: str | None, lang: str) -> str:
    if not iso:
        return ""
    m: Month = parse_month(iso)
    return m.thai_short() if lang == "th" else f"{MONTH_EN[m.month - 1]} {m.year}"


def _baht(satang: int) -> str:
    return f"{satang // 100:,}.{satang % 100:02d}" if satang >= 0 else format_baht(satang)


_SKIP = {
    "no_target": ("ไม่มีเป้าหมายเดือนนี้ ไม่นับ", "no target this month, not counted"),
    "unknown_target": ("ยังไม่ประกาศเป้าหมาย ไม่นับ", "target not published, not counted"),
    "no_data": ("ไม่มีข้อมูลเดือนนี้ นับเป็นไม่ตามเป้า", "no data this month, counted as a miss"),
    "not_yet": ("ยังไม่ถึงเดือนนี้ ยังไม่นับ", "not reached yet, not counted"),
    "no_allocation": ("ไม่มีเงินจัดสรร นับเป็นไม่ตามเป้า", "no allocation, counted as a miss"),
    "zero_allocation": ("เงินจัดสรรเป็น 0 เดือนนี้ ไม่นับ", "allocation 0 this month, not counted"),
}
_MEASURE = {"disbursed": ("เบิกจ่ายสะสม", "cumulative disbursed"), "spent": ("ใช้จ่ายสะสม", "cumulative spent")}
_WHY = {
    "no_allocation": ("ไม่มีเงินจัดสรร", "no allocation"),
    "no_target": ("ไม่มีเป้าหมาย", "no target"),
    "unknown_target": ("ยังไม่ประกาศเป้าหมาย", "target not published"),
    "no_fact": ("ไม่มีข้อมูลจัดซื้อจัดจ้างให้นับ", "no procurement data to count"),
    "pulled_back": ("เงินจัดสรรถูกดึงกลับจนเป็น 0 ณ จุดวัด", "allocation pulled back to 0 at the checkpoint"),
    "no_data": ("ไม่มีข้อมูลรายงานในรอบนี้", "no data reported in this round"),
}
_POLICY = {
    "reweight": ("ย้ายน้ำหนักไปยังส่วนที่มี", "its weight moves to what is present"),
    "zero": ("ได้ 0 คะแนน", "scores 0"),
    "full": ("ได้คะแนนเต็ม", "scores full marks"),
}


class Explainer:
    """Sentences for Lines, in Thai ("th") or English ("en"), with the rule set's labels."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self._dispatch: dict[str, Callable[[dict[str, Any], int, str], str]] = {}
        self._month_ends: dict[tuple[Any, ...], tuple[str, str, str]] = {}
        self._series_names = {sid: (s.label.th or sid, s.label.en or sid) for sid, s in rules.series.items()}
        self.items = {i.id: i.label for c in rules.criteria for i in c.items}
        self.causes = {x.id: x.label for c in rules.criteria for x in c.causes}
        self.groups = {g.id: g.label for g in rules.size_groups}
        self.awards = {a.id: a.label for a in rules.awards}
        # a procurement fact is named by the criterion that scores it: no fact id on a screen
        self.facts = {c.source: c.label for c in rules.criteria if c.source.startswith("procurement:")}

    def th(self, line: Line) -> str:
        return self.text(line, "th")

    def en(self, line: Line) -> str:
        return self.text(line, "en")

    def text(self, line: Line, lang: str) -> str:
        render = self._dispatch.get(line.code)
        if render is None:
            render = self._dispatch[line.code] = getattr(self, "_" + line.code)
        return render(line.facts, 0 if lang == "th" else 1, lang)

    def _series(self, sid: str, i: int) -> str:
        names = self._series_names.get(sid)
        return names[i] if names else sid

    def _label(self, table: dict[str, Any], key: str, i: int) -> str:
        label = table.get(key)
        return ((label.th, label.en)[i] or key) if label else key

    def _month(self, f: dict[str, Any], i: int, lang: str) -> str:
        # the amounts stay in the facts: the sentence is what a score card shows per month; its
        # two ends repeat for every unit, so they are made once
        key = (f["series"], f["month"], f["measure"], f["target"], f["hit"], f.get("curve", ""), i)
        ends = self._month_ends.get(key)
        if ends is None:
            head = f"{self._series(f['series'], i)} {_month_label(f['month'], lang)}: {_MEASURE[f['measure']][i]} "
            if i == 0:
                tail = f" เป้าหมาย {show(f['target'])}%{self._curve_note(f, i)}"
            else:
                tail = f", target {show(f['target'])}%{self._curve_note(f, i)}"
            verdict = ("ตามเป้า", "hit")[i] if f["hit"] else ("ไม่ตามเป้า", "miss")[i]
            ends = self._month_ends[key] = (head, tail, verdict)
        return f"{ends[0]}{f['percent']}% {self._amounts(f, i)}{ends[1]}{self._short(f, i)} → {ends[2]}"

    def _amounts(self, f: dict[str, Any], i: int) -> str:
        if i == 0:
            return f"({_baht(f['measured'])} บาท จาก {_baht(f['base'])} บาท)"
        return f"({_baht(f['measured'])} of {_baht(f['base'])} baht)"

    def _short(self, f: dict[str, Any], i: int) -> str:
        short = f.get("short")
        if not short:
            return ""
        return f" ขาดอีก {_baht(short)} บาท" if i == 0 else f", {_baht(short)} baht short"

    def _curve_note(self, f: dict[str, Any], i: int) -> str:
        curve = f.get("curve")
        if not curve:
            return ""
        name = self._series(curve, i) if curve in self._series_names else curve
        return f" (ใช้เส้นเป้าหมาย{name})" if i == 0 else f" (the {name} curve)"

    def _check(self, f: dict[str, Any], i: int, lang: str) -> str:
        head = (f"{self._series(f['series'], i)} {_month_label(f['month'], lang)}: {_MEASURE[f['measure']][i]} "
                f"{f['percent']}% {self._amounts(f, i)}")  # fmt: skip
        target = f"{show(f['target'])}%{self._curve_note(f, i)}{self._short(f, i)}"
        if i == 0:
            return f"{head} เป้าหมาย {target} → {'ผ่าน' if f['hit'] else 'ไม่ผ่าน'} (ตรวจสอบ ไม่มีคะแนน)"
        return f"{head}, target {target} → {'passed' if f['hit'] else 'failed'} (a check, no points)"

    def _check_absent(self, f: dict[str, Any], i: int, lang: str) -> str:
        when = f" {_month_label(f['month'], lang)}" if f["month"] else ""
        if i == 0:
            return f"{self._series(f['series'], i)}{when}: ตรวจไม่ได้ ({_WHY[f['why']][0]})"
        return f"{self._series(f['series'], i)}{when}: cannot be checked ({_WHY[f['why']][1]})"

    def _carry_over(self, f: dict[str, Any], i: int, lang: str) -> str:
        day = date.fromisoformat(f["day"])
        if i == 0:
            rule = f"ต้องกันภายใน {thai_date(date.fromisoformat(f['due']))}" if f["due"] else "ห้ามกันเงินเหลื่อมปี"
            verdict = "ตามกำหนด" if f["ok"] else "ไม่เป็นไปตามกำหนด"
            return (f"{CATEGORY_TH.get(f['category'], f['category'])}: กันเงินไว้เบิกเหลื่อมปี {_baht(f['amount'])} บาท "
                    f"เมื่อ {thai_date(day)} ({rule}) → {verdict}")
        rule = f"due by {f['due']}" if f["due"] else "not allowed"
        return (f"{CATEGORY_EN.get(f['category'], f['category'])}: {_baht(f['amount'])} baht carried over on "
                f"{f['day']} ({rule}) → {'in order' if f['ok'] else 'a breach'}")

    def _reallocation(self, f: dict[str, Any], i: int, lang: str) -> str:
        ok = f["ok"]
        if i == 0:
            verdict = "ทันกำหนด" if ok else "ไม่ทันกำหนด" if ok is False else "ยังไม่ถึงกำหนด"
            return (f"ได้รับจัดสรรเงินเหลือจ่าย {_baht(f['amount'])} บาท เมื่อ {thai_date(date.fromisoformat(f['day']))} "
                    f"ต้องเบิกจ่ายภายใน {thai_date(date.fromisoformat(f['due']))}: เบิกจ่ายแล้ว {_baht(f['paid'])} บาท "
                    f"จาก {_baht(f['needed'])} บาท → {verdict}")
        verdict = "on time" if ok else "late" if ok is False else "not due yet"
        return (f"{_baht(f['amount'])} baht re-allocated on {f['day']}, to be disbursed by {f['due']}: "
                f"{_baht(f['paid'])} of {_baht(f['needed'])} baht disbursed → {verdict}")

    def _reallocation_none(self, f: dict[str, Any], i: int, lang: str) -> str:
        return ("ไม่มีการจัดสรรเงินเหลือจ่ายในรอบนี้", "no money re-allocated in this round")[i]

    def _carry_over_unchecked(self, f: dict[str, Any], i: int, lang: str) -> str:
        if f["why"] == "later_round":
            return ("ตรวจเมื่อสิ้นปีงบประมาณ แสดงผลในรอบสุดท้าย", "checked at the year end, shown with the last round")[i]
        return ("ไม่มีข้อมูลการกันเงินไว้เบิกเหลื่อมปี", "no carry-over data")[i]

    def _carry_over_result(self, f: dict[str, Any], i: int, lang: str) -> str:
        passed = f["passed"]
        if i == 0:
            if passed is None:
                return "ยังไม่สิ้นปีงบประมาณ: ยังตรวจไม่ได้"
            return "การกันเงินไว้เบิกเหลื่อมปี → " + ("ผ่าน" if passed else "ไม่ผ่าน") + " (ตรวจสอบ ไม่มีคะแนน)"
        if passed is None:
            return "the fiscal year has not ended: not checked yet"
        return "carry-over → " + ("passed" if passed else "failed") + " (a check, no points)"

    def _no_data(self, f: dict[str, Any], i: int, lang: str) -> str:
        if i == 0:
            return f"{self._series(f['series'], i)}: ไม่มีข้อมูลรายงานในรอบนี้ → 0 คะแนน"
        return f"{self._series(f['series'], i)}: no data reported in this round → 0 points"

    def _not_assessed(self, f: dict[str, Any], i: int, lang: str) -> str:
        if i == 0:
            return "ไม่มีเงินงบประมาณที่ประเมินได้ในรอบนี้: ไม่ประเมิน ไม่นำมาจัดอันดับ"
        return "no assessable money in this round: not assessed, left out of the ranking"

    def _month_skipped(self, f: dict[str, Any], i: int, lang: str) -> str:
        return f"{self._series(f['series'], i)} {_month_label(f['month'], lang)}: {_SKIP[f['reason']][i]}"

    def _steps(self, f: dict[str, Any], i: int, lang: str) -> str:
        row = f["row"]
        if i == 0:
            applied = f"แถว ≥ {row} เดือน" if row else "ไม่ถึงแถวแรกของตาราง"
            return f"{self._series(f['series'], i)}: ตามเป้า {f['hits']} จาก {f['months']} เดือน → {applied} = {show(f['points'], 4)} คะแนน (เต็ม {show(f['max'], 4)})"
        applied = f"row ≥ {row} months" if row else "below the table's first row"
        return f"{self._series(f['series'], i)}: on target {f['hits']} of {f['months']} months → {applied} = {show(f['points'], 4)} points (of {show(f['max'], 4)})"

    def _threshold(self, f: dict[str, Any], i: int, lang: str) -> str:
        head = (f"{self._series(f['series'], i)} {_month_label(f['month'], lang)}: {_MEASURE[f['measure']][i]} "
                f"{f['percent']}% {self._amounts(f, i)}")  # fmt: skip
        target = f"{show(f['target'])}%{self._curve_note(f, i)}{self._short(f, i)}"
        if i == 0:
            verdict = "ถึงเป้า" if f["hit"] else "ไม่ถึงเป้า"
            how = " (ตามสัดส่วน)" if f["partial"] == "proportional" and not f["hit"] else ""
            return f"{head} เป้าหมาย {target} → {verdict}{how} ได้ {show(f['points'], 4)} จาก {show(f['full'], 4)} คะแนน"
        how = " (proportional)" if f["partial"] == "proportional" and not f["hit"] else ""
        return f"{head}, target {target} → {'met' if f['hit'] else 'not met'}{how}: {show(f['points'], 4)} of {show(f['full'], 4)} points"

    def _threshold_skipped(self, f: dict[str, Any], i: int, lang: str) -> str:
        return f"{self._series(f['series'], i)} {_month_label(f['month'], lang)}: {_SKIP[f['reason']][i]}"

    def _absent(self, f: dict[str, Any], i: int, lang: str) -> str:
        what = self._series(f["series"], i) if f["series"] else self._source(f["source"], i)
        when = f" {_month_label(f['month'], lang)}" if f["month"] else ""
        policy = f" — {_POLICY[f['policy']][i]}" if f["policy"] else ""
        if i == 0:
            return f"{what}{when}: วัดไม่ได้ ({_WHY[f['why']][0]}){policy}"
        return f"{what}{when}: cannot be measured ({_WHY[f['why']][1]}){policy}"

    def _reweight(self, f: dict[str, Any], i: int, lang: str) -> str:
        if f.get("present"):  # in plain words: "ไม่มีรายจ่ายลงทุน: คิดรายจ่ายประจำเต็ม 2.5 คะแนน"
            gone = ", ".join(self._what(x, i) for x in f["absent"])
            kept = ", ".join(self._what(x, i) for x in f["present"])
            if i == 0:
                head = f"ไม่มี{gone}" if f.get("why") == "no_allocation" else f"{gone}วัดไม่ได้ ({_WHY.get(f.get('why') or '', ('', ''))[0] or 'ไม่มีข้อมูล'})"
                return f"{head}: คิด{kept}เต็ม {show(f['max'], 4)} คะแนน (× {show(f['factor'], 4)}) → {show(f['points'], 4)} คะแนน"
            head = f"no {gone}" if f.get("why") == "no_allocation" else f"{gone} not measured"
            return f"{head}: {kept} counts out of {show(f['max'], 4)} (× {show(f['factor'], 4)}) → {show(f['points'], 4)} points"
        if i == 0:
            return f"ปรับน้ำหนัก: คะแนนส่วนที่มี × {show(f['factor'], 4)} ให้เต็ม {show(f['max'], 4)} → {show(f['points'], 4)} คะแนน"
        return f"reweighted: present parts × {show(f['factor'], 4)} to be out of {show(f['max'], 4)} → {show(f['points'], 4)} points"

    def _evidence_missing(self, f: dict[str, Any], i: int, lang: str) -> str:
        if i == 0:
            return f"ไม่มีหลักฐานการกำกับติดตาม → {show(f['points'], 4)} คะแนน"
        return f"no governance evidence → {show(f['points'], 4)} points"

    def _evidence(self, f: dict[str, Any], i: int, lang: str) -> str:
        item = self._label(self.items, f["item"], i)
        period = f" {_month_label(f['period'], lang)}" if f["period"] else ""
        early = f.get("early")
        if i == 0:
            due = thai_date(date.fromisoformat(f["due"])) if f["due"] else "-"
            posted = f"นำขึ้นเว็บไซต์ {thai_date(date.fromisoformat(f['posted']))}" if f["posted"] else "ไม่พบหลักฐาน"
            if early:
                opens = thai_date(date.fromisoformat(f["from"]))
                return f"{item}{period}: กำหนด {due}, {posted} ก่อนช่วงที่นับ (ตั้งแต่ {opens}) → ไม่นับ"
            return f"{item}{period}: กำหนด {due}, {posted} → {'ทันกำหนด' if f['on_time'] else 'ไม่ผ่าน'}"
        due = f["due"] or "-"
        posted = f"posted {f['posted']}" if f["posted"] else "no evidence"
        if early:
            return f"{item}{period}: due {due}, {posted}, before its period (from {f['from']}) → does not count"
        return f"{item}{period}: due {due}, {posted} → {'on time' if f['on_time'] else 'missed'}"

    def _evidence_score(self, f: dict[str, Any], i: int, lang: str) -> str:
        if i == 0:
            return f"ผ่าน {show(f['achieved'], 4)} จากน้ำหนัก {show(f['weight'], 4)} → {show(f['points'], 4)} คะแนน"
        return f"achieved {show(f['achieved'], 4)} of weight {show(f['weight'], 4)} → {show(f['points'], 4)} points"

    def _what(self, ref: str, i: int) -> str:
        return self._source(ref, i) if ":" in ref else self._series(ref, i)

    def _source(self, source: str, i: int) -> str:
        kind, _, name = source.partition(":")
        if kind == "series":
            return self._series(name, i)
        label = self.facts.get(source)
        if label is not None:
            return (label.th, label.en)[i] or name
        return f"{('ข้อมูลจัดซื้อจัดจ้าง', 'procurement')[i]} {name}"

    def _banded(self, f: dict[str, Any], i: int, lang: str) -> str:
        row, source = f["row"], self._source(f["source"], i)
        if i == 0:
            applied = f"ช่วง ≥ {show(row)}%" if row is not None else "ต่ำกว่าทุกช่วง"
            return f"{source}: {show(f['value'])}% → {applied} = {show(f['points'], 4)} คะแนน"
        applied = f"band ≥ {show(row)}%" if row is not None else "below every band"
        return f"{source}: {show(f['value'])}% → {applied} = {show(f['points'], 4)} points"

    def _deduction(self, f: dict[str, Any], i: int, lang: str) -> str:
        cause = self._label(self.causes, f["cause"], i)
        note = f" ({f['note']})" if f["note"] else ""
        if i == 0:
            return f"หักคะแนน: {cause} {_month_label(f['month'], lang)}{note} −{show(f['points'], 4)}"
        return f"deduction: {cause} {_month_label(f['month'], lang)}{note} −{show(f['points'], 4)}"

    def _deduction_cap(self, f: dict[str, Any], i: int, lang: str) -> str:
        cause = self._label(self.causes, f["cause"], i) if f["cause"] else ("ทั้งหมด", "in all")[i]
        if i == 0:
            return f"เพดานการหัก {cause}: {show(f['before'], 4)} → {show(f['after'], 4)}"
        return f"deduction cap {cause}: {show(f['before'], 4)} → {show(f['after'], 4)}"

    def _deduction_ignored(self, f: dict[str, Any], i: int, lang: str) -> str:
        if i == 0:
            return f"ไม่รู้จักสาเหตุการหัก '{f['cause']}' ไม่นำมาคิด"
        return f"unknown deduction cause '{f['cause']}', ignored"

    def _deduction_floor(self, f: dict[str, Any], i: int, lang: str) -> str:
        if i == 0:
            return f"หักได้ไม่เกินคะแนนที่มี: {show(f['before'], 4)} → {show(f['after'], 4)}"
        return f"deductions limited to the points earned: {show(f['before'], 4)} → {show(f['after'], 4)}"

    def _criterion_absent(self, f: dict[str, Any], i: int, lang: str) -> str:
        why, policy = _WHY[f["why"]][i], _POLICY[f["policy"]][i]
        if i == 0:
            return f"เกณฑ์นี้วัดไม่ได้ ({why}) — {policy} → {show(f['points'], 4)} คะแนน"
        return f"nothing to measure for this criterion ({why}) — {policy} → {show(f['points'], 4)} points"

    def _criterion_reweight(self, f: dict[str, Any], i: int, lang: str) -> str:
        if i == 0:
            return f"รับน้ำหนักจากเกณฑ์ที่ไม่มีข้อมูล: × {show(f['factor'], 4)} → {show(f['points'], 4)} คะแนน"
        return f"takes the weight of absent criteria: × {show(f['factor'], 4)} → {show(f['points'], 4)} points"

    def _size_group(self, f: dict[str, Any], i: int, lang: str) -> str:
        group = self._label(self.groups, f["group"], i)
        if i == 0:
            return f"กลุ่มขนาด: {group} (เงินจัดสรร {_baht(f['allocated'])} บาท)"
        return f"size group: {group} (allocated {_baht(f['allocated'])} baht)"

    def _award(self, f: dict[str, Any], i: int, lang: str) -> str:
        award = self._label(self.awards, f["award"], i)
        rank = f" อันดับ {f['rank']} ในกลุ่ม" if i == 0 and f["rank"] else (f", rank {f['rank']} in group" if f["rank"] else "")
        if i == 0:
            return f"รางวัล: {award} (คะแนน {show(f['total'], 4)} ≥ {show(f['min_total'], 4)}{rank})"
        return f"award: {award} (total {show(f['total'], 4)} ≥ {show(f['min_total'], 4)}{rank})"
