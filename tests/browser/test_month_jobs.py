"""The month's jobs end to end in Chromium at 1366 px, in Thai, each in the fewest steps the pages allow:
every step after signing in is a click on a link, button or menu item of the real pages.

1. An officer records a disbursement from the home page and submits the month's report.
2. A coordinator finds who has not reported from the menu, returns a report; the officer corrects and
   resubmits it; the coordinator accepts it.
3. An officer asks for a locked period to be reopened; the coordinator reopens it for that unit only.
4. A coordinator freezes a round after confirming, and downloads the frozen result (xlsx and CSV).

`pytest --screenshots` saves each step to tests/screenshots/test_month_jobs/ (PNG).
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from pts.budget import actions as ledger
from pts.budget.models import Movement
from pts.reporting import actions as reporting
from pts.reporting.models import MonthlyReport, ReopenRequest, ReportState, RequestState
from pts.scoring.models import FrozenRound
from tests.conftest import SCREENSHOTS
from tests.factories import PASSWORD
from tests.reporting.factories import allocate, at, make_scheme, period_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MILLION = 1_000_000_00


@pytest.fixture
def page(browser):
    """The users' screen: 1366 px wide, a Thai browser, downloads allowed (replaces conftest's `page`)."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="th-TH", accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


@pytest.fixture
def month(world, settings):
    """A scheme over units A and B (figures as of the 15th, reports due by the 20th), money allocated to both;
    today is 16 November 2022 (2565 BE): November's report is open."""
    settings.PTS_TODAY = "2022-11-16"
    scheme = make_scheme(world)
    allocate(world, world.unit_a, "operating", MILLION)
    allocate(world, world.unit_b, "operating", MILLION)
    return scheme


@pytest.fixture
def shoot(page, request):
    """`shoot(name)` with --screenshots: a full-page PNG (conftest's JPEGs cannot be viewed everywhere)."""
    folder = SCREENSHOTS / "test_month_jobs"

    def take(name: str) -> None:
        if request.config.getoption("--screenshots"):
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    return take


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{base}/")


def sign_out(page) -> None:
    page.get_by_role("button", name="ออกจากระบบ").click()
    page.wait_for_url("**/login/**")


def submitted_report(world, scheme, unit, user, obstacles: str = "") -> MonthlyReport:
    """The unit's November report, submitted on the 16th through the real actions."""
    report = reporting.report_save_draft(actor=user, period=period_of(scheme, 2022, 11), unit=unit,
                                         lines={"operating": (0, 150_000_00)}, obstacles=obstacles, version=0,
                                         now=at(2022, 11, 16))
    return reporting.report_submit(actor=user, report=report, version=report.version, now=at(2022, 11, 16))


def messages(page) -> str:
    return page.locator(".messages").inner_text() if page.locator(".messages").count() else ""


def test_an_officer_records_a_disbursement_from_home_and_submits_the_months_report(page, shoot, live_server,
                                                                                    world, month):
    base = live_server.url
    sign_in(page, base, "alice")
    shoot("1-01-home-officer")
    units = page.locator("#my-units")
    units.get_by_role("link", name="บันทึกการเบิกจ่าย").click()
    page.wait_for_load_state()
    shoot("1-02-disbursement-form")
    page.get_by_label("จำนวนเงิน (บาท)").fill("150,000")
    page.get_by_label("วันที่มีผล").fill("14/11/2565")  # paid on the 14th: inside the report's figures (as of the 15th)
    page.get_by_label("เลขที่เอกสาร").fill("ขบ-0451")
    page.get_by_role("button", name="บันทึก", exact=True).click()
    page.wait_for_load_state()
    assert "บันทึกการเบิกจ่ายแล้ว" in messages(page) or "เบิกจ่าย" in messages(page)
    assert Movement.objects.filter(unit=world.unit_a, kind="disbursement", amount=150_000_00).count() == 1
    shoot("1-03-after-disbursement")

    page.locator("nav.mainnav").get_by_role("link", name="หน้าหลัก").click()
    page.locator("#my-units").get_by_role("link", name="กรอกรายงาน").click()
    page.wait_for_load_state()
    assert page.locator("input[name=operating_disbursed]").input_value() in ("150,000.00", "150000.00")
    shoot("1-04-report-form")
    page.get_by_role("button", name="บันทึกและส่งรายงาน").click()
    page.wait_for_load_state()
    shoot("1-05-report-submitted")
    report = MonthlyReport.objects.get(unit=world.unit_a, period=period_of(month, 2022, 11))
    assert report.state == ReportState.SUBMITTED
    assert report.lines.get(category="operating").disbursed == 150_000_00
    page.locator("nav.mainnav").get_by_role("link", name="หน้าหลัก").click()
    assert "ส่งแล้ว" in page.locator("#my-units").inner_text()


