"""The template JSON encoder writes exactly what building dicts and json.dumps would write."""

from __future__ import annotations

import json
import random
from datetime import date
from fractions import Fraction
from typing import Any

import pytest

from pts.scoring.engine import (
    Deduction,
    Evidence,
    Explainer,
    Figures,
    RoundResult,
    RuleSet,
    UnitData,
    load_ruleset,
    score_units,
)
from pts.scoring.engine.explain import Line
from pts.scoring.engine.jsonout import LineEncoder, encode_results, money_facts, number
from tests.scoring.engine.helpers import FY2566


def result_json(rules: RuleSet, explainer: Explainer, r: RoundResult, lang: str = "th") -> dict[str, Any]:
    """The plain form of what `encode_results` writes: a dict per result, every explanation line
    its facts plus its text in `lang` (the shape `pts score --format json` documents)."""
    text = explainer.th if lang == "th" else explainer.en
    obj: dict[str, Any] = {
        "unit": r.unit,
        "round": r.round,
        "items": {cid: number(item.score) for cid, item in r.items.items()},
        "total": number(r.total),
        "max": number(r.max),
        "explanations": {
            cid: [{"code": ln.code, **money_facts(ln.facts), lang: text(ln)} for ln in item.lines]
            for cid, item in r.items.items()
        },
    }
    if rules.size_groups:
        obj["size_group"] = r.size_group
    if rules.awards:
        obj["award"] = r.award
    if rules.size_groups or rules.awards:
        obj["notes"] = [{"code": ln.code, **money_facts(ln.facts), lang: text(ln)} for ln in r.notes]
    if rules.template:
        obj["template"] = True
    if rules.checks:
        obj["checks"] = {c.id: {"passed": r.checks[c.id].passed,
                                "explanations": [{"code": ln.code, **money_facts(ln.facts), lang: text(ln)}
                                                 for ln in r.checks[c.id].lines]} for c in rules.checks}
    if not r.assessed:
        obj["not_assessed"] = True
    if r.provisional:
        obj["provisional"] = True
    return obj


CATEGORIES = ("personnel", "operating", "capital", "subsidy", "other")


def units(n: int, seed: int) -> list[UnitData]:
    """Units with every situation the explanations cover: no capital, missing months, no money at
    all, over 100 %, evidence on time and late, deductions, procurement shares."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        cats = [c for c in CATEGORIES if not (c == "capital" and i % 4 == 0)]
        months = {}
        paid = dict.fromkeys(cats, 0)
        for k, m in enumerate(FY2566):
            if i % 7 == 3 and k in (2, 5):
                continue  # a month without data
            row = {}
            for c in cats:
                allocated = 0 if i % 11 == 5 else 1_000_000_00 + i * 1_000
                paid[c] += rng.randint(0, 15) * allocated // 100 if i % 13 != 1 else allocated // 2
                row[c] = Figures(allocated, paid[c], rng.randint(0, 3) * 1_000_00)
            months[m] = row
        evidence = [Evidence("committee", date(2022, 10, 20) if i % 3 else date(2022, 11, 11))] if i % 2 else []
        evidence += [Evidence("minutes", date(2022, 11 + k % 2, 10 + k), m) for k, m in enumerate(FY2566[:4]) if i % 5]
        out.append(UnitData(
            code=f'U"{i:03d}\\', months=months, evidence=evidence,
            procurement={"contracts_by_deadline": Fraction(rng.randint(0, 4), 4), "plan_on_time": i % 2 == 0},
            deductions=[Deduction("late_update", FY2566[k], note=f"รอบ {k}") for k in range(i % 3)],
        ))
    return out


@pytest.mark.parametrize("rule_set", ["doh-kpi23-2566", "province-pts-template"])
@pytest.mark.parametrize("lang", ["th", "en"])
def test_the_encoded_text_parses_to_the_plain_dicts(rule_set: str, lang: str) -> None:
    rules = load_ruleset(rule_set)
    results = score_units(rules, units(60, seed=len(rule_set)))
    explainer = Explainer(rules)
    plain = json.loads(json.dumps([result_json(rules, explainer, r, lang) for r in results]))  # tuples as lists
    text = encode_results(rules, results, lang)
    assert json.loads("[" + text + "]") == plain
    assert text.count("\n") == len(results) - 1  # one object a line
    codes = {ln["code"] for obj in plain for lines in obj["explanations"].values() for ln in lines}
    assert {"month", "threshold", "steps"} <= codes or {"threshold", "banded"} <= codes


def test_money_is_named_in_satang_beside_a_decimal_string_and_never_an_unsafe_integer() -> None:
    encode = LineEncoder(Explainer(load_ruleset("doh-kpi23-2566")), "th")
    big = 2**53 + 1  # JavaScript reads it as 2^53
    facts = {"series": "overall", "month": "2022-10", "measure": "disbursed", "measured": 44_995_000,
             "base": big, "percent": "0.00", "target": "45", "hit": False, "short": 5, "curve": ""}
    got = json.loads(encode(Line("month", facts)))
    assert (got["measured"], got["measured_baht"]) == (44_995_000, "449950.00")
    assert (got["base"], got["base_baht"]) == (str(big), "90071992547409.93")
    assert got["short_baht"] == "0.05"


@pytest.mark.parametrize("rule_set", ["doh-kpi23-2566", "province-pts-template"])
def test_points_without_explanations_equal_those_with(rule_set: str) -> None:
    """The league's points-only path (memoised deductions and reweighting) against the explained one."""
    rules = load_ruleset(rule_set)
    # and a unit with little to lose and many deductions: the floor at the points earned applies
    poor = {m: {"operating": Figures(1_000_00, 0)} for m in FY2566}
    data = [*units(80, seed=7), UnitData(code="FLOOR", months=poor,
                                         deductions=[Deduction("late_update", m) for m in FY2566])]
    explained = score_units(rules, data)
    rules.cache.clear()
    bare = score_units(rules, data, explain=False)
    assert [(r.unit, r.round, r.total, {k: i.score for k, i in r.items.items()}) for r in bare] == [
        (r.unit, r.round, r.total, {k: i.score for k, i in r.items.items()}) for r in explained]
    if any(c.id == "deductions" for c in rules.criteria):
        assert any(r.items["deductions"].score < 0 for r in bare)
        floored = [r for r in explained if r.unit == "FLOOR" and r.items["deductions"].lines[-1].code == "deduction_floor"]
        assert floored and all(r.total == 0 for r in floored)
