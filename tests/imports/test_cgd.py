"""The CGD workbook layout: a realistic xlsx (title, as-of line, group row, measure row, million baht)
through the pipeline and `pts import cgd`; figures stored exactly, undone, isolated; fuzzed."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from pts.cli import main
from pts.imports import pipeline
from pts.imports.layouts import cgd
from pts.imports.layouts.base import Context, RowError, Units
from pts.imports.models import BatchIssue, ExternalFigure, ImportBatch, State
from pts.organisations.permissions import SYSTEM

pytestmark = pytest.mark.django_db(transaction=True)

MEASURES = ["งบประมาณหลังโอนเปลี่ยนแปลง", "ได้รับจัดสรร", "PO/สำรองเงินมีหนี้", "เบิกจ่าย", "% เบิกจ่าย", "ใช้จ่าย",
            "% ใช้จ่าย", "ต่ำกว่าเป้าหมาย (จุด)"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _group(budget, allocated, committed, disbursed, spent, pct=None):
    shown = round(disbursed * 100 / budget, 2) if pct is None else pct
    return [budget, allocated, committed, disbursed, shown, spent, round(spent * 100 / budget, 2), -1.5]


def workbook(rows, *, as_of_line="ข้อมูล ณ วันที่ 15 ธันวาคม 2565", date_cell=None, title=True,
             merged=True) -> bytes:
    """The CGD sheet as published: each group's label merged across its eight columns."""
    wb = Workbook()
    ws = wb.active
    ws.title = "ผลการเบิกจ่าย"
    if title:
        ws.append(["รายงานผลการเบิกจ่ายงบประมาณรายจ่ายประจำปีงบประมาณ พ.ศ. 2566 (หน่วย: ล้านบาท)"])
    ws.append([as_of_line] + ([date_cell] if date_cell else []))
    ws.append([])
    ws.append(["ส่วนราชการ", "รายจ่ายประจำ", *[None] * 7, "รายจ่ายลงทุน", *[None] * 7, "รวม", *[None] * 7])
    if merged:
        group_row = ws.max_row
        for first in (2, 10, 18):
            ws.merge_cells(start_row=group_row, start_column=first, end_row=group_row, end_column=first + 7)
    ws.append([None, *MEASURES * 3])
    for name, recurring, capital in rows:
        overall = [_num(a) + _num(b) for a, b in zip(recurring, capital, strict=True)]
        overall[4] = round(overall[3] * 100 / overall[0], 2)
        overall[6] = round(overall[5] * 100 / overall[0], 2)
        overall[7] = 0
        ws.append([name, *recurring, *capital, *overall])
    ws.append(["รวมทั้งสิ้น", *[None] * 24])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _num(value):
    return value if isinstance(value, (int, float)) else 1.0


def _rows(world):
    return [("หน่วยงานเอ", _group(120.5, 100.25, 30.123456, 45.5, 50.0), _group(80.0, 60.0, 20.0, 10.0, 12.0)),
            (world.unit_b.code, _group(10.0, 10.0, 0, 1.25, 1.25), _group(5.0, 5.0, 0, 0, 0))]


def _import(content, actor=SYSTEM, name="cgd-2565-12.xlsx"):
    batch = pipeline.start(actor=actor, layout="cgd", source=io.BytesIO(content), file_name=name, fiscal_year=2566)
    pipeline.read(batch)
    if batch.state == State.PREVIEWED:
        pipeline.commit(batch)
    return batch


def _issues(batch):
    return list(BatchIssue.objects.filter(batch=batch, warning=False).values_list("row", "column", "value", "message_en"))


def test_the_workbook_is_stored_to_the_satang_and_undo_removes_it(world, english):
    batch = _import(workbook(_rows(world)))
    assert batch.state == State.COMMITTED, _issues(batch)
    assert batch.summary["as_of"] == "2022-12-15"
    figures = {(f.unit_id, f.series): f for f in ExternalFigure.objects.filter(batch=batch)}
    assert len(figures) == 6
    a = figures[(world.unit_a.pk, "recurring")]
    assert (a.budget_after_transfers, a.allocated, a.committed, a.disbursed, a.spent) == (
        12_050_000_000, 10_025_000_000, 3_012_345_600, 4_550_000_000, 5_000_000_000)
    assert a.as_of == date(2022, 12, 15) and a.source == "cgd"
    assert figures[(world.unit_a.pk, "overall")].budget_after_transfers == 20_050_000_000
    assert figures[(world.unit_b.pk, "recurring")].disbursed == 125_000_000
    assert batch.summary["warnings"] == []
    pipeline.request_undo(batch, SYSTEM)
    pipeline.undo(batch)
    assert batch.state == State.UNDONE
    assert not ExternalFigure.objects.exists()


