"""Who may write: every action of every app asks `pts.organisations.permissions`, refuses with the one
error `NotAllowed` and writes nothing; the system acts as ระบบ."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date
from functools import cached_property
from typing import Any

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from pts.audit.models import AuditEvent
from pts.budget import actions as budget
from pts.budget.models import FiscalYear
from pts.budget.years import find_fiscal_year
from pts.core.fiscal import Month
from pts.imports import actions as imports
from pts.imports import recon
from pts.organisations import actions as organisations
from pts.organisations import permissions
from pts.organisations.models import Membership, Org, OrgKind, Role, User
from pts.organisations.permissions import SYSTEM, SYSTEM_NAME, SYSTEM_USERNAME, Need, NotAllowed
from pts.procurement import actions as procurement
from pts.reporting import actions as reporting
from pts.schemes import actions as schemes
from pts.scoring import actions as scoring
from pts.scoring import deductions
from tests.factories import make_allocation, make_fiscal_year, make_org
from tests.lang import thai_only
from tests.procurement.factories import at, make_project
from tests.reporting.factories import PDF, period_of, upload

pytestmark = pytest.mark.django_db

NOV1, DEC1 = date(2022, 11, 1), date(2022, 12, 1)
NOW = at(date(2022, 11, 16))
# The modules whose public functions taking an `actor` are the actions; audit_record is the trail itself.
ACTION_MODULES = [budget, organisations, schemes, reporting, procurement, scoring, deductions, recon, imports]


class Stage:
    """What the refused calls act on, made by the people allowed to make it, only when a case needs it."""

    def __init__(self, world: Any) -> None:
        self.w = world

    @cached_property
    def allocation(self) -> Any:
        return make_allocation(unit=self.w.unit_a, amount=1000_00, actor=self.w.carol)

    @cached_property
    def form(self) -> Any:
        assert self.allocation  # money to earmark
        return budget.reservation_create(actor=self.w.alice, fiscal_year=2566, unit=self.w.unit_a,
                                         category="operating", number="R-1", requester="สมศรี", amount=100_00,
                                         requested_on=NOV1)

    @cached_property
    def next_year(self) -> FiscalYear:
        return make_fiscal_year(2567)

    @cached_property
    def scheme(self) -> Any:
        return schemes.scheme_create(actor=self.w.carol, code="perm-2566", name="สิทธิ์", kind="province",
                                     fiscal_year=2566, coordinator_org=self.w.province,
                                     units=[self.w.unit_a, self.w.unit_b], rule_set="province-pts-template",
                                     as_of_day=15, deadline_day=20)

    @cached_property
    def period(self) -> Any:
        return period_of(self.scheme, 2022, 11)

    @cached_property
    def report(self) -> Any:
        return reporting.report_save_draft(actor=self.w.alice, period=self.period, unit=self.w.unit_a,
                                           lines={"operating": (0, 0)}, obstacles="", version=0, now=NOW)

    @cached_property
    def reopen(self) -> Any:
        """A waiting request of unit A to reopen its (locked) November period."""
        return reporting.reopen_request(actor=self.w.alice, period=self.period, unit=self.w.unit_a,
                                        reason="ส่งไม่ทัน", now=at(date(2022, 12, 1)))

    @cached_property
    def project(self) -> Any:
        return make_project(unit=self.w.unit_a, actor=self.w.alice)

    @cached_property
    def instalment(self) -> Any:
        return procurement.instalment_add(actor=self.w.alice, project=self.project, deliverable="งวดที่ 1",
                                          due_date=date(2023, 3, 1), amount=100_00, now=NOW)

    @cached_property
    def holiday(self) -> Any:
        return procurement.extra_holiday_add(actor=self.w.carol, day=date(2023, 1, 4), name="วันหยุดพิเศษ",
                                          org=self.w.province)

    @cached_property
    def deduction(self) -> Any:
        return deductions.deduction_record(actor=self.w.carol, scheme=self.scheme, unit=self.w.unit_a,
                                           cause="documents_returned", month=Month(2022, 11))


# (action, what of the stage it needs, the refused call). Each actor has a role, not the one needed.
CASES: list[tuple[str, tuple[str, ...], Callable[[Any, Stage], object]]] = [
    # the ledger: coordinators move allocation, officers of the unit spend it
    ("allocation_record", (), lambda w, s: budget.allocation_record(
        actor=w.alice, fiscal_year=2566, unit=w.unit_a, category="operating", amount=1_00, effective_date=NOV1)),
    ("allocation_transfer", (), lambda w, s: budget.allocation_transfer(
        actor=w.alice, fiscal_year=2566, from_unit=w.unit_a, to_unit=w.unit_b, category="operating", amount=1_00,
        effective_date=NOV1)),
    ("allocation_pullback", (), lambda w, s: budget.allocation_pullback(
        actor=w.alice, fiscal_year=2566, unit=w.unit_a, centre=w.province, category="operating", amount=1_00,
        effective_date=NOV1)),
    ("reservation_create", (), lambda w, s: budget.reservation_create(
        actor=w.bob, fiscal_year=2566, unit=w.unit_a, category="operating", number="R-9", requester="บ๊อบ",
        amount=1_00, requested_on=NOV1)),
    ("reservation_commit", ("form",), lambda w, s: budget.reservation_commit(
        actor=w.bob, reservation=s.form, effective_date=DEC1, document_ref="PO-1")),
    ("reservation_cancel", ("form",), lambda w, s: budget.reservation_cancel(
        actor=w.bob, reservation=s.form, effective_date=DEC1)),
    ("commitment_record", (), lambda w, s: budget.commitment_record(
        actor=w.bob, fiscal_year=2566, unit=w.unit_a, category="operating", amount=1_00, effective_date=NOV1,
        document_ref="PO-1")),
    ("disbursement_record", (), lambda w, s: budget.disbursement_record(
        actor=w.erin, fiscal_year=2566, unit=w.unit_a, category="operating", amount=1_00, effective_date=NOV1)),
    ("carry_over", ("next_year",), lambda w, s: budget.carry_over(
        actor=w.alice, from_year=2566, to_year=2567, unit=w.unit_a, category="operating", amount=1_00,
        effective_date=date(2023, 9, 30))),
    ("movement_reverse", ("allocation",), lambda w, s: budget.movement_reverse(
        actor=w.alice, movement=s.allocation, effective_date=DEC1, reason="ผิด")),
    # organisations and people: coordinators below themselves, administrators the rest
    ("org_create", (), lambda w, s: organisations.org_create(
        actor=w.alice, code="0123456789", name_th="หน่วยเบิกจ่าย", kind=OrgKind.DISBURSING_UNIT, parent=w.unit_a)),
    ("org_create", (), lambda w, s: organisations.org_create(
        actor=w.carol, code="PROV-Y", name_th="จังหวัดใหม่", kind=OrgKind.PROVINCE)),
    ("org_update", (), lambda w, s: organisations.org_update(actor=w.alice, org=w.unit_a, name_th="ชื่อใหม่")),
    ("user_create", (), lambda w, s: organisations.user_create(actor=w.carol, username="dave", password=None)),
    ("user_update", (), lambda w, s: organisations.user_update(actor=w.carol, user=w.bob, display_name="บ๊อบ")),
    ("user_set_password", (), lambda w, s: organisations.user_set_password(
        actor=w.carol, user=w.bob, password="another-horse-battery-7")),
    ("role_grant", (), lambda w, s: organisations.role_grant(
        actor=w.carol, user=w.bob, org=w.unit_a, role=Role.OFFICER)),
    ("role_revoke", (), lambda w, s: organisations.role_revoke(
        actor=w.carol, membership=Membership.objects.get(user=w.bob))),
    # schemes
    ("scheme_create", (), lambda w, s: schemes.scheme_create(
        actor=w.alice, code="alice-2566", name="ของอลิซ", kind="province", fiscal_year=2566,
        coordinator_org=w.province, units=[w.unit_a])),
    ("scheme_update", ("scheme",), lambda w, s: schemes.scheme_update(
        actor=w.alice, scheme=s.scheme, name="ชื่อใหม่")),
    ("scheme_update_calendar", ("scheme",), lambda w, s: schemes.scheme_update_calendar(
        actor=w.alice, scheme=s.scheme, as_of_day=None, deadline_day=25, deadline_month_offset=0,
        lock_after_deadline=True, today=date(2022, 10, 1))),
    ("scheme_set_units", ("scheme",), lambda w, s: schemes.scheme_set_units(
        actor=w.alice, scheme=s.scheme, units=[w.unit_a])),
    ("scheme_set_deadline_sets", ("scheme",), lambda w, s: schemes.scheme_set_deadline_sets(
        actor=w.alice, scheme=s.scheme, deadline_sets=["doh-2566"])),
    # monthly reports and evidence: the unit's officers write, the scheme's coordinators judge
    ("report_save_draft", ("period",), lambda w, s: reporting.report_save_draft(
        actor=w.bob, period=s.period, unit=w.unit_a, lines={"operating": (0, 0)}, obstacles="", version=0, now=NOW)),
    ("report_submit", ("report",), lambda w, s: reporting.report_submit(
        actor=w.bob, report=s.report, version=None, now=NOW)),
    ("report_return", ("report",), lambda w, s: reporting.report_return(
        actor=w.alice, report=s.report, reason="แก้ไข", now=NOW)),
    ("report_accept", ("report",), lambda w, s: reporting.report_accept(
        actor=w.alice, report=s.report, now=NOW)),
    ("period_reopen", ("period",), lambda w, s: reporting.period_reopen(
        actor=w.alice, period=s.period, until=at(date(2022, 12, 30)), reason="ขอขยาย", now=at(date(2022, 12, 1)))),
    ("period_lock", ("period",), lambda w, s: reporting.period_lock(
        actor=w.alice, period=s.period, now=at(date(2022, 12, 1)))),
    ("period_reopen_unit", ("period",), lambda w, s: reporting.period_reopen_unit(
        actor=w.alice, period=s.period, unit=w.unit_a, until=date(2022, 12, 30), reason="ขอขยาย",
        now=at(date(2022, 12, 1)))),
    ("reopen_request", ("period",), lambda w, s: reporting.reopen_request(
        actor=w.bob, period=s.period, unit=w.unit_a, reason="ส่งไม่ทัน", now=at(date(2022, 12, 1)))),
    ("reopen_request_decline", ("reopen",), lambda w, s: reporting.reopen_request_decline(
        actor=w.alice, request=s.reopen, answer="ไม่อนุมัติ", now=at(date(2022, 12, 2)))),
    ("evidence_upload", (), lambda w, s: reporting.evidence_upload(
        actor=w.bob, unit=w.unit_a, fiscal_year=2566, kind="committee_order", month=None,
        event_date=date(2022, 10, 20), uploaded_file=upload("order.pdf", PDF))),
    # procurement: the unit's officers; coordinators for their trees' holidays and a scheme's settings
    ("project_create", (), lambda w, s: procurement.project_create(
        actor=w.bob, fiscal_year=2566, unit=w.unit_a, name="ของบ๊อบ", allocated=1_00, now=NOW)),
    ("project_update", ("project",), lambda w, s: procurement.project_update(
        actor=w.bob, project=s.project, now=NOW, name="ชื่อใหม่")),
    ("milestones_update", ("project",), lambda w, s: procurement.milestones_update(
        actor=w.bob, project=s.project, now=NOW)),
    ("milestone_set_planned", ("project",), lambda w, s: procurement.milestone_set_planned(
        actor=w.bob, milestone=s.project.milestones.first(), planned=None, now=NOW)),
    ("milestone_record_actual", ("project",), lambda w, s: procurement.milestone_record_actual(
        actor=w.bob, milestone=s.project.milestones.first(), actual=None, now=NOW)),
    ("round_update", ("project",), lambda w, s: procurement.round_update(
        actor=w.bob, project=s.project, now=NOW)),
    ("instalment_add", ("project",), lambda w, s: procurement.instalment_add(
        actor=w.bob, project=s.project, deliverable="งวด", due_date=date(2023, 3, 1), amount=1_00, now=NOW)),
    ("instalments_split", ("project",), lambda w, s: procurement.instalments_split(
        actor=w.bob, project=s.project, due_dates=[date(2023, 3, 1)], now=NOW)),
    ("instalment_update", ("instalment",), lambda w, s: procurement.instalment_update(
        actor=w.bob, instalment=s.instalment, now=NOW, deliverable="งวด", due_date=date(2023, 3, 1), amount=1_00)),
    ("instalment_remove", ("instalment",), lambda w, s: procurement.instalment_remove(
        actor=w.bob, instalment=s.instalment, now=NOW)),
    ("extra_holiday_add", (), lambda w, s: procurement.extra_holiday_add(
        actor=w.alice, day=date(2023, 1, 5), name="วันหยุด", org=w.unit_a)),
    ("extra_holiday_remove", ("holiday",), lambda w, s: procurement.extra_holiday_remove(
        actor=w.alice, holiday=s.holiday)),
    ("procurement_settings_set", ("scheme",), lambda w, s: procurement.procurement_settings_set(
        actor=w.alice, scheme=s.scheme, deadline_schemes=[])),
    ("sheet_import", (), lambda w, s: procurement.sheet_import(
        actor=w.erin, fiscal_year=2566, content=b"", file_name="PTS.xlsx", now=NOW)),
    ("sheet_plan", (), lambda w, s: procurement.sheet_plan(
        actor=w.erin, fiscal_year=2566, content=b"", file_name="PTS.xlsx", now=NOW)),
    # imports: a column mapping is saved by whoever may write in its organisation (not an executive)
    ("mapping_save", (), lambda w, s: imports.mapping_save(
        actor=w.erin, org=w.province, layout="gfmis", name="GFMIS", columns={"amount": "ยอดเงิน"})),
    # scores
    ("scores_freeze", ("scheme",), lambda w, s: scoring.scores_freeze(
        actor=w.alice, scheme=s.scheme, round_no=1, as_of=date(2023, 3, 31))),
    ("score_override", ("scheme",), lambda w, s: scoring.score_override(
        actor=w.alice, scheme=s.scheme, round_no=1, unit=w.unit_a, criterion="deductions", score="0", reason="แก้")),
    ("ruleset_start", ("scheme",), lambda w, s: scoring.ruleset_start(actor=w.alice, scheme=s.scheme)),
    ("ruleset_save", ("scheme",), lambda w, s: scoring.ruleset_save(
        actor=w.erin, scheme=s.scheme, text='[ruleset]\nid = "x"\n', comment="แก้")),
    ("deduction_record", ("scheme",), lambda w, s: deductions.deduction_record(
        actor=w.alice, scheme=s.scheme, unit=w.unit_a, cause="documents_returned", month=Month(2022, 11))),
    ("deduction_withdraw", ("deduction",), lambda w, s: deductions.deduction_withdraw(
        actor=w.alice, event=s.deduction, reason="ผิด")),
    # reconciliation: an officer sees their unit's differences but only a coordinator chooses a source
    ("recon_accept", ("period",), lambda w, s: recon.recon_accept(
        actor=w.alice, scheme=s.scheme, token=f"{s.period.pk}:{w.unit_a.pk}:operating:disbursed:1:0",
        source="import", now=NOW)),
]


def test_every_action_is_in_the_table_of_refusals():
    actions = {
        name for module in ACTION_MODULES for name, f in inspect.getmembers(module, inspect.isfunction)
        if f.__module__ == module.__name__ and not name.startswith("_")
        and "actor" in inspect.signature(f).parameters
    }
    assert actions == {name for name, _needs, _call in CASES}


@pytest.mark.parametrize(("action", "needs", "call"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_an_action_refuses_an_actor_without_the_role_it_needs_and_writes_nothing(world, action, needs, call):
    stage = Stage(world)
    for name in needs:
        getattr(stage, name)
    before = AuditEvent.objects.count()
    with pytest.raises(NotAllowed) as refused:
        call(world, stage)
    message = " ".join(refused.value.message_dict[NON_FIELD_ERRORS])
    assert thai_only(message)  # in the interface language (Thai by default), one at a time
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("actor", [None, "anonymous"])
@pytest.mark.usefixtures("english")
def test_without_an_acting_user_every_check_refuses(world, actor):
    from django.contrib.auth.models import AnonymousUser

    who = AnonymousUser() if actor == "anonymous" else None
    with pytest.raises(NotAllowed, match="an acting user is required"):
        budget.commitment_record(actor=who, fiscal_year=2566, unit=world.unit_a, category="operating",
                                 amount=1_00, effective_date=NOV1, document_ref="PO-1")


def test_the_refusal_is_a_form_error_for_forms_and_a_403_for_views(world):
    with pytest.raises(NotAllowed) as refused:
        permissions.require_coordinator(world.alice, world.unit_a)
    assert isinstance(refused.value, ValidationError) and isinstance(refused.value, PermissionDenied)
    assert refused.value.message_dict == {NON_FIELD_ERRORS: ["alice ไม่ได้เป็นผู้ประสานงานของ AG-A"]}
    with translation.override("en"):
        assert refused.value.message_dict == {NON_FIELD_ERRORS: ["alice is not a coordinator of AG-A"]}


def test_an_inactive_coordinator_may_no_longer_act(world):
    world.carol.is_active = False
    world.carol.save(update_fields=["is_active"])
    carol = User.objects.get(pk=world.carol.pk)
    assert not permissions.allows(carol, Need.COORDINATE, world.unit_a)
    assert permissions.allows(world.root, Need.ADMINISTER)


@pytest.mark.usefixtures("english")
def test_the_organisations_actions_refuse_a_non_coordinator_even_when_called_directly(world):
    with pytest.raises(NotAllowed, match="bob is not a coordinator of AG-A"):
        organisations.org_update(actor=world.bob, org=world.unit_a, name_th="ของบ๊อบ")
    with pytest.raises(NotAllowed, match="only an administrator"):
        organisations.role_grant(actor=world.carol, user=world.carol, org=world.province, role=Role.EXECUTIVE)
    child = organisations.org_create(actor=world.carol, code="0123456789", name_th="หน่วยเบิกจ่ายใหม่",
                                     kind=OrgKind.DISBURSING_UNIT, parent=world.unit_a)
    assert child.parent == world.unit_a  # a coordinator above the parent may


# -- the system actor -------------------------------------------------------------------------

def test_the_system_acts_as_its_own_user_named_in_thai_in_the_trail(world):
    org = make_org(kind=OrgKind.AGENCY, parent=world.province, code="AG-S", name_th="โดยระบบ")
    event = AuditEvent.objects.get(action="org.create", object_id=str(org.pk))
    assert event.actor.username == SYSTEM_USERNAME and str(event.actor) == SYSTEM_NAME == "ระบบ"
    assert str(SYSTEM) == "ระบบ"


@pytest.mark.usefixtures("english")
def test_the_system_user_cannot_sign_in_nor_be_taken_by_a_person(world):
    system = permissions.system_user()
    assert not system.is_active and not system.has_usable_password()
    assert permissions.system_user() == system  # made once
    with pytest.raises(ValidationError, match="reserved for the system"):
        organisations.user_create(actor=world.root, username="System", password=None)
    with pytest.raises(ValidationError, match="cannot be changed"):
        organisations.user_update(actor=world.root, user=system, display_name="ฉัน", is_active=True)
    with pytest.raises(ValidationError, match="cannot be changed"):
        organisations.role_grant(actor=world.root, user=system, org=world.province, role=Role.COORDINATOR)


def test_the_system_may_record_money_and_the_ledger_names_it(world):
    movement = budget.allocation_record(actor=SYSTEM, fiscal_year=2566, unit=world.unit_a, category="operating",
                                        amount=10_00, effective_date=NOV1)
    assert movement.actor == permissions.system_user()


def test_the_audit_page_names_the_system_in_thai(world):
    client = Client()
    client.force_login(world.carol)
    body = client.get(reverse("audit:list")).content.decode()
    assert "ระบบ" in body and "system" in body


# -- the one fiscal-year lookup ---------------------------------------------------------------

@pytest.mark.usefixtures("english")
def test_a_write_refuses_a_closed_year_and_a_read_accepts_it(world):
    FiscalYear.objects.filter(be_year=2566).update(is_closed=True)
    stale = FiscalYear(pk=FiscalYear.objects.get(be_year=2566).pk, be_year=2566, is_closed=False)
    with pytest.raises(ValidationError, match="fiscal year 2566 is closed"):
        find_fiscal_year(stale, for_write=True)  # re-read: the instance did not know
    assert find_fiscal_year(2566, for_write=False).is_closed
    with pytest.raises(ValidationError, match="fiscal year 2590 does not exist") as missing:
        find_fiscal_year(2590, for_write=False, field="to_year")
    assert "to_year" in missing.value.message_dict


@pytest.mark.usefixtures("english")
def test_a_scheme_is_not_created_in_a_closed_year(world):
    FiscalYear.objects.filter(be_year=2566).update(is_closed=True)
    with pytest.raises(ValidationError, match="closed"):
        schemes.scheme_create(actor=world.carol, code="closed-2566", name="ปิดแล้ว", kind="province",
                              fiscal_year=2566, coordinator_org=world.province, units=[world.unit_a])


def test_an_organisations_action_is_refused_when_nothing_records_it_and_nothing_is_written(world, monkeypatch):
    """organisations sits below audit: the audit app registers its writer (pts.organisations.trail)."""
    from django.core.exceptions import ImproperlyConfigured

    from pts.organisations import trail

    monkeypatch.setitem(trail._WRITER, "record", trail._unrecorded)
    with pytest.raises(ImproperlyConfigured):
        organisations.org_create(actor=world.carol, code="0123456789", name_th="หน่วยเบิกจ่ายใหม่",
                                 kind=OrgKind.DISBURSING_UNIT, parent=world.unit_a)
    assert not Org.objects.filter(code="0123456789").exists()
