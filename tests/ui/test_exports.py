"""CSV cells are neutralised against formula injection, and files open in Excel with Thai intact."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from pts.ui.exports import csv_response, safe_cell


@pytest.mark.parametrize("text", ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_a_text_cell_that_could_run_as_a_formula_gets_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(("value", "expected"), [
    ("หน่วยงานเอ", "หน่วยงานเอ"), ("a=b", "a=b"), (None, ""), (Decimal("-12.50"), "-12.50"), (-5, "-5"),
    (True, "1"), (date(2022, 10, 1), "2022-10-01"),
])
def test_plain_text_and_numbers_are_written_as_they_are(value, expected):
    assert safe_cell(value) == expected


@pytest.mark.parametrize("streaming", [False, True])
def test_a_csv_response_is_utf8_with_a_bom_and_every_cell_is_safe(streaming):
    response = csv_response("รายการ.csv", ["หน่วย", "=head"], [["เอ", "=1+1"], [Decimal("1.50"), None]],
                            streaming=streaming)
    raw = b"".join(response.streaming_content) if streaming else response.content
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows == [["หน่วย", "'=head"], ["เอ", "'=1+1"], ["1.50", ""]]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"] and "filename*=utf-8''" in response["Content-Disposition"]
