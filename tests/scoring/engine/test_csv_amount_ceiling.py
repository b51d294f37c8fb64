"""`pts score` holds its CSV amounts to the one ceiling (`PTS_MAX_AMOUNT_BAHT`, pts.core.money):
every path that reads an amount, the fast one included, refuses an amount above it with exit 2,
naming the line, the column, the value and the maximum; stored nothing, printed no scores."""

from __future__ import annotations

from pathlib import Path

import pytest

from pts.cli import main
from pts.scoring.engine.csvinput import InputError, read_figures
from tests.scoring.engine.helpers import doh

HEADER = "unit,month,category,allocated,disbursed"
# written out: 40,000,000,000.00 baht is the default ceiling (pts.core.money.AMOUNT_LIMIT_SATANG)
OVER_DEFAULT = [
    ("1000000000000000", "1,000,000,000,000,000.00"),  # a quadrillion baht, plain digits
    ("40000000000.01", "40,000,000,000.01"),  # one satang past, with decimals
    ("1,000,000,000,000,000", "1,000,000,000,000,000.00"),  # with thousands separators (quoted)
]


def _csv(allocated: str, disbursed: str = "0", *, extra: str = "") -> str:
    cell = f'"{allocated}"' if "," in allocated else allocated
    rows = [HEADER + extra, f"U1,2022-10,operating,100000,50000{',' if extra else ''}",
            f"U1,2022-11,operating,{cell},{disbursed}{',' if extra else ''}"]
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize(("text", "shown"), OVER_DEFAULT)
def test_an_amount_above_the_default_ceiling_is_refused_with_line_column_value_and_maximum(text, shown):
    with pytest.raises(InputError) as caught:
        read_figures(_csv(text).encode(), doh())
    message = str(caught.value)
    assert "line 3" in message and "allocated" in message
    assert shown in message and "40,000,000,000.00" in message


@pytest.mark.parametrize("extra", ["", ",committed"])
def test_the_ceiling_comes_from_the_environment_on_both_readers(monkeypatch, extra):
    """`committed` sends the file to the careful reader; without it the fast reader reads it."""
    monkeypatch.setenv("PTS_MAX_AMOUNT_BAHT", "1000000")
    with pytest.raises(InputError) as caught:
        read_figures(_csv("1000000.01", extra=extra).encode(), doh())
    message = str(caught.value)
    assert "line 3" in message and "allocated" in message
    assert "1,000,000.01" in message and "1,000,000.00" in message
    units, _ = read_figures(_csv("1000000", extra=extra).encode(), doh())  # the maximum itself is fine
    assert units[0].code == "U1"


def test_a_committed_amount_above_the_ceiling_is_refused(monkeypatch):
    monkeypatch.setenv("PTS_MAX_AMOUNT_BAHT", "1000000")
    text = HEADER + ",committed\nU1,2022-10,operating,100000,50000,2000000\n"
    with pytest.raises(InputError) as caught:
        read_figures(text.encode(), doh())
    assert "line 2" in str(caught.value) and "committed" in str(caught.value)
    assert "2,000,000.00" in str(caught.value)


def test_pts_score_exits_2_on_an_amount_above_the_ceiling(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.setenv("PTS_MAX_AMOUNT_BAHT", "1000000")
    path = tmp_path / "figures.csv"
    path.write_text(_csv("1000001"), encoding="utf-8")
    code = main(["score", "--rules", "doh-kpi23-2566", "--input", str(path), "--format", "json"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert "line 3" in err and "allocated" in err and "1,000,001.00" in err
    assert "เกินจำนวนเงินสูงสุดที่รับได้ 1,000,000.00 บาท" in err


@pytest.mark.parametrize("extra", ["", ",committed"])
def test_an_amount_of_5000_digits_is_refused_not_a_traceback(extra):
    """int() refuses strings of more than 4,300 digits with a ValueError of its own."""
    huge = "9" * 5000
    with pytest.raises(InputError) as caught:
        read_figures(_csv(huge, extra=extra).encode(), doh())
    message = str(caught.value)
    assert "line 3" in message and "allocated" in message and "40,000,000,000.00" in message
