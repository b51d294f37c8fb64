"""The `units` layout: the organisation list, created parent first, updated not duplicated, undone."""

from __future__ import annotations

import io
import time

import pytest
from openpyxl import Workbook

from pts.audit.models import AuditEvent
from pts.cli import main
from pts.imports import pipeline
from pts.imports.models import BatchIssue, State
from pts.organisations.models import Org, OrgKind
from pts.organisations.permissions import SYSTEM

pytestmark = pytest.mark.django_db(transaction=True)


def _csv(rows, header="code,name,parent"):
    return io.BytesIO((header + "\n" + "".join(",".join(r) + "\n" for r in rows)).encode("utf-8"))


def _import(rows, actor=SYSTEM, name="units.csv", header="code,name,parent", source=None):
    batch = pipeline.start(actor=actor, layout="units", source=source or _csv(rows, header), file_name=name,
                           fiscal_year=2566)
    pipeline.read(batch)
    if batch.state == State.PREVIEWED:
        pipeline.commit(batch)
    return batch


def _errors(batch):
    return " | ".join(BatchIssue.objects.filter(batch=batch).values_list("message_en", flat=True))


def _tree():
    return {o.code: (o.name_th, o.parent.code if o.parent else None, o.path, o.depth, o.is_active)
            for o in Org.objects.select_related("parent")}


def _paths_right():
    for org in Org.objects.select_related("parent"):
        expected = f"{org.parent.path if org.parent else '/'}{org.pk:08d}/"
        assert org.path == expected and org.depth == (org.parent.depth + 1 if org.parent else 0), org.code


def test_units_in_any_order_are_created_parent_first_updated_not_duplicated_and_undone(world, english):
    before = _tree()
    # the child before its parent; unit A renamed and moved under a new agency's ... province
    rows = [("9001000210", "หน่วยเบิกจ่ายหนึ่ง", "AG-NEW"), ("AG-NEW", "หน่วยงานใหม่", "PROV-T"),
            ("AG-A", "หน่วยงานเอ (ชื่อใหม่)", "PROV-T"), ("AG-B", "หน่วยงานบี", "PROV-T")]
    batch = _import(rows)
    assert batch.state == State.COMMITTED, _errors(batch)
    assert (batch.summary["created"], batch.summary["updated"], batch.summary["unchanged"]) == (2, 1, 1)
    new = Org.objects.get(code="9001000210")
    assert new.kind == OrgKind.DISBURSING_UNIT and new.parent.code == "AG-NEW"
    assert Org.objects.get(code="AG-NEW").kind == OrgKind.AGENCY
    assert Org.objects.get(code="AG-A").name_th == "หน่วยงานเอ (ชื่อใหม่)"
    assert Org.objects.filter(code="AG-A").count() == 1
    _paths_right()
    assert AuditEvent.objects.filter(action="imports.commit").count() == 1

    # the same list again (another file name, other bytes): nothing changes
    again = _import(rows, header="รหัส,ชื่อหน่วยงาน,รหัสหน่วยงานต้นสังกัด", name="units2.csv")
    assert again.state == State.COMMITTED, _errors(again)
    assert (again.summary["created"], again.summary["updated"], again.summary["unchanged"]) == (0, 0, 4)

    pipeline.request_undo(batch, SYSTEM)
    pipeline.undo(batch)
    assert batch.state == State.UNDONE
    assert _tree() == before
    _paths_right()


def test_a_moved_unit_takes_its_subtree_and_undo_moves_it_back(world):
    _import([("AG-C", "หน่วยงานซี", "PROV-T"), ("9001000300", "เบิกจ่ายซี", "AG-C")], name="a.csv")
    before = _tree()
    moved = _import([("PROV-2", "จังหวัดสอง", "", "", "จังหวัด"), ("AG-C", "หน่วยงานซี", "PROV-2", "Agency C", "")],
                    name="b.csv", header="code,name,parent,name_en,kind")
    assert moved.state == State.COMMITTED, _errors(moved)
    unit = Org.objects.get(code="9001000300")
    assert unit.path.startswith(Org.objects.get(code="PROV-2").path) and unit.depth == 2
    _paths_right()
    pipeline.request_undo(moved, SYSTEM)
    pipeline.undo(moved)
    assert Org.objects.get(code="AG-C").name_en == ""
    assert _tree() == before
    _paths_right()


def test_xlsx_with_thai_headers_and_the_optional_columns(world, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["รหัส", "ชื่อหน่วยงาน", "รหัสหน่วยงานต้นสังกัด", "name_en", "kind"])
    sheet.append(["DEPT-1", "กรมหนึ่ง", None, "Department One", "กรม"])
    sheet.append(["BUR-1", "สำนักหนึ่ง", "DEPT-1", "", ""])
    sheet.append(["WG-1", "กลุ่มงานหนึ่ง", "BUR-1", "Group One", "work group"])
    path = tmp_path / "units.xlsx"
    book.save(path)
    with open(path, "rb") as handle:
        batch = _import([], source=handle, name="units.xlsx")
    assert batch.state == State.COMMITTED, _errors(batch)
    assert Org.objects.get(code="WG-1").kind == OrgKind.WORK_GROUP
    assert Org.objects.get(code="BUR-1").kind == OrgKind.BUREAU
    assert Org.objects.get(code="DEPT-1").name_en == "Department One"
    _paths_right()


