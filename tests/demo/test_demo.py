"""The demo is built through the real actions, is idempotent, and its figures are right."""

from __future__ import annotations

import re
from collections import defaultdict
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from pts.audit.models import AuditEvent
from pts.budget.models import FiscalYear, Movement
from pts.budget.queries import figures_by_unit_category
from pts.core.fiscal import Month, fiscal_year_of
from pts.demo.loader import BUREAU_SCHEME, DEMO_TODAY, PROVINCE_SCHEME, SETUP_DAY
from pts.organisations.models import Org
from pts.procurement.models import Project
from pts.reporting.models import Evidence, MonthlyReport, ReportState
from pts.schemes.models import Scheme
from pts.scoring import queries as scoring

ROOT = Path(__file__).resolve().parents[2]
BE_YEAR = re.compile(r"25(65|66)")  # the BE years of FY2566's documents
CE_YEAR = re.compile(r"20(22|23)")

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
    for month in (Month(2022, 12), Month(2023, 3), Month(2023, 7), Month(2023, 9)):
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


def test_the_demo_tells_the_story_of_fy2566_on_its_own_dates():
    earlier = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0  # other tests' personas
    call_command("load_demo", stdout=StringIO())
    province = Scheme.objects.get(code=PROVINCE_SCHEME)
    bureau = Scheme.objects.get(code=BUREAU_SCHEME)

    # "Today" for the demo is inside FY2566, and nothing the loader wrote happened after it.
    assert fiscal_year_of(DEMO_TODAY) == 2566
    assert not Movement.objects.filter(effective_date__gt=DEMO_TODAY).exists()

    # Every audit row is dated on the demo's own days (set-up first), never at the time of loading.
    days = {timezone.localdate(at) for at in AuditEvent.objects.filter(pk__gt=earlier).values_list("at", flat=True)}
    assert min(days) == SETUP_DAY
    assert max(days) <= DEMO_TODAY
    assert len(days) > 100, "the trail spreads over the year, not one load day"
    # (the province's money is recorded directly; the bureau's partly by accepting a report a day later)
    province_money = Movement.objects.filter(unit__in=province.units.all(),
                                             kind__in=["allocation", "disbursement", "commitment"])
    checked = 0
    for movement in province_money.order_by("?")[:200]:
        event = AuditEvent.objects.get(object_type="budget.movement", object_id=str(movement.pk))
        assert timezone.localdate(event.at) == movement.effective_date, movement
        checked += 1
    assert checked == 200

    # Governance documents show as posted on their own days.
    posted = list(Evidence.objects.values_list("uploaded_at", "event_date"))
    assert posted
    assert all(timezone.localdate(at) == day for at, day in posted)

    # Document numbers are Thai official style with BE years, never CE ones (a movement made by
    # accepting a report refers to that report instead).
    refs = list(Movement.objects.filter(source_report__isnull=True).exclude(document_ref="")
                .values_list("document_ref", flat=True))
    assert refs
    for ref in refs:
        assert BE_YEAR.search(ref) and not CE_YEAR.search(ref), ref
    for number in Project.objects.exclude(contract_number="").values_list("contract_number", flat=True):
        assert number.endswith("/2566"), number

    # The bureau's governance evidence makes criterion 1-3 work: points on the card, in both rounds.
    results = scoring.score_scheme(scheme=bureau, as_of=DEMO_TODAY, explain=None)
    for round_no in (1, 2):
        governance = [r.items["1-3"] for r in results if r.round == round_no]
        assert any(item.score > 0 for item in governance), round_no
        assert any(item.score == 0 for item in governance), "a group without evidence shows why it has none"

    # As of the demo's today at least one province unit reaches an award tier of its rule set.
    rules = scoring.rules_for(province)
    awarded = [r for r in scoring.score_scheme(scheme=province, as_of=DEMO_TODAY, explain=()) if r.award]
    assert awarded, "no unit reaches an award tier"
    tiers = {a.id: a.min_total for a in rules.awards}
    for r in awarded:
        assert r.total >= tiers[r.award]


def test_make_run_serves_the_demo_on_its_own_today():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^DEMO_TODAY \?= (\S+)$", makefile, re.MULTILINE)
    assert match and match.group(1) == DEMO_TODAY.isoformat()
    assert "PTS_TODAY=$(DEMO_TODAY)" in makefile