def test_the_group_labels_may_be_unmerged_too_but_merged_data_cells_are_refused(world, english):
    assert _import(workbook(_rows(world), merged=False)).state == State.COMMITTED
    wb = load_workbook(io.BytesIO(workbook(_rows(world))))
    wb.active.merge_cells("B7:C7")  # among the data
    out = io.BytesIO()
    wb.save(out)
    batch = _import(out.getvalue(), name="merged-data.xlsx")
    assert batch.state == State.REFUSED
    assert any("B7:C7" in message for *_, message in _issues(batch))


def test_a_date_cell_beside_the_line_and_a_wrong_percentage_is_a_warning(world, english):
    rows = _rows(world)
    rows[0] = (rows[0][0], _group(120.5, 100.25, 30.0, 45.5, 50.0, pct=99.0), rows[0][2])
    batch = _import(workbook(rows, as_of_line="ข้อมูล ณ วันที่", date_cell=datetime(2023, 1, 31)))
    assert batch.state == State.COMMITTED, _issues(batch)
    assert batch.summary["as_of"] == "2023-01-31"
    [warning] = batch.summary["warnings"]
    assert warning["row"] == 6 and warning["column"] == "รายจ่ายประจำ:% เบิกจ่าย" and warning["value"] == "99.0"
    stored = BatchIssue.objects.get(batch=batch, warning=True)
    assert (stored.row, stored.column, stored.value) == (6, "รายจ่ายประจำ:% เบิกจ่าย", "99.0")
    assert "does not match" in stored.message_en and "ไม่ตรง" in stored.message_th


def test_bad_cells_are_errors_naming_row_and_column_and_nothing_is_written(world, english):
    rows = _rows(world)
    rows[0] = ("กรมที่ไม่มี", rows[0][1], rows[0][2])
    bad = _group(1.0, 1.0, 1.0, 1.0, 1.0)
    bad[0] = "1.1234567"  # finer than a baht
    bad[3] = "abc"
    rows[1] = (rows[1][0], bad, rows[1][2])
    batch = _import(workbook(rows))
    assert batch.state == State.REFUSED
    issues = _issues(batch)
    assert (6, "ส่วนราชการ", "กรมที่ไม่มี") in [i[:3] for i in issues]
    assert (7, "รายจ่ายประจำ:งบประมาณหลังโอนเปลี่ยนแปลง", "1.1234567") in [i[:3] for i in issues]
    assert (7, "รายจ่ายประจำ:เบิกจ่าย", "abc") in [i[:3] for i in issues]
    assert "unknown agency" in " ".join(i[3] for i in issues)
    assert not ExternalFigure.objects.exists()


def test_the_as_of_line_may_be_the_first_row_in_thai_digits(world, english):
    batch = _import(workbook(_rows(world), as_of_line="ข้อมูล ณ วันที่ ๓๑ ม.ค. ๖๖", title=False))
    assert batch.state == State.COMMITTED, _issues(batch)
    assert set(ExternalFigure.objects.values_list("as_of", flat=True)) == {date(2023, 1, 31)}


def test_an_as_of_date_outside_the_year_is_refused(world, english):
    batch = _import(workbook(_rows(world), as_of_line="ข้อมูล ณ วันที่ 15 ธันวาคม 2566"))
    assert batch.state == State.REFUSED
    assert "outside fiscal year 2566" in " ".join(i[3] for i in _issues(batch))


def test_no_as_of_line_refuses_the_file(world, english):
    batch = _import(workbook(_rows(world), as_of_line="รายงานประจำเดือน"))
    assert batch.state == State.REFUSED
    assert "as-of date" in " ".join(i[3] for i in _issues(batch))


