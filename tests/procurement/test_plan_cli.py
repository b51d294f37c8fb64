"""`pts plan`: the plan as JSON or a BE-dated table; bad arguments exit 2 with a bilingual message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pts.cli import main


@pytest.fixture(autouse=True)
def _pure_python(no_language):
    """`pts plan` is pure Python (no Django): its messages carry both languages."""


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


def test_with_a_fiscal_year_the_plan_is_judged_by_the_deadline_sets_of_that_year_and_kind(capsys):
    args = ["--value", "1500000", "--start", "2022-10-03", "--format", "json"]
    code, out, _ = run(capsys, *args, "--fiscal-year", "2566", "--scheme-kind", "department")
    data = json.loads(out)
    assert code == 0 and [r["id"] for r in data["milestones"]][0] == "annual_plan"
    assert {c["id"] for c in data["deadlines"]} == {"doh-2566:0.5m-2m-commit", "doh-2566:0.5m-2m-pay"}
    commit = next(c for c in data["deadlines"] if c["kind"] == "commit")
    # 31 Dec 2022 is a Saturday after the special holiday of Friday 30 Dec: due Thursday 29 Dec
    assert (commit["due"], commit["named_date"], commit["due_th"]) == ("2022-12-29", "2022-12-31", "29 ธ.ค. 2565")
    # a provincial scheme of FY2566 applies neither DOH's bands nor the FY2569 cabinet measure
    _, out, _ = run(capsys, *args, "--fiscal-year", "๒๕๖๖")
    assert json.loads(out)["deadlines"] == []
    _, out, _ = run(capsys, *args, "--fiscal-year", "2566", "--deadline-set", "cabinet-2569")
    assert [c["id"] for c in json.loads(out)["deadlines"]] == ["cabinet-2569:single-year-q1"]
    _, table, _ = run(capsys, "--value", "1500000", "--start", "2025-10-06", "--fiscal-year", "2569")
    assert "ลงนามสัญญารายการปีเดียวภายในไตรมาสที่ 1: กำหนด 30 ธ.ค. 2568 (แทน 31 ธ.ค. 2568 ซึ่งเป็นวันหยุด)" in table


def test_without_a_fiscal_year_the_json_stays_a_list_of_milestones(capsys):
    _, out, _ = run(capsys, "--value", "1500000", "--start", "2022-10-03", "--format", "json")
    assert isinstance(json.loads(out), list)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--fiscal-year", "2023"], "must be a BE year such as 2569 (got '2023')"),
        (["--fiscal-year", "2566", "--scheme-kind", "ministry"], "--scheme-kind must be province or department"),
        (["--fiscal-year", "2566", "--deadline-set", "doh-2599"], "--deadline-set: unknown doh-2599"),
        (["--fiscal-year", "2566", "--category", "งบลม"], "unknown budget category 'งบลม'"),
        (["--deadline-set", "doh-2566"], "go with --fiscal-year"),
    ],
)
def test_bad_deadline_options_exit_2_naming_the_option_and_value(capsys, args, says):
    code, out, err = run(capsys, "--value", "1500000", "--start", "2022-10-03", *args)
    assert code == 2 and out == "" and says in err
