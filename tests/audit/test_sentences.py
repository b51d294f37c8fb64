"""The audit trail in sentences: every action the code records has one, in Thai and English, with the
actor, the unit, the month in BE, amounts in baht and the reason; and its CSV export."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

import pts
from pts.audit import sentences
from pts.audit.actions import audit_record
from pts.audit.models import AuditEvent
from pts.core.fiscal import MONTH_ABBR
from pts.organisations.actions import org_update
from pts.organisations.models import OrgKind, Role
from pts.procurement.actions import extra_holiday_add
from pts.reporting import actions as reporting
from tests.audit.test_views import events, visible
from tests.factories import make_org, make_user
from tests.reporting.factories import allocate, at, make_scheme, period_of

pytestmark = pytest.mark.django_db
SOURCE = Path(pts.__file__).resolve().parent
MILLION = 1_000_000_00


def actions_in_the_code() -> set[str]:
    """Every action string the code passes to `audit_record` (directly, through the ledger's `_write`,
    or through procurement's `_audit`, which prefixes "procurement.")."""
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r"\baction=\"([a-z_]+\.[a-z_]+)\"", text))
        found |= {f"procurement.{a}" for a in re.findall(r"\b_audit\(\s*actor,\s*\"([a-z_]+)\"", text)}
    return found


def test_every_action_the_code_records_has_a_sentence():
    used = actions_in_the_code()
    assert len(used) >= 40 and {"report.return", "ledger.allocation", "procurement.project_create"} <= used
    assert sorted(used - set(sentences.SENTENCES)) == []


def test_every_sentence_and_action_name_is_translated_into_thai():
    with translation.override("th"):
        for s in sentences.SENTENCES.values():
            assert re.search("[ก-๙]", str(s.label)), s.action
            assert re.search("[ก-๙]", str(s.text) % sentences._Context()), s.action


def test_an_action_cannot_register_two_sentences():
    with pytest.raises(ValueError, match="report.return"):
        sentences.register("report.return", "x", "y")  # type: ignore[arg-type]


@pytest.fixture
def returned(world):
    scheme = make_scheme(world)
    allocate(world, world.unit_a, "operating", MILLION)
    period = period_of(scheme, 2022, 11)
    report = reporting.report_save_draft(actor=world.alice, period=period, unit=world.unit_a,
                                         lines={"operating": (10_00, 10_00)}, obstacles="", version=0,
                                         now=at(2022, 11, 18))
    report = reporting.report_submit(actor=world.alice, report=report, version=report.version, now=at(2022, 11, 19))
    reporting.report_return(actor=world.carol, report=report, reason="ยอดไม่ตรง GFMIS", now=at(2022, 11, 19, 11))
    return AuditEvent.objects.get(action="report.return")


def test_a_returned_report_reads_as_one_sentence_with_the_month_in_be_and_the_reason(world, returned):
    with translation.override("th"):
        assert sentences.sentence(returned) == f"{world.carol} ส่งกลับรายงาน พ.ย. 65 ของ AG-A หน่วยงานเอ เหตุผล: ยอดไม่ตรง GFMIS"
    with translation.override("en"):
        assert sentences.sentence(returned) == (
            f"{world.carol} returned the Nov 2022 report of AG-A หน่วยงานเอ reason: ยอดไม่ตรง GFMIS")


def test_the_system_is_named_as_such_and_amounts_are_in_baht(world):
    make_user(username="dave", display_name="สมชาย ใจดี")  # made by the system
    allocate(world, world.unit_a, "operating", 1_234_567_50)
    with translation.override("th"):
        assert sentences.sentence(AuditEvent.objects.filter(action="user.create").latest("id")) == "ระบบ เพิ่มบัญชีผู้ใช้ของ สมชาย ใจดี"
        allocation = AuditEvent.objects.filter(action="ledger.allocation").latest("id")
        assert sentences.sentence(allocation).endswith("บันทึกการจัดสรร 1,234,567.50 บาท ให้ AG-A หน่วยงานเอ")
    with translation.override("en"):
        assert sentences.sentence(AuditEvent.objects.filter(action="user.create").latest("id")) == (
            "the system added the user account of สมชาย ใจดี")


def test_a_holiday_is_named_by_its_date_in_be(world):
    extra_holiday_add(actor=world.carol, day=date(2023, 6, 16), name="วันหยุดพิเศษ", org=world.province)
    event = AuditEvent.objects.get(action="procurement.extra_holiday_add")
    with translation.override("th"):
        assert sentences.sentence(event).startswith(f"{world.carol} กำหนดให้ 16 มิ.ย. 2566 เป็นวันหยุด (วันหยุดพิเศษ)")


def test_a_role_names_the_person_and_the_role_in_words(world):
    make_user(username="dave", display_name="สมชาย", role=Role.OFFICER, org=world.unit_a)
    event = AuditEvent.objects.filter(action="role.grant").latest("id")
    with translation.override("th"):
        text = sentences.sentence(event)
    assert text.startswith("ระบบ มอบบทบาท") and "AG-A หน่วยงานเอ" in text and "officer" not in text


def test_an_action_without_a_sentence_still_reads_as_words(world):
    with transaction.atomic():
        event = audit_record(actor=world.alice, action="test.unknown", object_type="test.thing", unit=world.unit_a)
    with translation.override("th"):
        assert sentences.sentence(event) == f"{world.alice} แก้ไขข้อมูล"


# -- the page in Thai shows no slugs and no ids -----------------------------------------------------

