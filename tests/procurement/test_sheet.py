"""The PTS spreadsheet: export -> import is lossless; a bad sheet is refused cell by cell, storing nothing."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook

from pts.audit.models import AuditEvent
from pts.budget.models import FiscalYear
from pts.procurement import actions, queries, sheet
from pts.procurement.models import ImportBatch, Instalment, Milestone, Project, RoundUpdate
from pts.procurement.sheet import FIRST_DATA_ROW, columns
from tests.procurement.factories import BAHT, at, make_project

pytestmark = pytest.mark.django_db
NOW = at(date(2023, 2, 14))


def export(user=None) -> bytes:
    fy = FiscalYear.objects.get(be_year=2566)
    projects = list(queries.projects_of(Project.objects.all()).order_by("unit__path", "name", "id"))
    return sheet.export_workbook(projects, fiscal_year=fy, latest=queries.latest_updates(p.pk for p in projects))


def cells(content: bytes) -> list[list]:
    """What the sheet holds, read the way the import reads it."""
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name("PTS").to_python()


def comparable(content: bytes) -> list[list]:
    """Every cell but "last updated" (written by the system, ignored on import)."""
    keys = [c.key for c in columns()]
    drop = keys.index("last_updated")
    return [row[:drop] + row[drop + 1:] for row in cells(content)]


def rich_projects(world) -> list[Project]:
    """Projects that use every column, with text that looks like formulas and a leading apostrophe."""
    a = make_project(unit=world.unit_a, actor=world.alice, name="=HYPERLINK(\"http://x\",\"คลิก\")",
                     egp_number="๖๖๐๑๙๑๒๓๔๕๖", fund_code="6611320", reference_price=1_450_000_50,
                     officer_name="'นายสมชาย", multi_year=True, allocated=1_500_000_75)
    actions.project_update(actor=world.alice, project=a, contract_number="+12/2566", contract_value=1_399_999_99,
                           contractor="@บริษัท ก่อสร้าง จำกัด", po_number="PO-1", po_date=date(2023, 1, 6), now=NOW)
    plan = {m.code: m.planned for m in a.milestones.all()}
    actions.milestones_update(actor=world.carol, project=a, now=NOW, actual={
        "annual_plan": plan["annual_plan"], "tor_committee": date(2022, 11, 9), "contract_signed": date(2023, 1, 5)},
        planned={"bid_day": date(2022, 12, 20)})
    actions.round_update(actor=world.alice, project=a, now=NOW, obstacles="-ผู้รับจ้างส่งมอบล่าช้า\n-ฝนตกหนัก",
                         remedy="\tเร่งรัด")
    b = make_project(unit=world.unit_a, actor=world.alice, name="จัดซื้อครุภัณฑ์", method="specific",
                     category="operating", allocated=99_000_01)
    c = make_project(unit=world.unit_b, actor=world.bob, name="ก่อสร้างรั้ว", method="e-market",
                     allocated=450_000 * BAHT)
    return [a, b, c]


def test_dangerous_text_is_exported_as_text_never_as_a_formula(world):
    rich_projects(world)
    ws = load_workbook(io.BytesIO(export()))["PTS"]
    values = [cell for row in ws.iter_rows(min_row=FIRST_DATA_ROW) for cell in row]
    assert not [c for c in values if c.data_type == "f"]
    texts = {c.value for c in values if isinstance(c.value, str)}
    assert "'=HYPERLINK(\"http://x\",\"คลิก\")" in texts and "'+12/2566" in texts and "''นายสมชาย" in texts
    assert any(t.startswith("'-ผู้รับจ้าง") for t in texts)


def test_amounts_are_exact_numbers_codes_are_text_and_dates_are_be_text(world):
    rich_projects(world)
    keys = [c.key for c in columns()]
    row = cells(export())[FIRST_DATA_ROW - 1]
    value = dict(zip(keys, row, strict=True))
    assert Decimal(repr(value["allocated"])) == Decimal("1500000.75")
    assert value["egp_number"] == "66019123456" and value["fund_code"] == "6611320"
    assert value["contract_signed.actual"] == value["contract_date"] == "05/01/2566"
    assert value["multi_year"] == "ผูกพันข้ามปี" and value["method"] == "e-bidding"


def test_export_then_import_into_an_empty_year_loses_nothing(world):
    rich_projects(world)
    first = export()
    RoundUpdate.objects.all().delete()
    Instalment.objects.all().delete()
    Project.objects.all().delete()
    batch = actions.sheet_import(actor=world.carol, fiscal_year=2566, content=first, file_name="PTS.xlsx", now=NOW)
    assert (batch.rows, batch.created, batch.updated) == (3, 3, 0)
    assert comparable(export()) == comparable(first)
    a = Project.objects.get(egp_number="66019123456")
    assert (a.name, a.officer_name, a.contractor, a.allocated) == (
        "=HYPERLINK(\"http://x\",\"คลิก\")", "'นายสมชาย", "@บริษัท ก่อสร้าง จำกัด", 1_500_000_75)
    assert RoundUpdate.objects.get(project=a).obstacles == "-ผู้รับจ้างส่งมอบล่าช้า\n-ฝนตกหนัก"


def test_importing_the_sheet_just_exported_changes_nothing_but_files_the_round(world):
    rich_projects(world)
    content = export()
    before = {m.pk: (m.planned, m.actual) for m in Milestone.objects.all()}
    parsed = sheet.read_sheet(content, file_name="PTS.xlsx", actor=world.carol,
                              fiscal_year=FiscalYear.objects.get(be_year=2566), now=NOW)
    assert parsed.ok and parsed.counts() == {"create": 0, "update": 0, "round": 2, "unchanged": 1}
    actions.sheet_import(actor=world.carol, fiscal_year=2566, content=content, file_name="PTS.xlsx", now=NOW)
    assert {m.pk: (m.planned, m.actual) for m in Milestone.objects.all()} == before
    again = sheet.read_sheet(content, file_name="PTS.xlsx", actor=world.carol,
                             fiscal_year=FiscalYear.objects.get(be_year=2566), now=NOW)
    assert again.counts()["unchanged"] == 3


def test_a_changed_cell_updates_the_project_and_files_a_round_update(world):
    rich_projects(world)
    wb = load_workbook(io.BytesIO(export()))
    ws = wb["PTS"]
    keys = [c.key for c in columns()]
    row = next(r for r in range(FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, keys.index("name") + 1).value == "จัดซื้อครุภัณฑ์")
    ws.cell(row, keys.index("allocated") + 1).value = 120000.5  # a number typed in the spreadsheet
    ws.cell(row, keys.index("tor_price.actual") + 1).value = "๒๐ ธ.ค. ๖๕"
    ws.cell(row, keys.index("obstacles") + 1).value = "รอใบเสนอราคา"
    out = io.BytesIO()
    wb.save(out)
    actions.sheet_import(actor=world.carol, fiscal_year=2566, content=out.getvalue(), file_name="แก้.xlsx", now=NOW)
    project = Project.objects.get(name="จัดซื้อครุภัณฑ์")
    assert project.allocated == 120_000_50
    assert project.milestones.get(code="tor_price").actual == date(2022, 12, 20)
    assert project.round_updates.last().obstacles == "รอใบเสนอราคา"


def bad_sheet(world) -> bytes:
    """The exported layout with one bad cell per column that matters."""
    rich_projects(world)
    wb = load_workbook(io.BytesIO(export()))
    ws = wb["PTS"]
    keys = [c.key for c in columns()]

    def put(row: int, key: str, value: object) -> None:
        ws.cell(row, keys.index(key) + 1).value = value

    put(3, "egp_number", "6601912345")
    put(3, "allocated", "หนึ่งล้าน")
    put(4, "tor_price.planned", "31/02/2566")
    put(4, "draft_hearing.planned", "01/12/2565")  # not a step of the specific method
    put(4, "reference_price", 1234.555)
    put(5, "unit_code", "AG-B")  # alice may not change unit B
    put(3, "annual_plan.actual", "01/01/2570")
    put(3, "method", "ประมูล")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.usefixtures("english")
def test_a_malformed_sheet_is_refused_cell_by_cell_and_nothing_is_stored(world):
    content = bad_sheet(world)
    counts = (Project.objects.count(), Milestone.objects.count(), RoundUpdate.objects.count(), AuditEvent.objects.count())
    snapshot = list(Project.objects.order_by("pk").values())
    with pytest.raises(ValidationError) as refused:
        actions.sheet_import(actor=world.alice, fiscal_year=2566, content=content, file_name="bad.xlsx", now=NOW)
    messages = refused.value.messages
    keys = [c.key for c in columns()]

    def col(key: str) -> str:
        from openpyxl.utils import get_column_letter

        return get_column_letter(keys.index(key) + 1)

    expected = [(3, "egp_number", "11 digits"), (3, "allocated", "not an amount"), (4, "tor_price.planned", "not a date"),
                (4, "draft_hearing.planned", "not a step"), (4, "reference_price", "more than 2 decimals"),
                (5, "unit_code", "not a unit you may change"), (3, "annual_plan.actual", "in the future"),
                (3, "method", "unknown procurement method")]
    for row, key, problem in expected:
        assert any(f"sheet PTS row {row} column {col(key)}" in m and problem in m and "แผ่นงาน" not in m for m in messages), (key, messages)
    assert any("'6601912345'" in m for m in messages)
    assert (Project.objects.count(), Milestone.objects.count(), RoundUpdate.objects.count(),
            AuditEvent.objects.count()) == counts
    assert list(Project.objects.order_by("pk").values()) == snapshot and not ImportBatch.objects.exists()


@pytest.mark.usefixtures("english")
def test_a_sheet_in_another_layout_is_refused_by_its_column_keys(world):
    wb = Workbook()
    ws = wb.active
    ws.title = "PTS"
    ws.append(["หน่วยงาน", "โครงการ"])
    ws.append(["agency", "project"])
    out = io.BytesIO()
    wb.save(out)
    parsed = sheet.read_sheet(out.getvalue(), file_name="x.xlsx", actor=world.alice,
                              fiscal_year=FiscalYear.objects.get(be_year=2566), now=NOW)
    assert not parsed.ok and "row 2 column B" in parsed.errors[0].message and "'unit_code'" in parsed.errors[0].message


@pytest.mark.usefixtures("english")
def test_a_file_that_is_not_a_workbook_is_refused(world):
    parsed = sheet.read_sheet(b"not a workbook", file_name="x.xlsx", actor=world.alice,
                              fiscal_year=FiscalYear.objects.get(be_year=2566), now=NOW)
    assert not parsed.ok and "cannot read the file" in parsed.errors[0].message


@pytest.mark.usefixtures("english")
def test_a_file_above_the_size_limit_is_refused(world, settings):
    settings.PTS_IMPORT_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="larger than 100 bytes"):
        actions.sheet_import(actor=world.alice, fiscal_year=2566, content=b"x" * 101, file_name="x.xlsx", now=NOW)


@pytest.mark.usefixtures("english")
def test_the_same_project_twice_in_a_sheet_is_refused(world):
    make_project(unit=world.unit_a, actor=world.alice, name="ซ้ำ")
    wb = load_workbook(io.BytesIO(export()))
    ws = wb["PTS"]
    ws.append([c.value for c in ws[FIRST_DATA_ROW]])
    out = io.BytesIO()
    wb.save(out)
    parsed = sheet.read_sheet(out.getvalue(), file_name="x.xlsx", actor=world.alice,
                              fiscal_year=FiscalYear.objects.get(be_year=2566), now=NOW)
    assert [e.row for e in parsed.errors] == [4] and "repeats row 3" in parsed.errors[0].message


def test_reading_cells_never_goes_through_float_arithmetic():
    assert sheet.read_money(1234.5) == 123450 and sheet.read_money(0.1) == 10
    assert sheet.read_money("๑,๒๓๔.๕๐") == 123450 and sheet.read_money(7) == 700
    with pytest.raises(sheet.CellProblem):
        sheet.read_money(0.001)
    assert sheet.read_text(66019123456.0) == "66019123456"
    assert sheet.unescape("'=1") == "=1" and sheet.unescape("''x") == "'x" and sheet.unescape("'x") == "'x"
    assert sheet.read_date("15/11/2566") == date(2023, 11, 15)


@pytest.mark.usefixtures("english")
def test_the_sheet_is_read_through_the_hardened_reader_a_formula_is_refused_by_its_cell(world):
    make_project(unit=world.unit_a, actor=world.alice, name="จัดซื้อครุภัณฑ์")
    wb = load_workbook(io.BytesIO(export()))
    wb["PTS"].cell(FIRST_DATA_ROW, 6).value = "=1+1"
    out = io.BytesIO()
    wb.save(out)
    parsed = sheet.read_sheet(out.getvalue(), file_name="x.xlsx", actor=world.alice,
                              fiscal_year=FiscalYear.objects.get(be_year=2566), now=NOW)
    assert not parsed.ok and f"cell F{FIRST_DATA_ROW} holds a formula" in parsed.errors[0].message
    csv_file = sheet.read_sheet(b"agency,unit_code\n", file_name="x.csv", actor=world.alice,
                                fiscal_year=FiscalYear.objects.get(be_year=2566), now=NOW)
    assert not csv_file.ok and "it must be a PTS Excel workbook" in csv_file.errors[0].message


def test_an_amount_cell_that_is_not_finite_is_a_cell_problem_not_a_crash():
    for value in (float("inf"), float("-inf"), float("nan")):
        with pytest.raises(sheet.CellProblem):
            sheet.read_money(value)
    with pytest.raises(sheet.CellProblem, match="เกินจำนวนเงินสูงสุดที่รับได้"):
        sheet.read_money(1e300)
