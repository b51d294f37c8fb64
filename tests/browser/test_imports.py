"""Imports in Chromium at 1366 px, in Thai: a coordinator imports a GFMIS file whose headers PTS does not
know, matches its columns once and saves them by name; next month's file is read with that mapping and no
questions, its earlier lines shown as already imported; then the second import is undone. The upload
returns at once and the page follows the background job through its progress bar.

`pytest --screenshots` saves each step to tests/screenshots/test_imports/ (PNG).
"""

from __future__ import annotations

import csv

import pytest
from django.db import connection

from pts.budget.models import Movement
from pts.imports.models import ImportBatch, ImportMapping, State
from tests.conftest import SCREENSHOTS
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ODD = "เลขที่ใบ,ชนิดเอกสาร,วันผ่านรายการ,หน่วยเบิก,แหล่งเงิน,ยอด (บาท)\n"
MATCH = {"เลขที่เอกสาร": "เลขที่ใบ", "ประเภทเอกสาร": "ชนิดเอกสาร", "วันที่ผ่านรายการ": "วันผ่านรายการ",
         "รหัสหน่วยเบิกจ่าย": "หน่วยเบิก", "รหัสแหล่งของเงิน": "แหล่งเงิน", "จำนวนเงิน": "ยอด (บาท)"}


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="th-TH", accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    yield tab
    context.close()


@pytest.fixture
def shoot(page, request):
    folder = SCREENSHOTS / "test_imports"

    def take(name: str) -> None:
        if request.config.getoption("--screenshots"):
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    return take


@pytest.fixture(autouse=True)
def today(settings):
    settings.PTS_TODAY = "2022-11-16"
    # background jobs need a database several threads may write: the in-memory SQLite test database
    # answers "table is locked" to a second writer instead of waiting, so there the steps run in the request
    settings.PTS_IMPORT_BACKGROUND = connection.vendor != "sqlite"


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{base}/")


def _file(tmp_path, name, rows):
    path = tmp_path / name
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(ODD)
        csv.writer(out).writerows(rows)
    return path


def _upload(page, path, mapping: str | None = None) -> None:
    page.locator("nav.mainnav").get_by_role("link", name="การนำเข้าไฟล์", exact=True).click()
    page.get_by_role("link", name="นำเข้าไฟล์", exact=True).click()
    page.get_by_label("แบบของไฟล์").select_option(label="รายการเอกสาร GFMIS")
    page.get_by_label("ไฟล์ (xlsx หรือ CSV)").set_input_files(str(path))
    if mapping:
        offered = page.get_by_label("การจับคู่คอลัมน์ที่บันทึกไว้ (ไม่บังคับ)").locator("option:not([hidden])").all_inner_texts()
        assert not any("แฟ้มกรมบัญชีกลาง" in o for o in offered) and any(mapping in o for o in offered), offered
        page.get_by_label("การจับคู่คอลัมน์ที่บันทึกไว้ (ไม่บังคับ)").select_option(label=f"{mapping} (รายการเอกสาร GFMIS)")
    page.get_by_role("button", name="อัปโหลดและตรวจ").click()


