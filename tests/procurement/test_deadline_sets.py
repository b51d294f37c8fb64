"""Deadline sets belong to a year and an owner: a scheme applies those of its own fiscal year and
kind unless it chooses others, on its settings form, by their Thai names."""

from __future__ import annotations

import html
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from pts.audit.models import AuditEvent
from pts.organisations.models import OrgKind, Role
from pts.procurement import queries
from pts.procurement.models import Project
from pts.schemes.actions import scheme_create, scheme_set_deadline_sets
from tests.factories import make_fiscal_year, make_org, make_user
from tests.procurement.factories import at, make_project

pytestmark = pytest.mark.django_db


def rule_ids(project: Project, today: date = date(2022, 10, 20)) -> set[str]:
    state = queries.evaluate(Project.objects.filter(pk=project.pk), today=today)[0]
    return {c.id for c in state.checks}


def province_scheme(world, **overrides):
    return scheme_create(actor=world.carol, code=overrides.pop("code", "prov-2566"), name="จังหวัด", kind="province",
                         fiscal_year=make_fiscal_year(2566), coordinator_org=world.province,
                         units=[world.unit_a, world.unit_b], as_of_day=15, deadline_day=20, **overrides)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_fy2566_provincial_project_is_judged_neither_by_the_fy2569_cabinet_nor_by_doh(world):
    project = make_project(unit=world.unit_a, actor=world.alice, start=date(2022, 10, 3))
    assert rule_ids(project) == set()  # in no scheme: only sets for everyone of FY2566, and none is shipped
    province_scheme(world)
    assert rule_ids(project) == set()


def test_a_department_scheme_applies_its_departments_rules_of_its_year(world):
    department = make_org(kind=OrgKind.DEPARTMENT, code="DEP-T", name_th="กรมทดสอบ")
    bureau = make_org(kind=OrgKind.BUREAU, parent=department, code="BUR-T", name_th="สำนักทดสอบ")
    group = make_org(kind=OrgKind.WORK_GROUP, parent=bureau, code="WG-T", name_th="กลุ่มงานทดสอบ")
    coordinator = make_user(role=Role.COORDINATOR, org=bureau)
    officer = make_user(role=Role.OFFICER, org=group)
    scheme_create(actor=coordinator, code="dep-2566", name="KPI", kind="department", fiscal_year=make_fiscal_year(2566),
                  coordinator_org=bureau, units=[group], as_of_day=15, deadline_day=20)
    project = make_project(unit=group, actor=officer, start=date(2022, 10, 3))
    assert rule_ids(project) == {"doh-2566:0.5m-2m-commit", "doh-2566:0.5m-2m-pay"}
    # an FY2569 department project answers to the cabinet's FY2569 measure, not to DOH's FY2566 bands
    scheme_create(actor=coordinator, code="dep-2569", name="KPI", kind="department", fiscal_year=make_fiscal_year(2569),
                  coordinator_org=bureau, units=[group], as_of_day=15, deadline_day=20)
    later = make_project(unit=group, actor=officer, fiscal_year=2569, start=date(2025, 10, 6),
                         now=at(date(2025, 10, 1)))
    assert rule_ids(later, date(2025, 10, 20)) == {"cabinet-2569:single-year-q1"}


@pytest.mark.usefixtures("english")
def test_a_scheme_chooses_its_sets_and_the_defaults_stay_defaults(world):
    scheme = province_scheme(world)
    project = make_project(unit=world.unit_a, actor=world.alice, start=date(2022, 10, 3))
    scheme_set_deadline_sets(actor=world.carol, scheme=scheme, deadline_sets=["cabinet-2569"])
    scheme.refresh_from_db()
    assert scheme.deadline_sets == ["cabinet-2569"] and rule_ids(project) == {"cabinet-2569:single-year-q1"}
    event = AuditEvent.objects.get(action="scheme.deadline_sets")
    assert (event.before, event.after) == ({"deadline_sets": None}, {"deadline_sets": ["cabinet-2569"]})
    scheme_set_deadline_sets(actor=world.carol, scheme=scheme, deadline_sets=[])  # the defaults of FY2566 provinces
    scheme.refresh_from_db()
    assert scheme.deadline_sets is None and rule_ids(project) == set()
    with pytest.raises(ValidationError, match="doh-2599") as refused:
        scheme_set_deadline_sets(actor=world.carol, scheme=scheme, deadline_sets=["doh-2599"])
    assert "deadline_sets" in refused.value.message_dict
    with pytest.raises(ValidationError, match="not a coordinator"):
        scheme_set_deadline_sets(actor=world.alice, scheme=scheme, deadline_sets=["doh-2566"])
    scheme.refresh_from_db()
    assert scheme.deadline_sets is None


def test_the_scheme_form_offers_the_sets_by_thai_name_and_saves_the_choice(world):
    scheme = province_scheme(world, code="prov-form-2566")
    url = reverse("schemes:edit", kwargs={"scheme": scheme.code})
    page = html.unescape(signed_in(world.carol).get(url).content.decode())
    assert "กำหนดเวลาจัดซื้อจัดจ้างที่ใช้" in page
    assert "กรมอนามัย: กำหนดก่อหนี้ผูกพันและเบิกจ่ายงบลงทุนตามวงเงิน (ปีงบประมาณ 2566; กรมอนามัย)" in page
    assert "(ปีงบประมาณ 2569; คณะรัฐมนตรี)" in page
    assert "doh-2566</label>" not in page and ">doh-2566<" not in page  # ids are values, never labels
    response = signed_in(world.carol).post(url, {
        "name": "จังหวัด", "rule_set": "", "denominator": "current", "series_overall": ["operating", "capital"],
        "as_of_day": "15", "deadline_day": "20", "deadline_month_offset": "0", "lock_after_deadline": "on",
        "units": [str(world.unit_a.pk), str(world.unit_b.pk)], "deadline_sets": ["doh-2566"],
    })
    assert response.status_code == 302
    scheme.refresh_from_db()
    assert scheme.deadline_sets == ["doh-2566"]
    detail = html.unescape(signed_in(world.carol).get(reverse("schemes:detail", kwargs={"scheme": scheme.code}))
                           .content.decode())
    assert "กำหนดเวลาจัดซื้อจัดจ้างที่ใช้" in detail and "กรมอนามัย: กำหนดก่อหนี้ผูกพัน" in detail
    bad = signed_in(world.carol).post(url, {
        "name": "จังหวัด", "denominator": "current", "series_overall": ["operating"], "as_of_day": "15",
        "deadline_day": "20", "deadline_month_offset": "0", "units": [str(world.unit_a.pk)],
        "deadline_sets": ["doh-2599"],
    })
    assert bad.status_code == 200 and "doh-2599" in html.unescape(bad.content.decode())
    scheme.refresh_from_db()
    assert scheme.deadline_sets == ["doh-2566"] and scheme.units.count() == 2
    assert signed_in(world.bob).post(url, {"deadline_sets": ["cabinet-2569"]}).status_code == 403
