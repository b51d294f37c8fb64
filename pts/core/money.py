"""Money: integer satang in storage, Decimal at the edges, never float.

parse_* accept what people type: Thai digits, thousands separators, spaces.

One ceiling holds every amount (`check_amount`): `PTS_MAX_AMOUNT_BAHT` from the environment,
at most `AMOUNT_LIMIT_SATANG`, the bound under which no total the product makes can overflow a
signed 64-bit integer (the arithmetic is at `AMOUNT_LIMIT_SATANG`). The database holds every amount
column to the same limit with a CHECK constraint.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from pts.core.thai import bilingual, normalize_digits

SATANG_PER_BAHT = 100
# A total is a sum of at most SUMMED_ROWS amounts: a national total over a year's ledger of a
# million imported lines plus 10,000 units x 100 entered movements each. A 64-bit total is exact
# while SUMMED_ROWS x limit <= 2**63 - 1 = 9,223,372,036,854,775,807 satang, i.e. while the limit
# is at most 4,611,686,018,427 satang (46.1 billion baht); 40,000,000,000.00 baht (4e12 satang)
# leaves 13 % to spare (2,000,000 x 4e12 = 8e18). The CHECK constraints on the amount columns hold
# this limit, so it is a constant of the schema, not a setting; the setting may only lower it.
SUMMED_ROWS = 2_000_000
AMOUNT_LIMIT_SATANG = 4_000_000_000_000
assert SUMMED_ROWS * AMOUNT_LIMIT_SATANG <= 2**63 - 1
MAX_AMOUNT_ENV = "PTS_MAX_AMOUNT_BAHT"
_AMOUNT_RE = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$")


class MoneyError(ValueError):
    """An amount that cannot be read; the message is bilingual and names the value."""


class AmountTooLarge(MoneyError):
    """An amount beyond the ceiling (either sign). `th` and `en` say it in each language, naming
    the value and the maximum, for callers that put a field's name in front."""

    def __init__(self, th: str, en: str) -> None:
        super().__init__(bilingual(th, en))
        self.th, self.en = th, en


def max_amount_satang(environ: Mapping[str, str] | None = None) -> int:
    """The ceiling in satang: `PTS_MAX_AMOUNT_BAHT` (whole baht, default and most: the limit).

    Read from the environment at each call, so every process (web, `pts score`, commands) agrees
    with settings.py, which reads the same variable at start and refuses a bad one.
    """
    raw = (os.environ if environ is None else environ).get(MAX_AMOUNT_ENV, "").strip()
    if not raw:
        return AMOUNT_LIMIT_SATANG
    text = raw.replace(",", "").replace("_", "")
    if not text.isascii() or not text.isdigit() or int(text) <= 0:
        raise ValueError(f"{MAX_AMOUNT_ENV} must be a whole number of baht above zero (got '{raw}')")
    satang = int(text) * SATANG_PER_BAHT
    if satang > AMOUNT_LIMIT_SATANG:
        raise ValueError(
            f"{MAX_AMOUNT_ENV} may be at most {AMOUNT_LIMIT_SATANG // SATANG_PER_BAHT:,} baht (got '{raw}'): "
            "beyond it the totals of a large ledger could overflow 64 bits"
        )
    return satang


def check_amount(satang: int, *, maximum: int | None = None) -> int:
    """`satang` if its size is within the ceiling, else AmountTooLarge naming the value and the maximum.

    The one check every parser, form, import and action uses; the sign is for the caller to judge.
    """
    limit = max_amount_satang() if maximum is None else maximum
    if abs(satang) > limit:
        # past 28 digits of baht, the value in scientific notation (str() of a huge int is refused)
        shown = format_baht(satang) if abs(satang) < 10**30 else f"{Decimal(satang).scaleb(-2):.3E}"
        raise AmountTooLarge(
            f"'{shown}' เกินจำนวนเงินสูงสุดที่รับได้ {format_baht(limit)} บาท",
            f"'{shown}' is above the maximum amount of {format_baht(limit)} baht",
        )
    return satang


