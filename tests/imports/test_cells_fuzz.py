"""Fuzzing the cell readers and the rows of the layouts: any cell either reads or is a listed error.

Every reader of `pts.imports.cells` and the `row()` of the units, snapshot and gfmis layouts are
given arbitrary cells (text, Thai digits, ints, floats with inf / nan / 1e300, dates, None, huge
strings). They must return a value or raise CellError / RowError, never anything else: a bad file
becomes errors in the preview, not a 500. No database: the layouts' lookups are set up in memory.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pts.budget.models import FiscalYear
from pts.imports import cells
from pts.imports.cells import CellError
from pts.imports.layouts import gfmis, snapshot, units
from pts.imports.layouts.base import Context, RowError, Units
from pts.organisations.models import Org
from pts.organisations.permissions import SYSTEM

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

AMOUNTISH = st.text(alphabet="0123456789๐๑๒๓๔๕๖๗๘๙,.-+()eE ฿บาท\u00a0\u200b", max_size=30)
DATEISH = st.text(alphabet="0123456789๐๑๒๓/-. :Tพ.ย.ต.ค.มกราคม", max_size=25)
CELL = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([1e300, -1e300, 1e20, 1e15, 0.005, -0.0]),
    st.dates(), st.datetimes(), st.text(), AMOUNTISH, DATEISH,
    st.text(alphabet="0123456789,.ก", min_size=2_000, max_size=5_000), st.sampled_from(["(1,234.50)", "1,234.50-", "๑,๒๓๔.๕๐", "15/11/2566",
                                                              "2023-11-15", "6611320", "ต.ค. 65", "capital", ""]),
)
READERS = {
    "text": cells.text, "shown": cells.shown, "amount": cells.amount,
    "amount_positive": lambda c: cells.amount(c, allow_negative=False), "day": cells.day, "code": cells.code,
    "fund_category": cells.fund_category, "category": cells.category,
}


@pytest.mark.parametrize("name", sorted(READERS))
@FUZZ
@given(cell=CELL)
def test_every_reader_returns_a_value_or_a_cell_error(name, cell):
    try:
        value = READERS[name](cell)
    except CellError as exc:
        assert str(exc.message)
        return
    if name.startswith("amount"):
        assert isinstance(value, int) and abs(value) < 10**20
    elif name == "day":
        assert isinstance(value, date) and not isinstance(value, datetime)
    else:
        assert isinstance(value, str)


def _context(layout, columns):
    unit = Org(pk=7, code="AG-A", name_th="หน่วยงานเอ", kind="agency", path="/00000001/00000007/", depth=1)
    ctx = Context(actor=SYSTEM, fiscal_year=FiscalYear(be_year=2566), batch=None,  # type: ignore[arg-type]
                  units=Units(writable={"AG-A": unit, "9001000210": unit}, others={"AG-B"}))
    ctx.columns = {key: i for i, key in enumerate(columns)}
    ctx.header = list(columns)
    if layout is snapshot.LAYOUT:
        layout.prepare(ctx, held={}, stamps={})
    elif layout is units.LAYOUT:
        layout.begin(ctx)
    return ctx


LAYOUTS = {
    "gfmis": (gfmis.LAYOUT, [f.key for f in gfmis.LAYOUT.fields]),
    "snapshot": (snapshot.LAYOUT, [f.key for f in snapshot.LAYOUT.fields]),
    "snapshot-by-category": (snapshot.LAYOUT, ["unit", "month", "category", "allocated", "disbursed", "committed"]),
    "units": (units.LAYOUT, [f.key for f in units.LAYOUT.fields]),
}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
@FUZZ
@given(rows=st.lists(st.lists(CELL, max_size=10), min_size=1, max_size=4))
def test_every_row_gives_lines_or_a_row_error(name, rows):
    layout, columns = LAYOUTS[name]
    ctx = _context(layout, columns)
    for line, row in enumerate(rows, start=2):
        try:
            out = list(layout.row(ctx, row, line))
        except RowError as exc:
            assert exc.problems and all(len(p) == 3 and str(p[2]) for p in exc.problems)
            continue
        for item in out:
            assert isinstance(item.amount, int) and item.amount != 0
            assert ctx.fiscal_year.contains(item.effective_date)


@FUZZ
@given(rows=st.lists(st.tuples(st.sampled_from(["2022-10", "ต.ค. 65", "2022-11", "2023-09", date(2023, 1, 1)]),
                               st.sampled_from(["operating", "capital"]), st.integers(0, 10**9), st.integers(0, 10**9)),
                     max_size=30))
def test_snapshot_lines_add_up_to_the_latest_months_figures(rows):
    """Whatever the order, the lines of each category sum to the figures of its latest month in the file."""
    ctx = _context(snapshot.LAYOUT, ["unit", "month", "category", "allocated", "disbursed"])
    latest: dict[str, tuple[int, int, int]] = {}
    for line, (month, category, allocated, disbursed) in enumerate(rows, start=2):
        try:
            list(snapshot.LAYOUT.row(ctx, ["AG-A", month, category, str(allocated), str(disbursed)], line))
        except RowError as exc:
            assert "already on row" in str(exc.problems[0][2].en)
            continue
        index = snapshot.LAYOUT._month(ctx, month)
        if category not in latest or index > latest[category][0]:
            latest[category] = (index, allocated * 100, disbursed * 100)
    sums: dict[str, list[int]] = {c: [0, 0] for c in latest}
    for item in snapshot.LAYOUT.end(ctx):
        assert item.amount != 0 and item.unit_id == 7
        sums[item.category][0 if item.kind == "allocation" else 1] += item.amount
    assert sums == {c: [a, d] for c, (_i, a, d) in latest.items()}
