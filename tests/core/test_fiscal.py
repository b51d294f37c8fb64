"""The fiscal calendar: BE years, October-first months, quarters, and reading dates people type."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pts.core.fiscal import (
    FiscalError,
    Month,
    calendar_month,
    english_date,
    fiscal_month,
    fiscal_months,
    fiscal_year_bounds,
    fiscal_year_of,
    parse_date,
    parse_month,
    quarter_end,
    thai_date,
    thai_date_numeric,
)


def test_fiscal_year_2566_runs_from_october_2022_to_september_2023():
    assert fiscal_year_bounds(2566) == (date(2022, 10, 1), date(2023, 9, 30))


@pytest.mark.parametrize(
    ("day", "be"),
    [(date(2022, 9, 30), 2565), (date(2022, 10, 1), 2566), (date(2023, 9, 30), 2566), (date(2023, 10, 1), 2567)],
)
def test_a_date_belongs_to_the_fiscal_year_that_ends_after_it(day, be):
    assert fiscal_year_of(day) == be


def test_the_fiscal_months_start_with_october():
    months = fiscal_months(2566)
    assert [m.thai_short() for m in months[:3]] == ["ต.ค. 65", "พ.ย. 65", "ธ.ค. 65"]
    assert months[-1] == Month(2023, 9)
    assert len(months) == 12
    assert [m.fiscal_index for m in months] == list(range(1, 13))


def test_fiscal_month_and_quarter_end_pick_the_right_months():
    assert fiscal_month(2566, 1) == Month(2022, 10)
    assert fiscal_month(2566, 12) == Month(2023, 9)
    assert quarter_end(2566, 1) == Month(2022, 12)
    assert quarter_end(2566, 4) == Month(2023, 9)
    with pytest.raises(FiscalError):
        fiscal_month(2566, 13)
    with pytest.raises(FiscalError):
        quarter_end(2566, 0)


@pytest.mark.parametrize(("month", "quarter"), [(10, 1), (12, 1), (1, 2), (3, 2), (4, 3), (6, 3), (7, 4), (9, 4)])
def test_quarters_count_from_october(month, quarter):
    assert Month(2023, month).quarter == quarter


def test_month_arithmetic_crosses_year_ends_and_clamps_days():
    assert Month(2022, 12).next() == Month(2023, 1)
    assert Month(2023, 1).prev() == Month(2022, 12)
    assert Month(2023, 2).day(31) == date(2023, 2, 28)
    assert Month(2024, 2).last_day == date(2024, 2, 29)
    with pytest.raises(FiscalError):
        Month(2023, 13)


def test_dates_print_in_buddhist_era_in_thai_and_common_era_in_english():
    assert thai_date(date(2022, 11, 15)) == "15 พ.ย. 2565"
    assert thai_date(date(2022, 11, 15), long=True) == "15 พฤศจิกายน 2565"
    assert english_date(date(2022, 11, 15)) == "15 Nov 2022"
    assert thai_date(None) == "" and english_date(None) == ""


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2022-10", Month(2022, 10)),
        ("2022-1", Month(2022, 1)),
        ("ต.ค. 65", Month(2022, 10)),
        ("ต.ค.65", Month(2022, 10)),
        ("ตค 65", Month(2022, 10)),
        ("ต.ค. 2565", Month(2022, 10)),
        ("ตุลาคม 2565", Month(2022, 10)),
        ("๒๐๒๒-๑๐", Month(2022, 10)),
        ("ต.ค. ๖๕", Month(2022, 10)),
        ("Oct 2565", Month(2022, 10)),
    ],
)
def test_it_reads_months_in_iso_be_and_thai_digit_forms(text, month):
    assert parse_month(text) == month


@pytest.mark.parametrize("bad", ["", "2022-13", "2565-10", "October", "ตุลา", "13/2565", "x 65"])
def test_it_refuses_what_is_not_a_month_and_names_the_value(bad):
    with pytest.raises(FiscalError) as exc:
        parse_month(bad)
    assert f"'{bad}'" in str(exc.value)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2023-11-15", date(2023, 11, 15)),
        ("15/11/2566", date(2023, 11, 15)),
        ("15.11.2566", date(2023, 11, 15)),
        ("15/11/2023", date(2023, 11, 15)),
        ("๑๕/๑๑/๒๕๖๖", date(2023, 11, 15)),
        ("15 พ.ย. 66", date(2023, 11, 15)),
        ("15 พฤศจิกายน 2566", date(2023, 11, 15)),
        ("2566-11-15", date(2023, 11, 15)),
    ],
)
def test_it_reads_dates_in_iso_be_and_thai_digit_forms(text, day):
    assert parse_date(text) == day


@pytest.mark.parametrize("bad", ["", "31/02/2566", "15/13/2566", "tomorrow", "15 xyz 66", "2023/11/15"])
def test_it_refuses_what_is_not_a_date_and_names_the_value(bad):
    with pytest.raises(FiscalError) as exc:
        parse_date(bad)
    assert f"'{bad}'" in str(exc.value)


months = st.builds(Month, st.integers(min_value=1958, max_value=2156), st.integers(min_value=1, max_value=12))


@given(months)
def test_a_month_printed_short_or_long_reads_back_as_the_same_month(month):
    assert parse_month(month.thai_long()) == month
    assert parse_month(month.iso()) == month


@given(st.builds(Month, st.integers(min_value=1958, max_value=2056), st.integers(min_value=1, max_value=12)))
def test_a_two_digit_be_year_reads_back_within_its_century(month):
    # "ต.ค. 65" carries only two digits of the BE year: 25xx is assumed.
    assert parse_month(month.thai_short()) == month


@given(st.dates(min_value=date(1958, 1, 1), max_value=date(2156, 12, 31)))
def test_a_date_printed_in_thai_reads_back_as_the_same_date(day):
    assert parse_date(thai_date(day)) == day
    assert parse_date(thai_date(day, long=True)) == day
    assert fiscal_year_bounds(fiscal_year_of(day))[0] <= day <= fiscal_year_bounds(fiscal_year_of(day))[1]


def test_a_date_box_shows_day_month_and_be_year_and_reads_it_back():
    assert thai_date_numeric(date(2023, 11, 5)) == "05/11/2566"
    assert thai_date_numeric(None) == ""


@given(st.dates(min_value=date(1958, 1, 1), max_value=date(2156, 12, 31)))
def test_a_date_in_a_date_box_reads_back_as_the_same_date(day):
    assert parse_date(thai_date_numeric(day)) == day


@pytest.mark.parametrize(("month", "iso"), [(10, "2022-10"), (12, "2022-12"), (1, "2023-01"), (9, "2023-09")])
def test_a_calendar_month_of_fiscal_year_2566_falls_in_its_ce_year(month, iso):
    assert calendar_month(2566, month).iso() == iso


@pytest.mark.parametrize(
    ("text", "month"),
    [("ต.ค.-65", Month(2022, 10)), ("พ.ย.-65", Month(2022, 11)), ("ก.ย.-66", Month(2023, 9)),
     ("ต.ค.-๖๕", Month(2022, 10)), ("ตุลาคม-2565", Month(2022, 10))],
)  # fmt: skip
def test_it_reads_month_labels_as_excel_writes_them(text, month):
    assert parse_month(text) == month


@pytest.mark.parametrize(
    ("text", "day"),
    [("31/8/66", date(2023, 8, 31)), ("1/10/65", date(2022, 10, 1)), ("๓๑/๘/๖๖", date(2023, 8, 31)),
     ("31/08/2566", date(2023, 8, 31)), ("31-ส.ค.-66", date(2023, 8, 31))],
)  # fmt: skip
def test_it_reads_short_be_dates_as_thai_staff_type_them(text, day):
    assert parse_date(text) == day


@pytest.mark.parametrize("text", ["٢٠٢٢-١٠", "２０２２-１０", "ต.ค. ٦٥"])
def test_a_month_in_another_scripts_digits_is_refused(text):
    with pytest.raises(FiscalError, match="เลขไทย"):
        parse_month(text)


@pytest.mark.parametrize("text", ["٣١/٨/٦٦", "３１/８/６６", "2023-08-３１"])
def test_a_date_in_another_scripts_digits_is_refused(text):
    with pytest.raises(FiscalError, match="U\\+"):
        parse_date(text)
