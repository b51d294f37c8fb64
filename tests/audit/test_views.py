"""The audit-trail page: who sees which changes, the filters, and the before → after diff."""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from pts.audit.actions import audit_record
from pts.audit.models import AuditEvent
from pts.audit.sentences import Change, changes
from pts.core.appendonly import rewrite_allowed
from pts.organisations.actions import org_update
from pts.organisations.models import OrgKind, Role
from tests.factories import make_org, make_user

pytestmark = pytest.mark.django_db
BANGKOK = ZoneInfo("Asia/Bangkok")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(user, **params) -> str:
    response = signed_in(user).get(reverse("audit:list"), params)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def events(body: str) -> str:
    """The rows of the trail (the filter's options hold every action code as a value)."""
    match = re.search(r"<tbody>(.*)</tbody>", body, re.S)
    return match.group(1) if match else ""


def visible(body: str) -> str:
    """The rows' text a reader sees without opening a details toggle."""
    shown = re.sub(r"<details.*?</details>", "", events(body), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", shown).split())


def record(*, actor, action, unit, at=None, period=None, before=None, after=None, object_id="1"):
    with transaction.atomic():
        event = audit_record(actor=actor, action=action, object_type="test.thing", object_id=object_id,
                             unit=unit, period=period, before=before, after=after)
    if at:
        with rewrite_allowed():  # back-dating a row: the database refuses it to the product
            AuditEvent.objects.filter(pk=event.pk).update(at=at)
    return event


@pytest.mark.parametrize("persona", ["alice", "bob", "erin"])
def test_officers_and_executives_may_not_read_the_trail(world, persona):
    assert signed_in(getattr(world, persona)).get(reverse("audit:list")).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get(reverse("audit:list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_coordinator_sees_changes_in_their_subtree_only(world):
    other_province = make_org(kind=OrgKind.PROVINCE, code="PROV-X", name_th="จังหวัดอื่น")
    other_unit = make_org(kind=OrgKind.AGENCY, parent=other_province, code="AG-X", name_th="หน่วยงานเอ็กซ์")
    record(actor=world.alice, action="test.mine", unit=world.unit_a, object_id="111")
    record(actor=world.root, action="test.elsewhere", unit=other_unit, object_id="222")
    body = events(page(world.carol))
    assert "test.mine" in body
    assert "test.elsewhere" not in body and "AG-X" not in body


def test_changes_to_user_accounts_are_for_administrators_only(world):
    make_user(username="dave")  # audited as user.create with no unit
    assert "user.create" not in events(page(world.carol))
    assert "user.create" in events(page(world.root))


def test_the_filter_by_unit_includes_the_units_below_it(world):
    sub = make_org(kind=OrgKind.DISBURSING_UNIT, parent=world.unit_a, code="1234567890")
    record(actor=world.alice, action="test.sub", unit=sub)
    record(actor=world.bob, action="test.b", unit=world.unit_b)
    body = page(world.carol, unit="AG-A")
    assert "test.sub" in body and "test.b" not in body


def test_a_unit_outside_the_coordinators_scope_gives_nothing_and_says_so(world):
    make_org(kind=OrgKind.PROVINCE, code="PROV-X")
    record(actor=world.bob, action="test.b", unit=world.unit_b)
    body = page(world.carol, unit="PROV-X")
    assert "test.b" not in body and "'PROV-X'" in body


@pytest.mark.parametrize("month", ["ต.ค. 65", "2022-10", "ตุลาคม 2565", "ต.ค. ๖๕"])
def test_the_filter_by_period_reads_thai_and_iso_months(world, month):
    record(actor=world.alice, action="test.october", unit=world.unit_a, period=date(2022, 10, 1))
    record(actor=world.alice, action="test.november", unit=world.unit_a, period=date(2022, 11, 1))
    body = page(world.carol, period=month)
    assert "test.october" in body and "test.november" not in body


def test_a_bad_month_is_refused_with_its_value(world):
    record(actor=world.alice, action="test.any", unit=world.unit_a)
    body = page(world.carol, period="Smarch 65")
    assert "'Smarch 65'" in body and "test.any" not in body


def test_the_filter_by_action_is_exact_or_a_prefix_ending_in_a_dot(world):
    record(actor=world.alice, action="report.submit", unit=world.unit_a)
    record(actor=world.alice, action="report.accept", unit=world.unit_a)
    record(actor=world.alice, action="reporting.other", unit=world.unit_a)
    body = events(page(world.carol, action="report.submit"))
    assert "report.submit" in body and "report.accept" not in body
    body = events(page(world.carol, action="report."))
    assert "report.submit" in body and "report.accept" in body and "reporting.other" not in body


def test_the_filter_by_actor_takes_a_username(world):
    record(actor=world.alice, action="test.by_alice", unit=world.unit_a)
    record(actor=world.carol, action="test.by_carol", unit=world.unit_a)
    body = page(world.carol, actor="alice")
    assert "test.by_alice" in body and "test.by_carol" not in body


def test_the_date_range_is_read_in_buddhist_era_and_includes_both_ends(world):
    record(actor=world.alice, action="test.before", unit=world.unit_a, at=datetime(2023, 1, 31, 23, 59, tzinfo=BANGKOK))
    record(actor=world.alice, action="test.first", unit=world.unit_a, at=datetime(2023, 2, 1, 0, 0, tzinfo=BANGKOK))
    record(actor=world.alice, action="test.last", unit=world.unit_a, at=datetime(2023, 2, 28, 23, 59, tzinfo=BANGKOK))
    record(actor=world.alice, action="test.after", unit=world.unit_a, at=datetime(2023, 3, 1, 0, 0, tzinfo=BANGKOK))
    body = page(world.carol, date_from="1/2/2566", date_to="28 ก.พ. 66")
    assert "test.first" in body and "test.last" in body
    assert "test.before" not in body and "test.after" not in body


def test_a_range_that_ends_before_it_starts_is_refused(world):
    body = page(world.carol, date_from="1/3/2566", date_to="1/2/2566")
    assert "ต้องไม่ก่อนวันที่เริ่มต้น" in body


def test_each_change_shows_who_when_in_buddhist_era_and_the_changed_keys(world):
    org_update(actor=world.carol, org=world.unit_a, name_th="หน่วยงานเอใหม่", name_en="", is_active=True)
    with rewrite_allowed():
        AuditEvent.objects.filter(action="org.update").update(at=datetime(2023, 11, 15, 9, 30, tzinfo=BANGKOK))
    body = page(world.carol, action="org.update")
    assert "15 พ.ย. 2566 09:30" in body
    assert f"{world.carol} แก้ไขข้อมูลหน่วยงาน AG-A หน่วยงานเอใหม่" in visible(body)
    assert '<span class="key">ชื่อ (ภาษาไทย)</span>: <del>หน่วยงานเอ</del> → <ins>หน่วยงานเอใหม่</ins>' in body
    assert "ใช้งาน" not in visible(body) and "is_active" not in visible(body)  # unchanged fields are left out
    assert "org.update" not in visible(body) and "org.update" in events(body)  # the code behind the toggle


def test_the_trail_is_paginated(world):
    for n in range(55):
        record(actor=world.alice, action=f"test.n{n:02d}", unit=world.unit_a)
    first = page(world.carol)
    assert "test.n54" in first and "test.n04" not in first and "หน้า 1 จาก 2" in first
    second = page(world.carol, page=2)
    assert "test.n04" in second and "test.n54" not in second


def test_the_diff_lists_only_changed_fields_by_their_labels_and_marks_added_and_removed_ones():
    event = AuditEvent(object_type="organisations.org", before={"name_th": "ก", "is_active": True, "code": "X"},
                       after={"name_th": "ข", "is_active": True, "name_en": "B"})
    with translation.override("th"):
        assert [(c.label, c.before, c.after) for c in changes(event)] == [
            ("ชื่อ (ภาษาไทย)", "ก", "ข"), ("รหัส", "X", None), ("ชื่อ (ภาษาอังกฤษ)", None, "B"),
        ]
        event.after["name_en"] = ""
        assert changes(event)[-1] == Change("ชื่อ (ภาษาอังกฤษ)", None, "(ว่าง)")
    with translation.override("en"):
        assert [c.label for c in changes(event)] == ["Name (Thai)", "Code", "Name (English)"]
    assert changes(AuditEvent(object_type="organisations.org")) == []


def test_ids_relations_and_unlabelled_keys_are_left_to_the_details():
    event = AuditEvent(object_type="organisations.org", before={"parent_id": 1, "mystery": 1, "balances": {"a": 1}},
                       after={"id": 2, "parent_id": 2, "mystery": 2, "balances": {"a": 2}, "path": "/1/2/"})
    assert changes(event) == []


def test_a_field_without_a_translated_label_is_left_to_the_details():
    event = AuditEvent(object_type="reporting.monthlyreport", before={"version": 1, "state": "submitted"},
                       after={"version": 2, "state": "returned"})
    with translation.override("th"):
        assert [c.label for c in changes(event)] == ["สถานะ"]


def test_role_changes_appear_in_the_trail_of_the_unit(world):
    make_user(username="dave", role=Role.OFFICER, org=world.unit_a)
    body = page(world.carol, unit="AG-A", action="role.grant")
    assert "role.grant" in body and "dave" in body
