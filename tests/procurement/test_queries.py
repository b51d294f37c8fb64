"""Status, forecast, deadline flags, the late list and the per-unit figures, on stated dates."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from pts.organisations.models import OrgKind
from pts.procurement import actions, queries
from pts.procurement.models import Milestone, Project
from pts.schemes.actions import scheme_create, scheme_set_deadline_sets
from tests.factories import make_fiscal_year, make_org
from tests.lang import in_both
from tests.procurement.factories import BAHT, at, make_project

pytestmark = pytest.mark.django_db


def calendar():
    return queries.work_calendar()


def planned(project: Project) -> dict[str, date | None]:
    return {m.code: m.planned for m in Milestone.objects.filter(project=project)}


def state(project: Project, today: date) -> queries.ProjectState:
    return queries.evaluate(Project.objects.filter(pk=project.pk), today=today)[0]


def record_on_plan(world, project: Project, *codes: str, late: int = 0) -> None:
    """Record the given milestones as done on their planned dates (the last one `late` working days late)."""
    plan = planned(project)
    for code in codes:
        day = plan[code] if code != codes[-1] else calendar().add_working_days(plan[code], late)
        actions.milestones_update(actor=world.alice, project=project, now=at(day, 17), actual={code: day})


@pytest.fixture
def both_sets(world):
    """Unit A's province evaluated by a scheme that chose both shipped deadline sets (DOH's value
    bands and the cabinet's quarters), whatever their years and owners."""
    scheme = scheme_create(actor=world.carol, code="pts-both", name="PTS", kind="province",
                           fiscal_year=make_fiscal_year(2566), coordinator_org=world.province,
                           units=[world.unit_a, world.unit_b], as_of_day=15, deadline_day=20)
    scheme_set_deadline_sets(actor=world.carol, scheme=scheme, deadline_sets=["cabinet-2569", "doh-2566"])
    return world


def test_a_project_on_plan_meets_its_commit_deadlines_but_is_at_risk_of_the_payment_one(both_sets):
    world = both_sets
    project = make_project(unit=world.unit_a, actor=world.alice, start=date(2022, 10, 3))
    contract = planned(project)["contract_signed"]
    assert contract <= date(2022, 12, 31)  # a 1.5 M plan started on 3 Oct signs within Q1
    record_on_plan(world, project, "annual_plan", "tor_committee")
    s = state(project, date(2022, 10, 20))
    assert (s.slippage, s.forecast_contract) == (0, contract)
    checks = {c.rule.id: c.status for c in s.checks}
    assert checks == {"0.5m-2m-commit": "on_track", "single-year-q1": "on_track",
                      "0.5m-2m-pay": "forecast_to_miss"}  # DOH wants it paid by 31 Dec; a 60-day delivery cannot
    assert s.status == "at_risk"


def test_a_project_is_flagged_as_soon_as_its_forecast_slips_past_the_deadline_weeks_before_it(both_sets):
    world = both_sets
    project = make_project(unit=world.unit_a, actor=world.alice, start=date(2022, 10, 3))
    plan = planned(project)
    record_on_plan(world, project, "annual_plan", "tor_committee", "tor_price", late=20)
    done = calendar().add_working_days(plan["tor_price"], 20)
    s = state(project, done)
    assert s.slippage == 20 and s.status == "late"
    assert s.forecast_contract == calendar().add_working_days(plan["contract_signed"], 20) > date(2022, 12, 31)
    flags = {c.rule.id: c.status for c in s.flags}
    assert flags["0.5m-2m-commit"] == "forecast_to_miss" and flags["single-year-q1"] == "forecast_to_miss"
    assert done < date(2022, 12, 31)  # flagged while the deadline is still ahead
    messages = [in_both(lambda c=c: c.message) for c in s.flags]  # Thai, or English on an English page
    assert any("คาดว่าจะไม่ทันกำหนด" in m and "forecast to miss" in m for m in messages)


def test_a_not_done_step_past_its_planned_date_is_late_and_pushes_the_forecast(world):
    project = make_project(unit=world.unit_a, actor=world.alice, start=date(2022, 10, 3))
    s = state(project, date(2022, 10, 17))  # nothing recorded: the annual plan (3 Oct) is overdue
    first = s.lines[0]
    assert first.status == "late" and first.slippage == calendar().working_days_between(date(2022, 10, 3), date(2022, 10, 17))
    assert s.status == "late" and s.forecast_contract > planned(project)["contract_signed"]


def test_judged_as_of_an_earlier_day_a_later_actual_date_is_not_known_yet(both_sets):
    world = both_sets
    project = make_project(unit=world.unit_a, actor=world.alice, start=date(2022, 10, 3))
    record_on_plan(world, project, "annual_plan", "tor_committee", "tor_price", "purchase_report",
                   "invitation_approved", "invitation_published", "bid_day", "evaluation", "winner_announced",
                   "appeal_window", "contract_signed")
    contract = planned(project)["contract_signed"]
    assert state(project, contract).lines[11].actual == contract
    before = state(project, date(2022, 11, 1))
    assert before.lines[11].actual is None and before.slippage == 0
    commit = {c.rule.id: c.status for c in state(project, date(2023, 1, 5)).checks if c.rule.kind == "commit"}
    assert set(commit.values()) == {"met"}


