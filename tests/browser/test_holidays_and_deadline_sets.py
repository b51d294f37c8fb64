"""In Chromium at 1366 px, in Thai: the coordinator adds a day off for the province on the holidays
page (the form offers the province, never the whole country), then chooses the scheme's procurement
deadlines by their Thai names.

Screenshots go to /tmp/pts-procure/, to be looked at by a person.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pts.procurement.models import ExtraHoliday
from pts.schemes.actions import scheme_create
from pts.schemes.models import Scheme
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = Path("/tmp/pts-procure")


@pytest.fixture
def wide(browser):
    SCREENS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="th-TH")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def test_the_coordinator_adds_a_provincial_day_off_and_chooses_the_deadline_sets(wide, live_server, world):
    scheme_create(actor=world.carol, code="prov-2566", name="จังหวัดทดสอบ 2566", kind="province", fiscal_year=2566,
                  coordinator_org=world.province, units=[world.unit_a, world.unit_b], as_of_day=15, deadline_day=20)
    page, base = wide, live_server.url
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "carol")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/procurement/holidays/")
    options = page.locator("select[name=org] option").all_inner_texts()
    assert options == ["จังหวัดทดสอบ และทุกหน่วยงานในสังกัด"]  # no national choice for a coordinator
    page.fill("input[name=day]", "16/11/2565")
    page.fill("input[name=name]", "วันหยุดประจำจังหวัด")
    page.get_by_role("button", name="เพิ่ม").click()
    page.wait_for_load_state()
    assert "16 พฤศจิกายน 2565" in page.locator("table").inner_text()
    assert "จังหวัดทดสอบ" in page.locator("table tbody").inner_text()
    page.screenshot(path=str(SCREENS / "01-holidays.png"), full_page=True)
    assert ExtraHoliday.objects.get().org == world.province

    page.goto(f"{base}/schemes/prov-2566/edit/")
    sets = page.locator("text=กำหนดเวลาจัดซื้อจัดจ้างที่ใช้")
    assert sets.count() >= 1
    page.get_by_label("มาตรการเร่งรัดการเบิกจ่ายงบประมาณ ปีงบประมาณ 2569 (ครม.) (ปีงบประมาณ 2569; คณะรัฐมนตรี)").check()
    page.screenshot(path=str(SCREENS / "02-scheme-form.png"), full_page=True)
    page.get_by_role("button", name="บันทึก").click()
    page.wait_for_url(f"{base}/schemes/prov-2566/")
    assert "มาตรการเร่งรัดการเบิกจ่ายงบประมาณ ปีงบประมาณ 2569" in page.locator("main").inner_text()
    page.screenshot(path=str(SCREENS / "03-scheme-detail.png"), full_page=True)
    assert Scheme.objects.get(code="prov-2566").deadline_sets == ["cabinet-2569"]
    assert date(2022, 11, 16) == ExtraHoliday.objects.get().day
