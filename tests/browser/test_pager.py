"""In Chromium at 1366 px, in Thai: on every list page that has the pager, "next" clicked twice goes to
pages 2 and 3 (new rows each time), with one "?" in the address and the search terms and filters kept.

A pager that wrote `?{% querystring %}` made every click reload page 1 and grow the address
(`??%3F%3F…`); this walks each page's own links, the way a person does.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from pts.budget.actions import reservation_create
from pts.organisations.models import OrgKind
from pts.reporting.models import ReportingPeriod
from pts.schemes.actions import scheme_create
from pts.ui import paging
from tests.factories import PASSWORD, ledger_admin, make_allocation, make_org
from tests.procurement.factories import make_project
from tests.scoring.factories import MB, pay

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lists(world, monkeypatch):
    """Three of everything a list page shows, one row a page; the pages to walk with their filters."""
    monkeypatch.setattr(paging, "PER_PAGE", 1)  # the live server runs in this process
    unit_c = make_org(kind=OrgKind.AGENCY, parent=world.province, code="AG-C", name_th="หน่วยงานซี")
    agencies = [world.unit_a, world.unit_b, unit_c]
    for n, agency in enumerate(agencies, start=1):
        make_allocation(unit=agency, amount=MB)
        make_allocation(unit=world.unit_a, amount=n * 100_000_00, effective_date=date(2022, 10, n + 3))
        pay(agency, MB * n // 20, date(2022, 10, 20))
        reservation_create(actor=ledger_admin(), fiscal_year=2566, unit=world.unit_a, category="operating",
                           number=f"ขอซื้อ {n}", requester="สมชาย", amount=n * 1_000_00,
                           requested_on=date(2022, 10, 10 + n))
        make_project(unit=world.unit_a, actor=world.alice, name=f"ถนนสายที่ {n}", allocated=n * 1_000_000_00)
    scheme = scheme_create(actor=world.carol, code="kpi-2566", name="KPI 2.3 จังหวัดทดสอบ", kind="department",
                           fiscal_year=2566, coordinator_org=world.province, units=agencies,
                           rule_set="doh-kpi23-2566", deadline_month_offset=1)
    period = ReportingPeriod.objects.get(scheme=scheme, month=date(2022, 11, 1))
    a = world.unit_a.pk
    return [
        ("/orgs/", {"q": "หน่วยงาน"}),
        (f"/orgs/{world.province.pk}/", {"q": "หน่วยงาน"}),
        ("/orgs/users/", {"q": "r"}),
        ("/budget/2566/", {"as_of": "30/09/2566"}),
        (f"/budget/units/{a}/2566/", {"as_of": "30/09/2566", "kind": "allocation"}),
        (f"/budget/units/{a}/2566/reservations/", {}),
        ("/schemes/kpi-2566/", {"q": "หน่วยงาน"}),
        ("/scores/kpi-2566/", {"as_of": "28/02/2566", "round": "1"}),
        (f"/reports/periods/{period.pk}/", {"q": "หน่วยงาน"}),
        ("/procurement/2566/", {"as_of": "01/06/2566", "q": "ถนน"}),
        ("/procurement/2566/late/", {"as_of": "01/06/2566", "q": "ถนน"}),
        ("/procurement/2566/units/", {"as_of": "01/06/2566"}),
        ("/audit/", {"action": "org.", "unit": "PROV-T"}),
    ]


@pytest.fixture
def wide(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="th-TH")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


PAGED_ROWS = """() => {
  // the rows of the table (or list) the pager belongs to: the nearest one before it
  for (let el = document.querySelector("nav.pager"); el; el = el.parentElement) {
    for (let sib = el.previousElementSibling; sib; sib = sib.previousElementSibling) {
      const list = sib.matches("table, ul") ? sib : sib.querySelector("table, ul");
      if (list) return [...list.querySelectorAll(":scope > tbody > tr, :scope > li")]
        .map(r => r.innerText.replace(/\\s+/g, " ").trim());
    }
  }
  return [];
}"""


def rows(page) -> list[str]:
    return page.evaluate(PAGED_ROWS)


def test_next_twice_reaches_page_three_on_every_list_keeping_its_filters(wide, live_server, world, lists):
    page, base = wide, live_server.url
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{base}/")
    for path, filters in lists:
        page.goto(base + path + ("?" + "&".join(f"{k}={v}" for k, v in filters.items()) if filters else ""))
        seen = [rows(page)]
        assert "หน้า 1 จาก" in page.locator("nav.pager").inner_text(), path
        for number in (2, 3):
            page.locator("nav.pager").get_by_role("link", name="ถัดไป ›").click()
            page.wait_for_url(lambda url, n=number: parse_qs(urlsplit(url).query).get("page") == [str(n)])
            url = page.url
            assert url.count("?") == 1 and "%3F" not in url, url
            query = parse_qs(urlsplit(url).query)
            assert {k: v[0] for k, v in query.items() if k in filters} == filters, url
            assert f"หน้า {number} จาก" in page.locator("nav.pager").inner_text(), url
            seen.append(rows(page))
            assert seen[-1] and seen[-1] not in seen[:-1], (url, seen)


def test_after_a_search_as_you_type_the_pager_keeps_the_search(wide, live_server, world, lists):
    page, base = wide, live_server.url
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "carol")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/orgs/")
    page.fill("input[name=q]", "หน่วยงาน")  # htmx swaps the results and pushes the address
    page.wait_for_url(lambda url: "q=" in url)
    page.wait_for_function("() => document.querySelector('nav.pager') !== null")
    seen = [rows(page)]
    for number in (2, 3):
        page.locator("nav.pager").get_by_role("link", name="ถัดไป ›").click()
        page.wait_for_url(lambda url, n=number: parse_qs(urlsplit(url).query).get("page") == [str(n)])
        assert page.url.count("?") == 1 and parse_qs(urlsplit(page.url).query)["q"] == ["หน่วยงาน"]
        assert page.locator("input[name=q]").input_value() == "หน่วยงาน"
        seen.append(rows(page))
        assert seen[-1] and seen[-1] not in seen[:-1] and all("หน่วยงาน" in r for r in seen[-1]), seen
