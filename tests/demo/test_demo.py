"""The demo is built through the real actions, is idempotent, and its figures are right."""

from __future__ import annotations

from collections import defaultdict
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from pts.budget.models import FiscalYear, Movement
from pts.budget.queries import figures_by_unit_category
from pts.core.fiscal import Month
from pts.demo.loader import BUREAU_SCHEME, PROVINCE_SCHEME
from pts.organisations.models import Org
from pts.reporting.models import MonthlyReport, ReportState
from pts.schemes.models import Scheme

pytestmark = pytest.mark.django_db


def _row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


def _recompute(as_of) -> dict[tuple[int, str], dict[str, int]]:
    """Figures from the raw movement rows, written plainly and independently of the query layer."""
    sums: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in Movement.objects.filter(effective_date__lte=as_of).values(
        "unit_id", "category", "kind", "amount", "settles_commitment"
    ):
        s = sums[(row["unit_id"], row["category"])]
        s[row["kind"]] += row["amount"]
        if row["kind"] == "disbursement" and row["settles_commitment"]:
            s["settling"] += row["amount"]
    out = {}
    for key, s in sums.items():
        current = (
            s["allocation"] + s["carry_over_in"] + s["transfer_in"] - s["transfer_out"]
            - s["pullback_out"] + s["pullback_in"]
        )
        outstanding = s["commitment"] - s["settling"] - s["carry_over_out"]
        reserved = s["reservation"] - s["reservation_release"]
        out[key] = {
            "current_allocation": current,
            "disbursed": s["disbursement"],
            "committed_total": s["commitment"],
            "committed_outstanding": outstanding,
            "reserved": reserved,
            # Carried-over money has left the year: neither outstanding nor free to spend.
            "remaining": current - s["disbursement"] - outstanding - reserved - s["carry_over_out"],
        }
    return out


def test_the_demo_loads_once_and_its_figures_match_a_recomputation_from_the_movements():
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "treasury" in out.getvalue() and "pts-demo-2566" in out.getvalue()
    assert set(Scheme.objects.values_list("code", flat=True)) >= {PROVINCE_SCHEME, BUREAU_SCHEME}

    province = Scheme.objects.get(code=PROVINCE_SCHEME)
    bureau = Scheme.objects.get(code=BUREAU_SCHEME)
    assert 24 <= province.units.count() <= 30
    assert bureau.units.count() == 10

    # A second run changes nothing at all.
    before = _row_counts()
    call_command("load_demo", stdout=StringIO())
    assert _row_counts() == before

    fy = FiscalYear.objects.get(be_year=2566)
    for month in (Month(2022, 12), Month(2023, 3), Month(2023, 7)):
        derived = figures_by_unit_category(fiscal_year=fy, as_of=month.last_day)
        expected = _recompute(month.last_day)
        assert set(derived) == set(expected)
        for key, figures in derived.items():
            for name, value in expected[key].items():
                assert getattr(figures, name) == value, (key, name, month)

    # The money is plausible: every unit has spent something by July, none above its allocation,
    # some units have no capital budget, and the pull-back moved money to the centre.
    july = figures_by_unit_category(fiscal_year=fy, as_of=Month(2023, 7).last_day)
    for (unit_id, _category), figures in july.items():
        assert 0 <= figures.disbursed <= figures.current_allocation, unit_id
    with_capital = {u for (u, c), f in july.items() if c == "capital" and f.current_allocation > 0}
    province_units = set(province.units.values_list("pk", flat=True))
    assert province_units - with_capital, "some units have no capital budget"
    assert Movement.objects.filter(kind="pullback_in", unit=province.coordinator_org).exists()
    assert Movement.objects.filter(kind="transfer_in").exclude(unit=province.coordinator_org).exists()

    # The bureau's reports: accepted ones agree with the ledger; some were late.
    reports = MonthlyReport.objects.filter(period__scheme=bureau)
    assert reports.filter(is_late=True).exists()
    assert reports.filter(state=ReportState.ACCEPTED).count() > 50
    for report in reports.filter(state=ReportState.ACCEPTED).select_related("period")[:40]:
        figures = figures_by_unit_category(
            fiscal_year=fy, as_of=report.period.as_of, units=Org.objects.filter(pk=report.unit_id)
        )
        for line in report.lines.all():
            assert figures[(report.unit_id, line.category)].disbursed == line.disbursed
            assert figures[(report.unit_id, line.category)].committed_total == line.committed
