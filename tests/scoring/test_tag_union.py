"""A series of several tags counts an activity carrying two of them once (needs the engine's union key)."""

from fractions import Fraction

from pts.core.fiscal import Month
from pts.scoring.engine import Figures, UnitData, load_ruleset
from pts.scoring.engine.view import UnitView

DEC = Month(2022, 12)


def test_an_activity_tagged_training_and_meeting_counts_once_in_the_training_series():
    rules = load_ruleset("doh-kpi23-2566")
    # activity T (training): 100 allocated, 0 paid; seminar S (training + meeting): 100 allocated, 100 paid
    tags = {"training": {DEC: Figures(200, 100)}, "meeting": {DEC: Figures(100, 100)},
            "training+meeting": {DEC: Figures(200, 100)}}
    view = UnitView(rules, UnitData(code="U", months={}, tags=tags))
    measured, base = view.measured("training", DEC.fiscal_index - 1, "disbursed", "current")
    assert Fraction(measured, base) == Fraction(1, 2)  # not 200/300
