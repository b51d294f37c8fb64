"""Key paths to line numbers, for rule-set messages."""

from __future__ import annotations

import tomllib

from pts.scoring.engine.tomlmap import format_path, key_lines, line_of

SAMPLE = '''# a comment with "quotes" and [brackets]
title = "x"  # trailing
notes = """
[not_a_table]
fake = 1
"""

[series.overall]
categories = ["operating",
  "capital"]  # continues

[[criteria]]
id = "a"
target = { 1 = 45, 2 = 55 }

[[criteria.parts]]
series = "recurring"

[criteria.parts.steps]
1 = [
  [1, 0.2],
  [2, 0.3],
]

[[criteria]]
id = "b"
dotted.key = 'literal # not a comment'
'''


def test_the_sample_is_valid_toml() -> None:
    assert tomllib.loads(SAMPLE)["criteria"][1]["dotted"]["key"] == "literal # not a comment"


def test_it_finds_the_line_of_every_kind_of_key() -> None:
    lines = key_lines(SAMPLE)
    assert lines[("title",)] == 2
    assert lines[("notes",)] == 3
    assert ("not_a_table",) not in lines and ("fake",) not in lines
    assert lines[("series", "overall")] == 8
    assert lines[("series", "overall", "categories", 1)] == 10
    assert lines[("criteria", 0)] == 12
    assert lines[("criteria", 0, "target", "2")] == 14
    assert lines[("criteria", 0, "parts", 0, "series")] == 17
    assert lines[("criteria", 0, "parts", 0, "steps", "1", 1)] == 22
    assert lines[("criteria", 1, "id")] == 26
    assert lines[("criteria", 1, "dotted", "key")] == 27


def test_a_path_without_a_line_of_its_own_takes_its_parents() -> None:
    lines = key_lines(SAMPLE)
    assert line_of(lines, ("criteria", 0, "parts", 0, "steps", "1", 1, 0)) == 22
    assert line_of(lines, ("nowhere",)) is None


def test_paths_are_shown_counting_from_one() -> None:
    assert format_path(("criteria", 1, "parts", 0, "max")) == "criteria[2].parts[1].max"
    assert format_path(("curves", "a b", "disbursed")) == 'curves."a b".disbursed'
