"""The shipped registry opens no file a reference names; the TOML writer and the form editor
round-trip every shipped rule set (the file format stays the contract). No database."""

from __future__ import annotations

import builtins
import io
import pathlib
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest

from pts.scoring import ruleedit
from pts.scoring.engine import RuleSetError, load_ruleset, parse_ruleset, shipped_rulesets
from pts.scoring.engine.options import BY_KEY, OPTIONS
from pts.scoring.engine.targets import SHIPPED_DIR, resolve
from pts.scoring.engine.tomlwrite import dumps

BAD_REFS = ["/etc/passwd", "../x", "/proc/self/mem", "../../../../../etc/passwd", "targets/../../x",
            "doh-kpi23-2566/../../../etc/passwd", "..", "C:\\\\x.toml"]


@pytest.fixture
def no_files_outside_the_shipped_dir(monkeypatch):
    """Fail the test when anything opens or stats a file outside rulesets/."""
    opened: list[str] = []
    real_open, real_read, real_is_file = builtins.open, pathlib.Path.read_bytes, pathlib.Path.is_file
    shipped = str(SHIPPED_DIR)

    def watch(path: object) -> None:
        text = str(path)
        if not text.startswith(shipped) and not text.endswith(".py") and "site-packages" not in text:
            opened.append(text)

    def fake_open(file, *args, **kwargs):  # noqa: ANN001, ANN202
        watch(file)
        return real_open(file, *args, **kwargs)

    def fake_read(self):  # noqa: ANN001, ANN202
        watch(self)
        return real_read(self)

    def fake_is_file(self):  # noqa: ANN001, ANN202
        watch(self)
        return real_is_file(self)

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(io, "open", fake_open)
    monkeypatch.setattr(pathlib.Path, "read_bytes", fake_read)
    monkeypatch.setattr(pathlib.Path, "is_file", fake_is_file)
    return opened


@pytest.mark.parametrize("ref", BAD_REFS)
def test_the_shipped_lookup_refuses_a_path_without_touching_the_file_system(ref, no_files_outside_the_shipped_dir):
    assert resolve(ref, None) is None
    assert resolve(ref, None, "targets") is None
    assert no_files_outside_the_shipped_dir == []


@pytest.mark.parametrize("ref", ["/etc/passwd", "../x", "/proc/self/mem", "../targets/cabinet-2566"])
def test_a_rule_set_text_cannot_name_a_file_as_its_target_set(ref, no_files_outside_the_shipped_dir):
    text = (SHIPPED_DIR / "province-pts-template.toml").read_text(encoding="utf-8")
    with pytest.raises(RuleSetError) as exc:
        parse_ruleset(text.replace('targets = "cabinet-2566"', f'targets = "{ref}"'), source="db")
    assert "no target set" in str(exc.value) and "root:" not in str(exc.value)
    assert no_files_outside_the_shipped_dir == []


def test_a_file_that_cannot_be_read_is_refused_as_a_rule_set_error_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(RuleSetError, match="cannot read the file"):
        load_ruleset("/proc/self/mem")


@pytest.mark.parametrize("name", shipped_rulesets())
def test_the_writer_round_trips_every_shipped_rule_set(name: str) -> None:
    text = (SHIPPED_DIR / f"{name}.toml").read_text(encoding="utf-8")
    doc = ruleedit.load(text)
    written = dumps(doc)
    assert ruleedit.load(written) == doc
    shipped, again = load_ruleset(name), parse_ruleset(written)
    assert replace(again, sha256="", source="") == replace(shipped, sha256="", source="")


def test_every_editable_value_of_a_shipped_rule_set_has_a_thai_label_without_ids() -> None:
    doc = ruleedit.load((SHIPPED_DIR / "province-pts-template.toml").read_text(encoding="utf-8"))
    labels = [f.th for f in ruleedit.fields(doc)]
    assert labels and all(any("\u0e00" <= ch <= "\u0e7f" for ch in label) for label in labels)
    for slug in ("plan", "contracts", "milestones", "late_update", "province-pts-template", "disbursement"):
        assert not any(slug in label.split() for label in labels)


def test_target_set_curves_are_written_into_the_rule_set_and_a_filled_quarter_scores() -> None:
    doc = ruleedit.load((SHIPPED_DIR / "province-pts-template.toml").read_text(encoding="utf-8"))
    targets = ruleedit.load((SHIPPED_DIR / "targets" / "cabinet-2566.toml").read_text(encoding="utf-8"))
    full = ruleedit.with_targets(doc, targets)
    q2 = next(f for f in ruleedit.fields(full) if f.th == "เป้าหมายไตรมาส 2 (%) ภาพรวม เบิกจ่าย")
    assert q2.value == "?"
    edited, errors = ruleedit.apply(full, {q2.name: "๕๕"})  # Thai digits
    assert errors == {}
    rules = parse_ruleset(dumps(edited))
    assert rules.curves[("overall", "disbursed")].values[5] == 55
    assert parse_ruleset(dumps(full)).curves[("overall", "disbursed")].values[5] is None
    [change] = ruleedit.diff(full, edited)
    assert (change.label, change.before, change.after) == ("เป้าหมายไตรมาส 2 (%) ภาพรวม เบิกจ่าย", "?", "55")


