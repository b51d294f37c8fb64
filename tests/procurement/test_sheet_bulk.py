"""The PTS sheet's bulk commit (sheet_plan + sheet_apply) leaves exactly what the per-row actions
leave, and writes in a number of statements that does not grow with each row."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from pts.audit.models import AuditEvent
from pts.procurement import actions
from pts.procurement.models import Milestone, Project, RoundUpdate
from pts.procurement.sheet import FIRST_DATA_ROW, columns
from tests.procurement.test_sheet import NOW, export, rich_projects

pytestmark = pytest.mark.django_db
KEYS = [c.key for c in columns()]


def col(key: str) -> int:
    return KEYS.index(key) + 1


def edited_sheet(world) -> bytes:
    """The exported sheet with every kind of change: new rows, changed fields, moved planned dates,
    recorded actual dates, new obstacles, and a row left as it was."""
    rich_projects(world)
    wb = load_workbook(io.BytesIO(export()))
    ws = wb["PTS"]
    rows = {ws.cell(r, col("name")).value: r for r in range(FIRST_DATA_ROW, ws.max_row + 1)}
    r = rows["จัดซื้อครุภัณฑ์"]
    ws.cell(r, col("allocated")).value = 120000.5
    ws.cell(r, col("contractor")).value = "หจก. ทดสอบ"
    ws.cell(r, col("tor_price.actual")).value = "20/12/2565"
    ws.cell(r, col("obstacles")).value = "รอใบเสนอราคา"
    r = rows["ก่อสร้างรั้ว"]
    for key in KEYS:
        if key.endswith(".planned") and ws.cell(r, col(key)).value and key.startswith(("contract_signed", "payment")):
            ws.cell(r, col(key)).value = "30/06/2566"
    ws.cell(r, col("remedy")).value = "เร่งรัดผู้รับจ้าง"
    template = [ws.cell(r, c).value for c in range(1, len(KEYS) + 1)]
    for i in range(5):  # new projects, one with an actual date recorded
        row = list(template)
        row[col("name") - 1] = f"โครงการใหม่ {i}"
        row[col("obstacles") - 1] = f"อุปสรรค {i}" if i % 2 else ""
        if i == 0:
            row[col("annual_plan.actual") - 1] = "01/11/2565"
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def database() -> dict[str, list]:
    """What the import leaves, with ids replaced by what they point at."""
    name = dict(Project.objects.values_list("pk", "name"))
    projects = sorted(
        (p.unit_id, p.name, p.category, p.fund_code, p.allocated, p.reference_price, p.method, p.multi_year,
         p.egp_number, p.contract_number, p.contract_value, p.contractor, p.po_number, p.po_date, p.officer_name,
         p.created_at, p.updated_at, p.created_by_id, p.commitment_id) for p in Project.objects.all())
    milestones = sorted((name[m.project_id], m.code, m.seq, m.planned, m.actual) for m in Milestone.objects.all())
    updates = sorted(json.dumps([name[u.project_id], u.period_id, str(u.month), str(u.deadline), u.obstacles, u.remedy,
                                 u.snapshot, str(u.forecast_contract), u.slippage, str(u.recorded_at), u.recorded_by_id],
                                sort_keys=True, ensure_ascii=False) for u in RoundUpdate.objects.all())
    audits = []
    for e in AuditEvent.objects.filter(action__startswith="procurement.").exclude(action="procurement.sheet_import"):
        after = dict(e.after or {})
        if e.object_type == "procurement.roundupdate":
            after.pop("id")
            after["project_id"] = name[after["project_id"]]
            subject = after["project_id"]
        else:
            subject = name[int(e.object_id)]
        audits.append(json.dumps([e.action, e.object_type, subject, e.actor_id, e.unit_id, e.fiscal_year, str(e.period),
                                  e.before, after, e.note], sort_keys=True, ensure_ascii=False))
    return {"projects": projects, "milestones": milestones, "updates": updates, "audits": sorted(audits)}


def test_the_bulk_commit_leaves_what_the_per_row_actions_leave(world):
    content = edited_sheet(world)
    plan = actions.sheet_plan(actor=world.carol, fiscal_year=2566, content=content, file_name="PTS.xlsx", now=NOW)
    counts = plan.parsed.counts()
    assert counts["create"] == 5 and counts["update"] == 2 and not plan.writes.slow
    mark = transaction.savepoint()
    for row in plan.parsed.rows:  # the per-row actions, as the import applied every row before
        if row.kind != "unchanged":
            actions._sheet_row(world.carol, plan.fiscal_year, row, NOW)
    per_row = database()
    transaction.savepoint_rollback(mark)
    assert database() != per_row  # rolled back: the comparison below compares two real imports
    batch = actions.sheet_import(actor=world.carol, fiscal_year=2566, content=content, file_name="PTS.xlsx", now=NOW)
    assert (batch.created, batch.updated) == (5, 2)
    bulk = database()
    for part in ("projects", "milestones", "updates", "audits"):
        assert bulk[part] == per_row[part], part
    actions_seen = sorted(json.loads(a)[0] for a in bulk["audits"])
    assert {"procurement.project_create", "procurement.project_update", "procurement.milestones_update",
            "procurement.round_update"} <= set(actions_seen)
    moved = Project.objects.get(name="ก่อสร้างรั้ว").milestones.get(code="contract_signed")
    assert moved.planned == date(2023, 6, 30)
    assert Project.objects.get(name="โครงการใหม่ 0").milestones.get(code="annual_plan").actual == date(2022, 11, 1)


def test_a_change_made_after_the_plan_is_seen_and_planned_again(world):
    content = edited_sheet(world)
    plan = actions.sheet_plan(actor=world.carol, fiscal_year=2566, content=content, file_name="PTS.xlsx", now=NOW)
    fence = Project.objects.get(name="ก่อสร้างรั้ว")
    actions.project_update(actor=world.bob, project=fence, now=NOW, contractor="ผู้รับจ้างอื่น")
    with pytest.raises(actions.StalePlan):
        actions.sheet_apply(plan)
    assert not Project.objects.filter(name__startswith="โครงการใหม่").exists()
    actions.sheet_import(actor=world.carol, fiscal_year=2566, content=content, file_name="PTS.xlsx", now=NOW)
    assert Project.objects.filter(name__startswith="โครงการใหม่").count() == 5


def test_the_rare_rows_go_through_the_per_row_actions(world):
    rich_projects(world)
    wb = load_workbook(io.BytesIO(export()))
    ws = wb["PTS"]
    r = next(r for r in range(FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, col("name")).value == "ก่อสร้างรั้ว")
    ws.cell(r, col("method")).value = "e-bidding"
    out = io.BytesIO()
    wb.save(out)
    plan = actions.sheet_plan(actor=world.carol, fiscal_year=2566, content=out.getvalue(), file_name="x.xlsx", now=NOW)
    assert [row.name for row in plan.writes.slow] == ["ก่อสร้างรั้ว"]
    actions.sheet_apply(plan)
    fence = Project.objects.get(name="ก่อสร้างรั้ว")
    assert fence.method == "e-bidding" and fence.milestones.filter(code="bid_day").exists()


def new_rows(world, n: int) -> bytes:
    rich_projects(world)
    wb = load_workbook(io.BytesIO(export()))
    ws = wb["PTS"]
    template = [ws.cell(FIRST_DATA_ROW + 1, c).value for c in range(1, len(KEYS) + 1)]
    for i in range(n):
        row = list(template)
        row[col("name") - 1] = f"โครงการเพิ่ม {i}"
        row[col("obstacles") - 1] = f"อุปสรรค {i}"
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_the_write_transaction_issues_a_bounded_number_of_queries(world):
    plan = actions.sheet_plan(actor=world.carol, fiscal_year=2566, content=new_rows(world, 600), file_name="x.xlsx",
                              now=NOW)
    assert plan.parsed.counts()["create"] == 600
    with CaptureQueriesContext(connection) as queries:
        actions.sheet_apply(plan)
    # the per-row path took ~27 queries a row (16,000 here); the bulk one sends each table's rows
    # in one executemany
    assert len(queries) < 40, len(queries)
    assert Project.objects.filter(name__startswith="โครงการเพิ่ม").count() == 600
