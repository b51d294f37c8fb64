"""The GFMIS layout through the pipeline and `pts import`: lines in, totals right, nothing twice."""

from __future__ import annotations

import io
from datetime import date

import pytest

from pts.budget import rollup
from pts.budget.models import FiscalYear, Movement
from pts.budget.queries import figures_by_unit_category
from pts.cli import main
from pts.imports import pipeline
from pts.imports.models import BatchIssue, ImportBatch, State
from pts.organisations.permissions import SYSTEM

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "เลขที่เอกสาร,ประเภทเอกสาร,วันที่ผ่านรายการ,รหัสหน่วยเบิกจ่าย,รหัสแหล่งของเงิน,จำนวนเงิน\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _file(world, rows):
    text = HEADER + "".join(f"{doc},{kind},{day},{unit.code},{fund},{amount}\n" for doc, kind, day, unit, fund, amount in rows)
    return io.BytesIO(text.encode("utf-8"))


def _import(world, rows, actor=SYSTEM, name="g.csv"):
    batch = pipeline.start(actor=actor, layout="gfmis", source=_file(world, rows), file_name=name, fiscal_year=2566)
    pipeline.read(batch)
    if batch.state == State.PREVIEWED:
        pipeline.commit(batch)
    return batch


def _disbursed(world):
    figures = figures_by_unit_category(fiscal_year=FiscalYear.objects.get(be_year=2566), as_of=date(2023, 9, 30))
    return {key: (f.disbursed, f.committed_total) for key, f in figures.items()}


def test_lines_are_written_once_and_undo_restores_every_figure(world):
    before = _disbursed(world)
    rows = [("3100001", "PO", "15/11/2565", world.unit_a, "6611320", '"1,000,000.00"'),
            ("3100002", "เบิกจ่าย", "2022-11-20", world.unit_a, "6611320", '"(5,000.00)"'),
            ("3100003", "CK", "05/01/2566", world.unit_b, "6611210", "๑๒๓.๔๕")]
    batch = _import(world, rows)
    assert batch.state == State.COMMITTED, list(BatchIssue.objects.filter(batch=batch).values_list("message_en"))
    after = _disbursed(world)
    assert after[(world.unit_a.pk, "capital")] == (-5_000_00, 1_000_000_00)
    assert after[(world.unit_b.pk, "operating")] == (0, 123_45)
    assert rollup.differences()[1] == 0

    # next month's year-to-date file repeats the earlier lines: only the new one is added
    later = _import(world, [*rows, ("3100004", "เบิกจ่าย", "01/02/2566", world.unit_b, "6611210", "100")],
                    name="g-feb.csv")
    assert later.state == State.COMMITTED and later.skipped == 3 and later.lines == 1
    assert _disbursed(world)[(world.unit_b.pk, "operating")] == (100_00, 123_45)

    for done in (later, batch):
        pipeline.request_undo(done, SYSTEM)
        pipeline.undo(done)
        assert done.state == State.UNDONE
    assert {k: v for k, v in _disbursed(world).items() if v != (0, 0)} == {k: v for k, v in before.items() if v != (0, 0)}
    assert rollup.differences()[1] == 0


def test_an_officer_cannot_import_another_units_lines_and_nothing_is_written(world):
    movements = Movement.with_pending.count()
    rows = [("1", "PO", "15/11/2565", world.unit_a, "6611320", "10"),
            ("2", "PO", "15/11/2565", world.unit_b, "6611320", "10")]
    batch = _import(world, rows, actor=world.alice)  # alice is an officer of unit A only
    assert batch.state == State.REFUSED
    messages = " ".join(BatchIssue.objects.filter(batch=batch).values_list("message_en", flat=True))
    assert "may write" in messages
    assert Movement.with_pending.count() == movements


def test_the_command_line_refuses_a_bad_file_with_every_error_and_exit_2(world, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "1,PO,31/02/2566,NOPE,123,abc\n", encoding="utf-8")
    assert main(["import", "gfmis", str(path), "--fiscal-year", "2566"]) == 2
    err = capsys.readouterr().err
    for expected in ("31/02/2566", "NOPE", "123", "abc"):
        assert expected in err
    assert not ImportBatch.objects.filter(state=State.COMMITTED).exists()
    assert main(["import", "gfmis", str(path), "--fiscal-year", "2566", "--mapping", "none"]) == 2


def test_an_amount_past_the_ceiling_is_named_as_such_not_as_unreadable(world, tmp_path, capsys):
    path = tmp_path / "huge.csv"
    path.write_text(HEADER + f"1,PO,15/11/2565,{world.unit_a.code},6611320,10000000000000000\n", encoding="utf-8")
    assert main(["import", "gfmis", str(path), "--fiscal-year", "2566"]) == 2
    err = capsys.readouterr().err
    assert "10,000,000,000,000,000.00" in err and "maximum amount" in err
    assert not Movement.with_pending.exists()
