"""Thai text helpers: digits and bilingual messages. No Django here.

Only ASCII (0-9) and Thai (๐-๙) digits are digits: Python's int() and regex \\d also take
Arabic-Indic, full-width and every other script's digits, which no Thai office types on purpose.
"""

from __future__ import annotations

import re

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_TO_ASCII = str.maketrans(THAI_DIGITS, "0123456789")
_FOREIGN_DIGIT = re.compile(r"(?![0-9\u0e50-\u0e59])\d")  # \d is Unicode Nd: what int() reads


class DigitError(ValueError):
    """A digit of another script (Arabic-Indic, full-width, ...); the message is bilingual."""


def normalize_digits(text: str) -> str:
    """Replace Thai digits (๐-๙) with ASCII digits; everything else is kept."""
    return text.translate(_TO_ASCII)


def foreign_digit(text: str) -> str | None:
    """The first digit in `text` that is neither ASCII nor Thai, or None."""
    if text.isascii():
        return None
    found = _FOREIGN_DIGIT.search(text)
    return found[0] if found else None


def strict_digits(text: str) -> str:
    """normalize_digits, refusing digits of any other script with a message naming the value."""
    ch = foreign_digit(text)
    if ch is not None:
        raise DigitError(foreign_digit_message(text, ch))
    return normalize_digits(text)


def foreign_digit_message(text: str, ch: str) -> str:
    return bilingual(
        f"'{text}': ใช้ได้เฉพาะตัวเลข 0-9 หรือเลขไทย ๐-๙ ('{ch}' U+{ord(ch):04X} เป็นเลขของภาษาอื่น)",
        f"'{text}': only digits 0-9 and Thai digits ๐-๙ are read ('{ch}' U+{ord(ch):04X} is another script's digit)",
    )


def bilingual(th: str, en: str) -> str:
    """One message in both languages, Thai first, as every user-facing error is written."""
    return f"{th} / {en}"
