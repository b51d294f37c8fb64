"""Extra holidays belong to someone: national days are the administrators', an organisation's days
are its coordinators' and close only the units of its tree, and every change is in the audit trail
of each tree whose working days it moves."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse

from pts.audit.models import AuditEvent
from pts.organisations.models import Org, OrgKind, Role, User
from pts.procurement import actions, queries
from pts.procurement.models import ExtraHoliday
from tests.factories import make_org, make_user
from tests.procurement.factories import make_project

pytestmark = pytest.mark.django_db

DAY = date(2022, 11, 16)  # a Wednesday, an ordinary working day


@dataclass
class Trees:
    w: object
    other: Org  # another province
    other_unit: Org  # an agency in it
    dave: User  # coordinator of the other province
    gina: User  # coordinator of agency A only, below carol's province


@pytest.fixture
def trees(world) -> Trees:
    other = make_org(kind=OrgKind.PROVINCE, code="PROV-X", name_th="จังหวัดอื่น")
    other_unit = make_org(kind=OrgKind.AGENCY, parent=other, code="AG-X", name_th="หน่วยงานเอ็กซ์")
    return Trees(world, other, other_unit, make_user(username="dave", role=Role.COORDINATOR, org=other),
                 make_user(username="gina", role=Role.COORDINATOR, org=world.unit_a))


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def audit_seen_by(user) -> set[str]:
    """The holiday actions among the events the user's trail lists (the rows' details name the action)."""
    response = signed_in(user).get(reverse("audit:list"), {"action": "procurement."})
    assert response.status_code == 200
    return {event.action for event in response.context["page"].object_list
            if event.action.startswith("procurement.extra_holiday_")}


def test_a_coordinators_extra_day_closes_the_units_of_their_tree_only(trees):
    w = trees.w
    actions.extra_holiday_add(actor=w.carol, day=DAY, name="วันหยุดจังหวัด", org=w.province)
    assert not queries.work_calendar(w.unit_a).is_working_day(DAY)
    assert not queries.work_calendar(w.unit_b).is_working_day(DAY)
    assert queries.work_calendar(trees.other_unit).is_working_day(DAY)
    assert queries.work_calendar().is_working_day(DAY)  # not a national day
    # a plan starting on the day starts the next working day in the tree, on the day elsewhere
    ours = make_project(unit=w.unit_a, actor=w.alice, start=DAY)
    theirs = make_project(unit=trees.other_unit, actor=make_user(role=Role.OFFICER, org=trees.other_unit), start=DAY)
    assert ours.milestones.get(code="annual_plan").planned == date(2022, 11, 17)
    assert theirs.milestones.get(code="annual_plan").planned == DAY
    # the other tree may close the same day for itself
    actions.extra_holiday_add(actor=trees.dave, day=DAY, name="วันหยุดอีกจังหวัด", org=trees.other)
    assert not queries.work_calendar(trees.other_unit).is_working_day(DAY)


def test_a_national_day_is_an_administrators_and_closes_every_tree(trees):
    w = trees.w
    with pytest.raises(ValidationError, match="ผู้ดูแลระบบ"):
        actions.extra_holiday_add(actor=w.carol, day=DAY, name="วันหยุดพิเศษ", org=None)
    assert not ExtraHoliday.objects.exists()
    holiday = actions.extra_holiday_add(actor=w.root, day=DAY, name="วันหยุดพิเศษ (มติ ครม.)")
    assert not any(queries.work_calendar(u).is_working_day(DAY) for u in (w.unit_a, trees.other_unit, None))
    with pytest.raises(ValidationError, match="เป็นวันหยุดเพิ่มเติมอยู่แล้ว"):
        actions.extra_holiday_add(actor=w.carol, day=DAY, name="ซ้ำ", org=w.province)
    with pytest.raises(ValidationError, match="ผู้ดูแลระบบ"):
        actions.extra_holiday_remove(actor=w.carol, holiday=holiday)
    assert ExtraHoliday.objects.filter(pk=holiday.pk).exists()
    page = signed_in(w.carol).get(reverse("procurement:holidays"))
    assert "วันหยุดพิเศษ (มติ ครม.)" in text(page) and "ทั้งประเทศ" in text(page)
    assert signed_in(w.carol).post(reverse("procurement:holiday_remove", args=[holiday.pk])).status_code == 404
    assert ExtraHoliday.objects.filter(pk=holiday.pk).exists()
    actions.extra_holiday_remove(actor=w.root, holiday=holiday)
    assert queries.work_calendar(trees.other_unit).is_working_day(DAY)


def test_a_coordinator_of_another_tree_can_neither_see_add_nor_remove_a_trees_days(trees):
    w = trees.w
    holiday = actions.extra_holiday_add(actor=w.carol, day=DAY, name="วันหยุดของทดสอบ", org=w.province)
    dave = signed_in(trees.dave)
    assert "วันหยุดของทดสอบ" not in text(dave.get(reverse("procurement:holidays")))
    assert dave.post(reverse("procurement:holiday_remove", args=[holiday.pk])).status_code == 404
    with pytest.raises(ValidationError, match="ไม่ได้เป็นผู้ประสานงาน"):
        actions.extra_holiday_add(actor=trees.dave, day=date(2022, 11, 17), name="แทรก", org=w.province)
    with pytest.raises(ValidationError, match="ไม่ได้เป็นผู้ประสานงาน"):
        actions.extra_holiday_remove(actor=trees.dave, holiday=holiday)
    # the form offers only the organisations dave coordinates: the province's id is refused by name
    refused = dave.post(reverse("procurement:holidays"), {"day": "17/11/2565", "name": "แทรก", "org": w.province.pk})
    assert refused.status_code == 200 and "เลือก" in text(refused)
    assert list(ExtraHoliday.objects.values_list("name", flat=True)) == ["วันหยุดของทดสอบ"]
    # a coordinator below the province sees the province's day, which closes their unit, but may not remove it
    gina = signed_in(trees.gina)
    assert "วันหยุดของทดสอบ" in text(gina.get(reverse("procurement:holidays")))
    assert gina.post(reverse("procurement:holiday_remove", args=[holiday.pk])).status_code == 404
    # and the officer of a unit in the tree sees it too (it moves their plans)
    assert "วันหยุดของทดสอบ" in text(signed_in(w.bob).get(reverse("procurement:holidays")))


def test_a_holiday_change_is_in_the_audit_trail_of_every_tree_it_affects(trees):
    w = trees.w
    own = actions.extra_holiday_add(actor=w.carol, day=DAY, name="วันหยุดจังหวัด", org=w.province)
    assert audit_seen_by(w.carol) == audit_seen_by(trees.gina) == {"procurement.extra_holiday_add"}
    assert audit_seen_by(trees.dave) == set()  # it moves nothing of the other province
    actions.extra_holiday_remove(actor=w.carol, holiday=own)
    assert "procurement.extra_holiday_remove" in audit_seen_by(trees.gina)
    assert audit_seen_by(trees.dave) == set()
    national = actions.extra_holiday_add(actor=w.root, day=date(2022, 11, 17), name="วันหยุดพิเศษ")
    assert "procurement.extra_holiday_add" in audit_seen_by(trees.dave)
    event = AuditEvent.objects.get(action="procurement.extra_holiday_add", object_id=str(national.pk))
    assert event.unit is None and event.reaches_down
    # filtering the trail by a unit keeps the changes above it that moved its days
    listed = signed_in(trees.gina).get(reverse("audit:list"), {"unit": "AG-A", "action": "procurement."})
    assert len([e for e in listed.context["page"].object_list if e.action.startswith("procurement.extra_holiday_")]) >= 3


def test_the_get_helpers_never_hand_out_another_trees_day(trees):
    from pts.organisations import scope

    holiday = actions.extra_holiday_add(actor=trees.w.carol, day=DAY, name="วันหยุด", org=trees.w.province)
    with pytest.raises(Http404):
        scope.get_coordinated(trees.dave, ExtraHoliday.objects.all(), pk=holiday.pk)
    assert scope.get_coordinated(trees.w.carol, ExtraHoliday.objects.all(), pk=holiday.pk) == holiday
