"""The `snapshot` layout: cumulative monthly figures turned into the movements that reach them."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook

from pts.budget import rollup
from pts.budget.models import FiscalYear, Movement
from pts.budget.queries import cumulative_by_month, figures_by_unit_category
from pts.cli import main
from pts.core.fiscal import Month
from pts.imports import pipeline
from pts.imports.models import BatchIssue, State
from pts.organisations.permissions import SYSTEM
from tests.factories import make_allocation

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "unit,month,category,allocated,disbursed,committed"


def _csv(rows, header=HEADER):
    return io.BytesIO((header + "\n" + "".join(",".join(r) + "\n" for r in rows)).encode("utf-8"))


def _import(rows, actor=SYSTEM, name="s.csv", header=HEADER, source=None, replace=False):
    batch = pipeline.start(actor=actor, layout="snapshot", source=source or _csv(rows, header), file_name=name,
                           fiscal_year=2566, replace=replace)
    pipeline.read(batch)
    if batch.state == State.PREVIEWED:
        pipeline.commit(batch)
    return batch


def _errors(batch):
    return " | ".join(BatchIssue.objects.filter(batch=batch).values_list("message_en", flat=True))


def _figures():
    figures = figures_by_unit_category(fiscal_year=FiscalYear.objects.get(be_year=2566), as_of=date(2023, 9, 30))
    return {k: f.as_dict() for k, f in figures.items() if any(f.as_dict().values())}


def _monthly(world, months):
    out = cumulative_by_month(fiscal_year=FiscalYear.objects.get(be_year=2566), units=[world.unit_a, world.unit_b],
                              months=[Month(*m) for m in months])
    return {(u, (m.year, m.month), c): (f.current_allocation, f.disbursed, f.committed_outstanding)
            for (u, m, c), f in out.items()}


def test_cumulative_figures_become_movements_and_a_later_month_adds_only_its_differences(world):
    make_allocation(unit=world.unit_a, amount=500_000_00, category="operating")  # already in the ledger (October)
    before = _figures()
    first = [("AG-A", "2022-10", "operating", "\"1,000,000.00\"", "100000", "0"),
             ("AG-A", "ต.ค. 65", "capital", "200000", "0", "50000"),
             ("AG-A", "2022-11", "operating", "1000000", "250000.50", "0"),
             ("AG-B", "2022-12", "งบลงทุน", "300000", "10", "0"),
             ("AG-A", "2022-12", "operating", "900000", "240000.50", "0")]  # the allocation went down
    batch = _import(first)
    assert batch.state == State.COMMITTED, _errors(batch)
    a, b = world.unit_a.pk, world.unit_b.pk
    assert _monthly(world, [(2022, 10), (2022, 11), (2022, 12)]) == {
        (a, (2022, 10), "operating"): (1_000_000_00, 100_000_00, 0),
        (a, (2022, 11), "operating"): (1_000_000_00, 250_000_50, 0),
        (a, (2022, 12), "operating"): (900_000_00, 240_000_50, 0),
        (a, (2022, 10), "capital"): (200_000_00, 0, 50_000_00),
        (a, (2022, 11), "capital"): (200_000_00, 0, 50_000_00),
        (a, (2022, 12), "capital"): (200_000_00, 0, 50_000_00),
        (b, (2022, 10), "capital"): (0, 0, 0),
        (b, (2022, 11), "capital"): (0, 0, 0),
        (b, (2022, 12), "capital"): (300_000_00, 10_00, 0),
    }
    dec = Movement.objects.filter(unit=world.unit_a, category="operating", effective_date=date(2022, 12, 31))
    assert sorted(dec.values_list("kind", "amount")) == [("allocation", -100_000_00), ("disbursement", -10_000_00)]
    assert rollup.differences()[1] == 0

    # October to January: only January's differences are added
    later = _import([*first, ("AG-A", "2023-01", "operating", "900000", "300000.50", "0")], name="s-jan.csv")
    assert later.state == State.COMMITTED, _errors(later)
    assert later.lines == 1
    assert Movement.objects.filter(effective_date=date(2023, 1, 31)).get().amount == 60_000_00

    # the same figures again (another file): nothing new, the batch commits with no lines
    same = _import([*first, ("AG-A", "2023-01", "operating", "900000", "300000.50", "0")], name="s-jan-again.csv",
                   header=HEADER + "\n")
    assert same.state == State.COMMITTED, _errors(same)
    assert same.lines == 0

    after = _figures()
    for done in (same, later, batch):
        pipeline.request_undo(done, SYSTEM)
        pipeline.undo(done)
        assert done.state == State.UNDONE
    assert _figures() == before
    assert after != before
    assert rollup.differences()[1] == 0


def test_commitments_by_type_and_fund_codes_summed(world):
    header = "unit,month,fund,allocated,disbursed,po,reserved_with_debt"
    rows = [("AG-A", "2022-10", "6611320", "100", "10", "30", "5"),
            ("AG-A", "2022-10", "6611310", "50", "0", "0", "1"),   # another capital code: summed
            ("AG-A", "2022-11", "6611320", "150", "10", "20", "6")]
    batch = _import(rows, header=header)
    assert batch.state == State.COMMITTED, _errors(batch)
    lines = sorted(Movement.objects.filter(unit=world.unit_a, kind="commitment")
                   .values_list("effective_date", "commitment_type", "amount"))
    assert lines == [(date(2022, 10, 31), "debt_reservation", 6_00), (date(2022, 10, 31), "po", 30_00),
                     (date(2022, 11, 30), "po", -10_00)]
    assert _monthly(world, [(2022, 11)])[(world.unit_a.pk, (2022, 11), "capital")] == (150_00, 10_00, 26_00)


def test_xlsx_with_month_cells_and_numbers(world, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["หน่วยงาน", "เดือน", "งบรายจ่าย", "งบประมาณที่ได้รับ", "เบิกจ่ายสะสม"])
    sheet.append(["AG-A", date(2022, 10, 1), "งบดำเนินงาน", 1234.5, 100])
    sheet.append(["AG-A", "พ.ย. 65", "operating", 1234.5, 200.25])
    path = tmp_path / "s.xlsx"
    book.save(path)
    with open(path, "rb") as handle:
        batch = _import([], source=handle, name="s.xlsx")
    assert batch.state == State.COMMITTED, _errors(batch)
    assert _monthly(world, [(2022, 11)])[(world.unit_a.pk, (2022, 11), "operating")] == (1234_50, 200_25, 0)


@pytest.mark.parametrize(("rows", "expected"), [
    ([("AG-A", "2022-10", "operating", "1", "0", ""), ("AG-A", "ต.ค. 65", "งบดำเนินงาน", "2", "0", "")],
     "already on row 2"),
    ([("AG-A", "2023-10", "operating", "1", "0", "")], "outside fiscal year 2566"),
    ([("AG-A", "2022-10", "operating", "1e300", "0", "")], "1e300"),
    ([("AG-A", "2022-10", "operating", "-5", "0", "")], "cannot be negative"),
    ([("AG-A", "2022-10", "nothing", "5", "0", "")], "not a budget category"),
    ([("AG-A", "2022-13", "operating", "5", "", "")], "not a month"),
])
def test_bad_rows_are_refused_and_nothing_is_written(world, english, rows, expected):
    movements = Movement.with_pending.count()
    batch = _import(rows)
    assert batch.state == State.REFUSED
    assert expected in _errors(batch)
    assert Movement.with_pending.count() == movements


def test_an_officer_naming_another_unit_gets_an_error_naming_it_and_nothing_is_written(world, english):
    movements = Movement.with_pending.count()
    batch = _import([("AG-A", "2022-10", "operating", "1", "0", "0"), ("AG-B", "2022-10", "operating", "1", "0", "0")],
                    actor=world.alice)
    assert batch.state == State.REFUSED
    issue = BatchIssue.objects.get(batch=batch)
    assert issue.row == 3 and issue.value == "AG-B" and "AG-B" in issue.message_en
    assert Movement.with_pending.count() == movements
    ok = _import([("AG-A", "2022-10", "operating", "1", "0", "0")], actor=world.alice, name="mine.csv")
    assert ok.state == State.COMMITTED, _errors(ok)


def test_the_same_file_twice_is_refused_and_a_change_since_the_read_reads_again(world, tmp_path, capsys):
    path = tmp_path / "s.csv"
    path.write_text(HEADER + "\nAG-A,2022-10,operating,100,10,0\n", encoding="utf-8")
    assert main(["import", "snapshot", str(path), "--fiscal-year", "2566"]) == 0
    assert "committed" in capsys.readouterr().out
    assert main(["import", "snapshot", str(path), "--fiscal-year", "2566"]) == 2
    assert "ไฟล์นี้นำเข้าแล้ว" in capsys.readouterr().err
    assert Movement.objects.filter(unit=world.unit_a).count() == 2

    # read, then the ledger moves: the commit reads the file again and writes the right difference
    batch = pipeline.start(actor=SYSTEM, layout="snapshot", source=_csv([("AG-A", "2022-10", "operating", "300", "10", "0")]),
                           file_name="t.csv", fiscal_year=2566)
    pipeline.read(batch)
    assert batch.state == State.PREVIEWED and batch.lines == 1
    make_allocation(unit=world.unit_a, amount=50_00, category="operating", effective_date=date(2022, 10, 5))
    pipeline.commit(batch)
    assert batch.state == State.COMMITTED
    a = world.unit_a.pk
    assert _monthly(world, [(2022, 10)])[(a, (2022, 10), "operating")] == (300_00, 10_00, 0)