def test_a_coordinator_finds_who_has_not_reported_returns_a_report_and_accepts_the_correction(
        page, shoot, live_server, world, month):
    base = live_server.url
    ledger.disbursement_record(actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="operating",
                               amount=150_000_00, effective_date=date(2022, 11, 10), document_ref="ขบ-0451")
    report = submitted_report(world, month, world.unit_a, world.alice)

    # the coordinator: the month's board from the menu, the units that have not reported
    sign_in(page, base, "carol")
    page.locator("nav.mainnav").get_by_role("link", name="รายงาน").click()
    page.get_by_role("link", name="ยังไม่รายงาน").click()
    page.wait_for_url("**show=missing")
    board = page.locator("main table").last
    assert "AG-B" in board.inner_text() and "AG-A" not in board.inner_text()
    shoot("2-01-board-not-reported")
    # ... then A's report, waiting for review, returned from the board with a reason
    page.get_by_role("link", name="รอตรวจ").click()
    row = page.locator("main table").last.locator("tr", has_text="AG-A")
    row.get_by_placeholder("เหตุผลที่ส่งกลับแก้ไข").fill("ยังไม่ได้ระบุปัญหาอุปสรรค")
    row.get_by_role("button", name="ส่งกลับ").click()
    page.wait_for_load_state()
    shoot("2-02-board-returned")
    report.refresh_from_db()
    assert report.state == ReportState.RETURNED and report.return_reason == "ยังไม่ได้ระบุปัญหาอุปสรรค"
    sign_out(page)

    # the officer: the returned report from the home page, corrected and sent again
    sign_in(page, base, "alice")
    home = page.locator("#my-units")
    assert "ยังไม่ได้ระบุปัญหาอุปสรรค" in home.inner_text()
    shoot("2-03-home-returned")
    home.get_by_role("link", name="แก้ไขรายงาน").click()
    page.locator("textarea[name=obstacles]").fill("ผู้รับจ้างส่งมอบงานล่าช้า เร่งรัดให้ส่งภายในเดือนนี้")
    shoot("2-04-correcting")
    page.get_by_role("button", name="บันทึกและส่งรายงาน").click()
    page.wait_for_load_state()
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED and report.obstacles.startswith("ผู้รับจ้างส่งมอบงานล่าช้า")
    sign_out(page)

    # the coordinator: the report to review from the home page, accepted
    sign_in(page, base, "carol")
    page.locator("#this-month").get_by_role("link", name="รอตรวจ 1 รายงาน").click()
    row = page.locator("main table").last.locator("tr", has_text="AG-A")
    row.get_by_role("button", name="รับรอง").click()
    page.wait_for_load_state()
    shoot("2-05-accepted")
    report.refresh_from_db()
    assert report.state == ReportState.ACCEPTED and report.accepted_by == world.carol


