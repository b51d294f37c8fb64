"""The demo projects, built on stated dates (the demo's today is 31 Jul 2023): statuses, the late
list and the deadline flags are what each project's stated profile says."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction

from pts.organisations.models import OrgKind, Role
from pts.procurement import queries
from pts.procurement.demo import DEMO_PROJECTS, expected_status, load_procurement_demo, spec_of
from pts.procurement.models import Project, RoundUpdate
from pts.schemes.actions import scheme_create
from tests.factories import make_fiscal_year, make_org, make_user

TODAY = date(2023, 7, 31)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo province's 27 disbursing units in a scheme (rounds due the 5th of the next month), with
    the demo projects, built once for the module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        fy = make_fiscal_year(2566)
        province = make_org(kind=OrgKind.PROVINCE, code="TT-DEMO")
        treasury = make_user(username="demo-treasury", role=Role.COORDINATOR, org=province)
        units = []
        for i in range(25):
            agency = make_org(kind=OrgKind.AGENCY, parent=province, code=f"TTD-{i:02d}")
            units.append(make_org(kind=OrgKind.DISBURSING_UNIT, parent=agency, code=f"90{i:02d}000000"))
        units += [make_org(kind=OrgKind.DISBURSING_UNIT, parent=units[1].parent, code="9001010000"),
                  make_org(kind=OrgKind.DISBURSING_UNIT, parent=units[4].parent, code="9004010000")]
        scheme_create(actor=treasury, code="demo-province-test", name="PTS", kind="province", fiscal_year=fy,
                      coordinator_org=province, units=units, as_of_day=None, deadline_day=5, deadline_month_offset=1)
        projects = load_procurement_demo(actor=treasury, fiscal_year=2566, units=units, today=TODAY)
        states = queries.evaluate(Project.objects.filter(pk__in=[p.pk for p in projects]), today=TODAY)
        facts = queries.procurement_facts(fiscal_year=2566, units=units, today=TODAY)
        yield {"projects": projects, "units": units, "states": {s.project.name: s for s in states}, "facts": facts,
               "treasury": treasury}
        transaction.set_rollback(True)


@pytest.fixture
def d(demo, db):
    return demo


def test_the_demo_has_about_forty_projects_over_most_units_methods_and_value_bands(d):
    projects = d["projects"]
    assert 35 <= len(projects) <= 45 and len({p.unit_id for p in projects}) == 27
    assert {p.method for p in projects} == {"e-bidding", "e-market", "specific", "selection"}
    values = [p.allocated // 100 for p in projects]
    assert min(values) <= 500_000 < max(values)
    assert any(500_000 < v <= 2_000_000 for v in values) and any(v > 2_000_000 for v in values)
    assert any(v > 50_000_000 for v in values) and any(p.multi_year for p in projects)


def test_every_demo_project_has_the_status_its_profile_states(d):
    wrong = {name: (s.status, expected_status(s.project)) for name, s in d["states"].items()
             if s.status != expected_status(s.project)}
    assert wrong == {}
    assert {spec.expect for spec in DEMO_PROJECTS} == {"completed", "on_track", "late", "at_risk"}


def test_the_demo_late_list_holds_exactly_the_late_and_at_risk_projects_riskiest_first(d):
    ranked = queries.late_list(list(d["states"].values()))
    assert {s.project.name for s in ranked} == {s.name for s in DEMO_PROJECTS if s.expect in ("late", "at_risk")}
    flagged = [s.flagged for s in ranked]
    assert flagged == sorted(flagged, reverse=True)  # flagged ones first
    for group in (True, False):
        keys = [(-s.slippage, -s.project.allocated) for s in ranked if s.flagged == group]
        assert keys == sorted(keys)
    # The most slipped flagged project leads: the canal dredging, stuck before its invitation since November.
    assert [s.project.name for s in ranked[:2]] == ["ขุดลอกคลองส่งน้ำ", "จัดซื้อรถบรรทุกน้ำดับเพลิง"]


def test_the_demo_deadline_flags_follow_the_cabinet_and_year_end_rules(d):
    states = d["states"]

    def flags(name: str) -> dict[str, str]:
        return {c.rule.id: c.status for c in states[name].checks}

    # Signed within Q1: met. Stuck before the contract: Q1 missed, year end still on track by forecast.
    assert flags("ก่อสร้างโรงจอดรถ") == {"single-year-q1": "met", "year-end-commit": "met"}
    assert flags("ขุดลอกคลองส่งน้ำ") == {"single-year-q1": "missed", "year-end-commit": "on_track"}
    # Multi-year contracts answer to the Q2 rule.
    assert flags("ก่อสร้างอาคารสำนักงานแห่งใหม่ (ผูกพัน 2 ปี)")["multi-year-q2"] == "met"
    # Planned too late for the year: flagged now, two months before the year end (Saturday 30 Sep: due Friday 29 Sep).
    for name in ("จ้างเหมาบริการทำความสะอาด ปี 2567", "จ้างที่ปรึกษาออกแบบอาคารสำนักงาน", "ปรับปรุงระบบสารสนเทศจังหวัด"):
        check = next(c for c in states[name].checks if c.rule.id == "year-end-commit")
        assert check.status == "forecast_to_miss" and check.due == date(2023, 9, 29) and check.forecast > check.due
        assert check.nominal_due == date(2023, 9, 30)
    # Operating money only meets the province's year-end rule.
    assert set(flags("จ้างเหมารักษาความปลอดภัย ปี 2567")) == {"year-end-commit"}


def test_what_a_late_project_promised_in_march_is_still_readable_in_july(d):
    project = next(p for p in d["projects"] if p.name == "จัดซื้อรถบรรทุกน้ำดับเพลิง")
    updates = {u.month: u for u in RoundUpdate.objects.filter(project=project)}
    march, july = updates[date(2023, 3, 1)], updates[date(2023, 7, 1)]
    assert march.forecast_contract < july.forecast_contract
    assert march.snapshot["contract_signed"] == july.snapshot["contract_signed"]  # the plan stood; the forecast moved
    assert date(2023, 4, 1) not in updates and date(2023, 5, 1) not in updates  # rounds it skipped
    assert "อุทธรณ์" in july.obstacles


def test_the_demo_unit_figures_show_skipped_and_late_rounds_and_late_plans(d):
    units, facts = d["units"], d["facts"]
    skipper = units[spec_of("จัดซื้อรถบรรทุกน้ำดับเพลิง").unit]
    assert {str(m) for m in facts[skipper.pk].missed_rounds} >= {"2023-04", "2023-05"}
    late_filer = units[spec_of("ปรับปรุงอาคารฝึกอบรม").unit]
    assert {str(m) for m in facts[late_filer.pk].missed_rounds} == {"2022-11", "2022-12"}
    late_plan = units[spec_of("จ้างเหมารักษาความปลอดภัย ปี 2567").unit]
    assert facts[late_plan.pk].plan_on_time is False
    on_time = units[spec_of("ก่อสร้างโรงจอดรถ").unit]
    assert facts[on_time.pk].updates_on_time.fraction is not None
    total = sum((f.contracts_by_deadline for f in facts.values()), queries.Count())
    assert 0 < total.achieved < total.total


def test_loading_the_demo_twice_makes_nothing_new(d):
    before = Project.objects.count()
    again = load_procurement_demo(actor=d["treasury"], fiscal_year=2566, units=d["units"], today=TODAY)
    assert Project.objects.count() == before and len(again) == len(d["projects"])
