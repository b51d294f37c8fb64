"""Thai text helpers: digits and bilingual messages. No Django here.

Only ASCII (0-9) and Thai (๐-๙) digits are digits: Python's int() and regex \\d also take
Arabic-Indic, full-width and every other script's digits, which no Thai office types on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Callable

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


# Which interface language a message is shown in. Core knows no Django: the web app registers
# a function answering "th", "en" or None (no language: both halves, as the pure-Python command
# lines print them). A function, not data: the language is read afresh on every use.
_language_source: Callable[[], str | None] | None = None


def use_language(source: Callable[[], str | None] | None) -> None:
    """Register the function telling the active interface language ("th", "en", None for both)."""
    global _language_source
    _language_source = source


def active_language() -> str | None:
    """"th", "en", or None when nothing chose a language (then messages carry both)."""
    if _language_source is None:
        return None
    code = _language_source()
    if not code:
        return None
    return "en" if code.lower().startswith("en") else "th"


def _pick(th: str, en: str, language: str | None) -> str:
    if language == "th":
        return th
    if language == "en":
        return en
    return f"{th} / {en}"


class Bilingual(str):
    """A message written in Thai and English, shown in one of them: the active interface language
    when a page or command renders it (str(), format(), f-strings), Thai outside a request, and
    both ("th / en") when no language is registered (the pure-Python command lines).

    It is a str, so joining, `in` and comparisons work; their value is the language chosen when the
    message was made. `%` and `+` keep both halves, so a message formatted later (Django's
    `message % params`) is still shown in the page's language. `.th`, `.en` and `.both` give the
    halves, e.g. to store the Thai text of an audit note."""

    th: str
    en: str

    def __new__(cls, th: str, en: str) -> Bilingual:
        th, en = str(th), str(en)
        obj = super().__new__(cls, _pick(th, en, active_language()))
        obj.th, obj.en = th, en
        return obj

    def __str__(self) -> str:
        return _pick(self.th, self.en, active_language())

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __mod__(self, args: object) -> Bilingual:
        return Bilingual(self.th % args, self.en % args)

    def __add__(self, other: str) -> Bilingual:
        if isinstance(other, Bilingual):
            return Bilingual(self.th + other.th, self.en + other.en)
        return Bilingual(self.th + other, self.en + other)

    def __radd__(self, other: str) -> Bilingual:
        return Bilingual(other + self.th, other + self.en)

    def __reduce__(self) -> tuple[type[Bilingual], tuple[str, str]]:
        return (Bilingual, (self.th, self.en))

    @property
    def both(self) -> str:
        return f"{self.th} / {self.en}"


def bilingual(th: str, en: str) -> str:
    """One message in Thai and English, shown in the interface's language (see Bilingual)."""
    return Bilingual(th, en)


def thai_text(message: str) -> str:
    """The Thai half of a bilingual message (what is stored), any other text as it is."""
    return message.th if isinstance(message, Bilingual) else message
