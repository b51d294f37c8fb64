"""Form fields that read Thai input: amounts, dates and months."""

from __future__ import annotations

from datetime import date

import pytest
from django import forms
from django.utils import translation

from pts.core.fiscal import Month
from pts.ui.fields import AmountField, MonthField, ThaiDateField
from tests.lang import thai_only


def test_an_amount_field_turns_thai_digits_into_satang():
    assert AmountField().clean("๑,๒๓๔.๕๐") == 123450


def test_an_amount_field_shows_satang_as_baht():
    assert AmountField().prepare_value(123450) == "1,234.50"
    assert AmountField().prepare_value("12 baht") == "12 baht"


def test_an_amount_field_refuses_letters_and_names_the_value():
    with pytest.raises(forms.ValidationError) as exc:
        AmountField().clean("12a")
    assert "'12a'" in str(exc.value)


def test_an_amount_field_refuses_negative_amounts_unless_allowed():
    with pytest.raises(forms.ValidationError) as exc:
        AmountField().clean("-5")
    assert "'-5'" in str(exc.value)
    assert AmountField(allow_negative=True).clean("-5") == -500


def test_an_amount_field_can_refuse_zero():
    assert AmountField().clean("0") == 0
    with pytest.raises(forms.ValidationError):
        AmountField(allow_zero=False).clean("0.00")


def test_an_optional_amount_field_gives_none_when_empty():
    assert AmountField(required=False).clean("") is None


def test_a_date_field_reads_be_dates_and_shows_them_back_in_be():
    field = ThaiDateField()
    assert field.clean("15/11/2566") == date(2023, 11, 15)
    assert field.clean("๑๕ พ.ย. ๖๖") == date(2023, 11, 15)
    assert field.prepare_value(date(2023, 11, 5)) == "05/11/2566"
    assert field.clean(date(2023, 1, 2)) == date(2023, 1, 2)


def test_a_date_field_refuses_a_date_outside_its_range_in_both_languages():
    field = ThaiDateField(min_date=date(2022, 10, 1), max_date=date(2023, 9, 30))
    with pytest.raises(forms.ValidationError) as exc:
        field.clean("1/10/2566")
    message = str(exc.value)
    assert "1 ต.ค. 2566" in message and thai_only(message)
    with translation.override("en"):
        assert "1 Oct 2023" in str(exc.value) and "ต.ค." not in str(exc.value)


def test_a_date_field_refuses_nonsense_and_names_it():
    with pytest.raises(forms.ValidationError) as exc:
        ThaiDateField().clean("31/02/2566")
    assert "'31/02/2566'" in str(exc.value)


def test_a_month_field_reads_thai_and_iso_months():
    assert MonthField().clean("ต.ค. 65") == Month(2022, 10)
    assert MonthField().clean("2022-10") == Month(2022, 10)
    assert MonthField(required=False).clean("") is None
    with pytest.raises(forms.ValidationError):
        MonthField().clean("Smarch 65")


def test_an_amount_field_refuses_digits_of_other_scripts():
    with pytest.raises(forms.ValidationError) as exc:
        AmountField().clean("١٠٠")
    assert "เลขไทย" in str(exc.value) and "U+0661" in str(exc.value)


@pytest.mark.parametrize("typed", ["ต.ค.-65", "ต.ค. 65", "2022-10", "ตุลาคม 2565"])
def test_a_month_field_reads_month_labels_as_excel_writes_them(typed):
    assert MonthField().clean(typed) == Month(2022, 10)


@pytest.mark.parametrize("typed", ["31/8/66", "31/08/2566", "2023-08-31", "๓๑/๘/๖๖"])
def test_a_date_field_reads_short_be_dates(typed):
    assert ThaiDateField().clean(typed) == date(2023, 8, 31)
