"""Monthly report actions: drafts, versions, submission, return, acceptance into the ledger, locking."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from pts.audit.models import AuditEvent
from pts.budget import actions as ledger
from pts.budget.models import Movement
from pts.budget.queries import unit_figures
from pts.reporting import actions
from pts.reporting.models import MonthlyReport, ReportState
from tests.factories import make_user
from tests.lang import in_both
from tests.reporting.factories import allocate, at, counts, make_scheme, period_of, report_state

MILLION = 1_000_000_00  # one million baht in satang


@pytest.fixture
def setup(world):
    scheme = make_scheme(world)
    allocate(world, world.unit_a, "operating", MILLION)
    allocate(world, world.unit_a, "capital", MILLION // 2)
    allocate(world, world.unit_b, "operating", MILLION)
    return world, scheme, period_of(scheme, 2022, 11)


def save(world, period, lines, *, version=0, now=None, actor=None, obstacles="", unit=None, **kw):
    return actions.report_save_draft(
        actor=actor or world.alice, period=period, unit=unit or world.unit_a, lines=lines, obstacles=obstacles,
        version=version, now=now or at(2022, 11, 18), **kw,
    )


def messages_of(exc: pytest.ExceptionInfo) -> str:
    return " ".join(exc.value.messages)


# -- drafts and versions ------------------------------------------------------------------------

def test_it_saves_a_draft_with_its_lines_and_an_audit_row(setup):
    world, scheme, period = setup
    report = save(world, period, {"operating": (300_000_00, 200_000_00)}, obstacles="รอ TOR")
    assert report.state == ReportState.DRAFT and report.version == 1
    assert [(x.category, x.committed, x.disbursed) for x in report.lines.all()] == [("operating", 300_000_00, 200_000_00)]
    event = AuditEvent.objects.get(action="report.create")
    assert event.actor == world.alice and event.unit == world.unit_a and event.period == date(2022, 11, 1)


def test_a_repeated_new_draft_form_yields_one_report(setup):
    world, scheme, period = setup
    first = save(world, period, {"operating": (1_00, 1_00)}, version=0)
    again = save(world, period, {"operating": (1_00, 1_00)}, version=0)
    assert again.pk == first.pk and again.version == 1
    assert MonthlyReport.objects.count() == 1


@pytest.mark.usefixtures("english")
def test_a_save_with_a_stale_version_is_refused_and_keeps_the_first_save(setup):
    world, scheme, period = setup
    colleague = make_user(username="alice2", role="officer", org=world.unit_a)
    report = save(world, period, {"operating": (10_00, 10_00)})
    save(world, period, {"operating": (20_00, 20_00)}, version=report.version, actor=colleague,
         now=at(2022, 11, 18, 14, 5))
    before = report_state()
    with pytest.raises(ValidationError) as exc:
        save(world, period, {"operating": (30_00, 30_00)}, version=report.version)
    assert "alice2" in messages_of(exc) and "14:05" in messages_of(exc) and "reload" in messages_of(exc)
    assert report_state() == before
    assert MonthlyReport.objects.get().lines.get().disbursed == 20_00


def test_a_missing_category_is_removed_from_the_draft(setup):
    world, scheme, period = setup
    report = save(world, period, {"operating": (1_00, 1_00), "capital": (2_00, 0)})
    report = save(world, period, {"operating": (1_00, 1_00)}, version=report.version)
    assert list(report.lines.values_list("category", flat=True)) == ["operating"]


# -- refused values: the message names the field and value, nothing changes ----------------------

@pytest.mark.parametrize(
    ("lines", "field", "words"),
    [
        ({"operating": (-5_00, 0)}, "operating_committed", ["-5.00", "negative"]),
        ({"operating": (0, "12x")}, "operating_disbursed", ["'12x'", "not an amount"]),
        ({"operating": (0, MILLION + 1)}, "operating_disbursed", ["1,000,000.01", "1,000,000.00", "allocation"]),
        ({"capital": (MILLION, 0)}, "capital_committed", ["1,000,000.00", "500,000.00", "allocation"]),
        ({"personnel": (0, 1_00)}, "personnel_disbursed", ["1.00", "0.00", "allocation"]),
        ({"travel": (0, 0)}, "__all__", ["'travel'"]),
    ],
)
@pytest.mark.usefixtures("english")
def test_it_refuses_bad_figures_naming_the_field_and_value_and_stores_nothing(setup, lines, field, words):
    world, scheme, period = setup
    save(world, period, {"operating": (1_00, 1_00)})
    before, rows = counts(), report_state()
    with pytest.raises(ValidationError) as exc:
        save(world, period, lines, version=1)
    assert field in exc.value.message_dict
    text = in_both(lambda: " ".join(exc.value.message_dict[field]))  # Thai, or English on an English page
    for word in words:
        assert word in text
    assert counts() == before and report_state() == rows


def test_an_officer_of_another_unit_cannot_save_its_report(setup):
    world, scheme, period = setup
    before = counts()
    with pytest.raises(ValidationError) as exc:
        save(world, period, {"operating": (0, 0)}, actor=world.bob)
    assert "AG-A" in messages_of(exc) and "bob" in messages_of(exc)
    assert counts() == before


def test_an_executive_cannot_save_a_report(setup):
    world, scheme, period = setup
    with pytest.raises(ValidationError):
        save(world, period, {"operating": (0, 0)}, actor=world.erin)
    assert MonthlyReport.objects.count() == 0


def test_a_unit_outside_the_scheme_cannot_report(world):
    scheme = make_scheme(world, units=[world.unit_b])
    with pytest.raises(ValidationError) as exc:
        save(world, period_of(scheme, 2022, 11), {"operating": (0, 0)})
    assert "AG-A" in " ".join(exc.value.message_dict["unit"])


# -- submission, lateness, locking --------------------------------------------------------------

def test_submitting_on_the_deadline_day_is_on_time_by_local_date(setup):
    world, scheme, period = setup
    report = save(world, period, {"operating": (0, 0)}, now=at(2022, 11, 20, 23, 0))
    report = actions.report_submit(actor=world.alice, report=report, version=report.version, now=at(2022, 11, 20, 23, 30))
    assert report.state == ReportState.SUBMITTED and not report.is_late
    assert report.first_submitted_at == at(2022, 11, 20, 23, 30)


def test_a_submission_after_the_deadline_in_a_reopened_period_is_flagged_late(setup):
    world, scheme, period = setup
    # 00:30 on the 21st in Bangkok is still the 20th in UTC: the local date decides.
    actions.period_reopen(actor=world.carol, period=period, until=at(2022, 11, 25), reason="ไฟฟ้าดับ",
                          now=at(2022, 11, 21, 0, 10))
    report = save(world, period, {"operating": (0, 0)}, now=at(2022, 11, 21, 0, 20))
    now = at(2022, 11, 21, 0, 30).astimezone(UTC)  # as timezone.now() gives it
    report = actions.report_submit(actor=world.alice, report=report, version=report.version, now=now)
    assert report.is_late


@pytest.mark.usefixtures("english")
def test_a_locked_period_refuses_saves_and_submissions(setup):
    world, scheme, period = setup
    report = save(world, period, {"operating": (0, 0)})
    before = counts()
    with pytest.raises(ValidationError) as exc:
        save(world, period, {"operating": (1_00, 1_00)}, version=report.version, now=at(2022, 11, 21, 9))
    assert "reopen" in messages_of(exc)
    with pytest.raises(ValidationError):
        actions.report_submit(actor=world.alice, report=report, version=report.version, now=at(2022, 11, 21, 9))
    assert counts() == before and MonthlyReport.objects.get().state == ReportState.DRAFT


def test_the_coordinator_reopens_a_locked_period_and_the_audit_trail_shows_who_and_when(setup):
    world, scheme, period = setup
    now = at(2022, 11, 22, 9, 15)
    assert period.is_locked(now)
    period = actions.period_reopen(actor=world.carol, period=period, until=at(2022, 11, 24, 0, 0), reason="ระบบขัดข้อง",
                                   now=now)
    assert not period.is_locked(now) and period.is_locked(at(2022, 11, 24, 0, 1))
    event = AuditEvent.objects.get(action="period.reopen")
    assert event.actor == world.carol and event.note == "ระบบขัดข้อง"
    assert event.period == date(2022, 11, 1) and event.object_id == str(period.pk)
    assert event.before == {"reopened_until": None} and event.after["reopened_until"]
    assert abs(event.at - timezone.now()) < timedelta(minutes=1)
    # Now the unit can report.
    report = save(world, period, {"operating": (0, 0)}, now=now)
    actions.report_submit(actor=world.alice, report=report, version=report.version, now=now)


def test_only_a_coordinator_reopens_and_only_into_the_future(setup):
    world, scheme, period = setup
    with pytest.raises(ValidationError):
        actions.period_reopen(actor=world.alice, period=period, until=at(2022, 11, 25), reason="x", now=at(2022, 11, 22))
    with pytest.raises(ValidationError) as exc:
        actions.period_reopen(actor=world.carol, period=period, until=at(2022, 11, 21), reason="x", now=at(2022, 11, 22))
    assert "until" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        actions.period_reopen(actor=world.carol, period=period, until=at(2022, 11, 25), reason=" ", now=at(2022, 11, 22))
    assert "reason" in exc.value.message_dict
    assert AuditEvent.objects.filter(action="period.reopen").count() == 0


def test_locking_again_ends_a_reopening(setup):
    world, scheme, period = setup
    period = actions.period_reopen(actor=world.carol, period=period, until=at(2022, 11, 30), reason="x", now=at(2022, 11, 22))
    period = actions.period_lock(actor=world.carol, period=period, now=at(2022, 11, 23))
    assert period.is_locked(at(2022, 11, 23, 10, 1))
    assert AuditEvent.objects.filter(action="period.lock", actor=world.carol).count() == 1


# -- return and acceptance ----------------------------------------------------------------------

def submitted(world, period, lines, **kw):
    report = save(world, period, lines, **kw)
    return actions.report_submit(actor=world.alice, report=report, version=report.version, now=at(2022, 11, 19))


def test_a_returned_report_can_be_corrected_and_resubmitted(setup):
    world, scheme, period = setup
    report = submitted(world, period, {"operating": (10_00, 10_00)})
    with pytest.raises(ValidationError):
        actions.report_return(actor=world.alice, report=report, reason="no", now=at(2022, 11, 19, 11))
    with pytest.raises(ValidationError) as exc:
        actions.report_return(actor=world.carol, report=report, reason="", now=at(2022, 11, 19, 11))
    assert "reason" in exc.value.message_dict
    report = actions.report_return(actor=world.carol, report=report, reason="ยอดไม่ตรง GFMIS", now=at(2022, 11, 19, 11))
    assert report.state == ReportState.RETURNED and report.return_reason == "ยอดไม่ตรง GFMIS"
    report = save(world, period, {"operating": (12_00, 12_00)}, version=report.version, now=at(2022, 11, 19, 12))
    assert report.state == ReportState.RETURNED
    report = actions.report_submit(actor=world.alice, report=report, version=report.version, now=at(2022, 11, 19, 13))
    assert report.state == ReportState.SUBMITTED and report.first_submitted_at == at(2022, 11, 19)


@pytest.mark.usefixtures("english")
def test_a_submitted_report_cannot_be_edited_until_returned(setup):
    world, scheme, period = setup
    report = submitted(world, period, {"operating": (10_00, 10_00)})
    with pytest.raises(ValidationError) as exc:
        save(world, period, {"operating": (11_00, 11_00)}, version=report.version)
    assert "returns it" in messages_of(exc)


def ledger_of(world, unit, as_of):
    figures = unit_figures(fiscal_year=2566, unit=unit, as_of=as_of, include_subtree=False)
    return {c: (f.committed_total, f.disbursed) for c, f in figures.items() if c != "total" and (f.committed_total or f.disbursed)}


@pytest.mark.usefixtures("english")
def test_accepting_makes_the_ledger_equal_the_report_to_the_satang_and_cannot_be_repeated(setup):
    world, scheme, period = setup
    # The ledger already knows part of it: a PO and a payment recorded directly.
    ledger.commitment_record(actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="capital",
                             amount=100_000_00, effective_date=date(2022, 11, 1), document_ref="PO-1")
    ledger.disbursement_record(actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="operating",
                               amount=50_000_01, effective_date=date(2022, 10, 20))
    lines = {"operating": (0, 123_456_78), "capital": (250_000_00, 99_999_99)}
    report = submitted(world, period, lines)
    report = actions.report_accept(actor=world.carol, report=report, now=at(2022, 11, 21))
    assert report.state == ReportState.ACCEPTED and report.accepted_by == world.carol
    assert ledger_of(world, world.unit_a, period.as_of) == lines
    moves = Movement.objects.filter(source_report=report)
    assert {m.effective_date for m in moves} == {date(2022, 11, 15)}
    assert sum(m.amount for m in moves if m.kind == "disbursement") == 123_456_78 - 50_000_01 + 99_999_99
    figures = unit_figures(fiscal_year=2566, unit=world.unit_a, as_of=period.as_of, include_subtree=False)
    assert figures["capital"].committed_outstanding == 250_000_00 - 99_999_99
    before = counts()
    with pytest.raises(ValidationError) as exc:
        actions.report_accept(actor=world.carol, report=report, now=at(2022, 11, 22))
    assert "accepted" in messages_of(exc)
    with pytest.raises(ValidationError):
        save(world, period, {"operating": (0, 1_00)}, version=report.version)
    assert counts() == before


def test_accepting_a_report_equal_to_the_ledger_records_nothing(setup):
    world, scheme, period = setup
    report = submitted(world, period, {"operating": (0, 0)})
    before = Movement.objects.count()
    actions.report_accept(actor=world.carol, report=report, now=at(2022, 11, 21))
    assert Movement.objects.count() == before


def test_only_a_coordinator_of_the_scheme_accepts(setup):
    world, scheme, period = setup
    report = submitted(world, period, {"operating": (0, 10_00)})
    for actor in (world.alice, world.erin, world.bob):
        with pytest.raises(ValidationError):
            actions.report_accept(actor=actor, report=report, now=at(2022, 11, 21))
    assert MonthlyReport.objects.get().state == ReportState.SUBMITTED
    assert not Movement.objects.filter(source_report=report).exists()


@pytest.mark.usefixtures("english")
def test_a_figure_below_the_accepted_month_needs_an_explanation_and_becomes_a_correction(setup):
    world, scheme, period = setup
    report = submitted(world, period, {"operating": (0, 200_000_00)})
    actions.report_accept(actor=world.carol, report=report, now=at(2022, 11, 21))
    december = period_of(scheme, 2022, 12)
    with pytest.raises(ValidationError) as exc:
        save(world, december, {"operating": (0, 150_000_00)}, now=at(2022, 12, 16))
    text = " ".join(exc.value.message_dict["operating_disbursed"])
    assert "150,000.00" in text and "200,000.00" in text and "explanation" in text
    report = save(world, december, {"operating": (0, 150_000_00)}, now=at(2022, 12, 16),
                  correction_note="ฎีกาเบิกซ้ำ ยกเลิกแล้ว")
    report = actions.report_submit(actor=world.alice, report=report, version=report.version, now=at(2022, 12, 16))
    actions.report_accept(actor=world.carol, report=report, now=at(2022, 12, 17))
    correction = Movement.objects.get(source_report=report)
    assert correction.amount == -50_000_00 and "ฎีกาเบิกซ้ำ" in correction.note
    assert ledger_of(world, world.unit_a, december.as_of) == {"operating": (0, 150_000_00)}


@pytest.mark.usefixtures("english")
def test_it_refuses_to_accept_a_month_that_would_change_a_later_accepted_month(setup):
    world, scheme, period = setup
    november = submitted(world, period, {"operating": (0, 10_00)})
    december = period_of(scheme, 2022, 12)
    report = save(world, december, {"operating": (0, 0)}, now=at(2022, 12, 16))
    report = actions.report_submit(actor=world.alice, report=report, version=report.version, now=at(2022, 12, 16))
    actions.report_accept(actor=world.carol, report=report, now=at(2022, 12, 17))
    with pytest.raises(ValidationError) as exc:
        actions.report_accept(actor=world.carol, report=november, now=at(2022, 12, 17))
    assert "2022-12" in messages_of(exc)
    assert not Movement.objects.filter(source_report=november).exists()


# -- the split between payments against commitments and other payments -------------------------

amounts = st.integers(min_value=0, max_value=10**12)


@given(committed=amounts, disbursed=amounts, ledger_committed=amounts, settled_share=st.integers(0, 100),
       ledger_disbursed=amounts)
def test_ledger_deltas_add_up_to_the_reported_figures(committed, disbursed, ledger_committed, settled_share,
                                                      ledger_disbursed):
    ledger_settled = min(ledger_committed, ledger_disbursed) * settled_share // 100
    commitment, settling, other = actions.ledger_deltas(
        committed=committed, disbursed=disbursed, ledger_committed=ledger_committed,
        ledger_settled=ledger_settled, ledger_disbursed=ledger_disbursed,
    )
    assert ledger_committed + commitment == committed
    assert ledger_disbursed + settling + other == disbursed
    settled_after = ledger_settled + settling
    assert 0 <= settled_after <= disbursed  # never more settled than paid
    if disbursed >= ledger_disbursed:
        # New payments only settle what is outstanding, and settle it first.
        assert settled_after <= max(committed, ledger_settled)
        assert settling == min(disbursed - ledger_disbursed, max(0, committed - ledger_settled))
