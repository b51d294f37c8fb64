"""The scoring engine: pure Python, no Django. Rule set + per-unit data in, scores and reasons out.

    rules = load_ruleset("doh-kpi23-2566")            # or a path to a .toml file
    results = score_units(rules, [UnitData(code="U01", months={Month(2022, 10): {"operating": Figures(...)}})])
    results[0].items["4.1"].score                     # Fraction
    Explainer(rules).th(results[0].items["4.1"].lines[0])
"""

from pts.scoring.engine.explain import Explainer, Line, exact, rounded
from pts.scoring.engine.inputs import CATEGORIES, Deduction, Evidence, Figures, Share, UnitData
from pts.scoring.engine.loader import load_ruleset, parse_ruleset, shipped_rulesets
from pts.scoring.engine.results import ItemResult, RoundResult
from pts.scoring.engine.rules import RuleSet
from pts.scoring.engine.score import score_unit, score_units
from pts.scoring.engine.tomlread import RuleSetError

__all__ = [
    "CATEGORIES",
    "Deduction",
    "Evidence",
    "Explainer",
    "Figures",
    "ItemResult",
    "Line",
    "RoundResult",
    "RuleSet",
    "RuleSetError",
    "Share",
    "UnitData",
    "exact",
    "load_ruleset",
    "parse_ruleset",
    "rounded",
    "score_unit",
    "score_units",
    "shipped_rulesets",
]
