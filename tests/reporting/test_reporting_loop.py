"""The reporting loop always has a way forward: a returned report reopens for its unit with its own
deadline, a coordinator reopens a period for one unit, an officer asks for a locked period to be
reopened, and the month's board is one click from the menu."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pts.audit.models import AuditEvent
from pts.budget import actions as ledger
from pts.core.fiscal import thai_date_numeric
from pts.reporting import actions
from pts.reporting.models import ReopenRequest, ReportState, RequestState
from pts.web.home import coordinator_home
from tests.reporting.factories import allocate, at, make_scheme, period_of

pytestmark = pytest.mark.django_db

AFTER = at(2022, 11, 25)  # after November's deadline (the 20th): the period is locked


@pytest.fixture
def setup(world):
    for unit in (world.unit_a, world.unit_b):
        allocate(world, unit, "operating", 1_000_000_00)
    scheme = make_scheme(world)
    return world, scheme, period_of(scheme, 2022, 11)


def submitted(world, period, unit, user, disbursed=10_00, now=None):
    now = now or at(2022, 11, 16)
    report = actions.report_save_draft(actor=user, period=period, unit=unit, lines={"operating": (0, disbursed)},
                                       obstacles="", version=0, now=now)
    return actions.report_submit(actor=user, report=report, version=report.version, now=now)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_report_returned_after_the_deadline_can_be_corrected_by_its_own_deadline_only(setup):
    world, _scheme, period = setup
    report = submitted(world, period, world.unit_a, world.alice)
    assert period.is_locked(AFTER)
    returned = actions.report_return(actor=world.carol, report=report, reason="ยอดไม่ตรง", now=AFTER,
                                     correct_by=date(2022, 11, 28))
    assert returned.state == ReportState.RETURNED and returned.correct_by == date(2022, 11, 28)
    # open for A until the end of the 28th, locked for B all along
    assert not period.is_locked_for(world.unit_a.pk, at(2022, 11, 28, 23, 59))
    assert period.is_locked_for(world.unit_a.pk, at(2022, 11, 29, 0, 1))
    assert period.is_locked_for(world.unit_b.pk, AFTER)
    fixed = actions.report_save_draft(actor=world.alice, period=period, unit=world.unit_a,
                                      lines={"operating": (0, 20_00)}, obstacles="", version=returned.version,
                                      now=at(2022, 11, 27))
    again = actions.report_submit(actor=world.alice, report=fixed, version=fixed.version, now=at(2022, 11, 27))
    assert again.state == ReportState.SUBMITTED and not again.is_late  # the first submission was on time
    with pytest.raises(ValidationError, match="ปิดรับรายงานแล้ว"):
        actions.report_save_draft(actor=world.bob, period=period, unit=world.unit_b, lines={"operating": (0, 0)},
                                  obstacles="", version=0, now=AFTER)


def test_a_correction_deadline_in_the_past_is_refused_and_nothing_changes(setup):
    world, _scheme, period = setup
    report = submitted(world, period, world.unit_a, world.alice)
    with pytest.raises(ValidationError) as exc:
        actions.report_return(actor=world.carol, report=report, reason="ยอดไม่ตรง", now=AFTER,
                              correct_by=date(2022, 11, 1))
    assert "correct_by" in exc.value.message_dict
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED and not period.openings.exists()


def test_without_a_date_the_correction_window_is_the_configured_days_from_today(setup, settings):
    world, _scheme, period = setup
    settings.PTS_CORRECTION_DAYS = 3
    report = submitted(world, period, world.unit_a, world.alice)
    returned = actions.report_return(actor=world.carol, report=report, reason="ยอดไม่ตรง", now=AFTER)
    assert returned.correct_by == date(2022, 11, 28)


def test_an_officer_asks_for_a_locked_period_and_the_coordinator_reopens_it_for_that_unit_only(setup):
    world, scheme, period = setup
    client = signed_in(world.alice)
    form_url = reverse("reporting:report_edit", kwargs={"period_id": period.pk, "unit_id": world.unit_a.pk})
    page = client.get(form_url).content.decode()
    assert "ปิดรับรายงานแล้ว" in page and "ขอให้ผู้ประสานงานเปิดรับรายงาน" in page
    # an empty reason is refused and records nothing
    client.post(reverse("reporting:reopen_request", kwargs={"period_id": period.pk, "unit_id": world.unit_a.pk}),
                {"reason": ""})
    assert not ReopenRequest.objects.exists()
    client.post(reverse("reporting:reopen_request", kwargs={"period_id": period.pk, "unit_id": world.unit_a.pk}),
                {"reason": "เจ้าหน้าที่ลาป่วย"})
    (request,) = ReopenRequest.objects.all()
    assert request.state == RequestState.OPEN and request.unit == world.unit_a
    assert AuditEvent.objects.filter(action="period.reopen_request").count() == 1
    assert "คำขออยู่ระหว่างรอ" in client.get(form_url).content.decode()
    # the coordinator sees it on the board and at home
    board = signed_in(world.carol).get(reverse("reporting:period_status", kwargs={"period_id": period.pk}))
    assert "เจ้าหน้าที่ลาป่วย" in board.content.decode()
    (month,) = coordinator_home(world.carol, date(2022, 11, 25))
    assert [r.pk for r in month.requests] == [request.pk]
    # ... and reopens the period for A only
    actions.period_reopen_unit(actor=world.carol, period=period, unit=world.unit_a, until=date(2022, 11, 30),
                               reason="อนุมัติ", now=at(2022, 11, 26))
    request.refresh_from_db()
    assert request.state == RequestState.GRANTED and request.resolved_by == world.carol
    assert period.openings.get().last_day == date(2022, 11, 30)
    assert not period.is_locked_for(world.unit_a.pk, at(2022, 11, 29))
    assert period.is_locked_for(world.unit_b.pk, at(2022, 11, 29))
    submitted(world, period, world.unit_a, world.alice, now=at(2022, 11, 29))


def test_a_request_while_the_period_is_open_or_by_an_outsider_is_refused(setup):
    world, _scheme, period = setup
    with pytest.raises(ValidationError, match="ยังเปิดรับรายงานอยู่"):
        actions.reopen_request(actor=world.alice, period=period, unit=world.unit_a, reason="x", now=at(2022, 11, 16))
    response = signed_in(world.bob).post(
        reverse("reporting:reopen_request", kwargs={"period_id": period.pk, "unit_id": world.unit_a.pk}),
        {"reason": "x"})
    assert response.status_code in (403, 404)
    assert not ReopenRequest.objects.exists()


def test_a_declined_request_says_why_and_a_second_answer_is_refused(setup):
    world, _scheme, period = setup
    request = actions.reopen_request(actor=world.alice, period=period, unit=world.unit_a, reason="ลืม", now=AFTER)
    assert actions.reopen_request(actor=world.alice, period=period, unit=world.unit_a, reason="ลืม",
                                  now=AFTER).pk == request.pk  # asked twice: one request
    actions.reopen_request_decline(actor=world.carol, request=request, answer="ส่งรายงานเดือนถัดไปแทน", now=AFTER)
    request.refresh_from_db()
    assert request.state == RequestState.DECLINED and request.answer == "ส่งรายงานเดือนถัดไปแทน"
    with pytest.raises(ValidationError, match="ได้รับคำตอบแล้ว"):
        actions.reopen_request_decline(actor=world.carol, request=request, answer="x", now=AFTER)


def test_the_reports_menu_of_a_coordinator_opens_the_months_board_with_a_month_switcher(setup):
    world, scheme, _period = setup
    response = signed_in(world.carol).get(reverse("reporting:my_reports"))
    assert response.status_code == 302
    board = signed_in(world.carol).get(response["Location"]).content.decode()
    for month in scheme.periods.all():
        assert reverse("reporting:period_status", kwargs={"period_id": month.pk}) in board or \
            month.pk == int(response["Location"].rstrip("/").split("/")[-1])
    # an officer keeps their own list
    assert signed_in(world.alice).get(reverse("reporting:my_reports")).status_code == 200


def test_the_report_form_puts_the_ledgers_figures_back_and_a_figure_below_the_ledger_needs_a_reason(setup):
    world, _scheme, _period = setup
    open_scheme = make_scheme(world, code="open-2566", lock_after_deadline=False)
    december = period_of(open_scheme, 2022, 12)
    ledger.disbursement_record(actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="operating",
                                       amount=50_000_00, effective_date=date(2022, 12, 1))
    url = reverse("reporting:report_edit", kwargs={"period_id": december.pk, "unit_id": world.unit_a.pk})
    client = signed_in(world.alice)
    data = {f"{c}_{f}": "0" for c in ("personnel", "operating", "capital", "subsidy", "other")
            for f in ("committed", "disbursed")}
    data.update({"version": "0", "obstacles": "", "correction_note": ""})
    restored = client.post(url, {**data, "action": "restore"}).content.decode()
    assert 'value="50,000.00"' in restored or 'value="50000.00"' in restored
    refused = client.post(url, {**data, "action": "save"})
    assert "ต่ำกว่ายอดในบัญชี" in refused.content.decode()
    assert not december.reports.exists()


def test_the_board_reopens_a_locked_period_for_one_unit_and_refuses_a_bad_date_naming_it(setup):
    world, _scheme, period = setup
    client = signed_in(world.carol)
    url = reverse("reporting:period_reopen_unit", kwargs={"period_id": period.pk, "unit_id": world.unit_b.pk})
    response = client.post(url, {"until": "31/02/2566", "reason": "ขอขยาย"}, follow=True)
    assert "31/02/2566" in response.content.decode() and not period.openings.exists()
    until = timezone.localdate() + timedelta(days=5)
    client.post(url, {"until": thai_date_numeric(until), "reason": "ขอขยาย"})
    assert period.openings.get().last_day == until
    assert not period.is_locked_for(world.unit_b.pk) and period.is_locked_for(world.unit_a.pk)
    officer = signed_in(world.bob).get(
        reverse("reporting:report_edit", kwargs={"period_id": period.pk, "unit_id": world.unit_b.pk})).content.decode()
    assert "ปิดรับรายงานแล้ว" not in officer and 'name="action" value="submit"' in officer


def test_the_boards_reopen_boxes_start_at_the_default_correction_date(setup, settings):
    world, _scheme, period = setup
    settings.PTS_TODAY = "2022-11-25"
    actions.reopen_request(actor=world.alice, period=period, unit=world.unit_a, reason="ลืม", now=AFTER)
    board = signed_in(world.carol).get(reverse("reporting:period_status", kwargs={"period_id": period.pk}))
    html = board.content.decode()
    until = thai_date_numeric(date(2022, 11, 25) + timedelta(days=settings.PTS_CORRECTION_DAYS))
    # the request's box and each unit's box: one click reopens, no date to type
    assert html.count(f'name="until" value="{until}"') == 1 + 2
