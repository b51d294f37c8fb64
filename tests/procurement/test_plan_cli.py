"""`pts plan`: the plan as JSON or a BE-dated table; bad arguments exit 2 with a bilingual message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pts.cli import main


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["plan", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_lists_every_milestone_with_id_thai_name_iso_date_and_minimum(capsys):
    code, out, err = run(capsys, "--value", "1,000,000", "--start", "2023-11-01", "--format", "json")
    assert code == 0 and err == ""
    rows = json.loads(out)
    assert [r["id"] for r in rows][:3] == ["annual_plan", "tor_committee", "tor_price"]
    assert {"id", "name_th", "planned", "min_working_days"} <= set(rows[0])
    assert rows[0]["planned"] == "2023-11-01" and rows[0]["name_th"] == "ประกาศเผยแพร่แผนการจัดซื้อจัดจ้างประจำปี"
    bid = next(r for r in rows if r["id"] == "bid_day")
    assert bid["min_working_days"] == 5 and bid["min_after"] == "invitation_published"
    assert bid["planned"] == "2023-12-27" and bid["planned_th"] == "27 ธ.ค. 2566"


def test_the_table_prints_buddhist_era_dates_and_thai_names(capsys):
    code, out, _ = run(capsys, "--value", "1000000", "--start", "2023-11-01")
    assert code == 0
    assert "1 พ.ย. 2566" in out and "23 ม.ค. 2567" in out
    assert "contract_signed" in out and "ลงนามในสัญญา (ก่อหนี้ผูกพัน)" in out
    assert "2023-11-01" not in out


def test_thai_digits_are_accepted_in_the_value_and_the_dates(capsys):
    _, thai, _ = run(capsys, "--value", "๑,๐๐๐,๐๐๐", "--start", "๑/๑๑/๒๕๖๖", "--format", "json")
    _, arabic, _ = run(capsys, "--value", "1000000", "--start", "2023-11-01", "--format", "json")
    assert thai == arabic


def test_a_target_contract_date_plans_backwards_to_it(capsys):
    code, out, _ = run(capsys, "--value", "1000000", "--target-contract", "2024-01-23", "--format", "json")
    rows = {r["id"]: r["planned"] for r in json.loads(out)}
    assert code == 0 and rows["contract_signed"] == "2024-01-23" and rows["annual_plan"] == "2023-11-01"


def test_an_extra_holiday_moves_the_plan_and_a_moved_start_is_noted_on_stderr(capsys):
    code, out, err = run(
        capsys,
        "--value",
        "1000000",
        "--start",
        "2023-11-01",
        "--extra-holiday",
        "2023-11-01",
        "--format",
        "json",
    )
    assert code == 0 and json.loads(out)[0]["planned"] == "2023-11-02"
    assert "1 พ.ย. 2566 ไม่ใช่วันทำการ" in err and "is not a working day" in err


def test_the_method_and_optional_steps_change_the_milestones(capsys):
    _, out, _ = run(
        capsys, "--value", "300000", "--start", "2023-11-01", "--method", "specific", "--format", "json"
    )
    assert "bid_day" not in {r["id"] for r in json.loads(out)}
    _, out, _ = run(
        capsys, "--value", "1000000", "--start", "2023-11-01", "--include-optional", "--format", "json"
    )
    assert "draft_hearing" in {r["id"] for r in json.loads(out)}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--value", "-5", "--start", "2023-11-01"], "must be above zero"),
        (["--value", "0", "--start", "2023-11-01"], "must be above zero"),
        (["--value", "lots", "--start", "2023-11-01"], "is not an amount"),
        (["--value", "1.005", "--start", "2023-11-01"], "is not an amount"),
        (["--value", "1000000", "--start", "2023-13-01"], "is not a date"),
        (
            ["--value", "1000000", "--start", "2023-11-01", "--method", "e-auction"],
            "unknown procurement method",
        ),
        (["--value", "600000", "--start", "2023-11-01", "--method", "specific"], "values up to 500,000.00"),
        (["--value", "1000000"], "exactly one of --start and --target-contract"),
        (["--value", "1", "--start", "2023-11-01", "--target-contract", "2024-01-31"], "exactly one of"),
        (["--value", "1000000", "--start", "2023-11-01", "--format", "xml"], "must be table or json"),
        (["--value", "1000000", "--start", "2023-11-01", "--extra-holiday", "someday"], "is not a date"),
        (["--value", "1000000", "--start", "1800-01-01"], "no holiday data"),
    ],
)
def test_a_bad_argument_exits_2_with_a_bilingual_message_and_no_traceback(capsys, args, says):
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert says in err and " / " in err and "Traceback" not in err


def test_a_missing_value_is_an_argparse_usage_error_with_status_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["plan", "--start", "2023-11-01"])
    assert exc.value.code == 2
    assert "--value" in capsys.readouterr().err


def test_a_reader_that_stops_early_ends_the_plan_quietly():
    """`pts plan ... | head`: the pipe closed before the plan is written is no traceback."""
    root = Path(__file__).resolve().parents[2]
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before the first byte: every write fails
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "pts.cli", "plan", "--value", "1500000", "--start", "2023-11-01"],
            stdout=write_end, stderr=subprocess.PIPE, text=True, cwd=root,
            env={**os.environ, "PYTHONPATH": str(root)}, check=False,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert done.returncode == 0 and done.stderr == ""


def test_digits_of_other_scripts_are_refused_in_the_value_and_the_dates(capsys):
    code, out, err = run(capsys, "--value", "١٥٠٠٠٠٠", "--start", "2023-11-01")
    assert (code, out) == (2, "") and "--value" in err and "U+0661" in err
    code, out, err = run(capsys, "--value", "1500000", "--start", "２０２３-１１-０１")
    assert (code, out) == (2, "") and "--start" in err and "U+FF12" in err


def test_a_short_be_start_date_plans_like_the_iso_one(capsys):
    assert run(capsys, "--value", "1500000", "--start", "1/11/66") == run(capsys, "--value", "1500000", "--start", "2023-11-01")
