"""The bureau's sheet (CSV): work groups, activities, request forms and monthly disbursement through
the pipeline and `pts import bureau`; undo restores every figure; isolation; fuzzed."""

from __future__ import annotations

import io
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pts.budget import rollup
from pts.budget.models import Activity, FiscalYear, Movement, ReservationForm
from pts.budget.queries import figures_by_unit_category
from pts.cli import main
from pts.imports import pipeline
from pts.imports.layouts import bureau
from pts.imports.layouts.base import Context, RowError, Units
from pts.imports.models import BatchIssue, ImportBatch, State
from pts.organisations.permissions import SYSTEM

pytestmark = pytest.mark.django_db(transaction=True)

MONTHS = "ต.ค. 65,พ.ย. 65,ธ.ค. 65,ม.ค. 66,ก.พ. 66,มี.ค. 66,เม.ย. 66,พ.ค. 66,มิ.ย. 66,ก.ค. 66,ส.ค. 66,ก.ย. 66"
HEADER = f"กลุ่มงาน,รหัสกิจกรรม,กิจกรรม,งบรายจ่าย,เลขที่ใบขอใช้เงิน,จำนวนเงินขอใช้,วันที่ขอใช้เงิน,{MONTHS}\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _csv(rows, header=HEADER, encoding="utf-8-sig"):
    return io.BytesIO((header + "".join(",".join(r) + "\n" for r in rows)).encode(encoding))


def _rows(world):
    return [
        [world.unit_a.code, "A-01", "ประชุมวิชาการ", "งบดำเนินงาน", "ขอ 1/2566", '"10,000.00"', "05/10/2565",
         "", '"4,000.50"', "6000", "1000", *[""] * 8],
        ["หน่วยงานเอ", "", "อบรมเจ้าหน้าที่", "operating", "ขอ 2/2566", "2500", "2022-11-01", "", "", "๕๐๐", *[""] * 9],
        [world.unit_b.code, "B-09", "ซ่อมอาคาร", "งบลงทุน", "", "", "", *[""] * 11, "123.45"],
    ]


def _import(content, actor=SYSTEM, name="bureau.csv", replace=False):
    batch = pipeline.start(actor=actor, layout="bureau", source=content, file_name=name, fiscal_year=2566,
                           replace=replace)
    pipeline.read(batch)
    if batch.state == State.PREVIEWED:
        pipeline.commit(batch)
    return batch


def _figures():
    figures = figures_by_unit_category(fiscal_year=FiscalYear.objects.get(be_year=2566), as_of=date(2023, 9, 30))
    return {key: (f.disbursed, f.reserved) for key, f in figures.items() if (f.disbursed, f.reserved) != (0, 0)}


def _issues(batch):
    return list(BatchIssue.objects.filter(batch=batch).values_list("row", "column", "value", "message_en"))


def test_forms_activities_and_months_are_written_and_undo_restores_every_figure(world, english):
    before = _figures()
    batch = _import(_csv(_rows(world)))
    assert batch.state == State.COMMITTED, _issues(batch)
    form1 = ReservationForm.objects.get(unit=world.unit_a, number="ขอ 1/2566")
    assert (form1.amount, form1.requested_on, form1.status) == (10_000_00, date(2022, 10, 5), "committed")
    form2 = ReservationForm.objects.get(unit=world.unit_a, number="ขอ 2/2566")
    assert (form2.amount, form2.status, form2.activity.name) == (2_500_00, "open", "อบรมเจ้าหน้าที่")
    assert set(Activity.objects.filter(fiscal_year__be_year=2566).values_list("unit__code", "code")) == {
        (world.unit_a.code, "A-01"), (world.unit_a.code, "อบรมเจ้าหน้าที่"), (world.unit_b.code, "B-09")}
    months = sorted(Movement.objects.filter(unit=world.unit_a, kind="disbursement").values_list("effective_date", "amount"))
    assert months == [(date(2022, 11, 30), 4_000_50), (date(2022, 12, 31), 500_00), (date(2022, 12, 31), 6_000_00),
                      (date(2023, 1, 31), 1_000_00)]
    assert Movement.objects.filter(reservation=form1, kind="reservation").get().amount == 10_000_00
    after = _figures()
    # form 1: 10,000.50 disbursed by December (released whole then); form 2 stays reserved in full
    assert after[(world.unit_a.pk, "operating")] == (11_500_50, 2_500_00)
    assert Movement.objects.filter(reservation=form1, kind="reservation_release").get().effective_date == date(2022, 12, 31)
    assert after[(world.unit_b.pk, "capital")] == (123_45, 0)
    assert rollup.differences()[1] == 0
    pipeline.request_undo(batch, SYSTEM)
    pipeline.undo(batch)
    assert batch.state == State.UNDONE
    assert _figures() == before
    assert set(ReservationForm.objects.values_list("status", flat=True)) == {"cancelled"}
    assert rollup.differences()[1] == 0


