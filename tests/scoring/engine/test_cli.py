"""`pts score`: the command-line contract other people's scripts depend on."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from pts.cli import main
from pts.core.fiscal import Month
from pts.scoring.engine.targets import SHIPPED_DIR
from tests.scoring.engine.helpers import FY2566

HEADER = "unit,month,category,allocated,disbursed"
THAI_CATEGORY = {"operating": "งบดำเนินงาน", "capital": "งบลงทุน", "subsidy": "งบอุดหนุน"}
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def rows(
    unit: str,
    operating: Sequence[float],
    capital: Sequence[float] = (),
    label: Callable[[Month], str] = Month.iso,
    category: Callable[[str], str] = str,
    amount: Callable[[str], str] = str,
) -> list[str]:
    """CSV lines for a unit with 1,000,000 baht per category, disbursed to these per cents."""
    out = []
    for name, percents in (("operating", operating), ("capital", capital)):
        for month, percent in zip(FY2566, percents, strict=False):
            disbursed = f"{percent * 10_000:.2f}"
            out.append(f"{unit},{label(month)},{category(name)},{amount('1000000.00')},{amount(disbursed)}")
    return out


def write(path: Path, lines: Sequence[str], encoding: str = "utf-8") -> Path:
    path.write_bytes("\n".join([HEADER, *lines, ""]).encode(encoding))
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["score", *args])
    out, err = capsys.readouterr()
    return code, out, err


def scores(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> list[dict]:
    code, out, err = run(capsys, "--rules", "doh-kpi23-2566", "--input", str(path), "--format", "json", *extra)
    assert code == 0, err
    return json.loads(out)


U01 = rows("U01", [9, 19, 31, 38, 45])  # no capital: on target in Oct, Nov and Feb
U02 = rows("U02", [9, 19, 32, 39, 45, 50, 58, 67, 75, 85], [0, 18, 29, 40, 51, 61, 71, 81, 90, 100])


def test_it_prints_one_json_object_per_unit_and_round(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = scores(capsys, write(tmp_path / "in.csv", U01 + U02))
    assert [(r["unit"], r["round"]) for r in results] == [("U01", 1), ("U01", 2), ("U02", 1), ("U02", 2)]
    first = results[0]
    assert {k: first[k] for k in ("unit", "round", "items", "total", "max")} == {
        "unit": "U01", "round": 1, "items": {"1-3": 0.0, "4.1": 0.8, "4.2": 2.5, "5": 1.0}, "total": 4.3, "max": 5.0,
    }  # fmt: skip
    assert set(first["explanations"]) == {"1-3", "4.1", "4.2", "5"}
    october = first["explanations"]["4.1"][0]
    assert october == {
        "code": "month", "series": "recurring", "month": "2022-10", "measure": "disbursed", "measured": 9_000_000,
        "measured_baht": "90000.00", "base": 100_000_000, "base_baht": "1000000.00", "percent": "9.00",
        "target": "9", "hit": True, "short": 0, "short_baht": "0.00", "curve": "overall",
        "th": "รายจ่ายประจำ ต.ค. 65: เบิกจ่ายสะสม 9.00% (90,000.00 บาท จาก 1,000,000.00 บาท) เป้าหมาย 9% "
              "(ใช้เส้นเป้าหมายภาพรวม) → ตามเป้า",
    }  # fmt: skip
    assert results[2]["items"] == {"1-3": 0.0, "4.1": 1.0, "4.2": 2.5, "5": 1.0}


def test_iso_and_thai_month_labels_give_identical_results(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    iso = scores(capsys, write(tmp_path / "iso.csv", U02))
    short = rows("U02", [9, 19, 32, 39, 45, 50, 58, 67, 75, 85], [0, 18, 29, 40, 51, 61, 71, 81, 90, 100],
                 label=Month.thai_short, category=THAI_CATEGORY.get)  # fmt: skip
    long = rows("U02", [9, 19, 32, 39, 45, 50, 58, 67, 75, 85], [0, 18, 29, 40, 51, 61, 71, 81, 90, 100],
                label=lambda m: m.thai_long().translate(THAI_DIGITS), amount=lambda a: a.translate(THAI_DIGITS))  # fmt: skip
    assert scores(capsys, write(tmp_path / "short.csv", short)) == iso
    assert scores(capsys, write(tmp_path / "long.csv", long)) == iso


def test_it_reads_utf8_with_a_bom_and_cp874(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    thai = rows("U02", [9, 19, 32, 39, 45], [0, 18, 29, 40, 51], label=Month.thai_short, category=THAI_CATEGORY.get)
    plain = scores(capsys, write(tmp_path / "plain.csv", thai))
    assert scores(capsys, write(tmp_path / "bom.csv", thai, "utf-8-sig")) == plain
    assert scores(capsys, write(tmp_path / "cp874.csv", thai, "cp874")) == plain
    assert (tmp_path / "cp874.csv").read_bytes() != (tmp_path / "plain.csv").read_bytes()


def test_amounts_with_thousands_separators_and_thai_digits_read_alike(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = scores(capsys, write(tmp_path / "plain.csv", U02))
    grouped = [line.replace("1000000.00", '"1,000,000.00"') for line in U02]
    thai = [line.replace("1000000.00", "๑,๐๐๐,๐๐๐").replace(",", ";").replace(";๐๐๐", ",๐๐๐") for line in U02]
    thai = [",".join(f'"{cell}"' for cell in line.split(";")) for line in thai]
    assert scores(capsys, write(tmp_path / "grouped.csv", grouped)) == plain
    assert scores(capsys, write(tmp_path / "thai.csv", thai)) == plain


def test_bad_input_exits_2_listing_every_error_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [
        "U01,2022-10,operating,1000000,90000",  # line 2: fine
        "U01,2022-13,operating,1000000,90000",  # line 3: no such month
        "U01,2022-11,equipment,1000000,90000",  # line 4: unknown category
        "U01,2022-11,operating,-5,0",  # line 5: negative
        "U01,2022-12,operating,1000000,lots",  # line 6: not an amount
        "U01,2022-10,operating,1000000,90000",  # line 7: duplicate of line 2
        ",2022-10,capital,1,0",  # line 8: no unit
        "U01,2023-10,operating,1,0",  # line 9: outside fiscal year 2566
    ]
    code, out, err = run(capsys, "--rules", "doh-kpi23-2566", "--input", str(write(tmp_path / "bad.csv", lines)), "--format", "json")
    assert (code, out) == (2, "")
    assert "Traceback" not in err
    expected = {
        3: ("month", "'2022-13'"), 4: ("category", "'equipment'"), 5: ("allocated", "must not be negative"),
        6: ("disbursed", "'lots'"), 7: ("duplicates line 2", "ซ้ำกับบรรทัด 2"), 8: ("unit", "ต้องระบุหน่วยงาน"),
        9: ("month", "outside fiscal year 2566"),
    }  # fmt: skip
    reported = [line for line in err.splitlines() if "line " in line]
    assert len(reported) == len(expected)
    for line_no, fragments in expected.items():
        (found,) = [r for r in reported if f"line {line_no}," in r or f"line {line_no}:" in r]
        assert all(fragment in found for fragment in fragments), found
    assert "ข้อผิดพลาด 7 รายการ / 7 error(s)" in err


def test_missing_header_columns_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "in.csv"
    path.write_text("unit,month,category,disbursed\nU01,2022-10,operating,1\n", encoding="utf-8")
    code, out, err = run(capsys, "--rules", "doh-kpi23-2566", "--input", str(path))
    assert (code, out) == (2, "")
    assert "line 1, column allocated" in err and "missing column allocated" in err


def test_a_category_missing_in_one_month_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [line for line in U02 if not line.startswith("U02,2022-12-,") and ",2022-12,capital," not in line]
    code, out, err = run(capsys, "--rules", "doh-kpi23-2566", "--input", str(write(tmp_path / "gap.csv", lines)))
    assert (code, out) == (2, "")
    assert "unit U02 has no capital row for 2022-12" in err


def test_disbursed_above_allocated_is_a_warning_not_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "over.csv", ["U01,2022-10,operating,1000,1500"])
    code, out, err = run(capsys, "--rules", "doh-kpi23-2566", "--input", str(path), "--format", "json")
    assert code == 0
    assert "line 2, column disbursed" in err and "disbursed exceeds allocated" in err
    (result,) = json.loads(out)
    assert result["explanations"]["4.1"][0]["percent"] == "150.00"


def test_rounds_that_have_not_started_are_left_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = scores(capsys, write(tmp_path / "in.csv", rows("U01", [9, 19, 32])))
    assert [r["round"] for r in results] == [1]


def test_a_warning_does_not_change_the_other_scores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = scores(capsys, write(tmp_path / "clean.csv", U01 + U02))
    warned = scores(capsys, write(tmp_path / "warned.csv", [*U01, *U02, "U03,2022-10,operating,10,20"]))
    assert warned[: len(clean)] == clean and {r["unit"] for r in warned[len(clean) :]} == {"U03"}


@pytest.mark.parametrize(
    "lines",
    [
        U01 + U02 + rows("U03", [1, 2, 3, 4, 5], [1, 2, 3, 4, 5]),
        U02[:7] + U01 + U02[7:],  # a unit in two places: the parts cannot be read apart
        [*U01, *U02, "U03,2022-10,operating,10,20"],  # a warning to print once, with its line
    ],
    ids=["clean", "scattered unit", "warning"],
)
def test_several_processes_print_the_same_bytes_as_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lines: list[str]
) -> None:
    path = write(tmp_path / "in.csv", lines)
    for rules in ("doh-kpi23-2566", "province-pts-template"):
        one = run(capsys, "--rules", rules, "--input", str(path), "--format", "json", "--jobs", "1")
        for jobs in ("2", "3"):
            assert run(capsys, "--rules", rules, "--input", str(path), "--format", "json", "--jobs", jobs) == one
        assert one[0] == 0


def test_evidence_raises_item_1_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    evidence = ["unit,item,posted,month", "U01,committee,2022-10-20,"]
    for m in FY2566[:5]:
        evidence += [f"U01,report,{m.day(20).isoformat()},{m.iso()}", f"U01,minutes,{m.day(28).strftime('%d/%m')}/{m.year + 543},{m.thai_short()}"]
    (tmp_path / "ev.csv").write_text("\n".join(evidence), encoding="utf-8")
    (first, *_) = scores(capsys, write(tmp_path / "in.csv", U01), "--evidence", str(tmp_path / "ev.csv"))
    assert first["items"]["1-3"] == 0.5


def test_bad_evidence_is_refused_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ev.csv").write_text("unit,item,posted,month\nU01,committe,2022-10-20,\nU01,report,someday,2022-10\n", encoding="utf-8")
    code, out, err = run(capsys, "--rules", "doh-kpi23-2566", "--input", str(write(tmp_path / "in.csv", U01)),
                         "--evidence", str(tmp_path / "ev.csv"))  # fmt: skip
    assert (code, out) == (2, "")
    assert "line 2, column item, value 'committe'" in err and "line 3, column posted, value 'someday'" in err


def test_the_table_format_is_readable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--rules", "doh-kpi23-2566", "--input", str(write(tmp_path / "in.csv", U01)), "--explain")
    assert code == 0
    header, rule, first = out.splitlines()[1:4]
    assert header.split("  ") and [h.strip() for h in header.split("  ") if h.strip()] == [
        "หน่วยงาน", "รอบ", "ระดับ 1-3", "ระดับ 4.1", "ระดับ 4.2", "ระดับ 5", "รวม", "เต็ม", "ฝึกอบรม ไตรมาส 1",
        "ไม่กันเงินงบดำเนินงาน", "กันเงินงบลงทุน 20 ก.ย.", "เงินเหลือจ่ายภายใน 1 เดือน"]  # fmt: skip
    assert [c.strip() for c in first.split("  ") if c.strip()] == [
        "U01", "รอบ 5 เดือนแรก (ต.ค. 65 – ก.พ. 66)", "0.0000", "0.8000", "2.5000", "1.0000", "4.3000", "5.0000", "-", "-",
        "-", "-"]
    assert ("    [ระดับ 4.1] รายจ่ายประจำ ต.ค. 65: เบิกจ่ายสะสม 9.00% (90,000.00 บาท จาก 1,000,000.00 บาท) "
            "เป้าหมาย 9% (ใช้เส้นเป้าหมายภาพรวม) → ตามเป้า") in out.splitlines()


def test_the_table_speaks_english_when_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--rules", "doh-kpi23-2566", "--input", str(write(tmp_path / "in.csv", U01)),
                       "--lang", "en")  # fmt: skip
    header, _rule, first = out.splitlines()[1:4]
    assert [h.strip() for h in header.split("  ") if h.strip()] == [
        "unit", "round", "level 1-3", "level 4.1", "level 4.2", "level 5", "total", "max", "training Q1",
        "no operating carry-over", "capital carry-over by 20 Sep", "leftover capital in a month"]
    assert "first 5 months (Oct 2022 - Feb 2023)" in first


def test_the_province_template_is_labelled_a_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "in.csv", U02)
    code, out, err = run(capsys, "--rules", "province-pts-template", "--input", str(path))
    assert code == 0 and out.startswith("[แม่แบบ]") and "TEMPLATE" in err
    code, out, _ = run(capsys, "--rules", "province-pts-template", "--input", str(path), "--format", "json")
    (result,) = json.loads(out)
    assert result["template"] is True and result["max"] == 100 and result["size_group"] == "small"


def test_a_changed_rule_set_file_changes_the_scores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write(tmp_path / "in.csv", U01)
    text = (SHIPPED_DIR / "doh-kpi23-2566.toml").read_text(encoding="utf-8")
    rules = tmp_path / "strict.toml"
    rules.write_text(text.replace("target = { 1 = 45, 2 = 85 }", "target = { 1 = 46, 2 = 85 }"), encoding="utf-8")
    code, out, err = run(capsys, "--rules", str(rules), "--input", str(data), "--format", "json")
    assert code == 0, err
    assert json.loads(out)[0]["items"]["5"] == 0.0
    assert scores(capsys, data)[0]["items"]["5"] == 1.0


def test_a_malformed_rule_set_is_refused_naming_the_key_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (SHIPPED_DIR / "doh-kpi23-2566.toml").read_text(encoding="utf-8")
    rules = tmp_path / "broken.toml"
    rules.write_text(text.replace("points = 1.2", "points = 1,2"), encoding="utf-8")
    code, out, err = run(capsys, "--rules", str(rules), "--input", str(write(tmp_path / "in.csv", U01)))
    assert (code, out) == (2, "")
    line = next(i for i, ln in enumerate(rules.read_text(encoding="utf-8").splitlines(), 1) if "points = 1,2" in ln)
    assert f"broken.toml:{line}:" in err and "TOML syntax error" in err
    rules.write_text(text.replace("points = 1.2", "points = 12"), encoding="utf-8")
    code, out, err = run(capsys, "--rules", str(rules), "--input", str(write(tmp_path / "in.csv", U01)))
    assert (code, out) == (2, "")
    assert "criteria[3].max" in err and "broken.toml:" in err


def test_an_unknown_rule_set_or_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--rules", "doh-kpi99", "--input", str(write(tmp_path / "in.csv", U01)))
    assert (code, out) == (2, "") and "no rule set 'doh-kpi99'" in err
    code, out, err = run(capsys, "--rules", "doh-kpi23-2566", "--input", str(tmp_path / "missing.csv"))
    assert (code, out) == (2, "") and "cannot read" in err


def test_the_command_runs_as_a_module_without_loading_django(tmp_path: Path) -> None:
    path = write(tmp_path / "in.csv", U01)
    code = (
        "import sys, runpy; sys.argv = ['pts', 'score', '--rules', 'doh-kpi23-2566', '--input', sys.argv[1], '--format', 'json'];"
        "import pts.cli; rc = pts.cli.main(sys.argv[1:]); "
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django was imported'; sys.exit(rc)"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, cwd=Path(__file__).parents[3], check=False)
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout)[0]["total"] == 4.3


def test_explanations_can_be_had_in_english(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (first, *_) = scores(capsys, write(tmp_path / "in.csv", U01), "--lang", "en")
    october = first["explanations"]["4.1"][0]
    assert "th" not in october
    assert october["en"] == ("recurring Oct 2022: cumulative disbursed 9.00% (90,000.00 of 1,000,000.00 baht), "
                             "target 9% (the overall curve) → hit")


def test_a_part_that_dies_is_done_again_in_one_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    import pts.scoring.cli as score_cli

    path = write(tmp_path / "in.csv", U01 + U02)
    rule_sets = ("doh-kpi23-2566", "province-pts-template")
    one = {rules: run(capsys, "--rules", rules, "--input", str(path), "--format", "json", "--jobs", "1")[1]
           for rules in rule_sets}  # fmt: skip
    parent, score, encode = os.getpid(), score_cli.score_units, score_cli.encode_results

    def dies_in_a_child(real: Callable[..., object]) -> Callable[..., object]:
        def wrapper(*args: object, **kwargs: object) -> object:
            if os.getpid() != parent:
                os._exit(3)
            return real(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(score_cli, "score_units", dies_in_a_child(score))
    monkeypatch.setattr(score_cli, "encode_results", dies_in_a_child(encode))
    for rules in rule_sets:
        code, out, _ = run(capsys, "--rules", rules, "--input", str(path), "--format", "json", "--jobs", "2")
        assert (code, out) == (0, one[rules])


def test_processes_writing_straight_to_a_file_write_the_same_bytes(tmp_path: Path) -> None:
    path = write(tmp_path / "in.csv", U01 + U02 + rows("U03", [1, 2, 3, 4, 5], [1, 2, 3, 4, 5]))
    outputs = []
    for jobs in ("1", "2", "3"):
        target = tmp_path / f"out-{jobs}.json"
        with target.open("wb") as stdout:
            subprocess.run([sys.executable, "-m", "pts.cli", "score", "--rules", "doh-kpi23-2566", "--input", str(path),
                            "--format", "json", "--jobs", jobs], stdout=stdout, cwd=Path(__file__).parents[3], check=True)  # fmt: skip
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
    assert [r["unit"] for r in json.loads(outputs[0])] == ["U01", "U01", "U02", "U02", "U03", "U03"]


def test_as_of_leaves_later_months_not_reached_yet_and_marks_the_round_provisional(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "in.csv", U02)  # data through July
    results = scores(capsys, path, "--as-of", "2023-04")
    assert [(r["round"], r.get("provisional", False)) for r in results] == [(1, False), (2, True)]
    round2 = results[1]["explanations"]["4.1"]
    may = [ln for ln in round2 if ln.get("month") == "2023-05"]
    assert may and all(ln["code"] == "month_skipped" and ln["reason"] == "not_yet" for ln in may)
    assert "ยังไม่ถึงเดือนนี้" in may[0]["th"]
    code, out, _ = run(capsys, "--rules", "doh-kpi23-2566", "--input", str(path), "--as-of", "15/04/2566")
    assert code == 0 and "รอบ 5 เดือนหลัง (มี.ค. – ก.ค. 66) (ชั่วคราว)" in out
    assert "(ชั่วคราว)" not in out.splitlines()[3]  # round 1 has ended


def test_by_default_the_as_of_month_is_the_last_month_in_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = scores(capsys, write(tmp_path / "in.csv", rows("U01", [9, 19, 32, 39, 45, 50, 58])))  # through April
    assert results[1]["provisional"] is True and "provisional" not in results[0]
    assert scores(capsys, write(tmp_path / "in.csv", rows("U01", [9, 19, 32, 39, 45, 50, 58])), "--as-of", "2023-04") == results


def test_a_bad_as_of_is_refused_naming_the_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for bad in ("someday", "2024-01"):
        code, out, err = run(capsys, "--rules", "doh-kpi23-2566", "--input", str(write(tmp_path / "in.csv", U01)),
                             "--as-of", bad)  # fmt: skip
        assert (code, out) == (2, "") and f"'{bad}'" in err and "--as-of" in err


def test_the_doh_checks_come_apart_from_the_scored_items(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (first, *_) = scores(capsys, write(tmp_path / "in.csv", U01))
    assert set(first["items"]) == {"1-3", "4.1", "4.2", "5"}  # the scored items as before
    assert first["checks"]["no-operating-carry-over"] == {"passed": None, "explanations": [  # round 1: not yet
        {"code": "carry_over_unchecked", "why": "later_round", "th": "ตรวจเมื่อสิ้นปีงบประมาณ แสดงผลในรอบสุดท้าย"}]}
    assert {"training-q1": first["checks"]["training-q1"]} == {"training-q1": {"passed": None, "explanations": [
        {"code": "check_absent", "series": "training", "month": "2022-12", "why": "no_allocation",
         "th": "ค่าใช้จ่ายฝึกอบรม ประชุม สัมมนา ธ.ค. 65: ตรวจไม่ได้ (ไม่มีเงินจัดสรร)"}]}}
    code, out, _ = run(capsys, "--rules", "doh-kpi23-2566", "--input", str(write(tmp_path / "in.csv", U01)))
    assert "ฝึกอบรม ไตรมาส 1" in out.splitlines()[1]


def test_the_table_title_is_the_rule_sets_label_and_version_never_its_id(tmp_path: Path, capsys) -> None:
    path = write(tmp_path / "in.csv", U01)
    code, out, _ = run(capsys, "--rules", "doh-kpi23-2566", "--input", str(path))
    assert code == 0
    assert out.splitlines()[0] == "ตัวชี้วัดที่ 2.3 ร้อยละของการเบิกจ่ายงบประมาณ ปีงบประมาณ พ.ศ. 2566 (กรมอนามัย) (ฉบับ 2566.1)"
    assert "doh-kpi23-2566" not in out
    code, out, _ = run(capsys, "--rules", "doh-kpi23-2566", "--input", str(path), "--lang", "en")
    assert out.splitlines()[0] == "DOH KPI 2.3 percentage of budget disbursement, FY2566 (version 2566.1)"