def test_a_coordinator_matches_odd_columns_once_and_next_month_imports_with_no_questions(
        page, shoot, live_server, world, tmp_path):
    base = live_server.url
    a, b = world.unit_a.code, world.unit_b.code
    october = [("5100001", "PO", "06/10/2565", a, "6611320", "1,250,000.00"),
               ("5100002", "CK", "12/10/2565", b, "6611210", "48,500.00"),
               ("5100003", "เบิกจ่าย", "20/10/2565", a, "6611210", "(2,000.00)")]
    november = [*october, ("5100004", "เบิกจ่าย", "08/11/2565", b, "6611210", "12,345.67")]
    sign_in(page, base, "carol")
    shoot("01-home")
    _upload(page, _file(tmp_path, "NFMA60-ต.ค.65.csv", october))

    # the header is not one PTS knows: the batch asks for its columns
    page.get_by_role("heading", name="จับคู่คอลัมน์ของไฟล์").wait_for()
    shoot("02-mapping-asked")
    for field, column in MATCH.items():
        page.get_by_label(field, exact=True).select_option(label=column)
    page.get_by_label("บันทึกการจับคู่นี้ในชื่อ").fill("GFMIS ของจังหวัด")
    shoot("02-mapping")
    page.get_by_role("button", name="อ่านไฟล์ตามคอลัมน์เหล่านี้").click()

    page.get_by_role("heading", name="ตรวจแล้วยืนยัน").wait_for()
    body = page.locator("main").inner_text()
    assert "1,250,000.00" in body and a in body and b in body
    assert "อ่าน 3 แถว" in body
    shoot("03-preview")
    page.get_by_role("button", name="ยืนยัน: บันทึกรายการเหล่านี้").click()
    page.get_by_role("heading", name="นำเข้าแล้ว").wait_for()
    shoot("04-imported")
    first = ImportBatch.objects.get(file_name="NFMA60-ต.ค.65.csv")
    assert first.state == State.COMMITTED and first.lines == 3
    assert ImportMapping.objects.get(name="GFMIS ของจังหวัด").columns["amount"] == "ยอด (บาท)"

    # next month: the saved mapping, no questions; the earlier lines are already imported
    # (a matching saved for another kind of file is not offered for this one)
    ImportMapping.objects.create(org=world.province, layout="cgd", name="แฟ้มกรมบัญชีกลาง", columns={},
                                 created_by=world.carol)
    _upload(page, _file(tmp_path, "NFMA60-พ.ย.65.csv", november), mapping="GFMIS ของจังหวัด")
    page.get_by_role("heading", name="ตรวจแล้วยืนยัน").wait_for()
    body = page.locator("main").inner_text()
    assert "อ่าน 4 แถว: จะบันทึก 1 รายการ; อีก 3 รายการนำเข้าแล้ว" in body
    assert "12,345.67" in body
    shoot("05-preview-next-month")
    page.get_by_role("button", name="ยืนยัน: บันทึกรายการเหล่านี้").click()
    page.get_by_role("heading", name="นำเข้าแล้ว").wait_for()
    second = ImportBatch.objects.get(file_name="NFMA60-พ.ย.65.csv")
    assert second.state == State.COMMITTED and second.lines == 1 and second.skipped == 3

    # undo the second import: a page says what will be reversed first
    page.get_by_role("link", name="ยกเลิกการนำเข้านี้").click()
    assert "จะถูกกลับรายการ" in page.locator("main").inner_text()
    shoot("06-undo-confirm")
    page.get_by_role("button", name="ยกเลิกการนำเข้า", exact=True).click()
    page.get_by_role("heading", name="ยกเลิกแล้ว").wait_for()
    shoot("07-undone")
    second.refresh_from_db()
    assert second.state == State.UNDONE
    assert sum(Movement.objects.filter(batch__in=[second.ledger_batch_id, second.undo_batch_id])
               .values_list("amount", flat=True)) == 0
    page.locator("nav.mainnav").get_by_role("link", name="การนำเข้าไฟล์", exact=True).click()
    rows = page.locator("main table tbody tr")
    assert rows.count() == 2
    shoot("08-list")


def test_an_officer_sees_another_units_line_refused_and_cannot_open_another_officers_batch(
        page, shoot, live_server, world, tmp_path):
    base = live_server.url
    movements = Movement.with_pending.count()
    sign_in(page, base, "alice")  # an officer of unit A only
    known = "เลขที่เอกสาร,ประเภทเอกสาร,วันที่ผ่านรายการ,รหัสหน่วยเบิกจ่าย,รหัสแหล่งของเงิน,จำนวนเงิน\n"
    path = tmp_path / "mixed.csv"
    path.write_text(known + f"A1,PO,15/11/2565,{world.unit_a.code},6611320,10\n"
                    f"B1,PO,15/11/2565,{world.unit_b.code},6611320,10\n", encoding="utf-8")
    page.locator("nav.mainnav").get_by_role("link", name="การนำเข้าไฟล์", exact=True).click()
    page.get_by_role("link", name="นำเข้าไฟล์", exact=True).click()
    page.get_by_label("แบบของไฟล์").select_option(label="รายการเอกสาร GFMIS")
    page.get_by_label("ไฟล์ (xlsx หรือ CSV)").set_input_files(str(path))
    shoot("09-upload")
    page.get_by_role("button", name="อัปโหลดและตรวจ").click()
    page.get_by_role("heading", name="ไม่รับไฟล์นี้: ไม่มีอะไรถูกบันทึก").wait_for()
    row = page.locator("main table tbody tr").first.inner_text()
    assert world.unit_b.code in row and "3" in row
    shoot("10-refused")
    assert Movement.with_pending.count() == movements
    batch = ImportBatch.objects.get(file_name="mixed.csv")
    assert batch.state == State.REFUSED

    page.get_by_role("button", name="ออกจากระบบ").click()
    page.wait_for_url("**/login/**")
    sign_in(page, base, "bob")
    response = page.goto(f"{base}/imports/{batch.pk}/")
    assert response is not None and response.status == 404
    page.goto(f"{base}/imports/")
    assert "mixed.csv" not in page.locator("main").inner_text()
