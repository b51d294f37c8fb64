"""The coordinator settles a difference between a unit's report and the imported GFMIS lines, from the
board, in Chromium at 1366 px, in Thai. `pytest --screenshots` saves each step to
tests/screenshots/test_reconcile/ (PNG)."""

from __future__ import annotations

import io

import pytest

from pts.budget import rollup
from pts.budget.queries import unit_figures
from pts.imports import pipeline
from pts.imports.models import ReconDecision, State
from pts.organisations.permissions import SYSTEM
from pts.reporting import actions as reporting
from pts.reporting.models import MonthlyReport
from tests.conftest import SCREENSHOTS
from tests.factories import PASSWORD
from tests.reporting.factories import allocate, at, make_scheme, period_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HEADER = "เลขที่เอกสาร,ประเภทเอกสาร,วันที่ผ่านรายการ,รหัสหน่วยเบิกจ่าย,รหัสแหล่งของเงิน,จำนวนเงิน\n"


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="th-TH")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


@pytest.fixture
def shoot(page, request):
    folder = SCREENSHOTS / "test_reconcile"

    def take(name: str) -> None:
        if request.config.getoption("--screenshots"):
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    return take


def test_the_coordinator_takes_the_imported_figure_from_the_board(page, shoot, live_server, world, settings):
    settings.PTS_TODAY = "2022-11-16"
    scheme = make_scheme(world)
    allocate(world, world.unit_a, "operating", 1_000_000_00)
    period = period_of(scheme, 2022, 11)
    text = HEADER + f"K1,เบิกจ่าย,10/11/2565,{world.unit_a.code},6611210,\"120,000.00\"\n"
    batch = pipeline.start(actor=SYSTEM, layout="gfmis", source=io.BytesIO(text.encode()), file_name="nov.csv",
                           fiscal_year=2566)
    pipeline.read(batch)
    pipeline.commit(batch)
    assert batch.state == State.COMMITTED
    report = reporting.report_save_draft(actor=world.alice, period=period, unit=world.unit_a,
                                         lines={"operating": (0, 150_000_00)}, obstacles="", version=0,
                                         now=at(2022, 11, 16))
    reporting.report_submit(actor=world.alice, report=report, version=report.version, now=at(2022, 11, 16))

    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "carol")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/reports/periods/{period.pk}/")
    shoot("1-board")
    page.get_by_role("link", name="ยอดไม่ตรงกัน 1 รายการ").click()
    page.wait_for_load_state()
    shoot("2-differences")
    row = page.locator("#differences tbody tr")
    assert row.count() == 1
    cells = row.first.inner_text()
    assert "AG-A" in cells and "งบดำเนินงาน" in cells and "พ.ย. 65" in cells
    assert "150,000.00" in cells and "120,000.00" in cells and "30,000.00" in cells
    row.first.get_by_role("button", name="ใช้ยอดตามไฟล์นำเข้า").click()
    page.wait_for_load_state()
    shoot("3-after-accepting")
    assert "ใช้ยอดตามไฟล์นำเข้าแล้ว" in page.locator(".messages").inner_text()
    assert page.locator("#no-differences").count() == 1
    decision = ReconDecision.objects.get()
    assert (decision.source, decision.reported, decision.imported, decision.decided_by) == (
        "import", 150_000_00, 120_000_00, world.carol)
    figures = unit_figures(fiscal_year=2566, unit=world.unit_a, as_of=period.as_of, include_subtree=False)
    assert figures["operating"].disbursed == 120_000_00
    assert rollup.differences()[1] == 0
    page.goto(f"{base}/reports/periods/{period.pk}/")
    assert page.get_by_text("ยอดไม่ตรงกัน").count() == 0


def test_the_officer_fills_the_report_form_from_their_gfmis_file(page, shoot, live_server, world, settings, tmp_path):
    settings.PTS_TODAY = "2022-11-16"
    scheme = make_scheme(world)
    allocate(world, world.unit_a, "operating", 1_000_000_00)
    period = period_of(scheme, 2022, 11)
    export = tmp_path / "gfmis-nov.csv"
    export.write_bytes(b"\xef\xbb\xbf" + (HEADER + "P1,PO,01/11/2565,AG-A,6611210,\"120,000.00\"\n"
                                         "K1,เบิกจ่าย,10/11/2565,AG-A,6611210,45000.50\n").encode())
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/reports/periods/{period.pk}/units/{world.unit_a.pk}/")
    page.locator("#gfmis-fill input[type=file]").set_input_files(str(export))
    page.get_by_role("button", name="เติมจากไฟล์ GFMIS").click()
    page.wait_for_load_state()
    shoot("4-report-form-filled")
    assert page.locator("input[name=operating_committed]").input_value() == "120,000.00"
    assert page.locator("input[name=operating_disbursed]").input_value() == "45,000.50"
    assert "gfmis-nov.csv" in page.locator("#gfmis-fill").inner_text()
    page.get_by_role("button", name="บันทึกร่าง").click()
    page.wait_for_load_state()
    report = MonthlyReport.objects.get(period=period, unit=world.unit_a)
    assert {x.category: (x.committed, x.disbursed) for x in report.lines.all() if x.committed or x.disbursed} == {
        "operating": (120_000_00, 45_000_50)}
