"""Rule sets and target sets are files: validated on load, errors naming the key and the line."""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

import pytest

from pts.scoring.engine import RuleSetError, load_ruleset, parse_ruleset, shipped_rulesets
from pts.scoring.engine.targets import SHIPPED_DIR, interpolate_quarters, load_target_set, parse_target_set
from tests.scoring.engine.helpers import items, make_unit

DOH = (SHIPPED_DIR / "doh-kpi23-2566.toml").read_text(encoding="utf-8")


def line_of(text: str, fragment: str) -> int:
    """1-based line of the first line containing `fragment`."""
    return next(i for i, line in enumerate(text.splitlines(), start=1) if fragment in line)


def refused(text: str) -> list[str]:
    with pytest.raises(RuleSetError) as caught:
        parse_ruleset(text, source="bad.toml", base_dir=SHIPPED_DIR)
    return caught.value.issues


def test_every_shipped_rule_set_and_target_set_loads() -> None:
    assert {"doh-kpi23-2566", "province-pts-template"} <= set(shipped_rulesets())
    for name in shipped_rulesets():
        assert load_ruleset(name).id == name
    for name in ("doh-2566", "cabinet-2566", "cabinet-2568", "cabinet-2569"):
        assert load_target_set(name).id == name


def test_a_rule_set_loads_from_a_path_as_well_as_by_id(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(DOH.replace('id = "doh-kpi23-2566"', 'id = "mine"'), encoding="utf-8")
    assert load_ruleset(path).id == "mine"
    assert load_ruleset(str(path)).sha256 != load_ruleset("doh-kpi23-2566").sha256


def test_it_refuses_a_wrong_value_naming_the_key_and_its_line() -> None:
    text = DOH.replace("points = 1.3", 'points = "lots"')
    (issue,) = refused(text)
    assert issue.startswith(f"bad.toml:{line_of(text, 'points = ' + chr(34))}: criteria[3].parts[2].points: ")
    assert "must be a number" in issue and "ต้องเป็นตัวเลข" in issue and "'lots'" in issue


def test_it_refuses_a_misspelt_key_naming_it_and_its_line() -> None:
    text = DOH.replace('partial = "none"  # default 2: all', 'partail = "none"  # default 2: all')
    (issue,) = refused(text)
    assert issue.startswith(f"bad.toml:{line_of(text, 'partail')}: criteria[3].partail: ")
    assert "unknown key" in issue


def test_it_names_a_missing_key_at_its_table() -> None:
    text = DOH.replace('last = "2023-07"\n', "")
    (issue,) = refused(text)
    # the second [[rounds]] table starts the line after the first one's last key
    second_round = [i for i, line in enumerate(text.splitlines(), start=1) if line == "[[rounds]]"][1]
    assert issue.startswith(f"bad.toml:{second_round}: rounds[2].last: ") and "is required" in issue


def test_it_points_into_a_step_table_at_the_row_that_is_wrong() -> None:
    text = DOH.replace("1 = [[1, 0.20], [2, 0.30], [3, 0.40], [4, 0.50]]", "1 = [[1, 0.20], [2, -0.30], [3, 0.40], [4, 0.50]]", 1)
    issues = refused(text)
    assert any(i.startswith(f"bad.toml:{line_of(text, '-0.30')}: criteria[2].parts[1].steps.1[2]: ") for i in issues)


def test_it_refuses_criteria_that_do_not_add_up_to_the_round_maximum() -> None:
    text = DOH.replace("max = 0.5\npartial", "max = 0.6\npartial")
    (issue,) = refused(text)
    assert issue.startswith(f"bad.toml:{line_of(text, 'max = 5.0')}: rounds[1].max: ")
    assert "5.1" in issue


def test_it_refuses_a_reference_to_a_series_that_does_not_exist() -> None:
    text = DOH.replace('series = "capital"\npoints', 'series = "capitol"\npoints')
    (issue,) = refused(text)
    assert f":{line_of(text, 'capitol')}: criteria[3].parts[2].series: " in issue and "no series 'capitol'" in issue


def test_it_refuses_a_step_table_without_an_entry_for_every_round() -> None:
    text = DOH.replace("2 = [[1, 0.10], [2, 0.20], [3, 0.30], [4, 0.40], [5, 0.50]]\n", "", 1)
    issues = refused(text)
    assert any("criteria[2].parts[1].steps: " in i and "round 2" in i for i in issues)


def test_it_reports_every_problem_in_one_pass() -> None:
    text = DOH.replace("points = 1.3", "points = -1").replace('kind = "evidence"', 'kind = "evidance"')
    issues = refused(text)
    assert len(issues) >= 2
    assert any("criteria[1].kind" in i for i in issues) and any("criteria[3].parts[2].points" in i for i in issues)


def test_it_refuses_a_syntax_error_with_its_line() -> None:
    text = DOH.replace("max = 2.5", "max = = 2.5")
    (issue,) = refused(text)
    assert issue.startswith(f"bad.toml:{line_of(text, 'max = = 2.5')}: ") and "TOML syntax error" in issue


def test_it_refuses_an_unknown_target_set() -> None:
    (issue,) = refused(DOH.replace('targets = "doh-2566"', 'targets = "doh-2599"'))
    assert "no target set 'doh-2599'" in issue


def test_it_refuses_a_target_set_of_another_fiscal_year() -> None:
    (issue,) = refused(DOH.replace('targets = "doh-2566"', 'targets = "cabinet-2568"'))
    assert "ruleset.targets" in issue and "2568" in issue


def test_a_changed_rule_set_file_changes_the_scores_without_a_code_change(tmp_path: Path) -> None:
    unit = make_unit(operating=[9, 19, 32, 39, 45], capital=[0, 18, 29, 40, 51])
    path = tmp_path / "lenient.toml"
    path.write_text(DOH.replace("[[1, 0.20], [2, 0.30], [3, 0.40], [4, 0.50]]", "[[1, 0.25], [2, 0.5]]"), encoding="utf-8")
    assert items(unit, 1)["4.1"] == 1
    unit = make_unit(operating=[9, 19, 0, 0, 45], capital=[0, 0, 0, 0, 51])
    assert items(unit, 1)["4.1"] == F("0.4") + F("0.2")
    assert items(unit, 1, load_ruleset(path))["4.1"] == F("0.5") + F("0.25")


def test_quarterly_targets_are_interpolated_linearly_from_zero() -> None:
    values, missing = interpolate_quarters([F(27), F(53), F(75), F(94)])
    assert values == [9, 18, 27, F(107, 3), F(133, 3), 53, F(181, 3), F(203, 3), 75, F(244, 3), F(263, 3), 94]
    assert missing == [None] * 12


def test_unknown_quarters_leave_their_months_without_a_target() -> None:
    curve = load_target_set("cabinet-2566").curves[("overall", "disbursed")]
    assert curve.values == (F(32, 3), F(64, 3), 32, None, None, None, None, None, None, None, None, 93)
    assert curve.missing[3:11] == ("unknown",) * 8


def test_the_doh_curve_has_no_capital_target_in_october() -> None:
    curves = load_target_set("doh-2566").curves
    assert curves[("capital", "disbursed")].values[:3] == (None, 18, 29)
    assert curves[("capital", "disbursed")].missing[0] == "none"
    assert curves[("overall", "disbursed")].values[-1] == 100


def test_a_target_set_must_not_decrease_and_must_have_every_month() -> None:
    text = '[target_set]\nid = "t"\nfiscal_year = 2566\n[curves.overall.disbursed]\nmonthly = [9, 8]\n'
    with pytest.raises(RuleSetError) as caught:
        parse_target_set(text, source="t.toml")
    (issue,) = caught.value.issues
    assert issue.startswith("t.toml:5: curves.overall.disbursed.monthly: ") and "needs 12 values" in issue


def test_the_template_is_marked_as_a_template() -> None:
    template = load_ruleset("province-pts-template")
    assert template.template and template.label.th.startswith("[แม่แบบ]")
    assert not load_ruleset("doh-kpi23-2566").template
