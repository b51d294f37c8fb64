"""The rule-set `[options]` table, described as data: what the loader checks and an editor renders.

Each option is a choice among named values (a bool is the choice true | false); the default is
the engine's behaviour when the key is left out. `percent_rounding` also takes 0-6 decimals.
`names` gives each choice, in order, the words a person reads (Thai, English); the Thai help
speaks of the choices by those names, never by the values written in the file.
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
    names: tuple[tuple[str, str], ...] = ()  # (Thai, English) per choice; empty: the value itself

    def name(self, value: object, lang: str = "th") -> str:
        """The words for one of the choices (the value itself when it is not one)."""
        for choice, words in zip(self.choices, self.names, strict=False):
            if choice == value and type(choice) is type(value):
                return words[1] if lang == "en" else words[0]
        return str(value)


OPTIONS: tuple[Option, ...] = (
    Option("percent_rounding", "choice", ("exact", 0, 1, 2, 3, 4, 5, 6), "exact",
           "การปัดเศษร้อยละก่อนเทียบเป้าหมาย", "rounding of a percentage before it is compared",
           "ไม่ปัดเศษ: เทียบค่าจริง; ปัดเป็นทศนิยม 0-6 ตำแหน่ง: ปัดครึ่งขึ้นก่อนเทียบ",
           "exact: compare the exact value; 0-6: round half up to that many decimals first",
           (("ไม่ปัดเศษ", "exact"), *((f"ปัดเป็นทศนิยม {n} ตำแหน่ง", f"{n} decimals") for n in range(7)))),
    Option("measure", "choice", ("disbursed", "spent"), "disbursed",
           "ตัวเลขที่ใช้วัด", "what is measured",
           "เบิกจ่าย; หรือใช้จ่าย = เบิกจ่าย + ใบสั่งซื้อสั่งจ้าง (PO) คงค้าง + สำรองเงินแบบมีหนี้",
           "disbursed; or spent = disbursed + outstanding PO + reservations with debt",
           (("เบิกจ่าย", "disbursed"), ("ใช้จ่าย (รวม PO และสำรองเงินมีหนี้)", "spent"))),
    Option("denominator", "choice", ("current", "original"), "current",
           "ฐานของร้อยละ", "base of a percentage",
           "เงินจัดสรร ณ สิ้นเดือนที่วัด (หลังโอนเปลี่ยนแปลงและดึงกลับ) หรือเงินจัดสรรครั้งแรกของปี",
           "current: the allocation at the month end measured; original: the year's first allocation",
           (("เงินจัดสรร ณ สิ้นเดือนที่วัด", "current allocation"), ("เงินจัดสรรครั้งแรกของปี", "original allocation"))),
    Option("absent_series", "choice", ("reweight", "zero", "full"), "reweight",
           "อนุกรมที่ไม่มีเงินในรอบ", "a series with no money in a round",
           "ย้ายน้ำหนักไปยังส่วนที่มีเงิน ให้ 0 คะแนน หรือให้คะแนนเต็ม",
           "reweight: its weight moves to what is present; zero: scores 0; full: full marks",
           (("ย้ายน้ำหนักไปส่วนที่มี", "reweight"), ("ได้ 0 คะแนน", "zero"), ("ได้คะแนนเต็ม", "full"))),
    Option("missing_evidence", "choice", ("zero", "full"), "zero",
           "ไม่มีหลักฐานการกำกับติดตามเลย", "no governance evidence at all",
           "เกณฑ์หลักฐานได้ 0 คะแนน หรือได้คะแนนเต็ม", "zero: the evidence criterion scores 0; full: full marks",
           (("ได้ 0 คะแนน", "zero"), ("ได้คะแนนเต็ม", "full"))),
    Option("evidence_partial", "choice", ("none", "items", "proportional"), "none",
           "คะแนนบางส่วนของรายการตรวจสอบ (ระดับ 1-3)", "partial credit for the evidence checklist (1-3)",
           "ใช้กับเกณฑ์หลักฐานที่ไม่ได้กำหนดการให้คะแนนบางส่วนเอง — ต้องผ่านทุกรายการ; ได้น้ำหนักของรายการที่ผ่านครบทุกเดือน; "
           "หรือได้ตามสัดส่วนของเดือนที่ทันกำหนด",
           "for evidence criteria that set no `partial` of their own — none: all or nothing; items: each item "
           "fully met earns its weight; proportional: each item earns its share of months on time",
           (("ต้องผ่านทุกรายการ", "all or nothing"), ("ตามรายการที่ผ่านครบ", "by item"),
            ("ตามสัดส่วนเดือนที่ทันกำหนด", "proportional"))),
    Option("zero_allocation_month", "choice", ("miss", "skip"), "miss",
           "เดือนที่เงินจัดสรรเป็น 0 ในอนุกรมที่มีเงิน", "a month with zero allocation inside a present series",
           "นับเป็นเดือนที่ไม่ตามเป้า หรือไม่นับเดือนนั้น", "miss: counted as a month off target; skip: not counted",
           (("นับว่าไม่ตามเป้า", "miss"), ("ไม่นับเดือนนั้น", "skip"))),
    Option("zero_at_checkpoint", "choice", ("miss", "absent"), "miss",
           "เงินจัดสรรถูกดึงกลับจนเป็น 0 ณ จุดวัด", "allocation pulled back to zero at a checkpoint",
           "ไม่ถึงเป้า หรือถือว่าไม่มีเงินส่วนนั้น ณ จุดวัด แล้วใช้ตัวเลือก \"อนุกรมที่ไม่มีเงินในรอบ\"",
           "miss: the target is missed; absent: the series is absent there and absent_series applies",
           (("ไม่ถึงเป้า", "miss"), ("ถือว่าไม่มีเงินส่วนนั้น", "absent"))),
    Option("no_money", "choice", ("zero", "not_assessed"), "zero",
           "หน่วยงานที่ไม่มีเงินที่ประเมินได้ในรอบ", "a unit with no assessable money in a round",
           "ได้ 0 คะแนนและจัดอันดับ หรือไม่ประเมินในรอบนั้นและไม่นำมาจัดอันดับ",
           "zero: scored 0 and ranked; not_assessed: no score for the round, left out of the ranking",
           (("ได้ 0 คะแนนและจัดอันดับ", "zero, ranked"), ("ไม่ประเมิน ไม่จัดอันดับ", "not assessed"))),
)

BY_KEY = {o.key: o for o in OPTIONS}
assert all(not o.names or len(o.names) == len(o.choices) for o in OPTIONS)
