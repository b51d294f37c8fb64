"""Form fields that read what Thai users type: Thai digits, thousands separators, BE dates.

Every error names the value and is written in Thai and English.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core import validators
from django.utils.translation import gettext_lazy

from pts.core.fiscal import (
    FiscalError,
    Month,
    english_date,
    parse_date,
    parse_month,
    thai_date,
    thai_date_numeric,
)
from pts.core.money import AmountTooLarge, MoneyError, format_baht, max_amount_satang, parse_satang
from pts.core.thai import bilingual, foreign_digit, foreign_digit_message


class _TextInField(forms.CharField):
    """A CharField whose cleaned value is not text: length is checked on the typed text, not the result."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # CharField's length validators run on the cleaned value (an int or a date here), so check the text.
        self.validators = [
            v for v in self.validators
            if not isinstance(v, validators.MaxLengthValidator | validators.MinLengthValidator)
        ]

    def _text(self, value: Any) -> str:
        text = forms.CharField.to_python(self, value) or ""
        if self.max_length is not None and len(text) > self.max_length:
            raise forms.ValidationError(
                bilingual(f"ยาวเกิน {self.max_length} ตัวอักษร: '{text[:40]}'",
                          f"longer than {self.max_length} characters: '{text[:40]}'"),
                code="max_length",
            )
        return text


class AmountField(_TextInField):
    """Baht in, integer satang out ("๑,๒๓๔.๕๐" -> 123450). Negative amounts are refused
    unless allow_negative=True (corrections); either sign beyond the ceiling
    (`pts.core.money.check_amount`) is refused naming the field and the maximum."""

    def __init__(self, *, allow_negative: bool = False, allow_zero: bool = True, **kwargs: Any) -> None:
        self.allow_negative = allow_negative
        self.allow_zero = allow_zero
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")
        self.widget.attrs.setdefault("class", "amount")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return format_baht(value)
        return value

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = self._text(value)
        if text in self.empty_values:
            return None
        if (ch := foreign_digit(text)) is not None:  # int() and \d read them; people do not type them
            raise forms.ValidationError(foreign_digit_message(text, ch), code="invalid")
        try:
            satang = parse_satang(text)
        except AmountTooLarge as exc:
            label, limit = str(self.label or ""), format_baht(max_amount_satang())
            raise forms.ValidationError(
                bilingual(f"{label}: '{text}' เกินจำนวนเงินสูงสุดที่รับได้ {limit} บาท",
                          f"{label}: '{text}' is above the maximum amount of {limit} baht"),
                code="max_amount",
            ) from exc
        except MoneyError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc
        if satang < 0 and not self.allow_negative:
            raise forms.ValidationError(
                bilingual(f"จำนวนเงินติดลบไม่ได้: '{text}'", f"the amount cannot be negative: '{text}'"),
                code="negative",
            )
        if satang == 0 and not self.allow_zero:
            raise forms.ValidationError(
                bilingual("จำนวนเงินต้องมากกว่าศูนย์", "the amount must be more than zero"), code="zero"
            )
        return satang


class ThaiDateField(_TextInField):
    """A date typed as 15/11/2566 or 31/8/66 (BE), 2023-11-15 (CE), "15 พ.ย. 66", Thai digits
    accepted, other scripts' digits refused."""

    def __init__(self, *, min_date: date | None = None, max_date: date | None = None, **kwargs: Any) -> None:
        self.min_date = min_date
        self.max_date = max_date
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("help_text", "วว/ดด/ปปปป (พ.ศ.)")
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("placeholder", gettext_lazy("dd/mm/yyyy"))

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, date):
            return thai_date_numeric(value)
        return value

    def to_python(self, value: Any) -> date | None:  # type: ignore[override]
        if isinstance(value, date):
            return value
        text = self._text(value)
        if text in self.empty_values:
            return None
        try:
            day = parse_date(text)
        except FiscalError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc
        if (self.min_date and day < self.min_date) or (self.max_date and day > self.max_date):
            raise forms.ValidationError(
                bilingual(
                    f"วันที่ {thai_date(day)} อยู่นอกช่วง {thai_date(self.min_date)} – {thai_date(self.max_date)}",
                    f"date {english_date(day)} is outside {english_date(self.min_date)} – {english_date(self.max_date)}",
                ),
                code="out_of_range",
            )
        return day


class MonthField(_TextInField):
    """A month typed as 2022-10, ต.ค. 65, ต.ค.-65 (as Excel writes it) or ตุลาคม 2565."""

    def to_python(self, value: Any) -> Month | None:  # type: ignore[override]
        if isinstance(value, Month):
            return value
        text = self._text(value)
        if text in self.empty_values:
            return None
        try:
            return parse_month(text)
        except FiscalError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc
