"""The Thai fiscal calendar and Buddhist-era dates. No Django here.

Fiscal year 2566 (BE) runs 2022-10-01 .. 2023-09-30 and is named by the BE year it ends in.
Months are identified by a `Month` (CE year, month); fiscal month 1 is October (ต.ค.).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from pts.core.thai import DigitError, bilingual, strict_digits

BE_OFFSET = 543

MONTH_ABBR = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")
MONTH_FULL = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)  # fmt: skip
MONTH_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class FiscalError(ValueError):
    """A date or month label that cannot be read; the message is bilingual."""


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, CE year."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise FiscalError(bilingual(f"เดือน {self.month} ไม่ถูกต้อง", f"month {self.month} is invalid"))

    @classmethod
    def of(cls, d: date) -> Month:
        return cls(d.year, d.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def day(self, day: int) -> date:
        """The given day of this month, clamped to the month's length (the 31st of Feb is its end)."""
        return date(self.year, self.month, min(day, calendar.monthrange(self.year, self.month)[1]))

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def prev(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    @property
    def fiscal_year(self) -> int:
        """BE fiscal year the month belongs to."""
        return self.year + BE_OFFSET + (1 if self.month >= 10 else 0)

    @property
    def fiscal_index(self) -> int:
        """1 for October .. 12 for September."""
        return (self.month - 10) % 12 + 1

    @property
    def quarter(self) -> int:
        """Fiscal quarter 1..4 (Q1 = Oct-Dec)."""
        return (self.fiscal_index - 1) // 3 + 1

    def iso(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def thai_short(self) -> str:
        """"ต.ค. 65"."""
        return f"{MONTH_ABBR[self.month - 1]} {(self.year + BE_OFFSET) % 100:02d}"

    def thai_long(self) -> str:
        """"ตุลาคม 2565"."""
        return f"{MONTH_FULL[self.month - 1]} {self.year + BE_OFFSET}"

    def __str__(self) -> str:
        return self.iso()


def fiscal_year_of(d: date) -> int:
    """BE fiscal year of a date: 2022-10-01 -> 2566."""
    return Month.of(d).fiscal_year


def fiscal_year_bounds(be_year: int) -> tuple[date, date]:
    """First and last day of a BE fiscal year."""
    ce = be_year - BE_OFFSET
    return date(ce - 1, 10, 1), date(ce, 9, 30)


def fiscal_months(be_year: int) -> list[Month]:
    """The twelve months of a fiscal year, October first."""
    start = Month(be_year - BE_OFFSET - 1, 10)
    months = [start]
    while len(months) < 12:
        months.append(months[-1].next())
    return months


def fiscal_month(be_year: int, index: int) -> Month:
    """Month number `index` (1 = Oct .. 12 = Sep) of a fiscal year."""
    if not 1 <= index <= 12:
        raise FiscalError(bilingual(f"เดือนที่ {index} ไม่อยู่ในช่วง 1-12", f"fiscal month {index} is not in 1-12"))
    return fiscal_months(be_year)[index - 1]


def calendar_month(be_year: int, month: int) -> Month:
    """Calendar month `month` (1 = Jan .. 12 = Dec) of a fiscal year: October-December fall in the
    first CE year (month 11 of FY2566 is 2022-11)."""
    return Month(be_year - BE_OFFSET - (1 if month >= 10 else 0), month)


def quarter_end(be_year: int, quarter: int) -> Month:
    """Last month of a fiscal quarter: Q1 -> December."""
    if not 1 <= quarter <= 4:
        raise FiscalError(bilingual(f"ไตรมาส {quarter} ไม่ถูกต้อง", f"quarter {quarter} is invalid"))
    return fiscal_month(be_year, quarter * 3)


def thai_date(d: date | None, *, long: bool = False) -> str:
    """"15 พ.ย. 2566" (or "15 พฤศจิกายน 2566" with long=True); BE year."""
    if d is None:
        return ""
    names = MONTH_FULL if long else MONTH_ABBR
    return f"{d.day} {names[d.month - 1]} {d.year + BE_OFFSET}"


def thai_date_numeric(d: date | None) -> str:
    """"15/11/2566": day/month/BE year, the form a date box shows and `parse_date` reads back."""
    if d is None:
        return ""
    return f"{d.day:02d}/{d.month:02d}/{d.year + BE_OFFSET}"


def english_date(d: date | None) -> str:
    """"15 Nov 2023" for the English interface (CE)."""
    if d is None:
        return ""
    return f"{d.day} {MONTH_EN[d.month - 1]} {d.year}"


# [0-9], not \d: the text has been through strict_digits, and \d would take any script's digits.
# Separators as Excel and Thai staff write them: "ต.ค.-65", "ต.ค. 65", "31/8/66", "31-ส.ค.-66".
_ISO_MONTH = re.compile(r"^([0-9]{4})-([0-9]{1,2})$")
_THAI_MONTH = re.compile(r"^([^0-9]+?)[\s\-/]*([0-9]{2}|[0-9]{4})$")
_ISO_DATE = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")
_SLASH_DATE = re.compile(r"^([0-9]{1,2})[/.]([0-9]{1,2})[/.]([0-9]{2}|[0-9]{4})$")
_THAI_DATE = re.compile(r"^([0-9]{1,2})[\s\-/]*([^0-9]+?)[\s\-/]*([0-9]{2}|[0-9]{4})$")


def _month_number(name: str) -> int | None:
    key = name.replace(" ", "").strip()
    for i, (abbr, full, en) in enumerate(zip(MONTH_ABBR, MONTH_FULL, MONTH_EN, strict=True)):
        if key in (abbr, abbr.replace(".", ""), full) or key.lower() == en.lower():
            return i + 1
    return None


def _be_to_ce(year_text: str) -> int:
    year = int(year_text)
    if len(year_text) == 2:
        year += 2500
    return year - BE_OFFSET


def _strict(text: str) -> str:
    try:
        return strict_digits(text).strip()
    except DigitError as exc:
        raise FiscalError(str(exc)) from None


def parse_month(text: str) -> Month:
    """Read "2022-10", "ต.ค. 65", "ต.ค.-65" (Excel), "ต.ค.2565" or "ตุลาคม 2565" (Thai digits too).

    A four-digit year after a Thai month name is BE; after an ISO dash it is CE. Digits of other
    scripts are refused.
    """
    raw = _strict(text)
    if m := _ISO_MONTH.match(raw):
        year, month = int(m[1]), int(m[2])
        if year > 2400:
            raise FiscalError(
                bilingual(f"'{text}': ใช้ปี ค.ศ. ในรูปแบบ YYYY-MM", f"'{text}': YYYY-MM takes a CE year")
            )
        if 1 <= month <= 12:
            return Month(year, month)
    elif (m := _THAI_MONTH.match(raw)) and (number := _month_number(m[1])):
        return Month(_be_to_ce(m[2]), number)
    raise FiscalError(
        bilingual(
            f"'{text}' ไม่ใช่เดือน (เช่น 2022-10, ต.ค. 65, ตุลาคม 2565)",
            f"'{text}' is not a month (e.g. 2022-10, ต.ค. 65, ตุลาคม 2565)",
        )
    )


def parse_date(text: str) -> date:
    """Read a date as people type it: "2023-11-15" (CE), "15/11/2566" or "31/8/66" (BE),
    "15 พ.ย. 66", "15-พ.ย.-66", Thai digits; digits of other scripts are refused.

    Day/month/year with slashes is read as BE when the year is above 2400, else CE; a two-digit
    year there is BE (66 is 2566), as Thai staff type it.
    """
    raw = _strict(text)
    try:
        if m := _ISO_DATE.match(raw):
            year, month, day = int(m[1]), int(m[2]), int(m[3])
            if year > 2400:
                year -= BE_OFFSET
            return date(year, month, day)
        if m := _SLASH_DATE.match(raw):
            year = int(m[3]) + (2500 if len(m[3]) == 2 else 0)
            if year > 2400:
                year -= BE_OFFSET
            return date(year, int(m[2]), int(m[1]))
        if (m := _THAI_DATE.match(raw)) and (number := _month_number(m[2])):
            return date(_be_to_ce(m[3]), number, int(m[1]))
    except ValueError:
        pass
    raise FiscalError(
        bilingual(
            f"'{text}' ไม่ใช่วันที่ (เช่น 15/11/2566 หรือ 2023-11-15)",
            f"'{text}' is not a date (e.g. 15/11/2566 or 2023-11-15)",
        )
    )
