"""Home pages by role: an officer's disbursing units with their position and the month's report, a
coordinator's month, an executive sent to the scheme's overview; money actions only where money is."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pts.organisations.models import OrgKind
from pts.scoring import queries as scoring
from pts.web.home import coordinator_home, current_period, officer_home
from tests.factories import make_allocation, make_org
from tests.reporting.factories import make_scheme
from tests.scoring.factories import pay

pytestmark = pytest.mark.django_db

DAY = date(2022, 12, 15)  # inside FY2566, after the first quarter's targets


@pytest.fixture
def money(world):
    """Agency A holds no money; its disbursing unit A1 does, and a scheme evaluates A1 and B."""
    a1 = make_org(kind=OrgKind.DISBURSING_UNIT, parent=world.unit_a, code="9000000011", name_th="หน่วยเบิกจ่ายเอหนึ่ง")
    make_allocation(unit=a1, amount=1_000_000_00, category="operating")
    make_allocation(unit=world.unit_b, amount=2_000_000_00, category="operating")
    pay(a1, 100_000_00, date(2022, 11, 10))
    pay(world.unit_b, 1_500_000_00, date(2022, 11, 10))
    scheme = make_scheme(world, units=[a1, world.unit_b])
    return a1, scheme


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_officer_sees_the_disbursing_unit_with_the_money_still_needed_as_the_score_card_says(world, money):
    a1, scheme = money
    lines = officer_home(world.alice, DAY, None)
    assert [line.unit for line in lines] == [a1]  # not the agency, which holds no money
    (line,) = lines
    (shown,) = line.schemes
    assert shown.scheme == scheme and shown.as_of == DAY
    card = {n.series: n.needed for n in scoring.needed_by_month_end(
        scheme=scheme, rules=scoring.rules_for(scheme), unit=a1, as_of=DAY)}
    assert card and {p.series: p.needed for p in shown.positions if p.next_target is not None} == card
    assert any(p.needed > 0 for p in shown.positions)
    assert shown.period == current_period(scheme, DAY) and shown.period.deadline >= DAY
    assert shown.report is None


def test_an_officer_home_page_links_money_actions_to_the_unit_that_holds_the_money(world, money):
    a1, _scheme = money
    body = signed_in(world.alice).get("/").content.decode()
    assert "9000000011" in body
    assert reverse("budget:unit_disbursement", kwargs={"unit_id": a1.pk, "be_year": 2566}) in body
    assert reverse("budget:unit_disbursement", kwargs={"unit_id": world.unit_a.pk, "be_year": 2566}) not in body


def test_a_unit_without_money_says_where_to_record_instead_of_offering_the_form(world, money):
    a1, _scheme = money
    client = signed_in(world.alice)
    ledger = client.get(reverse("budget:unit_ledger", kwargs={"unit_id": world.unit_a.pk, "be_year": 2566}))
    body = ledger.content.decode()
    agency_form = reverse("budget:unit_disbursement", kwargs={"unit_id": world.unit_a.pk, "be_year": 2566})
    assert agency_form not in body
    assert "ไม่มีงบประมาณของตนเอง" in body
    assert reverse("budget:unit_disbursement", kwargs={"unit_id": a1.pk, "be_year": 2566}) in body
    page = client.get(agency_form).content.decode()
    assert "ไม่มีงบประมาณของตนเอง" in page and 'name="amount"' not in page
    # the unit that holds money keeps its actions and its form
    own = client.get(reverse("budget:unit_ledger", kwargs={"unit_id": a1.pk, "be_year": 2566})).content.decode()
    assert reverse("budget:unit_disbursement", kwargs={"unit_id": a1.pk, "be_year": 2566}) in own
    assert 'name="amount"' in client.get(
        reverse("budget:unit_disbursement", kwargs={"unit_id": a1.pk, "be_year": 2566})).content.decode()


def test_a_coordinator_sees_who_has_not_reported_and_who_is_below_the_curve(world, money):
    a1, scheme = money
    (month,) = coordinator_home(world.carol, DAY)
    assert month.scheme == scheme and month.units == 2
    assert month.counts["missing"] == 2
    # A1 has paid 10 % of its money, B 75 %: only A1 is below the first quarter's target
    assert [unit for unit, _p in month.below] == [a1] and month.below_count == 1
    body = signed_in(world.carol).get("/").content.decode()
    board = reverse("reporting:period_status", kwargs={"period_id": current_period(scheme, timezone.localdate()).pk})
    assert f"{board}?show=missing" in body
    assert reverse("scoring:league", kwargs={"scheme": scheme.code}) in body
    assert scheme.code not in body.replace(f"/{scheme.code}/", "")  # no slug as text


def test_an_executive_lands_on_the_scheme_overview(world, money):
    _a1, scheme = money
    response = signed_in(world.erin).get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("scoring:league", kwargs={"scheme": scheme.code})


def test_an_executive_without_a_scheme_still_gets_a_home_page(world):
    response = signed_in(world.erin).get("/")
    assert response.status_code == 200 and "PROV-T" in response.content.decode()


def test_a_missed_report_of_the_month_just_past_stays_on_the_officers_home_with_its_way_in(world, settings):
    """After November's deadline the home page shows December's report; November's, never sent, is not
    lost: it is listed with the link that asks for the locked period to be reopened, and goes once sent."""
    from pts.reporting import actions as reporting
    from tests.reporting.factories import allocate, at, period_of

    allocate(world, world.unit_b, "operating", 1_000_000_00)
    scheme = make_scheme(world, units=[world.unit_b])
    november = period_of(scheme, 2022, 11)
    (line,) = officer_home(world.bob, date(2022, 11, 25), at(2022, 11, 25))[0].schemes
    assert line.period == period_of(scheme, 2022, 12) and line.overdue == november and line.overdue_locked
    settings.PTS_TODAY = "2022-11-25"
    html = signed_in(world.bob).get(reverse("home")).content.decode()
    assert "รายงานเดือน พ.ย. 65 ยังไม่ได้ส่งภายในกำหนด 20 พ.ย. 2565" in html
    edit = reverse("reporting:report_edit", kwargs={"period_id": november.pk, "unit_id": world.unit_b.pk})
    assert f'<a href="{edit}">ขอเปิดรับรายงาน</a>' in html
    report = reporting.report_save_draft(actor=world.bob, period=november, unit=world.unit_b,
                                         lines={"operating": (0, 0)}, obstacles="", version=0, now=at(2022, 11, 16))
    assert officer_home(world.bob, date(2022, 11, 25), at(2022, 11, 25))[0].schemes[0].overdue == november  # a draft
    reporting.report_submit(actor=world.bob, report=report, version=report.version, now=at(2022, 11, 16))
    assert officer_home(world.bob, date(2022, 11, 25), at(2022, 11, 25))[0].schemes[0].overdue is None


def test_a_month_whose_target_is_not_announced_is_compared_with_nothing_and_a_shortfall_is_shown(world, money):
    """FY2566's cabinet targets for Q2 and Q3 are "?": in July neither December's target nor
    September's is the target in force, so nothing is compared; at the year's end the shortfall shows."""
    from pts.scoring.positions import positions
    from pts.scoring.rulesets import rules_for

    a1, scheme = money
    july = positions(scheme=scheme, rules=rules_for(scheme), units=[a1], as_of=date(2023, 7, 31))
    assert july and all(p.reached_target is None and p.target_unknown and not p.below for p in july)
    year_end = positions(scheme=scheme, rules=rules_for(scheme), units=[a1], as_of=date(2023, 9, 30))
    below = [p for p in year_end if p.below]
    assert below and all(p.shortfall > 0 and p.next_target is None for p in below)
    assert all(p.share * p.base / 100 + p.shortfall / 1 >= p.reached_target * p.base / 100 for p in below)
