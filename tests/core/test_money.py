"""The money module: parsing what people type, formatting satang, splitting totals, amounts in words."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pts.core.money import (
    AMOUNT_LIMIT_SATANG,
    AmountTooLarge,
    MoneyError,
    baht_text,
    check_amount,
    format_baht,
    format_million,
    from_satang,
    max_amount_satang,
    parse_amount,
    parse_satang,
    split_largest_remainder,
    to_satang,
)


@pytest.mark.parametrize(
    ("text", "satang"),
    [
        ("1,234.50", 123450),
        ("1234.5", 123450),
        ("๑,๒๓๔.๕๐", 123450),
        ("  12 ", 1200),
        ("0.01", 1),
        ("-1,000", -100000),
        ("+7", 700),
        ("1,234,567.89", 123456789),
        ("1\u00a0234.00", 123400),
    ],
)
def test_it_reads_amounts_as_people_type_them(text, satang):
    assert parse_satang(text) == satang


def test_it_reads_ints_and_exact_decimals():
    assert parse_satang(12) == 1200
    assert parse_satang(Decimal("3.25")) == 325


@pytest.mark.parametrize(
    "bad", ["", "abc", "12a", "1,23.00", "12,34", "1.234", "1..2", "--5", "1e5", "NaN", "๑๒x", "1,2345"]
)
def test_it_refuses_text_that_is_not_an_amount_and_names_the_value(bad):
    with pytest.raises(MoneyError) as exc:
        parse_satang(bad)
    assert f"'{bad}'" in str(exc.value)
    assert " / " in str(exc.value)  # Thai / English


def test_it_refuses_booleans_sub_satang_decimals_and_infinities():
    with pytest.raises(MoneyError):
        parse_amount(True)
    with pytest.raises(MoneyError):
        parse_amount(Decimal("1.005"))
    with pytest.raises(MoneyError):
        parse_amount(Decimal("Infinity"))
    with pytest.raises(MoneyError):
        to_satang(Decimal("0.001"))


@pytest.mark.parametrize(
    ("satang", "text"),
    [(0, "0.00"), (5, "0.05"), (123450, "1,234.50"), (12345678950, "123,456,789.50"), (-150, "-1.50")],
)
def test_it_formats_satang_with_separators_and_two_decimals(satang, text):
    assert format_baht(satang) == text


def test_it_formats_nothing_as_an_empty_string():
    assert format_baht(None) == ""


def test_it_formats_million_baht_rounding_half_up():
    assert format_million(123_456_789_00) == "123.46"
    assert format_million(50_000_00) == "0.05"


@given(st.integers(min_value=-AMOUNT_LIMIT_SATANG, max_value=AMOUNT_LIMIT_SATANG))
def test_format_and_parse_round_trip_to_the_satang(satang):
    assert parse_satang(format_baht(satang)) == satang
    assert to_satang(from_satang(satang)) == satang


def test_split_refuses_empty_or_negative_weights():
    with pytest.raises(ValueError):
        split_largest_remainder(10, [])
    with pytest.raises(ValueError):
        split_largest_remainder(10, [1, -1])


def test_split_shares_equally_when_all_weights_are_zero():
    assert split_largest_remainder(10, [0, 0, 0]) == [4, 3, 3]


def test_split_gives_ties_to_the_earlier_part():
    assert split_largest_remainder(100, [1, 1, 1]) == [34, 33, 33]
    assert split_largest_remainder(-100, [1, 1, 1]) == [-34, -33, -33]


@given(
    st.integers(min_value=-(10**13), max_value=10**13),
    st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=24),
)
def test_split_parts_sum_to_the_total_and_stay_within_one_of_the_exact_share(total, weights):
    parts = split_largest_remainder(total, weights)
    assert sum(parts) == total
    assert len(parts) == len(weights)
    weight_sum = sum(weights) or len(weights)
    effective = weights if sum(weights) else [1] * len(weights)
    for part, weight in zip(parts, effective, strict=True):
        exact = Fraction(total * weight, weight_sum)
        assert abs(part - exact) < 1


@pytest.mark.parametrize(
    ("satang", "words"),
    [
        (50, "ห้าสิบสตางค์"),
        (1, "หนึ่งสตางค์"),
        (10100, "หนึ่งร้อยเอ็ดบาทถ้วน"),
        (2150, "ยี่สิบเอ็ดบาทห้าสิบสตางค์"),
        (100, "หนึ่งบาทถ้วน"),
        (0, "ศูนย์บาทถ้วน"),
        (100_000_000, "หนึ่งล้านบาทถ้วน"),
        (-50, "ลบห้าสิบสตางค์"),
    ],
)
def test_baht_text_uses_the_official_wording(satang, words):
    assert baht_text(satang) == words


def test_baht_text_below_one_baht_never_says_zero_baht():
    assert "ศูนย์บาท" not in baht_text(99)


# -- the ceiling ------------------------------------------------------------------------------

# hostile amounts: a quadrillion baht (stored and overflowing sums before the ceiling), a 28-digit
# amount (a 500 on save before), one satang past the ceiling, and each negated
HOSTILE_AMOUNTS = ["1,000,000,000,000,000", "1000000000000000", "1234567890123456789012345678",
                   "40,000,000,000.01", "๑,๐๐๐,๐๐๐,๐๐๐,๐๐๐,๐๐๐"]


@pytest.mark.parametrize("text", HOSTILE_AMOUNTS + [f"-{t}" for t in HOSTILE_AMOUNTS])
def test_it_refuses_an_amount_beyond_the_ceiling_naming_the_value_and_the_maximum(text):
    with pytest.raises(AmountTooLarge) as caught:
        parse_satang(text)
    assert "40,000,000,000.00 บาท" in str(caught.value)
    assert "maximum amount of 40,000,000,000.00 baht" in caught.value.en


def test_the_ceiling_itself_is_accepted_either_sign():
    assert parse_satang("40,000,000,000.00") == AMOUNT_LIMIT_SATANG
    assert parse_satang("-40,000,000,000") == -AMOUNT_LIMIT_SATANG
    assert check_amount(AMOUNT_LIMIT_SATANG) == AMOUNT_LIMIT_SATANG


def test_no_total_of_two_million_amounts_at_the_ceiling_overflows_64_bits():
    assert 2_000_000 * AMOUNT_LIMIT_SATANG <= 2**63 - 1


def test_a_huge_integer_is_refused_without_printing_all_its_digits():
    with pytest.raises(AmountTooLarge) as caught:
        check_amount(-(10**5000))
    assert "-1.000E+4998" in str(caught.value)


def test_the_ceiling_can_be_lowered_from_the_environment(monkeypatch):
    monkeypatch.setenv("PTS_MAX_AMOUNT_BAHT", "1,000,000")
    assert max_amount_satang() == 1_000_000_00
    assert parse_satang("1,000,000") == 1_000_000_00
    with pytest.raises(AmountTooLarge, match="1,000,000.00 บาท"):
        parse_satang("1,000,000.01")


@pytest.mark.parametrize("value", ["40000000001", "0", "-5", "lots", "1e9"])
def test_a_ceiling_above_the_limit_or_unreadable_is_refused(value):
    with pytest.raises(ValueError, match="PTS_MAX_AMOUNT_BAHT"):
        max_amount_satang({"PTS_MAX_AMOUNT_BAHT": value})
