"""Digits: ASCII and Thai are digits, every other script's are refused by name."""

from __future__ import annotations

import pytest

from pts.core.thai import DigitError, foreign_digit, normalize_digits, strict_digits


def test_thai_digits_become_ascii():
    assert strict_digits("๒๕๖๖") == normalize_digits("๒๕๖๖") == "2566"


@pytest.mark.parametrize("text", ["١٠٠", "۱۰۰", "１００", "१००", "၁၀၀"])
def test_digits_of_other_scripts_are_refused_naming_the_character(text):
    assert foreign_digit(text) == text[0]
    with pytest.raises(DigitError) as caught:
        strict_digits(text)
    assert f"U+{ord(text[0]):04X}" in str(caught.value) and "เลขไทย" in str(caught.value)


def test_text_without_digits_of_other_scripts_passes():
    assert foreign_digit("ต.ค. ๖๕ 2022") is None
