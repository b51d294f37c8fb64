"""Reading TOML configuration with errors that name the file, the line, the key and the value.

Every problem is collected (not just the first) so a coordinator fixes a file in one pass.
Numbers are read exactly: TOML floats arrive as Decimal, then become Fractions.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, TypeVar

from pts.core.fiscal import FiscalError, Month, parse_month
from pts.core.money import MoneyError, parse_satang
from pts.core.thai import bilingual, normalize_digits
from pts.scoring.engine.tomlmap import KeyPath, format_path, key_lines, line_of

T = TypeVar("T")
L = TypeVar("L", bound=str)
_IDENT = re.compile(r"^[A-Za-z0-9_.\-]+$")


class RuleSetError(ValueError):
    """A rule set or target set that cannot be used; `issues` lists every problem found."""

    def __init__(self, issues: list[str], located: list[tuple[KeyPath, str]] | None = None) -> None:
        self.issues = issues
        # (key path, message without file and line) of each issue that has a key: for a form's fields
        self.located = located or []
        super().__init__("\n".join(issues))


class Invalid(Exception):
    """Raised by a converter; the reader attaches the key path and line."""

    def __init__(self, th: str, en: str, subpath: KeyPath = ()) -> None:
        super().__init__(en)
        self.th = th
        self.en = en
        self.subpath = subpath  # inside the value: the element of an array that is wrong


class Doc:
    """One TOML file being validated: its source name, its key lines and the errors found."""

    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.errors: list[str] = []
        self.located: list[tuple[KeyPath, str]] = []
        self._lines: dict[KeyPath, int] | None = None

    def parse(self) -> dict[str, Any]:
        try:
            return tomllib.loads(self.text, parse_float=Decimal)
        except tomllib.TOMLDecodeError as exc:
            found = re.search(r"line (\d+)", str(exc))
            where = f"{self.source}:{found[1]}" if found else self.source
            raise RuleSetError(
                [f"{where}: " + bilingual(f"รูปแบบ TOML ไม่ถูกต้อง ({exc})", f"TOML syntax error ({exc})")]
            ) from None

    def line(self, path: KeyPath) -> int | None:
        if self._lines is None:
            self._lines = key_lines(self.text)
        return line_of(self._lines, path)

    def error(self, path: KeyPath, th: str, en: str) -> None:
        line = self.line(path)
        where = f"{self.source}:{line}" if line else self.source
        key = format_path(path) or "(file)"
        self.errors.append(f"{where}: {key}: {bilingual(th, en)}")
        self.located.append((path, bilingual(th, en)))

    def check(self) -> None:
        if self.errors:
            raise RuleSetError(self.errors, self.located)


class _Required:
    """The default of `Table.get` for a key that must be there."""


_REQUIRED = _Required()


class Table:
    """A TOML table being read. Keys not taken by the reader are reported as unknown (typos)."""

    def __init__(self, doc: Doc, data: dict[str, Any], path: KeyPath) -> None:
        self.doc = doc
        self.data = data
        self.path = path
        self.seen: set[str] = set()

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def error(self, key: str | None, th: str, en: str) -> None:
        self.doc.error(self.path + ((key,) if key else ()), th, en)

    def get(self, key: str, conv: Callable[[Any], T], default: Any = _REQUIRED) -> T | None:
        """The converted value of `key`; None (with an error recorded) when missing or invalid.
        `default` is what the caller would have `conv` return (the type follows `conv` alone)."""
        self.seen.add(key)
        if key not in self.data:
            if isinstance(default, _Required):
                self.error(key, "ต้องระบุค่านี้", "is required")
                return None
            fallback: T | None = default
            return fallback
        try:
            return conv(self.data[key])
        except Invalid as exc:
            value = self.data[key]
            for step in exc.subpath:
                value = value[step]
            shown = _shown(value)
            self.doc.error(self.path + (key,) + exc.subpath, f"{exc.th} (ค่า {shown})", f"{exc.en} (got {shown})")
            return None

    def table(self, key: str, required: bool = False) -> Table | None:
        self.seen.add(key)
        value = self.data.get(key)
        if value is None:
            if required:
                self.error(key, "ต้องมีตาราง [" + key + "]", f"table [{key}] is required")
            return None
        if not isinstance(value, dict):
            self.error(key, "ต้องเป็นตาราง", "must be a table")
            return None
        return Table(self.doc, value, self.path + (key,))

    def tables(self, key: str, required: bool = False) -> list[Table]:
        """An array of tables ([[key]]); elements carry their index in the path."""
        self.seen.add(key)
        value = self.data.get(key)
        if value is None:
            if required:
                self.error(key, f"ต้องมี [[{key}]] อย่างน้อยหนึ่งรายการ", f"at least one [[{key}]] is required")
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.error(key, f"ต้องเป็นรายการตาราง [[{key}]]", f"must be an array of tables [[{key}]]")
            return []
        return [Table(self.doc, v, self.path + (key, i)) for i, v in enumerate(value)]

    def subtables(self) -> list[tuple[str, Table]]:
        """Every key of this table, each holding a table (e.g. [series.overall], [series.capital])."""
        out = []
        for key, value in self.data.items():
            self.seen.add(key)
            if isinstance(value, dict):
                out.append((key, Table(self.doc, value, self.path + (key,))))
            else:
                self.error(key, "ต้องเป็นตาราง", "must be a table")
        return out

    def done(self) -> None:
        for key in self.data:
            if key not in self.seen:
                self.error(key, "ไม่รู้จักคีย์นี้ (สะกดผิดหรือไม่)", "unknown key (a typo?)")

    def label(self) -> tuple[str, str]:
        th = self.get("label_th", text, "") or ""
        en = self.get("label_en", text, "") or ""
        return th or en, en or th


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


# Converters: value from tomllib -> checked Python value, or Invalid.


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid("ต้องเป็นข้อความ", "must be a string")
    return value


def ident(value: Any) -> str:
    if not isinstance(value, str) or not _IDENT.match(value):
        raise Invalid("ต้องเป็นรหัส (a-z 0-9 . _ -)", "must be an id (letters, digits, . _ -)")
    return value


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid("ต้องเป็น true หรือ false", "must be true or false")
    return value


def integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid("ต้องเป็นจำนวนเต็ม", "must be a whole number")
    return int(value)


def positive_int(value: Any) -> int:
    n = integer(value)
    if n < 1:
        raise Invalid("ต้องมากกว่าศูนย์", "must be at least 1")
    return n


def number(value: Any) -> Fraction:
    """An exact number: TOML integer, float (read as Decimal) or a string such as "๔๕.๕"."""
    if isinstance(value, bool):
        raise Invalid("ต้องเป็นตัวเลข", "must be a number")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, Decimal) and value.is_finite():
        return Fraction(value)
    if isinstance(value, str):
        try:
            parsed = Decimal(normalize_digits(value).strip().replace(",", ""))
        except InvalidOperation:
            parsed = None
        if parsed is not None and parsed.is_finite():
            return Fraction(parsed)
    raise Invalid("ต้องเป็นตัวเลข", "must be a number")


def non_negative(value: Any) -> Fraction:
    n = number(value)
    if n < 0:
        raise Invalid("ต้องไม่ติดลบ", "must not be negative")
    return n


def positive(value: Any) -> Fraction:
    n = number(value)
    if n <= 0:
        raise Invalid("ต้องมากกว่าศูนย์", "must be greater than zero")
    return n


def percent(value: Any) -> Fraction:
    n = number(value)
    if not 0 <= n <= 100:
        raise Invalid("ต้องอยู่ระหว่าง 0 ถึง 100", "must be between 0 and 100")
    return n


def month(value: Any) -> Month:
    if not isinstance(value, str):
        raise Invalid("ต้องเป็นเดือน เช่น \"2022-10\" หรือ \"ต.ค. 65\"", 'must be a month, e.g. "2022-10"')
    try:
        return parse_month(value)
    except FiscalError as exc:
        raise Invalid("ไม่ใช่เดือน", str(exc)) from None


def baht(value: Any) -> int:
    """An amount in baht -> satang."""
    if isinstance(value, Decimal | int | str) and not isinstance(value, bool):
        try:
            return parse_satang(value)
        except MoneyError:
            pass
    raise Invalid("ต้องเป็นจำนวนเงินบาท", "must be an amount in baht")


def literal(*choices: L) -> Callable[[Any], L]:
    """`one_of` for a Literal type: give the converter that type, `m: Callable[[Any], Measure] = literal(...)`."""

    def conv(value: Any) -> L:
        for choice in choices:
            if value == choice:
                return choice
        listed = ", ".join(choices)
        raise Invalid(f"ต้องเป็นหนึ่งใน {listed}", f"must be one of {listed}")

    return conv


def one_of(*choices: str) -> Callable[[Any], str]:
    def conv(value: Any) -> str:
        if value not in choices:
            listed = ", ".join(choices)
            raise Invalid(f"ต้องเป็นหนึ่งใน {listed}", f"must be one of {listed}")
        return str(value)

    return conv


def list_of(conv: Callable[[Any], T]) -> Callable[[Any], list[T]]:
    def convert(value: Any) -> list[T]:
        if not isinstance(value, list):
            raise Invalid("ต้องเป็นรายการ [ ... ]", "must be an array [ ... ]")
        out = []
        for i, item in enumerate(value):
            try:
                out.append(conv(item))
            except Invalid as exc:
                raise Invalid(exc.th, exc.en, (i, *exc.subpath)) from None
        return out

    return convert
