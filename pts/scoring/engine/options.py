"""The rule-set `[options]` table, described as data: what the loader checks and an editor renders.

Each option is a choice among named values (a bool is the choice true | false); the default is
the engine's behaviour when the key is left out. `percent_rounding` also takes 0-6 decimals.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Option:
    key: str
    type: str  # "choice" or "bool"
    choices: tuple[str | int | bool, ...]
    default: str | int | bool
    label_th: str
    label_en: str
    help_th: str
    help_en: str


OPTIONS: tuple[Option, ...] = (
    Option("percent_rounding", "choice", ("exact", 0, 1, 2, 3, 4, 5, 6), "exact",
           "การปัดเศษร้อยละก่อนเทียบเป้าหมาย", "rounding of a percentage before it is compared",
           "exact: เทียบค่าจริงไม่ปัดเศษ; 0-6: ปัดครึ่งขึ้นเป็นจำนวนตำแหน่งทศนิยมนั้นก่อน",
           "exact: compare the exact value; 0-6: round half up to that many decimals first"),
    Option("measure", "choice", ("disbursed", "spent"), "disbursed",
           "ตัวเลขที่ใช้วัด", "what is measured",
           "disbursed: เบิกจ่าย; spent: ใช้จ่าย (เบิกจ่าย + PO + สำรองเงินแบบมีหนี้)",
           "disbursed; or spent = disbursed + outstanding PO + reservations with debt"),
    Option("denominator", "choice", ("current", "original"), "current",
           "ฐานของร้อยละ", "base of a percentage",
           "current: เงินจัดสรร ณ สิ้นเดือนที่วัด (หลังโอนเปลี่ยนแปลงและดึงกลับ); original: เงินจัดสรรครั้งแรกของปี",
           "current: the allocation at the month end measured; original: the year's first allocation"),
    Option("absent_series", "choice", ("reweight", "zero", "full"), "reweight",
           "อนุกรมที่ไม่มีเงินในรอบ", "a series with no money in a round",
           "reweight: ย้ายน้ำหนักไปยังส่วนที่มี; zero: ได้ 0; full: ได้คะแนนเต็ม",
           "reweight: its weight moves to what is present; zero: scores 0; full: full marks"),
    Option("missing_evidence", "choice", ("zero", "full"), "zero",
           "ไม่มีหลักฐานการกำกับติดตามเลย", "no governance evidence at all",
           "zero: เกณฑ์หลักฐานได้ 0; full: ได้คะแนนเต็ม", "zero: the evidence criterion scores 0; full: full marks"),
    Option("evidence_partial", "choice", ("none", "items", "proportional"), "none",
           "คะแนนบางส่วนของรายการตรวจสอบ (ระดับ 1-3)", "partial credit for the evidence checklist (1-3)",
           "ใช้กับเกณฑ์หลักฐานที่ไม่ได้ระบุ partial เอง — none: ต้องผ่านทุกรายการ; items: ได้น้ำหนักของรายการที่ผ่านครบทุกเดือน; "
           "proportional: ได้ตามสัดส่วนของเดือนที่ทันกำหนด",
           "for evidence criteria that set no `partial` of their own — none: all or nothing; items: each item "
           "fully met earns its weight; proportional: each item earns its share of months on time"),
    Option("zero_allocation_month", "choice", ("miss", "skip"), "miss",
           "เดือนที่เงินจัดสรรเป็น 0 ในอนุกรมที่มีเงิน", "a month with zero allocation inside a present series",
           "miss: นับเป็นเดือนที่ไม่ตามเป้า; skip: ไม่นับเดือนนั้น", "miss: counted as a month off target; skip: not counted"),
    Option("zero_at_checkpoint", "choice", ("miss", "absent"), "miss",
           "เงินจัดสรรถูกดึงกลับจนเป็น 0 ณ จุดวัด", "allocation pulled back to zero at a checkpoint",
           "miss: ไม่ถึงเป้า; absent: ถือว่าไม่มีอนุกรมนั้น ณ จุดวัด แล้วใช้ absent_series",
           "miss: the target is missed; absent: the series is absent there and absent_series applies"),
    Option("no_money", "choice", ("zero", "not_assessed"), "zero",
           "หน่วยงานที่ไม่มีเงินที่ประเมินได้ในรอบ", "a unit with no assessable money in a round",
           "zero: ได้ 0 และจัดอันดับ; not_assessed: ไม่ประเมินในรอบนั้น ไม่นำมาจัดอันดับ",
           "zero: scored 0 and ranked; not_assessed: no score for the round, left out of the ranking"),
)

BY_KEY = {o.key: o for o in OPTIONS}