def test_payment_done_makes_a_project_completed_and_keeps_it_off_the_late_list(world):
    project = make_project(unit=world.unit_a, actor=world.alice, method="specific", allocated=300_000 * BAHT,
                           start=date(2022, 10, 3))
    plan = planned(project)
    codes = [c for c, d in sorted(plan.items(), key=lambda kv: kv[1]) if c not in ("closed",)]
    record_on_plan(world, project, *codes)
    s = state(project, date(2023, 1, 31))
    assert s.status == "completed" and not s.needs_attention
    assert queries.late_list([s]) == []


def progress_to(actor, project: Project, day: date, *, late_from: str | None = None, late: int = 0) -> None:
    """Record every step planned up to `day` as done, `late` working days late from `late_from` on."""
    shift, done = 0, {}
    for code, planned_day in sorted(((c, d) for c, d in planned(project).items() if d), key=lambda kv: kv[1]):
        shift = late if code == late_from or shift else 0
        actual = calendar().add_working_days(planned_day, shift)
        if actual > day:
            break
        done[code] = actual
    actions.milestones_update(actor=actor, project=project, now=at(day), actual=done)


def test_the_late_list_puts_a_flagged_deadline_first_then_slippage_then_value(both_sets):
    world = both_sets
    day = date(2022, 11, 25)
    # Capital, 1.5 M, a little late: flagged (its forecast passes 31 Dec).
    flagged = make_project(unit=world.unit_a, actor=world.alice, name="flagged", start=date(2022, 10, 17))
    # Operating money has no deadline in the shipped schemes: late, never flagged.
    small_slow = make_project(unit=world.unit_a, actor=world.alice, name="small-slow", category="operating",
                              allocated=800_000 * BAHT, start=date(2022, 10, 3))
    big_slow = make_project(unit=world.unit_b, actor=world.bob, name="big-slow", category="operating",
                            allocated=3_000_000 * BAHT, start=date(2022, 10, 3))
    less_slow = make_project(unit=world.unit_b, actor=world.bob, name="less-slow", category="operating",
                             allocated=9_000_000 * BAHT, start=date(2022, 10, 3))
    fine = make_project(unit=world.unit_a, actor=world.alice, name="fine", category="operating", start=date(2022, 10, 3))
    progress_to(world.alice, flagged, day, late_from="tor_committee", late=3)
    progress_to(world.alice, small_slow, day, late_from="tor_price", late=10)
    progress_to(world.bob, big_slow, day, late_from="tor_price", late=10)
    progress_to(world.bob, less_slow, day, late_from="tor_price", late=4)
    progress_to(world.alice, fine, day)
    states = queries.evaluate(Project.objects.all(), today=day)
    by_name = {s.project.name: s for s in states}
    assert [by_name[n].slippage for n in ("flagged", "big-slow", "small-slow", "less-slow", "fine")] == [3, 10, 10, 4, 0]
    ranked = [s.project.name for s in queries.late_list(states)]
    assert ranked == ["flagged", "big-slow", "small-slow", "less-slow"]
    assert by_name["flagged"].flagged and not by_name["big-slow"].flagged
    assert by_name["fine"].status == "on_track"


def test_a_deadline_due_today_is_still_ahead_and_missed_the_day_after(both_sets):
    world = both_sets
    project = make_project(unit=world.unit_a, actor=world.alice, start=date(2022, 11, 21))
    # DOH's 31 Dec 2022 is a Saturday after the cabinet's special holiday of Friday 30 Dec: due Thursday 29 Dec
    due = date(2022, 12, 29)
    on_due = {c.rule.id: c for c in state(project, due).checks}
    after = {c.rule.id: c.status for c in state(project, date(2022, 12, 30)).checks}
    assert on_due["0.5m-2m-commit"].status == "forecast_to_miss" and after["0.5m-2m-commit"] == "missed"
    assert on_due["0.5m-2m-commit"].due == due and on_due["0.5m-2m-commit"].nominal_due == date(2022, 12, 31)


# -- per-unit figures --------------------------------------------------------------------------

@pytest.fixture
def scheme_world(world):
    """Unit A and a disbursing unit under it evaluated by a scheme whose rounds are due on the 5th of the
    next month, judged by the cabinet's rules only; plans due by 31 Oct."""
    fy = make_fiscal_year(2566)
    scheme = scheme_create(actor=world.carol, code="pts-facts", name="PTS", kind="province", fiscal_year=fy,
                           coordinator_org=world.province, units=[world.unit_a, world.unit_b], as_of_day=None,
                           deadline_day=5, deadline_month_offset=1)
    actions.procurement_settings_set(actor=world.carol, scheme=scheme, deadline_schemes=["cabinet-2569"],
                                     plan_deadline=date(2022, 10, 31))
    return world


