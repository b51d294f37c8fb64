"""Reporting pages: the report form, the period board, my reports, evidence, and outsiders."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pts.audit.models import AuditEvent
from pts.budget import actions as ledger
from pts.reporting import actions
from pts.reporting.models import Evidence, MonthlyReport, ReportState
from tests.factories import make_user
from tests.reporting.factories import (
    EXE,
    PDF,
    allocate,
    at,
    counts,
    make_scheme,
    period_of,
    report_state,
    upload,
)

MILLION = 1_000_000_00


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def setup(world):
    # Without locking, so that today's clock (long after FY 2566) can still save and submit.
    scheme = make_scheme(world, lock_after_deadline=False)
    allocate(world, world.unit_a, "operating", MILLION)
    allocate(world, world.unit_b, "operating", MILLION)
    ledger.disbursement_record(actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="operating",
                               amount=50_000_01, effective_date=date(2022, 10, 20))
    return world, scheme, period_of(scheme, 2022, 11)


def form_data(version=0, **values):
    data = {"version": str(version), "obstacles": "ผู้รับจ้างส่งงานล่าช้า", "correction_note": ""}
    for category in ("personnel", "operating", "capital", "subsidy", "other"):
        data[f"{category}_committed"] = "0"
        data[f"{category}_disbursed"] = "0"
    data.update(values)
    return data


def edit_url(period, unit):
    return reverse("reporting:report_edit", kwargs={"period_id": period.pk, "unit_id": unit.pk})


def a_report(world, period, disbursed=60_000_00, submit=True):
    report = actions.report_save_draft(actor=world.alice, period=period, unit=world.unit_a,
                                       lines={"operating": (0, disbursed)}, obstacles="", version=0,
                                       now=at(2022, 11, 18))
    if submit:
        report = actions.report_submit(actor=world.alice, report=report, version=report.version, now=at(2022, 11, 22))
    return report


# -- the report form ----------------------------------------------------------------------------

def test_the_form_shows_the_ledger_allocation_and_is_prefilled_from_the_ledger(setup):
    world, scheme, period = setup
    page = client_for(world.alice).get(edit_url(period, world.unit_a)).content.decode()
    assert "1,000,000.00" in page and 'value="50,000.01"' in page and 'name="version"' in page


def test_saving_and_submitting_through_the_form(setup):
    world, scheme, period = setup
    response = client_for(world.alice).post(edit_url(period, world.unit_a),
                                            form_data(operating_disbursed="๖๐,๐๐๐.๕๐", action="submit"))
    report = MonthlyReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "reporting:report_detail", kwargs={"report_id": report.pk})
    assert report.state == ReportState.SUBMITTED and report.is_late  # today is long after the deadline
    assert report.lines.get(category="operating").disbursed == 60_000_50


def test_a_double_submitted_form_creates_one_report(setup):
    world, scheme, period = setup
    client = client_for(world.alice)
    data = form_data(operating_disbursed="60,000.00", action="submit")
    first = client.post(edit_url(period, world.unit_a), data)
    second = client.post(edit_url(period, world.unit_a), data)
    assert first.status_code == second.status_code == 302
    assert MonthlyReport.objects.count() == 1
    assert AuditEvent.objects.filter(action="report.submit").count() == 1


@pytest.mark.usefixtures("english")
def test_two_officers_editing_one_draft_cannot_silently_overwrite_each_other(setup):
    world, scheme, period = setup
    colleague = make_user(username="alice2", role="officer", org=world.unit_a)
    alice, other = client_for(world.alice), client_for(colleague)
    alice.post(edit_url(period, world.unit_a), form_data(operating_disbursed="60,000.00", action="save"))
    # Both open the draft at version 1; the colleague saves first.
    assert other.post(edit_url(period, world.unit_a),
                      form_data(version=1, operating_disbursed="70,000.00", action="save")).status_code == 302
    before = report_state()
    response = alice.post(edit_url(period, world.unit_a), form_data(version=1, operating_disbursed="65,000.00",
                                                                    action="save"))
    page = response.content.decode()
    assert response.status_code == 200 and "alice2" in page and "reload" in page
    assert report_state() == before
    assert MonthlyReport.objects.get().lines.get(category="operating").disbursed == 70_000_00


@pytest.mark.parametrize(("field", "typed", "words"), [
    ("operating_disbursed", "12x", ["'12x'", "operating cumulative disbursed"]),
    ("operating_committed", "-5.00", ["'-5.00'", "operating cumulative committed"]),
    ("operating_disbursed", "1,000,000.01", ["1,000,000.01", "1,000,000.00"]),
    ("capital_disbursed", "0.01", ["0.01", "capital cumulative disbursed"]),
])
@pytest.mark.usefixtures("english")
def test_a_report_with_bad_values_is_refused_naming_the_field_and_value_and_nothing_changes(setup, field, typed,
                                                                                             words):
    world, scheme, period = setup
    a_report(world, period, submit=False)
    before, rows = counts(), report_state()
    response = client_for(world.alice).post(edit_url(period, world.unit_a),
                                            form_data(version=1, action="submit", **{field: typed}))
    page = response.content.decode()
    assert response.status_code == 200
    for word in words:
        assert word.replace("'", "&#x27;") in page
    assert counts() == before and report_state() == rows


@pytest.mark.usefixtures("english")
def test_the_form_refuses_a_locked_period_with_a_message(world):
    scheme = make_scheme(world)
    period = period_of(scheme, 2022, 11)
    response = client_for(world.alice).post(edit_url(period, world.unit_a), form_data(action="save"))
    assert response.status_code == 200 and "reopen" in response.content.decode()
    assert MonthlyReport.objects.count() == 0


def test_an_executive_reads_the_form_but_cannot_post_it(setup):
    world, scheme, period = setup
    erin = client_for(world.erin)
    assert erin.get(edit_url(period, world.unit_a)).status_code == 200
    assert erin.post(edit_url(period, world.unit_a), form_data(action="save")).status_code == 403
    assert MonthlyReport.objects.count() == 0


# -- detail, board, accept and return -----------------------------------------------------------

def test_the_board_lists_who_has_not_reported_and_who_was_late(setup):
    world, scheme, period = setup
    a_report(world, period)
    page = client_for(world.carol).get(reverse("reporting:period_status", kwargs={"period_id": period.pk})).content.decode()
    assert "AG-A" in page and "AG-B" in page
    assert '<tr class="missing">\n      <td><strong>AG-B</strong>' in page
    assert "badge warn" in page  # A submitted after the deadline
    assert "22 พ.ย. 2565" in page  # submitted time in BE


@pytest.mark.usefixtures("english")
def test_the_coordinator_accepts_from_the_board_and_the_ledger_follows(setup):
    world, scheme, period = setup
    report = a_report(world, period)
    board = reverse("reporting:period_status", kwargs={"period_id": period.pk})
    response = client_for(world.carol).post(reverse("reporting:report_accept", kwargs={"report_id": report.pk}),
                                            {"next": board})
    assert response.status_code == 302 and response["Location"] == board
    report.refresh_from_db()
    assert report.state == ReportState.ACCEPTED
    again = client_for(world.carol).post(reverse("reporting:report_accept", kwargs={"report_id": report.pk}),
                                         follow=True)
    assert "accepted" in again.content.decode()


def test_the_coordinator_returns_a_report_with_a_reason(setup):
    world, scheme, period = setup
    report = a_report(world, period)
    client_for(world.carol).post(reverse("reporting:report_return", kwargs={"report_id": report.pk}),
                                 {"reason": "ยอดไม่ตรง"})
    report.refresh_from_db()
    assert report.state == ReportState.RETURNED and report.return_reason == "ยอดไม่ตรง"
    assert "ยอดไม่ตรง" in client_for(world.alice).get(
        reverse("reporting:report_detail", kwargs={"report_id": report.pk})).content.decode()


def test_officers_and_executives_cannot_accept_return_or_reopen(setup):
    world, scheme, period = setup
    report = a_report(world, period)
    for user in (world.alice, world.erin):
        client = client_for(user)
        for name in ("report_accept", "report_return"):
            assert client.post(reverse(f"reporting:{name}", kwargs={"report_id": report.pk}),
                               {"reason": "x"}).status_code == 403
    erin = client_for(world.erin)
    assert erin.post(reverse("reporting:period_reopen", kwargs={"period_id": period.pk}),
                     {"until": "30/11/2569", "reason": "x"}).status_code == 403
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED and not AuditEvent.objects.filter(action="period.reopen").exists()


def test_the_coordinator_reopens_through_the_board_and_the_audit_trail_records_it(world):
    scheme = make_scheme(world)
    period = period_of(scheme, 2022, 11)
    tomorrow = timezone.localdate() + timedelta(days=1)
    until = f"{tomorrow.day:02d}/{tomorrow.month:02d}/{tomorrow.year + 543}"
    response = client_for(world.carol).post(reverse("reporting:period_reopen", kwargs={"period_id": period.pk}),
                                            {"until": until, "reason": "เครือข่ายล่ม"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="period.reopen")
    assert event.actor == world.carol and event.note == "เครือข่ายล่ม"
    period.refresh_from_db()
    assert not period.is_locked(timezone.now())
    page = client_for(world.alice).post(edit_url(period, world.unit_a), form_data(action="submit"))
    assert page.status_code == 302


def test_a_get_on_a_post_only_endpoint_is_not_allowed(setup):
    world, scheme, period = setup
    report = a_report(world, period)
    assert client_for(world.carol).get(reverse("reporting:report_accept", kwargs={"report_id": report.pk})).status_code == 405


# -- my reports ---------------------------------------------------------------------------------

def test_my_reports_lists_every_period_of_my_unit_with_deadlines_and_states(setup):
    world, scheme, period = setup
    a_report(world, period)
    page = client_for(world.alice).get(reverse("reporting:my_reports")).content.decode()
    assert page.count("AG-A") == 12 and "AG-B" not in page
    assert "20 พ.ย. 2565" in page and "badge warn" in page


# -- evidence pages -----------------------------------------------------------------------------

def evidence_url(unit, be_year=2566):
    return reverse("reporting:evidence", kwargs={"unit_id": unit.pk, "be_year": be_year})


def stored_files():
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_uploading_evidence_and_seeing_the_checklist(world):
    alice = client_for(world.alice)
    response = alice.post(evidence_url(world.unit_a), {
        "kind": "minutes", "month": "2022-11", "event_date": "12/11/2565", "uploaded_file": upload("m.pdf", PDF)})
    assert response.status_code == 302
    item = Evidence.objects.get()
    page = alice.get(evidence_url(world.unit_a)).content.decode()
    assert reverse("reporting:evidence_file", kwargs={"evidence_id": item.pk}) in page
    assert page.count('badge ok">✓') == 1 and page.count('badge bad">✗') == 1 + 11 + 12


def test_an_exe_renamed_pdf_is_refused_by_the_page_and_nothing_is_stored(world):
    before = counts()
    response = client_for(world.alice).post(evidence_url(world.unit_a), {
        "kind": "minutes", "month": "2022-11", "event_date": "12/11/2565", "uploaded_file": upload("m.pdf", EXE)})
    assert response.status_code == 200 and "m.pdf" in response.content.decode()
    assert counts() == before and stored_files() == []


@pytest.mark.usefixtures("english")
def test_an_evidence_date_outside_the_fiscal_year_is_refused_by_the_page(world):
    before = counts()
    response = client_for(world.alice).post(evidence_url(world.unit_a), {
        "kind": "committee_order", "month": "", "event_date": "01/12/2566", "uploaded_file": upload("m.pdf", PDF)})
    assert response.status_code == 200 and "1 Dec 2023" in response.content.decode()
    assert counts() == before and stored_files() == []


def test_the_download_is_an_attachment_with_the_stored_type_and_nosniff(world):
    item = actions.evidence_upload(actor=world.alice, unit=world.unit_a, fiscal_year=2566, kind="committee_order",
                                   month=None, event_date=date(2022, 10, 25), uploaded_file=upload("<x>.pdf", PDF))
    response = client_for(world.erin).get(reverse("reporting:evidence_file", kwargs={"evidence_id": item.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="committee_order-{item.pk}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_an_executive_reads_evidence_but_cannot_upload(world):
    erin = client_for(world.erin)
    assert erin.get(evidence_url(world.unit_a)).status_code == 200
    assert erin.post(evidence_url(world.unit_a), {"kind": "minutes"}).status_code == 403


# -- outsiders: bob, officer of B, on A's objects -----------------------------------------------

def test_bob_gets_404_on_every_page_of_a_and_finds_nothing_of_a_in_his_lists(setup):
    world, scheme, period = setup
    report = a_report(world, period)
    item = actions.evidence_upload(actor=world.alice, unit=world.unit_a, fiscal_year=2566, kind="committee_order",
                                   month=None, event_date=date(2022, 10, 25), uploaded_file=upload("a.pdf", PDF))
    urls = [
        reverse("reporting:report_edit", kwargs={"period_id": period.pk, "unit_id": world.unit_a.pk}),
        reverse("reporting:report_detail", kwargs={"report_id": report.pk}),
        reverse("reporting:report_submit", kwargs={"report_id": report.pk}),
        reverse("reporting:report_return", kwargs={"report_id": report.pk}),
        reverse("reporting:report_accept", kwargs={"report_id": report.pk}),
        reverse("reporting:period_status", kwargs={"period_id": period.pk}),
        reverse("reporting:period_reopen", kwargs={"period_id": period.pk}),
        reverse("reporting:period_lock", kwargs={"period_id": period.pk}),
        reverse("reporting:evidence", kwargs={"unit_id": world.unit_a.pk, "be_year": 2566}),
        reverse("reporting:evidence_file", kwargs={"evidence_id": item.pk}),
    ]
    bob = client_for(world.bob)
    before = counts()
    for url in urls:
        assert bob.get(url).status_code == 404, url
        assert bob.post(url, form_data(reason="x", until="30/11/2569")).status_code == 404, url
    assert counts() == before
    mine = bob.get(reverse("reporting:my_reports")).content.decode()
    assert "AG-B" in mine and "AG-A" not in mine and "หน่วยงานเอ" not in mine
    # Bob's own report page and evidence page show nothing of A's either.
    for url in (edit_url(period, world.unit_b), evidence_url(world.unit_b)):
        page = bob.get(url).content.decode()
        assert "AG-A" not in page and "a.pdf" not in page


def test_anonymous_visitors_are_sent_to_sign_in(setup):
    world, scheme, period = setup
    response = Client().get(reverse("reporting:period_status", kwargs={"period_id": period.pk}))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("typed", ["12/11/65", "12/11/2565", "๑๒/๑๑/๖๕", "2022-11-12", "12 พ.ย. 65"])
def test_an_evidence_date_typed_as_thai_staff_type_it_is_stored(world, typed):
    response = client_for(world.alice).post(evidence_url(world.unit_a), {
        "kind": "minutes", "month": "2022-11", "event_date": typed, "uploaded_file": upload("m.pdf", PDF)})
    assert response.status_code == 302
    assert Evidence.objects.get().event_date == date(2022, 11, 12)


def test_an_evidence_date_in_arabic_indic_digits_is_refused_in_thai_and_nothing_is_stored(world):
    before = counts()
    response = client_for(world.alice).post(evidence_url(world.unit_a), {
        "kind": "minutes", "month": "2022-11", "event_date": "١٢/١١/٢٥٦٥", "uploaded_file": upload("m.pdf", PDF)})
    assert response.status_code == 200
    assert "ใช้ได้เฉพาะตัวเลข 0-9 หรือเลขไทย ๐-๙" in response.content.decode()
    assert counts() == before and stored_files() == []
