"""Reading one cell of an import: amounts, dates, codes and text as people and GFMIS write them.

Every reader returns the value or raises `CellError` with a bilingual message that names the value;
the pipeline adds the sheet, row and column. A cell is what `pts.core.tabular` yields: text for a CSV
file; text, a number, a date or None for an xlsx cell.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pts.core.categories import category_code, fund_code_category, is_fund_code
from pts.core.fiscal import BE_OFFSET, FiscalError, parse_date
from pts.core.money import MoneyError, check_amount, parse_amount, to_satang
from pts.core.thai import DigitError, bilingual, normalize_digits, strict_digits

_PLAIN = re.compile(r"-?\d{1,40}(?:\.\d{1,2})?", re.ASCII)  # ASCII digits only: others go the careful way
_GROUPED = re.compile(r"-?\d{1,3}(?:,\d{3}){1,4}(?:\.\d{1,2})?", re.ASCII)  # 1,234,567.50


class CellError(ValueError):
    """A cell that cannot be read; `message` is bilingual and names the value."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _message(exc: Exception) -> str:
    """The exception's message, still in both languages (a Bilingual) when it was made so."""
    first = exc.args[0] if exc.args else ""
    return first if isinstance(first, str) else str(exc)


def text(cell: Any) -> str:
    """The cell as trimmed text ("" for an empty cell); a whole number stays whole (12.0 -> "12")."""
    if cell is None:
        return ""
    if isinstance(cell, float):
        if cell.is_integer():
            return str(int(cell))
        return repr(cell)
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() else cell.isoformat(sep=" ")
    return str(cell).strip()


def shown(cell: Any) -> str:
    """The cell as an error message quotes it."""
    return text(cell)[:80]


def _within(satang: int, maximum: int | None) -> int:
    """The amount if it is within the ceiling, else a CellError naming it and the ceiling."""
    try:
        return check_amount(satang, maximum=maximum)
    except MoneyError as exc:
        raise CellError(_message(exc)) from exc


def amount(cell: Any, *, allow_negative: bool = True, maximum: int | None = None) -> int:
    """Baht -> satang: "1,234.50", "๑,๒๓๔.๕๐", "(1,234.50)" and "1,234.50-" (negatives as accounts
    write them), a numeric xlsx cell; at most two decimals, within the amount ceiling (`maximum`:
    the ceiling in satang as `max_amount_satang()` gave it, read once by a caller reading many cells)."""
    if isinstance(cell, bool):
        raise CellError(bilingual(f"'{cell}' ไม่ใช่จำนวนเงิน", f"'{cell}' is not an amount"))
    if isinstance(cell, int):
        value = _within(cell * 100, maximum)
    elif isinstance(cell, float):
        if not math.isfinite(cell):
            raise CellError(bilingual(f"'{cell}' ไม่ใช่จำนวนเงิน", f"'{cell}' is not an amount"))
        try:  # the shortest repr is what the user typed; refuse a third decimal instead of rounding it
            value = _within(to_satang(Decimal(repr(cell))), maximum)
        except MoneyError as exc:
            raise CellError(_message(exc)) from exc
    else:
        raw = cell.strip() if type(cell) is str else str(cell or "").strip()
        if not raw:
            raise CellError(bilingual("ไม่มีจำนวนเงิน", "the amount is empty"))
        if "," in raw and _GROUPED.fullmatch(raw):  # thousands grouped as GFMIS exports them: 1,234,567.50
            raw = raw.replace(",", "")
        if _PLAIN.fullmatch(raw):  # the common case, fast: 1234.50
            whole, _, frac = raw.partition(".")
            value = abs(int(whole)) * 100 + (int((frac + "0")[:2]) if frac else 0)
            value = _within(-value if whole.startswith("-") else value, maximum)
        else:
            negative = False
            inner = raw
            if inner.startswith("(") and inner.endswith(")"):
                negative, inner = True, inner[1:-1].strip()
            elif inner.endswith("-") and not inner.startswith("-"):
                negative, inner = True, inner[:-1].strip()
            try:
                value = _within(to_satang(parse_amount(inner)), maximum)
            except (MoneyError, DigitError) as exc:
                raise CellError(_message(exc)) from exc
            except (InvalidOperation, ValueError) as exc:
                raise CellError(bilingual(f"'{shown(cell)}' ไม่ใช่จำนวนเงิน", f"'{shown(cell)}' is not an amount")) from exc
            if negative:
                value = -value
    if value < 0 and not allow_negative:
        raise CellError(bilingual(f"'{shown(cell)}' ติดลบไม่ได้", f"'{shown(cell)}' cannot be negative"))
    return value