@pytest.mark.parametrize(("rows", "expected"), [
    ([("X1", "หนึ่ง", "PROV-T"), ("X1", "สอง", "PROV-T")], "already on row 2"),
    ([("X1", "หนึ่ง", "NOPE")], "row 2: there is no parent unit NOPE"),
    ([("X1", "หนึ่ง", "X2"), ("X2", "สอง", "X1")], "rows 2, 3: the parents go round in a circle"),
    ([("PROV-T", "จังหวัดทดสอบ", "X1"), ("X1", "หนึ่ง", "AG-A")], "go round in a circle"),
    ([("X1", "", "PROV-T")], "name is empty"),
    ([("12345", "หนึ่ง", "AG-A")], "must have 10 digits"),
    ([("X1", "หนึ่ง", "PROV-T", "", "bureau")], "X1 (bureau) cannot sit under province"),
    ([("X1", "หนึ่ง", "", "", "")], "row 2: give the kind of unit X1"),
])
def test_bad_lists_are_refused_naming_the_row_and_nothing_is_written(world, english, rows, expected):
    before = _tree()
    header = "code,name,parent" + (",name_en,kind" if len(rows[0]) > 3 else "")
    batch = _import(rows, header=header)
    assert batch.state == State.REFUSED
    assert expected in _errors(batch)
    assert _tree() == before


def test_the_importer_must_coordinate_the_parent(world, english):
    before = _tree()
    from pts.organisations.models import Role
    from tests.factories import make_user

    dana = make_user(username="dana", role=Role.COORDINATOR, org=world.unit_a)  # coordinates unit A only
    other = _import([("9001000500", "ของบี", "AG-B"), ("AG-B", "หน่วยงานบี ชื่อใหม่", "PROV-T")], actor=dana)
    assert other.state == State.REFUSED
    assert "row 2: the importer is not a coordinator of unit AG-B" in _errors(other)
    assert "row 3: the importer is not a coordinator of unit AG-B" in _errors(other)
    coordinator = _import([("9001000400", "หนึ่ง", "AG-A", ""), ("PROV-9", "จังหวัดเก้า", "", "province")],
                          actor=world.carol, name="c.csv", header="code,name,parent,kind")
    assert coordinator.state == State.REFUSED
    assert "only an administrator may add or move a top-level unit (PROV-9)" in _errors(coordinator)
    assert _tree() == before
    ok = _import([("9001000400", "หนึ่ง", "AG-A")], actor=world.carol, name="d.csv")
    assert ok.state == State.COMMITTED, _errors(ok)


def test_an_officer_cannot_start_a_units_import(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        _import([("X1", "หนึ่ง", "AG-A")], actor=world.alice)


def test_undo_deactivates_a_created_unit_something_refers_to(world):
    from tests.factories import make_allocation

    batch = _import([("AG-Z", "หน่วยงานแซด", "PROV-T"), ("AG-Y", "หน่วยงานวาย", "PROV-T")])
    assert batch.state == State.COMMITTED, _errors(batch)
    make_allocation(unit=Org.objects.get(code="AG-Z"))
    pipeline.request_undo(batch, SYSTEM)
    pipeline.undo(batch)
    assert Org.objects.get(code="AG-Z").is_active is False
    assert not Org.objects.filter(code="AG-Y").exists()
    assert batch.summary["deleted"] == 1 and batch.summary["deactivated"] == 1


def test_the_command_line_imports_ten_thousand_units_fast(world, tmp_path, capsys):
    lines = ["code,name,parent"]
    for a in range(100):
        lines.append(f"AGX-{a:03d},หน่วยงาน {a},PROV-T")
        lines.extend(f"{9100000000 + a * 100 + u},หน่วยเบิกจ่าย {a}-{u},AGX-{a:03d}" for u in range(99))
    lines.reverse()  # children before their parents
    path = tmp_path / "units-10k.csv"
    path.write_text("\n".join(["code,name,parent", *lines[:-1]]) + "\n", encoding="utf-8")
    started = time.monotonic()
    assert main(["import", "units", str(path), "--fiscal-year", "2566"]) == 0, capsys.readouterr().err
    took = time.monotonic() - started
    out = capsys.readouterr().out
    assert "created: 10,000" in out
    assert Org.objects.filter(code__startswith="91").count() == 9_900
    assert took < 30, took
    _paths_right()
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,parent\nQ1,หนึ่ง,NOPE\n", encoding="utf-8")
    assert main(["import", "units", str(bad), "--fiscal-year", "2566"]) == 2
    assert "NOPE" in capsys.readouterr().err


def test_the_same_file_twice_is_refused_and_a_change_since_the_read_reads_again(world, tmp_path, capsys):
    from pts.organisations.actions import org_update

    path = tmp_path / "u.csv"
    path.write_text("code,name,parent\nAG-A,หน่วยงานเอ ใหม่,PROV-T\n", encoding="utf-8")
    assert main(["import", "units", str(path), "--fiscal-year", "2566"]) == 0
    assert main(["import", "units", str(path), "--fiscal-year", "2566"]) == 2
    assert "ไฟล์นี้นำเข้าแล้ว" in capsys.readouterr().err

    batch = pipeline.start(actor=SYSTEM, layout="units", source=_csv([("AG-B", "บีใหม่", "PROV-T")]), file_name="v.csv",
                           fiscal_year=2566)
    pipeline.read(batch)
    assert batch.state == State.PREVIEWED and batch.summary["updated"] == 1
    org_update(actor=SYSTEM, org=world.unit_b, name_th="บีระหว่างทาง")  # someone renames it meanwhile
    pipeline.commit(batch)
    assert batch.state == State.COMMITTED
    assert Org.objects.get(code="AG-B").name_th == "บีใหม่"
    pipeline.request_undo(batch, SYSTEM)
    pipeline.undo(batch)
    assert Org.objects.get(code="AG-B").name_th == "บีระหว่างทาง"  # the name it had when the file was read again
