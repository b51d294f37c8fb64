"""The input CSV readers: the fast one and the careful one read every clean file alike."""

from __future__ import annotations

import pytest

from pts.scoring.engine.csvinput import InputError, _read_fast, _read_rows, read_figures, split_by_unit
from tests.scoring.engine.helpers import doh

CLEAN = {
    "plain": "U01,2022-10,operating,1000000.00,90000.50\nU01,2022-10,capital,500000.00,0.00\n",
    "whole baht": "U01,2022-10,operating,1000000,90000\nU01,2022-10,capital,500000,0\n",
    "grouped": 'U01,2022-10,operating,"1,000,000.00","90,000.50"\nU01,2022-10,capital,"500,000",0\n',
    "thai digits": "U01,2022-10,operating,๑๐๐๐๐๐๐.๐๐,๙๐๐๐๐.๕๐\nU01,2022-10,capital,๕๐๐๐๐๐,๐\n",
    "thai labels": "U01,ต.ค. 65,งบดำเนินงาน,1000000.00,90000.50\nU01,ตุลาคม 2565,งบลงทุน,500000,0\n",
    "mixed order": "U02,2022-11,operating,10.00,1.00\nU01,2022-10,operating,10.00,1.00\nU02,2022-10,operating,10.00,1.00\n",
}


@pytest.mark.parametrize("body", CLEAN.values(), ids=CLEAN.keys())
def test_the_fast_reader_and_the_careful_reader_agree_on_a_clean_file(body: str) -> None:
    text = "unit,month,category,allocated,disbursed\n" + body
    fast = _read_fast(text, doh())
    assert fast is not None, "a clean file takes the fast path"
    careful, warnings = _read_rows(text, doh())
    assert fast == careful and warnings == []


@pytest.mark.parametrize(
    "row",
    [
        "U01,2022-10,operating,1_000,0",  # int() would take it; the careful reader refuses it
        "U01,2022-10,operating,1.2.34,0",
        "U01,2022-10,operating,+100.00,200.00",  # disbursed above allocated: a warning to word
        "U01,2022-10,operating,-100.00,-200.00",
        "U01,2022-10,operating,١٠٠,0",  # Arabic-Indic digits
        "U01,2022-10,operating,100.5,0",
    ],
)
def test_the_fast_reader_leaves_anything_unusual_to_the_careful_one(row: str) -> None:
    assert _read_fast("unit,month,category,allocated,disbursed\n" + row + "\n", doh()) is None


def test_extra_columns_and_a_committed_column_are_read() -> None:
    text = "note,unit,month,category,allocated,disbursed,committed\nx,U01,2022-10,operating,100,10,5\n"
    (unit,), warnings = read_figures(text.encode(), doh())
    (row,) = unit.months.values()
    assert row["operating"] == (10000, 1000, 500) and warnings == []


def test_a_row_short_of_fields_is_an_error_with_its_line() -> None:
    with pytest.raises(InputError) as caught:
        read_figures(b"unit,month,category,allocated,disbursed\nU01,2022-10,operating\n\n", doh())
    (issue,) = caught.value.issues
    assert issue.line == 2 and "has 3 fields, expected 5" in issue.message


def test_a_file_in_neither_utf8_nor_cp874_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        read_figures(b"unit,month,category,allocated,disbursed\n" + b"\xdb\xfc\n", doh())
    assert "neither UTF-8 nor cp874" in str(caught.value)


def test_a_file_is_cut_into_parts_only_where_the_unit_changes() -> None:
    header = "unit,month,category,allocated,disbursed\n"
    body = "".join(f"U{u},2022-1{m},operating,100,1\n" for u in range(1, 6) for m in range(3))
    parts = split_by_unit(header + body, 3)
    assert parts is not None and len(parts) == 3
    assert all(part.startswith(header) for part in parts)
    assert "".join(part.removeprefix(header) for part in parts) == body
    first_units = [part.removeprefix(header).split(",", 1)[0] for part in parts]
    last_units = [part.rstrip("\n").rsplit("\n", 1)[1].split(",", 1)[0] for part in parts]
    assert all(a != b for a, b in zip(last_units, first_units[1:], strict=False))


def test_a_file_of_one_unit_is_not_cut() -> None:
    text = "unit,month,category,allocated,disbursed\n" + "U1,2022-10,operating,100,1\n" * 30
    assert split_by_unit(text, 2) is None
