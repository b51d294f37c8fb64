"""In Chromium at 1366 px, in Thai: the coordinator opens the budget overview, drills down one level,
finds a unit by typing part of its Thai name, and goes to page 2 of the league table.

Screenshots go to /tmp/pts-list-pages/, to be looked at by a person.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from pts.organisations.models import OrgKind
from pts.schemes.actions import scheme_create
from pts.ui import paging
from tests.factories import PASSWORD, make_allocation, make_org
from tests.scoring.factories import MB, pay

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = Path("/tmp/pts-list-pages")
AGENCIES = ["สำนักงานเกษตรจังหวัด", "สำนักงานที่ดินจังหวัด", "โรงพยาบาลประจำจังหวัด", "สำนักงานประมงจังหวัด"]
UNITS = ["หน่วยเบิกจ่ายหนองบัว", "หน่วยเบิกจ่ายท่าช้าง", "หน่วยเบิกจ่ายบ้านไร่", "หน่วยเบิกจ่ายวังน้ำเย็น"]


@pytest.fixture
def province(world, monkeypatch):
    """Six agencies in a KPI 2.3 scheme (three rows a page); four disbursing units under A."""
    monkeypatch.setattr(paging, "PER_PAGE", 3)  # the live server runs in this process
    agencies = [world.unit_a, world.unit_b] + [
        make_org(kind=OrgKind.AGENCY, parent=world.province, code=f"AG-{n}", name_th=name)
        for n, name in enumerate(AGENCIES, start=1)]
    for share, agency in enumerate(agencies, start=1):
        make_allocation(unit=agency, amount=MB)
        pay(agency, MB * share // 20, date(2022, 10, 20))
    for n, name in enumerate(UNITS, start=1):
        unit = make_org(kind=OrgKind.DISBURSING_UNIT, parent=world.unit_a, code=f"010000000{n}", name_th=name)
        make_allocation(unit=unit, amount=n * 250_000_00)
        pay(unit, n * 50_000_00, date(2022, 11, 15))
    return scheme_create(actor=world.carol, code="kpi-2566", name="KPI 2.3 จังหวัดทดสอบ", kind="department",
                         fiscal_year=2566, coordinator_org=world.province, units=agencies,
                         rule_set="doh-kpi23-2566", deadline_month_offset=1)


@pytest.fixture
def wide(browser):
    SCREENS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="th-TH")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def shoot(page, name: str) -> None:
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def body_rows(page) -> list[list[str]]:
    return [[c.strip() for c in tr.locator("td").all_inner_texts()] for tr in page.locator("#results tbody tr").all()]


def test_the_coordinator_drills_down_searches_and_pages_the_league(wide, live_server, world, province):
    page, base = wide, live_server.url
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "carol")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{base}/")

    # 1. the overview from the menu: the province's total, then one row per agency
    page.locator("nav.mainnav").get_by_role("link", name="บัญชีงบประมาณ").click()
    page.wait_for_load_state()
    page.fill("input[name=as_of]", "30/09/2566")
    page.get_by_role("button", name="แสดง").click()
    page.wait_for_load_state()
    rows = body_rows(page)
    assert rows[0][0].startswith("รวม · PROV-T จังหวัดทดสอบ")
    assert [r[0].split(" ", 1)[0] for r in rows[1:]] == ["AG-1", "AG-2", "AG-3"]  # three a page, by code
    assert page.locator(".pager").inner_text().count("หน้า 1 จาก 2") == 1
    shoot(page, "01-overview-province")

    # 2. page 2 has A, which has units below it: drill down, keeping the date
    page.get_by_role("link", name="ถัดไป ›").click()
    page.wait_for_load_state()
    assert "มี 4 หน่วยในสังกัด ›" in page.locator("#results").inner_text()
    shoot(page, "01b-overview-province-page-2")
    page.get_by_role("link", name="AG-A หน่วยงานเอ").click()
    page.wait_for_load_state()
    assert "as_of=30%2F09%2F2566" in page.url and f"org={world.unit_a.pk}" in page.url
    assert page.locator("h1").inner_text().endswith(": หน่วยงานเอ")
    assert page.locator("nav.breadcrumb").inner_text().startswith("จังหวัดทดสอบ ›")
    rows = body_rows(page)
    assert rows[0][0].startswith("รวม · AG-A หน่วยงานเอ")
    assert "งบประมาณของหน่วยงานเอง" in rows[1][0]  # A's own million, apart from its units'
    assert rows[0][1] == "3,500,000.00"  # 1,000,000 of A's own + 250,000 x (1 + 2 + 3 + 4)
    shoot(page, "02-overview-drilled-into-a")

    # 3. type part of a Thai name: the table is swapped in place, the address follows
    page.fill("input[name=q]", "ท่าช้าง")
    page.wait_for_function("() => document.querySelectorAll('#results tbody tr').length === 1")
    rows = body_rows(page)
    assert rows[0][0].startswith("0100000002 หน่วยเบิกจ่ายท่าช้าง") and rows[0][1] == "500,000.00"
    assert "สังกัด หน่วยงานเอ" in rows[0][0]
    page.wait_for_url(re.compile(r".*q=%E0%B8%97.*"))
    assert "พบ 1 หน่วยงานในสังกัดหน่วยงานเอ" in page.locator("#results").inner_text()
    shoot(page, "03-overview-search-thai-name")
    page.get_by_role("link", name="จังหวัดทดสอบ").click()  # the breadcrumb back up, search cleared
    page.wait_for_load_state()
    assert "q=" not in page.url and "as_of=30%2F09%2F2566" in page.url

    # 4. the league: page 2 carries on the ranks of page 1 and keeps the round and date
    page.locator("nav.mainnav").get_by_role("link", name="คะแนน").click()
    page.wait_for_url("**/scores/kpi-2566/**")
    page.fill("input[name=as_of]", "28/02/2566")
    page.select_option("select[name=round]", "1")
    page.get_by_role("button", name="แสดง").click()
    page.wait_for_load_state()
    first = body_rows(page)
    shoot(page, "04-league-page-1")
    page.get_by_role("link", name="ถัดไป ›").click()
    page.wait_for_load_state()
    second = body_rows(page)
    assert len(first) == 3 and len(second) == 3
    assert "round=1" in page.url and "page=2" in page.url
    assert int(second[0][0].split()[0]) >= int(first[-1][0].split()[0])  # "4 จาก 6"
    assert page.locator("select[name=round] option:checked").inner_text().startswith("รอบ")
    shoot(page, "05-league-page-2")

    # 5. a search shows the unit at its place among all six
    place = next(r[0] for r in first + second if r[1].startswith("AG-4"))
    page.fill("input[name=q]", "ประมง")
    page.wait_for_function("() => document.querySelectorAll('#results tbody tr').length === 1")
    assert body_rows(page)[0][0] == place
    shoot(page, "06-league-search")
