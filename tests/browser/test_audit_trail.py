"""In Chromium at 1366 px, in Thai: the coordinator reads the audit trail as sentences (no action codes,
no ids on screen), opens one event's details, picks an action from the list by its Thai name, finds a
unit by name, pages through the filtered trail and downloads it as CSV.

Screenshots go to /tmp/pts-audit-trail/, to be looked at by a person.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from pts.audit.sentences import SENTENCES
from pts.organisations.actions import org_update
from pts.reporting import actions as reporting
from pts.ui import paging
from tests.factories import PASSWORD
from tests.reporting.factories import allocate, at, make_scheme, period_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = Path("/tmp/pts-audit-trail")
MILLION = 1_000_000_00


@pytest.fixture
def trail(world, monkeypatch):
    """A's November report submitted and returned, money allocated, B renamed."""
    monkeypatch.setattr(paging, "PER_PAGE", 2)  # the live server runs in this process
    scheme = make_scheme(world)
    allocate(world, world.unit_a, "operating", MILLION)
    allocate(world, world.unit_b, "operating", MILLION // 2)
    period = period_of(scheme, 2022, 11)
    report = reporting.report_save_draft(actor=world.alice, period=period, unit=world.unit_a,
                                         lines={"operating": (10_00, 10_00)}, obstacles="", version=0,
                                         now=at(2022, 11, 18))
    report = reporting.report_submit(actor=world.alice, report=report, version=report.version, now=at(2022, 11, 19))
    reporting.report_return(actor=world.carol, report=report, reason="ยอดเบิกจ่ายไม่ตรงกับ GFMIS",
                            now=at(2022, 11, 19, 11))
    org_update(actor=world.carol, org=world.unit_b, name_th="หน่วยงานบี (ใหม่)", name_en="", is_active=True)


@pytest.fixture
def wide(browser):
    SCREENS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="th-TH", accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def shoot(page, name: str) -> None:
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def sentences_shown(page) -> list[str]:
    return [" ".join(t.split()) for t in page.locator("table.audit .sentence").all_inner_texts()]


def assert_no_codes_or_ids(page) -> None:
    text = page.locator("main").inner_text()  # closed <details> keep their contents out of innerText
    for code in SENTENCES:
        assert code not in text, code
    assert not re.search(r"#\d|_id\b|\bID\b|\b(path|depth|version)\b|\w+\.\w+(report|event|org)\b", text)


def test_the_coordinator_reads_filters_pages_and_exports_the_trail(wide, live_server, world, trail):
    page, base = wide, live_server.url
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "carol")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{base}/")

    # 1. the trail from the menu: newest first, one sentence each, in the users' words
    page.locator("nav.mainnav").get_by_role("link", name="ประวัติการแก้ไข").click()
    page.wait_for_url("**/audit/")
    shown = sentences_shown(page)
    assert shown == [f"{world.carol} แก้ไขข้อมูลหน่วยงาน AG-B หน่วยงานบี (ใหม่)",
                     f"{world.carol} ส่งกลับรายงาน พ.ย. 65 ของ AG-A หน่วยงานเอ เหตุผล: ยอดเบิกจ่ายไม่ตรงกับ GFMIS"]
    first_row = page.locator("table.audit tbody tr").first
    assert "ชื่อ (ภาษาไทย): หน่วยงานบี → หน่วยงานบี (ใหม่)" in " ".join(first_row.inner_text().split())
    assert_no_codes_or_ids(page)
    shoot(page, "01-trail")

    # 2. the details toggle holds the codes and the raw record
    first_row.locator("summary").click()
    assert "org.update" in first_row.inner_text()
    shoot(page, "02-details-open")

    # 3. an action picked by its Thai name, a unit found by part of its name
    page.select_option("select[name=action]", label="ส่งกลับรายงาน")
    page.fill("input[name=unit]", "หน่วยงานเอ")
    page.get_by_role("button", name="กรอง").click()
    page.wait_for_url("**/audit/?*")
    assert sentences_shown(page) == [
        f"{world.carol} ส่งกลับรายงาน พ.ย. 65 ของ AG-A หน่วยงานเอ เหตุผล: ยอดเบิกจ่ายไม่ตรงกับ GFMIS"]
    assert page.locator("select[name=action] option:checked").inner_text() == "ส่งกลับรายงาน"
    assert_no_codes_or_ids(page)
    shoot(page, "03-filtered-by-action-and-unit")

    # 4. every change of A, two a page: next twice keeps the unit, one "?" in the address
    page.select_option("select[name=action]", label="ทุกรายการ")
    page.get_by_role("button", name="กรอง").click()
    page.wait_for_load_state()
    seen = [sentences_shown(page)]
    for number in (2, 3):
        page.locator("nav.pager").get_by_role("link", name="ถัดไป ›").click()
        page.wait_for_url(lambda url, n=number: parse_qs(urlsplit(url).query).get("page") == [str(n)])
        assert page.url.count("?") == 1 and parse_qs(urlsplit(page.url).query)["unit"] == ["หน่วยงานเอ"]
        seen.append(sentences_shown(page))
        assert seen[-1] and seen[-1] not in seen[:-1]
        assert all("AG-A" in s or "หน่วยงานเอ" in s for s in seen[-1]), seen[-1]
        assert_no_codes_or_ids(page)
    shoot(page, "04-page-3")

    # 5. the CSV is the filtered trail, every page of it, with a BOM and BE dates
    with page.expect_download() as info:
        page.get_by_role("link", name="ดาวน์โหลด CSV").click()
    data = Path(info.value.path()).read_bytes().decode("utf-8")
    assert data.startswith("\ufeffเวลา,ผู้ดำเนินการ,การดำเนินการ")
    assert "ส่งกลับรายงาน พ.ย. 65 ของ AG-A หน่วยงานเอ เหตุผล: ยอดเบิกจ่ายไม่ตรงกับ GFMIS" in data
    assert "หน่วยงานบี (ใหม่)" not in data and "page=" not in info.value.url
    assert re.search(r"\n\d{1,2} [ก-๙.]+ 25\d\d \d\d:\d\d,", data)
    assert len(data.strip().splitlines()) - 1 == sum(len(s) for s in seen)