def test_a_corrected_sheet_replaces_the_earlier_import(world, english):
    first = _import(_csv(_rows(world)))
    assert first.state == State.COMMITTED, _issues(first)
    again = _import(_csv(_rows(world)[:2]), name="bureau-2.csv")
    assert again.state == State.REFUSED  # the forms are already recorded
    assert "already recorded" in " ".join(i[3] for i in _issues(again))
    same = _import(_csv(_rows(world)), name="bureau-again.csv", replace=True)  # the same file, replacing
    assert same.state == State.COMMITTED, _issues(same)
    first.refresh_from_db()
    assert first.state == State.UNDONE
    assert _figures()[(world.unit_a.pk, "operating")] == (11_500_50, 2_500_00)
    # a corrected sheet: undo the import, then import the corrected file; its forms are reopened
    pipeline.request_undo(same, SYSTEM)
    pipeline.undo(same)
    rows = _rows(world)
    rows[1][5] = "3000"
    fixed = _import(_csv(rows), name="bureau-3.csv")
    assert fixed.state == State.COMMITTED, _issues(fixed)
    assert ReservationForm.objects.filter(number="ขอ 2/2566").get().amount == 3_000_00
    assert ReservationForm.objects.count() == 2
    assert _figures()[(world.unit_a.pk, "operating")] == (11_500_50, 3_000_00)
    assert rollup.differences()[1] == 0


def test_bad_rows_name_row_and_column_and_nothing_is_written(world, english):
    movements, forms = Movement.with_pending.count(), ReservationForm.objects.count()
    rows = _rows(world)
    rows[0][0] = "กลุ่มที่ไม่มี"
    rows[1][5] = "abc"
    rows[1][6] = "31/02/2566"
    rows[2][3] = "ไม่มีงบนี้"
    batch = _import(_csv(rows, encoding="cp874"))
    assert batch.state == State.REFUSED
    where = {(row, column, value) for row, column, value, _m in _issues(batch)}
    assert {(2, "กลุ่มงาน", "กลุ่มที่ไม่มี"), (3, "จำนวนเงินขอใช้", "abc"), (3, "วันที่ขอใช้เงิน", "31/02/2566"),
            (4, "งบรายจ่าย", "ไม่มีงบนี้")} <= where
    assert (Movement.with_pending.count(), ReservationForm.objects.count()) == (movements, forms)
    assert not Activity.objects.exists()


def test_a_month_column_of_another_year_is_refused(world, english):
    batch = _import(_csv(_rows(world), header=HEADER.replace("ต.ค. 65", "ต.ค. 66")))
    assert batch.state == State.REFUSED
    assert "not in fiscal year 2566" in " ".join(i[3] for i in _issues(batch))


def test_an_officer_cannot_import_another_units_rows(world, english):
    movements = Movement.with_pending.count()
    batch = _import(_csv(_rows(world)), actor=world.alice)  # alice: unit A; row 4 is unit B's
    assert batch.state == State.REFUSED
    assert any(row == 4 and column == "กลุ่มงาน" and value == world.unit_b.code and "may write" in message
               for row, column, value, message in _issues(batch))
    assert Movement.with_pending.count() == movements
    assert not ReservationForm.objects.exists() and not Activity.objects.exists()
    mine = _import(_csv(_rows(world)[:2]), actor=world.alice, name="mine.csv")
    assert mine.state == State.COMMITTED, _issues(mine)


def test_the_command_line(world, tmp_path, capsys):
    path = tmp_path / "bureau.csv"
    path.write_bytes(_csv(_rows(world)).getvalue())
    assert main(["import", "bureau", str(path), "--fiscal-year", "2566", "--dry-run"]) == 0
    assert not ReservationForm.objects.exists()
    assert main(["import", "bureau", str(path), "--fiscal-year", "2566"]) == 0
    assert "created: 2" in capsys.readouterr().out
    batch = ImportBatch.objects.get(layout="bureau", state=State.COMMITTED)
    assert main(["import-undo", str(batch.pk)]) == 0
    assert _figures() == {}


def test_undo_is_refused_once_a_form_was_changed_by_hand(world, english):
    from pts.budget import actions

    batch = _import(_csv(_rows(world)))
    form = ReservationForm.objects.get(number="ขอ 2/2566")
    actions.reservation_cancel(actor=SYSTEM, reservation=form, effective_date=date(2023, 2, 1))
    with pytest.raises(pipeline.ImportRefused, match="changed status"):
        pipeline.request_undo(batch, SYSTEM)
    batch.refresh_from_db()
    assert batch.state == State.COMMITTED


CELL = st.one_of(st.none(), st.text(max_size=25), st.integers(-10**22, 10**22), st.floats(), st.booleans(),
                 st.dates(), st.sampled_from(["AG-A", "AG-B", "หน่วยงานเอ", "งบลงทุน", "6611320", "1,000", "(5)",
                                              "31/12/2565", "-", "ต.ค. 65"]))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=st.lists(st.lists(CELL, min_size=0, max_size=22), max_size=10))
def test_fuzz_row_never_crashes(rows, world):
    layout = bureau.LAYOUT
    header = HEADER.strip().split(",")
    batch = ImportBatch(fiscal_year=FiscalYear.objects.get(be_year=2566))
    ctx = Context(actor=SYSTEM, fiscal_year=batch.fiscal_year, batch=batch,
                  units=Units({world.unit_a.code: world.unit_a}, {world.unit_b.code}))
    ctx.header = header
    ctx.columns = layout.recognise(header)
    layout.begin(ctx)
    for i, row in enumerate(rows, start=2):
        try:
            list(layout.row(ctx, row, i))
        except RowError as exc:
            assert all(isinstance(p[2], str) and p[2] for p in exc.problems)
    try:
        list(layout.end(ctx))
    except RowError:
        pass
    for name in [*header, "ตุลาคม 2565", "ก.ย.", "๑๒", ""]:
        bureau.month_header(name)