@pytest.mark.parametrize(("typed", "named"), [("abc", "ไม่ใช่ร้อยละ"), ("101", "0–100"), ("-5", "0–100")])
def test_a_bad_target_is_refused_naming_the_field(typed: str, named: str) -> None:
    doc = ruleedit.with_targets(ruleedit.load((SHIPPED_DIR / "province-pts-template.toml").read_text("utf-8")),
                                ruleedit.load((SHIPPED_DIR / "targets" / "cabinet-2566.toml").read_text("utf-8")))
    q2 = next(f for f in ruleedit.fields(doc) if f.path == ("curves", "overall", "disbursed", "quarterly", 1))
    _edited, errors = ruleedit.apply(doc, {q2.name: typed})
    assert errors[q2.name].startswith("เป้าหมายไตรมาส 2 (%) ภาพรวม เบิกจ่าย: ") and named in errors[q2.name]


def test_every_option_has_its_thai_label_help_named_choices_and_default() -> None:
    """The options come from engine.options: no key is what a Thai reader sees."""
    doc = ruleedit.load((SHIPPED_DIR / "doh-kpi23-2566.toml").read_text(encoding="utf-8"))
    options = {f.path[1]: f for f in ruleedit.fields(doc) if f.path[0] == "options"}
    assert set(options) == {o.key for o in OPTIONS}  # also those the file leaves out
    for key, f in options.items():
        option = BY_KEY[key]
        assert (f.kind, f.th, f.en) == ("option", option.label_th, option.label_en)
        assert f.help_th.startswith(option.help_th) and "ค่าเริ่มต้น: " in f.help_th
        thai = [f.th, f.group_th, f.help_th, *(c[1] for c in f.choices)]
        assert not any(key in text for text in thai), (key, thai)
        assert [c[0] for c in f.choices] == [str(c) for c in option.choices]
    rounding = options["percent_rounding"]
    assert rounding.choices[0][1:] == ("ไม่ปัดเศษ", "exact") and rounding.choices[3][1] == "ปัดเป็นทศนิยม 2 ตำแหน่ง"
    assert rounding.help_th.endswith("(ค่าเริ่มต้น: ไม่ปัดเศษ)")
    assert options["no_money"].help_th.endswith("(ค่าเริ่มต้น: ได้ 0 คะแนนและจัดอันดับ)")


def test_an_option_is_validated_written_as_its_toml_value_and_its_default_left_out() -> None:
    doc = ruleedit.load((SHIPPED_DIR / "doh-kpi23-2566.toml").read_text(encoding="utf-8"))
    del doc["options"]["no_money"]  # a file that leaves an option out
    by_key = {f.path[1]: f for f in ruleedit.fields(doc) if f.path[0] == "options"}
    edited, errors = ruleedit.apply(doc, {by_key["percent_rounding"].name: "2", by_key["no_money"].name: "zero",
                                          by_key["absent_series"].name: "zero"})
    assert errors == {}
    written = ruleedit.load(dumps(edited))["options"]
    assert written["percent_rounding"] == 2 and written["absent_series"] == "zero"  # an integer in the file
    assert "no_money" not in written  # left out of the file, it was the default: today's file unchanged
    assert parse_ruleset(dumps(edited), source="x.toml").options.percent_rounding == 2
    changes = {c.label: (c.before, c.after) for c in ruleedit.diff(doc, edited)}
    assert changes["การปัดเศษร้อยละก่อนเทียบเป้าหมาย"] == ("ไม่ปัดเศษ", "ปัดเป็นทศนิยม 2 ตำแหน่ง")
    assert changes["อนุกรมที่ไม่มีเงินในรอบ"] == ("ย้ายน้ำหนักไปส่วนที่มี", "ได้ 0 คะแนน")
    _edited, errors = ruleedit.apply(doc, {by_key["measure"].name: "spent-ish"})
    assert errors[by_key["measure"].name].startswith('ตัวเลขที่ใช้วัด: "spent-ish" ไม่ใช่ตัวเลือกที่มี (เบิกจ่าย, ')


def test_step_tables_and_thresholds_are_editable_per_round() -> None:
    doc = ruleedit.load((SHIPPED_DIR / "doh-kpi23-2566.toml").read_text(encoding="utf-8"))
    by_label = {f.th: f for f in ruleedit.fields(doc)}
    target = by_label["เป้าหมายรอบ 2 (%) รายจ่ายประจำ (4.2 ร้อยละผลการเบิกจ่ายสะสม ณ สิ้นรอบ แยกรายจ่ายประจำและรายจ่ายลงทุน)"]
    step = by_label["คะแนนเมื่อตรงเป้า 4 เดือน รอบ 1 รายจ่ายประจำ (4.1 ร้อยละผลการเบิกจ่ายสะสมในแต่ละเดือนเป็นไปตามเป้าหมาย)"]
    edited, errors = ruleedit.apply(doc, {target.name: "85", step.name: "0.45"})
    assert errors == {}
    rules = parse_ruleset(dumps(edited))
    part = rules.criteria[2].threshold_parts[0]
    assert part.target[2] == 85
    assert rules.criteria[1].step_parts[0].steps[1][3].points == Fraction("0.45")


def test_pts_score_refuses_an_unreadable_rules_file_with_exit_2_and_no_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pts.cli import main

    data = tmp_path / "in.csv"
    data.write_text("unit,month,category,allocated,disbursed\nU01,2022-10,operating,100,9\n", encoding="utf-8")
    code = main(["score", "--rules", "/proc/self/mem", "--input", str(data)])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "") and "cannot read the file" in err and "Traceback" not in err