def test_unit_figures_count_contracts_milestones_and_rounds_exactly(scheme_world):
    w = scheme_world
    today = date(2023, 2, 10)
    met = make_project(unit=w.unit_a, actor=w.alice, name="met", start=date(2022, 10, 3))
    missed = make_project(unit=w.unit_a, actor=w.alice, name="missed", start=date(2022, 11, 21))
    multi = make_project(unit=w.unit_a, actor=w.alice, name="multi", multi_year=True, start=date(2022, 12, 1))
    operating = make_project(unit=w.unit_a, actor=w.alice, name="operating", category="operating",
                             start=date(2022, 12, 1))
    plan = planned(met)
    steps = [c for c, d in sorted(plan.items(), key=lambda kv: (kv[1] is None, kv[1])) if d and d <= date(2022, 12, 31)]
    record_on_plan(w, met, *steps)
    record_on_plan(w, missed, "annual_plan", "tor_committee", late=2)
    for month, day in ((10, date(2022, 11, 3)), (11, date(2022, 12, 2)), (12, date(2023, 1, 9))):  # December late
        for project in (met, missed, multi, operating):
            actions.round_update(actor=w.alice, project=project, now=at(day), round_month=date(2022 + (month < 10), month, 1))
    facts = queries.procurement_facts(fiscal_year=2566, units=[w.unit_a, w.unit_b], today=today)[w.unit_a.pk]
    # e-bidding with a decided commit deadline: "met" (signed in Q1) and "missed" (Q1 passed); the
    # multi-year one is due by 31 Mar (undecided); the operating one has no commit deadline.
    assert facts.contracts_by_deadline == queries.Count(1, 2)
    assert facts.as_facts()["contracts_by_deadline"] == Fraction(1, 2)
    # Rounds due by 10 Feb: Oct..Dec (Jan is due 5 Feb too). Entered 3 Oct, every project owes Nov on;
    # October is owed by none (entered in October), November met, December late, January missing.
    assert facts.updates_on_time == queries.Count(1, 3)
    assert [str(m) for m in facts.missed_rounds] == ["2022-12", "2023-01"]
    s_met, s_missed = state(met, today), state(missed, today)
    counted = [i for s in queries.evaluate(Project.objects.filter(unit=w.unit_a), today=today)
               for i in s.progress.items if i.planned and i.status in ("met", "late")]
    assert facts.milestones_on_time.total == len(counted)
    assert facts.milestones_on_time.achieved == sum(i.status == "met" for i in counted)
    assert s_met.status == "on_track" and s_missed.status == "late"
    assert facts.plan_on_time is True and facts.projects == 4


def test_a_unit_without_projects_has_no_facts_to_score(scheme_world):
    facts = queries.procurement_facts(fiscal_year=2566, units=[scheme_world.unit_b], today=date(2023, 2, 10))
    assert facts[scheme_world.unit_b.pk].as_facts() == {}
    assert facts[scheme_world.unit_b.pk].plan_on_time is None


def test_a_plan_entered_after_the_plan_deadline_is_not_on_time(scheme_world):
    w = scheme_world
    make_project(unit=w.unit_a, actor=w.alice, name="on time", now=at(date(2022, 10, 31)))
    facts = queries.procurement_facts(fiscal_year=2566, units=[w.unit_a], today=date(2022, 12, 1))
    assert facts[w.unit_a.pk].plan_on_time is True
    make_project(unit=w.unit_a, actor=w.alice, name="late entry", now=at(date(2022, 11, 1)))
    facts = queries.procurement_facts(fiscal_year=2566, units=[w.unit_a], today=date(2022, 12, 1))
    assert facts[w.unit_a.pk].as_facts()["plan_on_time"] is False


def test_a_scheme_of_an_ancestor_and_its_own_deadlines_judge_a_disbursing_units_projects(scheme_world):
    w = scheme_world
    unit = make_org(kind=OrgKind.DISBURSING_UNIT, parent=w.unit_a, code="1234567890")
    from pts.procurement.models import ProcurementSettings

    settings = ProcurementSettings.objects.get()
    actions.procurement_settings_set(actor=w.carol, scheme=settings.scheme, deadline_schemes=[], custom_deadlines="""
[scheme]
id = "own"
name_th = "ของจังหวัด"
name_en = "the province's own"
source = "test"
[[deadlines]]
id = "by-june"
kind = "commit"
month = 6
day = 30
name_th = "ลงนามภายใน 30 มิ.ย."
name_en = "signed by 30 Jun"
""")
    project = make_project(unit=unit, actor=w.alice, category="operating", start=date(2023, 6, 1))
    checks = state(project, date(2023, 6, 1)).checks
    assert [(c.scheme_id, c.rule.id, c.status) for c in checks] == [("own", "by-june", "forecast_to_miss")]