def test_an_officer_cannot_import_another_units_row(world, english):
    batch = _import(workbook(_rows(world)), actor=world.alice)  # alice: unit A only; row 7 is unit B
    assert batch.state == State.REFUSED
    issues = _issues(batch)
    assert any(row == 7 and column == "ส่วนราชการ" and value == world.unit_b.code and "may write" in message
               for row, column, value, message in issues)
    assert not ExternalFigure.objects.exists()


def test_the_command_line(world, tmp_path, capsys):
    path = tmp_path / "cgd.xlsx"
    path.write_bytes(workbook(_rows(world)))
    assert main(["import", "cgd", str(path), "--fiscal-year", "2566"]) == 0
    assert "created: 6" in capsys.readouterr().out
    batch = ImportBatch.objects.get(layout="cgd")
    assert main(["import", "cgd", str(path), "--fiscal-year", "2566"]) == 2  # the same file twice
    assert main(["import-undo", str(batch.pk)]) == 0
    assert not ExternalFigure.objects.exists()
    rows = _rows(world)
    rows[0] = (rows[0][0], _group(120.5, 100.25, 30.0, 45.5, 50.0, pct=99.0), rows[0][2])
    odd = tmp_path / "odd.xlsx"
    odd.write_bytes(workbook(rows))
    assert main(["import", "cgd", str(odd), "--fiscal-year", "2566", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "1 warning(s)" in out and "row 6, column รายจ่ายประจำ:% เบิกจ่าย, value '99.0'" in out
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook([("ไม่มีหน่วยนี้", *_rows(world)[0][1:])]))
    assert main(["import", "cgd", str(bad), "--fiscal-year", "2566"]) == 2
    assert "ไม่มีหน่วยนี้" in capsys.readouterr().err


def test_million_baht_is_exact():
    assert cgd.million("12.34") == 1_234_000_000
    assert cgd.million(12.34) == 1_234_000_000
    assert cgd.million("๑,๒๓๔.๕") == 123_450_000_000
    assert cgd.million("0.000001") == 100  # one baht
    assert cgd.million("-") == 0
    for bad in ("0.0000001", "1e400", "nan", "x", True):
        with pytest.raises(cgd.cells.CellError):
            cgd.million(bad)


CELL = st.one_of(st.none(), st.text(max_size=30), st.integers(-10**25, 10**25), st.floats(allow_nan=True),
                 st.booleans(), st.datetimes(), st.dates(), st.sampled_from(["รายจ่ายประจำ", "รายจ่ายลงทุน", "รวม",
                                                                              "วันที่ 15 ธันวาคม 2565", "-", "1,2"]))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=st.lists(st.lists(CELL, max_size=30), max_size=12))
def test_fuzz_locate_header_and_row_never_crash(rows, world):
    layout = cgd.LAYOUT
    try:
        _n, header, options = layout.locate_header(iter(enumerate(rows, start=1)))
    except RowError:
        header, options = [str(c) for c in (rows[0] if rows else [])], {"as_of": "2022-12-15"}
    ctx = Context(actor=SYSTEM, fiscal_year=world_year(), batch=None,  # type: ignore[arg-type]
                  units=Units({world.unit_a.code: world.unit_a}, {world.unit_b.code}), options=options)
    ctx.header = header
    ctx.columns = layout.recognise(header) or {"agency": 0}
    layout.begin(ctx)
    for i, row in enumerate(rows, start=6):
        try:
            list(layout.row(ctx, row, i))
        except RowError as exc:
            assert all(isinstance(p[2], str) and p[2] for p in exc.problems)


def world_year():
    from pts.budget.models import FiscalYear

    return FiscalYear.objects.get(be_year=2566)


@settings(max_examples=300, deadline=None)
@given(cell=st.one_of(CELL, st.text(alphabet="วันที่ ๐๑๒๓๔๕๖๗๘๙0123456789.,-%()/ธันวาคมพ.ย.e", max_size=40)))
def test_fuzz_cell_readers_raise_only_cell_errors(cell):
    for reader in (cgd.million, cgd.points):
        try:
            reader(cell)
        except cgd.cells.CellError as exc:
            assert exc.message
    found = cgd.as_of(f"ข้อมูล ณ วันที่ {cell}" if isinstance(cell, str) else cell)
    assert found is None or isinstance(found, date)
