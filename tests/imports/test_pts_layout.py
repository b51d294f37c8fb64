"""The PTS procurement sheet through the import pipeline (`pts import pts`): the sheet's own reader's
errors become the import's, per row and column; commit goes through `sheet_import`; undo is refused."""

from __future__ import annotations

import io
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from pts.budget.models import FiscalYear
from pts.cli import main
from pts.imports import pipeline
from pts.imports.layouts import pts as pts_layout
from pts.imports.layouts.base import Context, RowError
from pts.imports.models import BatchIssue, ImportBatch, State
from pts.procurement import queries, sheet
from pts.procurement.models import ImportBatch as SheetBatch
from pts.procurement.models import Project
from pts.procurement.sheet import FIRST_DATA_ROW, columns
from tests.procurement.factories import make_project

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def export() -> bytes:
    fy = FiscalYear.objects.get(be_year=2566)
    projects = list(queries.projects_of(Project.objects.all()).order_by("unit__path", "name", "id"))
    return sheet.export_workbook(projects, fiscal_year=fy, latest=queries.latest_updates(p.pk for p in projects))


def changed(content: bytes, edits: dict[tuple[str, str], object]) -> bytes:
    """The sheet with cells changed: (project name, column key) -> value."""
    wb = load_workbook(io.BytesIO(content))
    ws = wb["PTS"]
    keys = [c.key for c in columns()]
    for (name, key), value in edits.items():
        row = next(r for r in range(FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, keys.index("name") + 1).value == name)
        ws.cell(row, keys.index(key) + 1).value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def projects(world):
    make_project(unit=world.unit_a, actor=world.alice, name="จัดซื้อครุภัณฑ์", method="specific", category="operating",
                 allocated=99_000_00)
    make_project(unit=world.unit_b, actor=world.bob, name="ก่อสร้างรั้ว", method="e-market", allocated=450_000_00)


def test_the_command_line_imports_the_sheet_and_refuses_undo(world, tmp_path, capsys):
    projects(world)
    path = tmp_path / "PTS.xlsx"
    path.write_bytes(changed(export(), {("จัดซื้อครุภัณฑ์", "allocated"): 120000.5}))
    assert main(["import", "pts", str(path), "--fiscal-year", "2566", "--as", "carol"]) == 0
    out = capsys.readouterr().out
    assert "updated: 1" in out
    assert Project.objects.get(name="จัดซื้อครุภัณฑ์").allocated == 120_000_50
    batch = ImportBatch.objects.get(layout="pts", state=State.COMMITTED)
    assert SheetBatch.objects.filter(pk=batch.summary["procurement_batch"], sha256=batch.sha256).exists()
    assert main(["import-undo", str(batch.pk), "--as", "carol"]) == 2
    err = capsys.readouterr().err
    assert "corrected sheet" in err or "แผ่นงานที่แก้แล้ว" in err
    batch.refresh_from_db()
    assert batch.state == State.COMMITTED
    with pytest.raises(pipeline.ImportRefused):
        pipeline.request_undo(batch, world.carol)


def test_errors_of_the_sheet_are_the_imports_errors_and_nothing_is_written(world, english):
    projects(world)
    content = changed(export(), {("จัดซื้อครุภัณฑ์", "allocated"): "หนึ่งล้าน",
                                 ("ก่อสร้างรั้ว", "allocated"): 500000})  # unit B's row: not alice's
    before = list(Project.objects.order_by("pk").values())
    batch = pipeline.start(actor=world.alice, layout="pts", source=io.BytesIO(content), file_name="bad.xlsx",
                           fiscal_year=2566)
    pipeline.read(batch)
    assert batch.state == State.REFUSED
    issues = list(BatchIssue.objects.filter(batch=batch).values_list("row", "column", "value", "message_en"))
    keys = [c.key for c in columns()]
    from openpyxl.utils import get_column_letter

    allocated = get_column_letter(keys.index("allocated") + 1)
    rows = {name: r for r, name in ((FIRST_DATA_ROW, "จัดซื้อครุภัณฑ์"), (FIRST_DATA_ROW + 1, "ก่อสร้างรั้ว"))}
    assert any(row == rows["จัดซื้อครุภัณฑ์"] and column.startswith(allocated + " ") and value == "หนึ่งล้าน"
               and "not an amount" in message for row, column, value, message in issues), issues
    assert any(row == rows["ก่อสร้างรั้ว"] and "not a unit you may change" in message
               for row, _c, _v, message in issues), issues
    assert list(Project.objects.order_by("pk").values()) == before and not SheetBatch.objects.exists()


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(content=st.one_of(st.binary(max_size=300), st.just(b"PK\x03\x04" + b"\0" * 40)),
       rows=st.lists(st.lists(st.one_of(st.none(), st.text(max_size=10), st.integers(), st.floats()), max_size=6),
                     max_size=5))
def test_fuzz_never_crashes(content, rows, world, tmp_path_factory):
    from pts.imports.pipeline import media_dir
    from pts.organisations.permissions import SYSTEM

    name = f"{uuid.uuid4().hex}.upload"
    (media_dir() / name).write_bytes(content)
    batch = ImportBatch(fiscal_year=FiscalYear.objects.get(be_year=2566), stored_file=name, file_name="x.xlsx")
    ctx = Context(actor=SYSTEM, fiscal_year=batch.fiscal_year, batch=batch)
    layout = pts_layout.LAYOUT
    layout.begin(ctx)
    for i, row in enumerate(rows, start=1):
        try:
            list(layout.row(ctx, row, i))
        except RowError as exc:
            assert all(p[2] for p in exc.problems)
    try:
        list(layout.end(ctx))
    except RowError as exc:
        assert all(p[2] for p in exc.problems)



def test_the_system_imports_a_sheet_and_the_same_file_twice_is_refused(world, tmp_path, capsys):
    projects(world)
    path = tmp_path / "PTS.xlsx"
    path.write_bytes(changed(export(), {("ก่อสร้างรั้ว", "allocated"): 460000}))
    assert main(["import", "pts", str(path), "--fiscal-year", "2566"]) == 0
    assert Project.objects.get(name="ก่อสร้างรั้ว").allocated == 460_000_00
    assert main(["import", "pts", str(path), "--fiscal-year", "2566"]) == 2
    assert SheetBatch.objects.count() == 1