def day(cell: Any) -> date:
    """A date: an xlsx date cell, or text in BE or CE ("15/11/2566", "2023-11-15", "15 พ.ย. 66").
    A BE year is turned into CE once: a date cell is already CE, so 2566 there is a typing slip."""
    if isinstance(cell, datetime):
        value = cell.date()
    elif isinstance(cell, date):
        value = cell
    elif isinstance(cell, (int, float)) and not isinstance(cell, bool):
        raise CellError(bilingual(f"'{shown(cell)}' เป็นตัวเลข ไม่ใช่วันที่ (จัดรูปแบบเซลล์เป็นวันที่ หรือพิมพ์ 15/11/2566)",
                                  f"'{shown(cell)}' is a number, not a date (format the cell as a date, or type 15/11/2566)"))
    else:
        raw = str(cell or "").strip()
        if not raw:
            raise CellError(bilingual("ไม่มีวันที่", "the date is empty"))
        try:
            return parse_date(raw[:10] if len(raw) > 10 and raw[4:5] == "-" and raw[10:11] in " T" else raw)
        except (FiscalError, DigitError) as exc:
            raise CellError(_message(exc)) from exc
    if value.year > 2400:  # a date cell typed with a BE year: Excel stored year 2566 as CE 2566
        raise CellError(bilingual(
            f"วันที่ {value.isoformat()} มีปี {value.year} ซึ่งเป็นปี พ.ศ. ในเซลล์วันที่ (เซลล์วันที่ต้องเป็น ค.ศ.: {value.year - BE_OFFSET})",
            f"the date {value.isoformat()} has the year {value.year}, a BE year in a date cell "
            f"(a date cell holds CE: {value.year - BE_OFFSET})"))
    return value


def code(cell: Any, *, what: tuple[str, str] = ("รหัส", "code"), max_length: int = 20) -> str:
    """A code (unit, document): text with Thai digits turned Arabic; a numeric cell stays whole."""
    value = text(cell)
    try:
        value = normalize_digits(strict_digits(value))
    except DigitError as exc:
        raise CellError(_message(exc)) from exc
    if not value:
        raise CellError(bilingual(f"ไม่มี{what[0]}", f"the {what[1]} is empty"))
    if len(value) > max_length:
        raise CellError(bilingual(f"{what[0]} '{shown(cell)}' ยาวเกิน {max_length} ตัวอักษร",
                                  f"the {what[1]} '{shown(cell)}' is longer than {max_length} characters"))
    return value


def fund_category(cell: Any) -> str:
    """The budget category of a 7-digit GFMIS source-of-funds code (docs/domain.md §2)."""
    value = text(cell).replace(" ", "")
    try:
        value = normalize_digits(strict_digits(value))
    except DigitError as exc:
        raise CellError(_message(exc)) from exc
    if not is_fund_code(value):
        raise CellError(bilingual(f"รหัสแหล่งของเงิน '{shown(cell)}' ต้องเป็นตัวเลข 7 หลัก",
                                  f"the source-of-funds code '{shown(cell)}' must have 7 digits"))
    found = fund_code_category(value)
    if found is None:
        raise CellError(bilingual(f"รหัสแหล่งของเงิน '{shown(cell)}': ไม่รู้จักหมวดรายจ่าย {value[4:]}",
                                  f"the source-of-funds code '{shown(cell)}': unknown expense class {value[4:]}"))
    return found


def category(cell: Any) -> str:
    """A budget category by its code or Thai name ("capital", "งบลงทุน")."""
    found = category_code(text(cell))
    if found is None:
        raise CellError(bilingual(f"'{shown(cell)}' ไม่ใช่งบรายจ่าย (งบบุคลากร งบดำเนินงาน งบลงทุน งบเงินอุดหนุน งบรายจ่ายอื่น)",
                                  f"'{shown(cell)}' is not a budget category (personnel, operating, capital, "
                                  "subsidy, other)"))
    return found
