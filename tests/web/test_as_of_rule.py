"""One "as of" rule (`pts.budget.years.default_as_of`): a page of a fiscal year that is over opens
on its latest reported month (else its end), not on today; a fiscal-year selector switches year."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from pts.budget.years import default_as_of
from pts.reporting import actions as reporting
from pts.reporting.models import ReportingPeriod
from tests.factories import make_allocation, make_fiscal_year
from tests.procurement.factories import at, make_project
from tests.scoring.factories import make_scheme

pytestmark = pytest.mark.django_db

TODAY = date(2027, 1, 15)  # FY2570, years after the FY2566 data
START, END = date(2022, 10, 1), date(2023, 9, 30)


@pytest.fixture(autouse=True)
def _today_in_2570():
    with override_settings(PTS_TODAY=TODAY.isoformat()):
        yield


def _report_july(world):
    """Unit A submits its July 2566 report in scheme kpi-2566; the period's as-of day."""
    scheme = make_scheme(world)
    period = ReportingPeriod.objects.get(scheme=scheme, month=date(2023, 7, 1))
    report = reporting.report_save_draft(actor=world.alice, period=period, unit=world.unit_a,
                                         lines={"operating": (0, 0)}, obstacles="", version=0,
                                         now=at(period.as_of + timedelta(days=1)))
    reporting.report_submit(actor=world.alice, report=report, version=report.version,
                            now=at(period.as_of + timedelta(days=1)))
    return scheme, period.as_of


def test_the_default_day_is_today_inside_the_year_its_start_before_and_its_end_after(world):
    fy = make_fiscal_year(2566)
    assert default_as_of(fy, user=world.alice, today=date(2023, 3, 2)) == date(2023, 3, 2)
    assert default_as_of(fy, user=world.alice, today=date(2022, 5, 1)) == START
    assert default_as_of(fy, user=world.alice, today=TODAY) == END


def test_after_the_year_the_default_day_is_its_latest_reported_month(world):
    _scheme, july_as_of = _report_july(world)
    fy = make_fiscal_year(2566)
    assert START <= july_as_of <= date(2023, 8, 31)
    assert default_as_of(fy, user=world.alice, today=TODAY) == july_as_of
    assert default_as_of(fy, user=world.carol, today=TODAY) == july_as_of
    # bob's unit B is in the scheme too: the scheme's latest reported month is its month
    assert default_as_of(fy, user=world.bob, today=TODAY) == july_as_of
    # nobody sees the scheme: the year's end
    assert default_as_of(fy, user=None, today=TODAY) == END


def test_the_late_list_of_2566_is_judged_inside_2566_not_years_later(client, world):
    make_project(unit=world.unit_a, actor=world.alice)  # planned from 1 Nov 2022, nothing done since
    client.force_login(world.carol)
    response = client.get(reverse("procurement:late", args=[2566]))
    assert response.status_code == 200
    assert response.context["today"] == END
    states = response.context["page"].object_list
    assert states, "the project that never started is late"
    assert all(0 < s.slippage < 260 for s in states), [s.slippage for s in states]  # within one year's working days
    assert "30 กันยายน 2566" in response.content.decode()


def test_a_project_page_of_2566_is_as_of_2566(client, world):
    project = make_project(unit=world.unit_a, actor=world.alice)
    client.force_login(world.alice)
    response = client.get(reverse("procurement:project", args=[project.pk]))
    assert response.status_code == 200
    assert START <= response.context["today"] <= END
    assert response.context["state"].slippage < 260


def test_the_round_update_form_of_a_2566_project_defaults_to_a_round_of_2566(client, world):
    _scheme, july_as_of = _report_july(world)
    project = make_project(unit=world.unit_a, actor=world.alice)
    client.force_login(world.alice)
    response = client.get(reverse("procurement:round_update", args=[project.pk]))
    assert response.status_code == 200
    chosen = date.fromisoformat(response.context["form"].initial["round_month"])
    assert START <= chosen <= END
    assert chosen == date(2023, 7, 1)  # the round of the latest reported month
    assert 'value="2023-07-01" selected' in response.content.decode()


def test_the_ledger_and_overview_open_on_the_latest_reported_month(client, world):
    make_allocation(unit=world.unit_a, amount=100_000_00, category="operating")
    _scheme, july_as_of = _report_july(world)
    client.force_login(world.alice)
    ledger = client.get(reverse("budget:unit_ledger", args=[world.unit_a.pk, 2566]))
    assert ledger.status_code == 200
    assert ledger.context["as_of"] == july_as_of
    client.force_login(world.carol)
    overview = client.get(reverse("budget:overview", args=[2566]))
    assert overview.context["as_of"] == july_as_of


def test_the_ledger_of_a_year_nobody_reported_in_opens_on_its_end(client, world):
    make_allocation(unit=world.unit_a, amount=100_000_00, category="operating")
    client.force_login(world.alice)
    response = client.get(reverse("budget:unit_ledger", args=[world.unit_a.pk, 2566]))
    assert response.context["as_of"] == END
    assert response.context["as_of_input"] == "30/09/2566"


def test_the_league_opens_on_the_latest_reported_month_of_its_year(client, world):
    scheme, july_as_of = _report_july(world)
    client.force_login(world.carol)
    response = client.get(reverse("scoring:league", args=[scheme.code]))
    assert response.status_code == 200
    assert response.context["sel"].as_of == july_as_of


def test_the_fiscal_year_selector_lists_the_years_and_keeps_the_query(client, world):
    make_fiscal_year(2566)
    make_fiscal_year(2567)
    client.force_login(world.carol)
    response = client.get(reverse("procurement:overview", args=[2566]), {"status": "late", "as_of": "1/3/2566",
                                                                         "page": "2"})
    links = {y.be_year: y for y in response.context["year_links"]}
    assert set(links) >= {2566, 2567}
    assert links[2566].current and not links[2567].current
    assert links[2567].url == reverse("procurement:overview", args=[2567]) + "?status=late"
    html = response.content.decode()
    assert f'href="{links[2567].url}"' in html and 'aria-current="page">2566<' in html
    switched = client.get(links[2567].url)
    assert switched.status_code == 200
    assert switched.context["fy"].be_year == 2567 and switched.context["status"] == "late"
    assert switched.context["today"] == date(2024, 9, 30)  # 2567 is over too, nothing reported: its end


def test_the_selector_is_on_the_budget_pages_too(client, world):
    make_fiscal_year(2566)
    make_fiscal_year(2567)
    client.force_login(world.alice)
    ledger = client.get(reverse("budget:unit_ledger", args=[world.unit_a.pk, 2566]), {"kind": "allocation"})
    assert [y.be_year for y in ledger.context["year_links"]][:2] == [2566, 2567]
    assert reverse("budget:unit_ledger", args=[world.unit_a.pk, 2567]) + "?kind=allocation" in ledger.content.decode()
    client.force_login(world.carol)
    overview = client.get(reverse("budget:overview", args=[2566]), {"series": "total"})
    assert reverse("budget:overview", args=[2567]) + "?series=total" in overview.content.decode()


def test_date_boxes_show_the_format_in_the_interface_language(client, world):
    make_fiscal_year(2566)
    client.force_login(world.carol)
    for url in (reverse("procurement:late", args=[2566]), reverse("budget:overview", args=[2566]),
                reverse("audit:list")):
        assert 'placeholder="วว/ดด/ปปปป"' in client.get(url).content.decode(), url
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("audit:list")).content.decode()
    assert 'placeholder="dd/mm/yyyy"' in html and "วว/ดด/ปปปป" not in html
