"""`pts score` refuses what it cannot read exactly, never misleads, and never shows a traceback.

The small hostile files are in tests/fixtures/hostile; the big ones are made here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pts.cli import main
from pts.core.fiscal import Month
from pts.scoring import cli as score_cli
from pts.scoring.engine.csvinput import InputError, read_figures
from tests.scoring.engine.helpers import doh
from tests.scoring.engine.test_cli import U02, rows, write

HOSTILE = Path(__file__).resolve().parents[2] / "fixtures" / "hostile"
ROOT = Path(__file__).resolve().parents[3]


def score(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> tuple[int, str, str]:
    code = main(["score", "--rules", "doh-kpi23-2566", "--input", str(path), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_an_amount_with_unquoted_thousands_is_refused_not_scored_as_one_baht(capsys):
    code, out, err = score(capsys, HOSTILE / "unquoted-thousands.csv", "--format", "json")
    assert (code, out) == (2, "")
    assert "line 2" in err and "has 8 fields but the header has 5 columns" in err
    assert 'write "1,000,000" or 1000000' in err


def test_a_header_naming_a_column_twice_is_refused(capsys):
    code, out, err = score(capsys, HOSTILE / "duplicate-header.csv")
    assert (code, out) == (2, "")
    assert "column เงินจัดสรร" in err and "names this column twice (columns 4 and 6)" in err


def test_a_header_only_file_says_there_is_nothing_to_score(capsys):
    code, out, err = score(capsys, HOSTILE / "header-only.csv")
    assert (code, out) == (2, "")
    assert "ไม่มีอะไรให้คิดคะแนน" in err and "nothing to score" in err


def test_a_stray_quote_is_refused_with_the_lines_it_joined(capsys):
    code, out, err = score(capsys, HOSTILE / "stray-quote.csv")
    assert (code, out) == (2, "")
    assert "line 2" in err and "opened on line 2 is closed only on line 4" in err


def test_a_field_beyond_the_csv_limit_exits_2_with_its_line_and_no_traceback(tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text("unit,month,category,allocated,disbursed\nU1,2022-10,operating,\"100,10\n"
                    + "U1,2022-11,operating,100,20\n" * 10_000)  # fmt: skip
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "pts.cli", "score", "--rules", "doh-kpi23-2566", "--input", str(path)],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    assert "Traceback" not in done.stderr
    assert "line 2" in done.stderr and "longer than 131,072 characters" in done.stderr


@pytest.mark.parametrize(("name", "column"), [("arabic-indic-amount.csv", "allocated"), ("full-width-month.csv", "month")])
def test_digits_of_other_scripts_are_refused(capsys, name, column):
    code, out, err = score(capsys, HOSTILE / name)
    assert (code, out) == (2, "")
    assert f"line 2, column {column}" in err and "only digits 0-9 and Thai digits" in err


def test_thousands_of_bad_rows_list_the_first_hundred_then_how_many_more(tmp_path, capsys):
    path = tmp_path / "junk.csv"
    path.write_text("unit,month,category,allocated,disbursed\n" + "U1,month?,operating,100,10\n" * 1000)
    code, out, err = score(capsys, path)
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert lines[0].endswith("1,000 error(s)") and len(lines) == 1 + 100 + 1
    assert "line 2, column month, value 'month?'" in lines[1] and "line 101," in lines[100]
    assert lines[-1].endswith("and 900 more")


def test_a_file_too_big_to_hold_is_streamed_and_scored_the_same(tmp_path, capsys, monkeypatch):
    path = write(tmp_path / "in.csv", U02)
    _, held, _ = score(capsys, path, "--format", "json")
    monkeypatch.setattr(score_cli, "WHOLE_FILE_BYTES", 100)
    code, streamed, err = score(capsys, path, "--format", "json")
    assert code == 0 and streamed == held and json.loads(streamed)


def test_a_file_too_big_to_hold_with_no_line_break_exits_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(score_cli, "WHOLE_FILE_BYTES", 100)
    path = tmp_path / "one-line.csv"
    path.write_bytes(b"unit,month,category,allocated,disbursed\n" + b"x" * 1_200_000)
    code, out, err = score(capsys, path)
    assert (code, out) == (2, "")
    assert "line 2" in err and "no line breaks?" in err


def test_excel_month_labels_score_as_iso_ones(tmp_path, capsys):
    excel = rows("U02", [9, 19, 32, 39, 45, 50, 58, 67, 75, 85], [0, 18, 29, 40, 51, 61, 71, 81, 90, 100],
                 label=lambda m: m.thai_short().replace(" ", "-"))  # "ต.ค.-65"  # fmt: skip
    assert "ต.ค.-65" in excel[0]
    _, iso, _ = score(capsys, write(tmp_path / "iso.csv", U02), "--format", "json")
    code, out, err = score(capsys, write(tmp_path / "excel.csv", excel), "--format", "json")
    assert code == 0 and out == iso


# -- source-of-funds codes ------------------------------------------------------------------------

def test_rows_of_different_fund_codes_are_classified_and_summed():
    (unit,), warnings = read_figures((HOSTILE / "two-fund-codes.csv").read_bytes(), doh())
    october = unit.months[Month(2022, 10)]
    assert october["operating"] == (100_000, 4_000, 0)  # 600 + 400 baht from 6611200 and 6611210
    assert october["capital"] == (50_000, 0, 0)  # 6611310: equipment
    assert unit.months[Month(2022, 11)]["operating"] == (100_000, 10_000, 0) and warnings == []


def test_fund_codes_score_like_the_summed_rows_with_categories(tmp_path, capsys):
    summed = "\n".join(["unit,month,category,allocated,disbursed",
                        "U1,2022-10,operating,1000,40", "U1,2022-10,capital,500,0",
                        "U1,2022-11,operating,1000,100", "U1,2022-11,capital,500,100", ""])  # fmt: skip
    (tmp_path / "summed.csv").write_text(summed)
    _, by_category, _ = score(capsys, tmp_path / "summed.csv", "--format", "json")
    code, by_fund, err = score(capsys, HOSTILE / "two-fund-codes.csv", "--format", "json")
    assert code == 0 and by_fund == by_category


def test_a_plain_duplicate_row_stays_refused_and_says_how_to_sum_it():
    with pytest.raises(InputError) as caught:
        read_figures((HOSTILE / "plain-duplicate.csv").read_bytes(), doh())
    (issue,) = caught.value.issues
    assert issue.line == 3 and "duplicates line 2" in issue.message
    assert "add a fund column" in issue.message and "รหัสแหล่งของเงิน" in issue.message


def test_the_same_fund_code_twice_is_a_duplicate():
    with pytest.raises(InputError) as caught:
        read_figures((HOSTILE / "same-fund-code-twice.csv").read_bytes(), doh())
    (issue,) = caught.value.issues
    assert (issue.line, issue.column, issue.value) == (3, "fund", "6611200") and "duplicates line 2" in issue.message


@pytest.mark.parametrize(
    ("row", "message"),
    [("U1,2022-10,operating,6611310,100,0", "the source-of-funds code is capital money but the category says operating"),
     ("U1,2022-10,,661120,100,0", "not a known source-of-funds code"),
     ("U1,2022-10,,6611999,100,0", "not a known source-of-funds code"),
     ("U1,2022-10,,,100,0", "a category (or a source-of-funds code) is required")],
)  # fmt: skip
def test_a_fund_code_that_cannot_classify_its_row_is_refused(row, message):
    with pytest.raises(InputError) as caught:
        read_figures(f"unit,month,category,fund,allocated,disbursed\n{row}\n", doh())
    (issue,) = caught.value.issues
    assert issue.line == 2 and message in issue.message


def test_thai_digit_fund_codes_are_read():
    (unit,), _ = read_figures("unit,month,fund,allocated,disbursed\nU1,2022-10,๖๖๑๑๓๑๐,100,0\n", doh())
    assert unit.months[Month(2022, 10)] == {"capital": (10_000, 0, 0)}


def test_a_quote_still_open_at_the_end_of_the_figures_is_refused():
    with pytest.raises(InputError) as caught:
        read_figures(b'unit,month,category,allocated,disbursed\nU1,2022-10,operating,100,"10\n', doh())
    (issue,) = caught.value.issues
    assert issue.line == 2 and "never closed" in issue.message


def test_a_field_beyond_the_csv_limit_in_a_file_big_enough_to_split_exits_2(tmp_path, capsys):
    lines = [f"U{u:04d},2022-10,operating,100,10" for u in range(120_000)]
    lines[60_000] = "U9999,2022-10,operating,100," + "9" * 200_000  # unquoted: the limit holds all the same
    path = write(tmp_path / "big.csv", lines)
    assert path.stat().st_size > score_cli.PARALLEL_FROM_CHARS
    code, out, err = score(capsys, path, "--format", "json", "--jobs", "2")
    assert (code, out) == (2, "")
    assert "line 60002" in err and "longer than 131,072 characters" in err
