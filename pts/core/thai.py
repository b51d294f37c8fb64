"""Thai text helpers: digits and bilingual messages. No Django here."""

from __future__ import annotations

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_TO_ASCII = str.maketrans(THAI_DIGITS, "0123456789")


def normalize_digits(text: str) -> str:
    """Replace Thai digits (๐-๙) with ASCII digits; everything else is kept."""
    return text.translate(_TO_ASCII)


def bilingual(th: str, en: str) -> str:
    """One message in both languages, Thai first, as every user-facing error is written."""
    return f"{th} / {en}"