def parse_amount(value: str | int | Decimal) -> Decimal:
    """Read a baht amount ("1,234.50", "๑,๒๓๔.๕๐", 12) into an exact Decimal.

    At most two decimals; thousands separators must be well placed.
    """
    if isinstance(value, bool):
        raise MoneyError(bilingual(f"'{value}' ไม่ใช่จำนวนเงิน", f"'{value}' is not an amount"))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite() or value != value.quantize(Decimal("0.01")):
            raise MoneyError(
                bilingual(f"'{value}' มีทศนิยมเกิน 2 ตำแหน่ง", f"'{value}' has more than 2 decimals")
            )
        return value
    text = normalize_digits(str(value)).strip().replace(" ", "").replace("\u00a0", "")
    if not _AMOUNT_RE.match(text):
        raise MoneyError(
            bilingual(f"'{value}' ไม่ใช่จำนวนเงิน", f"'{value}' is not an amount (e.g. 1,234.50)")
        )
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only valid decimals
        raise MoneyError(bilingual(f"'{value}' ไม่ใช่จำนวนเงิน", f"'{value}' is not an amount")) from exc


def to_satang(baht: Decimal) -> int:
    """Exact baht Decimal -> integer satang (refuses sub-satang amounts)."""
    satang = baht * SATANG_PER_BAHT
    if satang != satang.to_integral_value():
        raise MoneyError(
            bilingual(f"'{baht}' มีทศนิยมเกิน 2 ตำแหน่ง", f"'{baht}' has more than 2 decimals")
        )
    return int(satang)


def parse_satang(value: str | int | Decimal) -> int:
    """parse_amount, to_satang and check_amount: what every form field and import cell uses."""
    return check_amount(to_satang(parse_amount(value)))


def from_satang(satang: int) -> Decimal:
    return (Decimal(satang) / SATANG_PER_BAHT).quantize(Decimal("0.01"))


def format_baht(satang: int | None) -> str:
    """12345678950 -> "123,456,789.50"; None -> ""."""
    if satang is None:
        return ""
    sign = "-" if satang < 0 else ""
    whole, frac = divmod(abs(int(satang)), SATANG_PER_BAHT)
    return f"{sign}{whole:,}.{frac:02d}"


def format_million(satang: int) -> str:
    """Million baht with two decimals, as national reports print them."""
    value = (Decimal(satang) / (SATANG_PER_BAHT * 1_000_000)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    return f"{value:,.2f}"


def split_largest_remainder(total: int, weights: Sequence[int]) -> list[int]:
    """Split an integer total in proportion to non-negative weights; parts sum to total exactly.

    Ties in the remainders go to the earlier part, so the result is deterministic.
    """
    if not weights:
        raise ValueError("no weights")
    if any(w < 0 for w in weights):
        raise ValueError("weights must be non-negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        weights = [1] * len(weights)
        weight_sum = len(weights)
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    floors = [magnitude * w // weight_sum for w in weights]
    remainders = [magnitude * w % weight_sum for w in weights]
    shortfall = magnitude - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:shortfall]:
        floors[i] += 1
    return [sign * part for part in floors]


def baht_text(satang: int) -> str:
    """Amount in Thai words: 10100 -> "หนึ่งร้อยเอ็ดบาทถ้วน", 50 -> "ห้าสิบสตางค์".

    pythainlp's bahttext takes floats and says "ศูนย์บาทห้าสิบสตางค์" below one baht; we give it
    whole baht and satang separately so nothing is rounded, and use the official wording.
    """
    from pythainlp.util import bahttext, num_to_thaiword

    if satang < 0:
        return "ลบ" + baht_text(-satang)
    baht, st = divmod(satang, SATANG_PER_BAHT)
    if baht == 0 and st == 0:
        return "ศูนย์บาทถ้วน"
    if baht == 0:
        return num_to_thaiword(st) + "สตางค์"
    words = bahttext(baht)  # an int: exact; ends with "บาทถ้วน"
    if st == 0:
        return words
    return words.removesuffix("ถ้วน") + num_to_thaiword(st) + "สตางค์"