def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_in_thai_shows_sentences_and_no_action_codes_or_ids(world, returned):
    org_update(actor=world.carol, org=world.unit_b, name_th="หน่วยงานบีใหม่", name_en="", is_active=True)
    body = signed_in(world.carol).get(reverse("audit:list")).content.decode()
    shown = visible(body)
    assert "ส่งกลับรายงาน พ.ย. 65 ของ AG-A หน่วยงานเอ เหตุผล: ยอดไม่ตรง GFMIS" in shown
    assert "แก้ไขข้อมูลหน่วยงาน AG-B หน่วยงานบีใหม่" in shown
    for code in sentences.SENTENCES:
        assert code not in shown
    assert "report.return" in events(body)  # behind the details toggle
    assert not re.search(r"#\d|\w+\.\w+report|_id\b|\bID\b|\b(path|depth|version)\b|\{", shown)
    assert "<details" in body


def test_the_action_filter_lists_the_actions_by_their_thai_names(world, returned):
    body = signed_in(world.carol).get(reverse("audit:list")).content.decode()
    assert '<option value="report.return">ส่งกลับรายงาน</option>' in body
    assert '<option value="report.">ทั้งหมด: รายงานประจำเดือน</option>' in body
    shown = visible(signed_in(world.carol).get(reverse("audit:list"), {"action": "report.return"}).content.decode())
    assert "ส่งกลับรายงาน" in shown and "ส่งรายงาน พ.ย." not in shown


def test_an_unknown_action_is_refused_with_its_value(world, returned):
    body = signed_in(world.carol).get(reverse("audit:list"), {"action": "report.burn"}).content.decode()
    assert "report.burn" in body and "ส่งกลับรายงาน พ.ย." not in visible(body)


def test_the_unit_filter_finds_units_by_part_of_their_name(world):
    sub = make_org(kind=OrgKind.DISBURSING_UNIT, parent=world.unit_a, code="1234567890", name_th="หน่วยเบิกจ่ายท่าช้าง")
    org_update(actor=world.carol, org=sub, name_th="หน่วยเบิกจ่ายท่าช้างใหม่", name_en="", is_active=True)
    org_update(actor=world.carol, org=world.unit_b, name_th="หน่วยงานบีใหม่", name_en="", is_active=True)
    client = signed_in(world.carol)
    shown = visible(client.get(reverse("audit:list"), {"unit": "หน่วยงานเอ", "action": "org.update"}).content.decode())
    assert "ท่าช้างใหม่" in shown and "บีใหม่" not in shown  # A and the units below it
    shown = visible(client.get(reverse("audit:list"), {"unit": "ท่าช้าง", "action": "org.update"}).content.decode())
    assert "ท่าช้างใหม่" in shown and "บีใหม่" not in shown


# -- CSV export --------------------------------------------------------------------------------------

def export(user, **params) -> tuple[int, str]:
    response = signed_in(user).get(reverse("audit:export"), params)
    if response.status_code != 200:
        return response.status_code, ""
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return 200, b"".join(response.streaming_content).decode("utf-8")


def test_the_export_is_the_filtered_trail_in_thai_with_be_dates_and_a_bom(world, returned):
    status, text = export(world.carol, action="report.")
    assert status == 200 and text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0][:4] == ["เวลา", "ผู้ดำเนินการ", "การดำเนินการ", "รหัสหน่วยงาน"]
    actions = [r[2] for r in rows[1:]]
    assert actions == ["ส่งกลับรายงาน", "ส่งรายงาน", "เริ่มทำรายงาน"]
    first = rows[1]
    local = timezone.localtime(returned.at)
    assert first[0] == f"{local.day} {MONTH_ABBR[local.month - 1]} {local.year + 543} {local:%H:%M}"  # BE
    assert first[3] == "AG-A" and first[5] == "พ.ย. 65"
    assert first[6].endswith("ส่งกลับรายงาน พ.ย. 65 ของ AG-A หน่วยงานเอ เหตุผล: ยอดไม่ตรง GFMIS")
    assert first[8] == "ยอดไม่ตรง GFMIS"


def test_the_export_neutralises_formulas(world):
    with transaction.atomic():
        audit_record(actor=world.alice, action="report.return", object_type="test.thing", unit=world.unit_a,
                     note='=HYPERLINK("http://x","y")')
    _status, text = export(world.carol)
    row = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))[1]
    assert row[8] == '\'=HYPERLINK("http://x","y")'


def test_a_coordinator_exports_only_their_trees_events(world):
    other = make_org(kind=OrgKind.PROVINCE, code="PROV-X", name_th="จังหวัดอื่น")
    carol_x = make_user(username="carol-x", role=Role.COORDINATOR, org=other)
    org_update(actor=world.carol, org=world.unit_a, name_th="หน่วยงานเอใหม่", name_en="", is_active=True)
    org_update(actor=carol_x, org=other, name_th="จังหวัดอื่นใหม่", name_en="", is_active=True)
    _status, mine = export(world.carol)
    _status, theirs = export(carol_x)
    assert "หน่วยงานเอใหม่" in mine and "จังหวัดอื่นใหม่" not in mine and "PROV-X" not in mine
    assert "จังหวัดอื่นใหม่" in theirs and "AG-A" not in theirs
    assert "dave" not in mine and "เพิ่มบัญชีผู้ใช้" not in mine  # accounts: administrators only


@pytest.mark.parametrize("persona", ["alice", "bob", "erin"])
def test_officers_and_executives_may_not_export_the_trail(world, persona):
    assert export(getattr(world, persona))[0] == 403