def test_an_officer_asks_for_a_locked_period_and_the_coordinator_reopens_it_for_that_unit_only(
        page, shoot, live_server, world, month, settings):
    base = live_server.url
    settings.PTS_TODAY = "2022-11-25"  # November's reports were due by the 20th: the period is locked
    period = period_of(month, 2022, 11)

    sign_in(page, base, "alice")
    overdue = page.locator("#my-units .overdue")  # home shows December's report now, and November's missed one
    assert "รายงานเดือน พ.ย. 65 ยังไม่ได้ส่งภายในกำหนด 20 พ.ย. 2565" in overdue.inner_text()
    shoot("3-00-home-overdue")
    overdue.get_by_role("link", name="ขอเปิดรับรายงาน").click()
    assert "ปิดรับรายงานแล้ว" in page.locator("#locked").inner_text()
    page.locator("#locked textarea, #locked input[name=reason]").first.fill("เจ้าหน้าที่การเงินลาป่วย")
    shoot("3-01-asking")
    page.get_by_role("button", name="ขอให้ผู้ประสานงานเปิดรับรายงาน").click()
    page.wait_for_load_state()
    assert "คำขออยู่ระหว่างรอ" in page.locator("main").inner_text()
    (request,) = ReopenRequest.objects.all()
    sign_out(page)

    sign_in(page, base, "carol")
    shoot("3-02-home-request")
    page.locator("#this-month").get_by_role("link", name="คำขอเปิดรับรายงานที่ปิดแล้ว 1 รายการ").click()
    requests = page.locator("#reopen-requests")
    assert "เจ้าหน้าที่การเงินลาป่วย" in requests.inner_text()
    shoot("3-03-board-request")
    requests.get_by_role("button", name="เปิดให้หน่วยงานนี้").click()
    page.wait_for_load_state()
    shoot("3-04-reopened")
    request.refresh_from_db()
    assert request.state == RequestState.GRANTED
    now = at(2022, 11, 25, 12)
    assert not period.is_locked_for(world.unit_a.pk, now) and period.is_locked_for(world.unit_b.pk, now)
    sign_out(page)

    sign_in(page, base, "alice")
    page.locator("#my-units .overdue").get_by_role("link", name="กรอกรายงาน").click()
    page.get_by_role("button", name="บันทึกและส่งรายงาน").click()
    page.wait_for_load_state()
    assert MonthlyReport.objects.get(period=period, unit=world.unit_a).state == ReportState.SUBMITTED


def test_a_coordinator_freezes_a_round_after_confirming_and_downloads_the_result(
        page, shoot, live_server, world, month):
    base = live_server.url
    ledger.disbursement_record(actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="operating",
                               amount=150_000_00, effective_date=date(2022, 11, 10), document_ref="ขบ-0451")
    sign_in(page, base, "carol")
    page.locator("#this-month").get_by_role("link", name="ต่ำกว่าเป้าหมาย").click()
    page.wait_for_load_state()
    shoot("4-01-league")
    page.locator("form[action$='/freeze/']").get_by_role("button", name="บันทึกผล").click()
    page.wait_for_url("**/freeze/")
    text = page.locator("main").inner_text()
    assert "ไม่สามารถยกเลิกได้" in text and "16 พ.ย. 2565" in text
    assert not FrozenRound.objects.exists()  # the first click only asks
    shoot("4-02-confirm")
    page.get_by_role("button", name="ยืนยันบันทึกผลรอบนี้").click()
    page.wait_for_url("**/frozen/")
    assert messages(page).startswith("บันทึกผลรอบ")
    frozen = FrozenRound.objects.get()
    assert frozen.as_of == date(2022, 11, 16) and frozen.frozen_by == world.carol
    shoot("4-03-frozen")

    with page.expect_download() as xlsx:
        page.get_by_role("link", name="Excel (.xlsx)").click()
    from openpyxl import load_workbook
    sheet = load_workbook(io.BytesIO(xlsx.value.path().read_bytes())).active
    cells = list(sheet.iter_rows(values_only=True))
    assert cells[0][:3] == ("อันดับ", "รหัสหน่วยงาน", "หน่วยงาน")
    assert {row[1]: row[2] for row in cells[1:]} == {"AG-A": "หน่วยงานเอ", "AG-B": "หน่วยงานบี"}
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert rows[0] == [str(c) for c in cells[0]] and rows[1][-1] == "16 พ.ย. 2565"
