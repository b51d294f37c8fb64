"""Reconciliation: reported figures against imported ones, the tolerance edge, each source accepted, scope."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from pts.audit.models import AuditEvent
from pts.budget import rollup
from pts.budget.models import Movement
from pts.budget.queries import unit_figures
from pts.imports import pipeline, recon
from pts.imports.models import ImportBatch, ReconDecision, State
from pts.organisations.models import OrgKind, Role
from pts.organisations.permissions import SYSTEM
from pts.reporting import actions as reporting
from tests.factories import make_org, make_user
from tests.reporting.factories import allocate, at, make_scheme, period_of

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "เลขที่เอกสาร,ประเภทเอกสาร,วันที่ผ่านรายการ,รหัสหน่วยเบิกจ่าย,รหัสแหล่งของเงิน,จำนวนเงิน\n"


def gfmis(rows) -> io.BytesIO:
    return io.BytesIO((HEADER + "".join(",".join(map(str, r)) + "\n" for r in rows)).encode("utf-8"))


def import_lines(rows, name="g.csv"):
    batch = pipeline.start(actor=SYSTEM, layout="gfmis", source=gfmis(rows), file_name=name, fiscal_year=2566)
    pipeline.read(batch)
    assert batch.state == State.PREVIEWED, batch.state
    pipeline.commit(batch)
    assert batch.state == State.COMMITTED
    return batch


def submit(world, period, unit, officer, lines):
    report = reporting.report_save_draft(actor=officer, period=period, unit=unit, lines=lines, obstacles="",
                                         version=0, now=at(2022, 11, 16))
    return reporting.report_submit(actor=officer, report=report, version=report.version, now=at(2022, 11, 16))


@pytest.fixture
def setup(world):
    scheme = make_scheme(world, lock_after_deadline=False)
    allocate(world, world.unit_a, "operating", 1_000_000_00)
    allocate(world, world.unit_b, "operating", 1_000_000_00)
    nov = period_of(scheme, 2022, 11)  # as of 15 Nov 2022
    # the import: A committed 50,000 and paid 30,000 by 10 Nov; a payment on 20 Nov is after the as-of day
    import_lines([("D1", "PO", "01/11/2565", world.unit_a.code, "6611210", "50000"),
                  ("D2", "เบิกจ่าย", "10/11/2565", world.unit_a.code, "6611210", "30000"),
                  ("D3", "เบิกจ่าย", "20/11/2565", world.unit_a.code, "6611210", "999"),
                  ("D4", "เบิกจ่าย", "10/11/2565", world.unit_b.code, "6611210", "100")])
    return world, scheme, nov


def keyed(found):
    return {(d.unit.code, d.category, d.figure): (d.reported, d.imported, d.difference) for d in found}


def test_differences_are_listed_only_above_the_tolerance(setup, settings):
    world, scheme, nov = setup
    settings.PTS_RECON_TOLERANCE_BAHT = "1.00"
    # A: committed exactly 1.00 baht above the import (at the edge: not listed), disbursed 1.01 above (listed)
    submit(world, nov, world.unit_a, world.alice, {"operating": (50_001_00, 30_001_01)})
    submit(world, nov, world.unit_b, world.bob, {"operating": (0, 100_00)})  # B agrees
    found = recon.differences(scheme, [world.unit_a, world.unit_b])
    assert keyed(found) == {("AG-A", "operating", "disbursed"): (30_001_01, 30_000_00, 1_01)}
    settings.PTS_RECON_TOLERANCE_BAHT = "0.50"
    assert set(keyed(recon.differences(scheme, [world.unit_a, world.unit_b]))) == {
        ("AG-A", "operating", "disbursed"), ("AG-A", "operating", "committed")}


def test_a_draft_is_not_a_report_and_a_month_after_the_imports_is_not_compared(setup):
    world, scheme, nov = setup
    reporting.report_save_draft(actor=world.alice, period=nov, unit=world.unit_a, lines={"operating": (70_000_00, 50_000_00)},
                                obstacles="", version=0, now=at(2022, 11, 16))
    assert recon.differences(scheme, [world.unit_a]) == []
    dec = period_of(scheme, 2022, 12)  # the import's last line is in November: December is not compared
    report = reporting.report_save_draft(actor=world.alice, period=dec, unit=world.unit_a,
                                         lines={"operating": (70_000_00, 50_000_00)}, obstacles="", version=0,
                                         now=at(2022, 12, 16))
    reporting.report_submit(actor=world.alice, report=report, version=report.version, now=at(2022, 12, 16))
    assert recon.differences(scheme, [world.unit_a]) == []


def test_accepting_the_import_corrects_the_ledger_to_it_with_an_audit_row(setup):
    world, scheme, nov = setup
    report = submit(world, nov, world.unit_a, world.alice, {"operating": (60_000_00, 45_000_00)})
    reporting.report_accept(actor=world.carol, report=report, now=at(2022, 11, 17))
    # the report was accepted after the import: the ledger holds the reported figures
    ledger = unit_figures(fiscal_year=2566, unit=world.unit_a, as_of=nov.as_of, include_subtree=False)["operating"]
    assert (ledger.committed_total, ledger.disbursed) == (60_000_00, 45_000_00)
    found = keyed(recon.differences(scheme, [world.unit_a]))
    assert found == {("AG-A", "operating", "committed"): (60_000_00, 50_000_00, 10_000_00),
                     ("AG-A", "operating", "disbursed"): (45_000_00, 30_000_00, 15_000_00)}
    before = Movement.objects.count()
    for d in recon.differences(scheme, [world.unit_a]):
        recon.recon_accept(actor=world.carol, scheme=scheme, token=d.token, source="import", now=at(2022, 11, 18))
    ledger = unit_figures(fiscal_year=2566, unit=world.unit_a, as_of=nov.as_of, include_subtree=False)["operating"]
    assert (ledger.committed_total, ledger.disbursed) == (50_000_00, 30_000_00)
    assert Movement.objects.count() > before  # corrected by new movements, none changed
    assert rollup.differences()[1] == 0
    assert recon.differences(scheme, [world.unit_a]) == []
    events = AuditEvent.objects.filter(action="imports.recon_import").order_by("id")
    assert [e.after["figure"] for e in events] == ["committed", "disbursed"]
    assert all(e.actor == world.carol and e.unit == world.unit_a and e.period == date(2022, 11, 1) for e in events)
    decisions = ReconDecision.objects.filter(source="import")
    assert {(x.figure, x.reported, x.imported) for x in decisions} == {
        ("committed", 60_000_00, 50_000_00), ("disbursed", 45_000_00, 30_000_00)}
    assert all(x.movements and x.decided_by == world.carol for x in decisions)


def test_accepting_the_report_writes_nothing_to_the_ledger_and_a_change_lists_it_again(setup):
    world, scheme, nov = setup
    submit(world, nov, world.unit_a, world.alice, {"operating": (50_000_00, 31_000_00)})
    [d] = recon.differences(scheme, [world.unit_a])
    movements = Movement.objects.count()
    recon.recon_accept(actor=world.carol, scheme=scheme, token=d.token, source="report", now=at(2022, 11, 18))
    assert Movement.objects.count() == movements
    assert recon.differences(scheme, [world.unit_a]) == []
    assert AuditEvent.objects.filter(action="imports.recon_report", unit=world.unit_a).count() == 1
    with pytest.raises(ValidationError):  # the same difference again: already settled
        recon.recon_accept(actor=world.carol, scheme=scheme, token=d.token, source="report", now=at(2022, 11, 18))
    # a later import changes the imported figure: the difference is listed again, at its new amounts
    import_lines([("D5", "เบิกจ่าย", "12/11/2565", world.unit_a.code, "6611210", "500")], name="g2.csv")
    assert keyed(recon.differences(scheme, [world.unit_a])) == {
        ("AG-A", "operating", "disbursed"): (31_000_00, 30_500_00, 500_00)}
    assert rollup.differences()[1] == 0


def test_a_stale_page_and_an_outsider_are_refused(setup):
    world, scheme, nov = setup
    submit(world, nov, world.unit_a, world.alice, {"operating": (50_000_00, 31_000_00)})
    [d] = recon.differences(scheme, [world.unit_a])
    stale = d.token.rsplit(":", 1)[0] + ":1"
    with pytest.raises(ValidationError):
        recon.recon_accept(actor=world.carol, scheme=scheme, token=stale, source="import", now=at(2022, 11, 18))
    with pytest.raises(PermissionDenied):  # an officer reads, never decides
        recon.recon_accept(actor=world.alice, scheme=scheme, token=d.token, source="import", now=at(2022, 11, 18))
    assert not ReconDecision.objects.exists()


def test_the_board_shows_the_count_and_another_coordinators_subtree_sees_nothing(setup):
    world, scheme, nov = setup
    submit(world, nov, world.unit_a, world.alice, {"operating": (50_000_00, 31_000_00)})
    carol = Client()
    carol.force_login(world.carol)
    board = carol.get(reverse("reporting:period_status", kwargs={"period_id": nov.pk}), HTTP_ACCEPT_LANGUAGE="th")
    page = board.content.decode()
    url = reverse("recon:reconcile", kwargs={"scheme": scheme.code})
    assert "ยอดไม่ตรงกัน 1 รายการ" in page and url in page
    listing = carol.get(url).content.decode()
    assert "AG-A" in listing and "ต.ค. 65" not in listing and "พ.ย. 65" in listing and "31,000.00" in listing

    # an officer sees their own unit's differences, read-only; another unit's officer sees none of them
    alice = Client()
    alice.force_login(world.alice)
    mine = alice.get(url).content.decode()
    assert "31,000.00" in mine and 'name="source"' not in mine
    form = alice.get(reverse("reporting:report_edit", kwargs={"period_id": nov.pk, "unit_id": world.unit_a.pk}),
                     HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert "ยอดไม่ตรงกัน 1 รายการ" in form and url in form
    bob = Client()
    bob.force_login(world.bob)
    assert "AG-A" not in bob.get(url).content.decode()

    # a coordinator of another province: the scheme is not theirs (404), and posting changes nothing
    other = make_org(kind=OrgKind.PROVINCE, code="PROV-X", name_th="จังหวัดอื่น")
    dave = Client()
    dave.force_login(make_user(username="dave", role=Role.COORDINATOR, org=other))
    assert dave.get(url).status_code == 404
    [d] = recon.differences(scheme, [world.unit_a])
    answer = dave.post(reverse("recon:reconcile_accept", kwargs={"scheme": scheme.code}),
                       {"difference": d.token, "source": "import"})
    assert answer.status_code == 404 and not ReconDecision.objects.exists()

    # the coordinator accepts from the page: the board no longer counts it
    answer = carol.post(reverse("recon:reconcile_accept", kwargs={"scheme": scheme.code}),
                        {"difference": d.token, "source": "import"})
    assert answer.status_code == 302 and ReconDecision.objects.count() == 1
    board = carol.get(reverse("reporting:period_status", kwargs={"period_id": nov.pk}), HTTP_ACCEPT_LANGUAGE="th")
    assert "ยอดไม่ตรงกัน" not in board.content.decode()
    assert rollup.differences()[1] == 0


def test_an_import_after_an_accepted_report_counts_twice_until_the_import_is_taken(world):
    scheme = make_scheme(world, lock_after_deadline=False)
    allocate(world, world.unit_a, "operating", 1_000_000_00)
    nov = period_of(scheme, 2022, 11)
    report = submit(world, nov, world.unit_a, world.alice, {"operating": (0, 40_000_00)})
    reporting.report_accept(actor=world.carol, report=report, now=at(2022, 11, 17))
    import_lines([("K1", "เบิกจ่าย", "10/11/2565", world.unit_a.code, "6611210", "40000"),
                  ("K2", "เบิกจ่าย", "12/11/2565", world.unit_a.code, "6611210", "2500")])
    ledger = unit_figures(fiscal_year=2566, unit=world.unit_a, as_of=nov.as_of, include_subtree=False)["operating"]
    assert ledger.disbursed == 82_500_00  # the report's movements and the file's lines, both
    [d] = recon.differences(scheme, [world.unit_a])
    assert (d.figure, d.reported, d.imported, d.difference) == ("disbursed", 40_000_00, 42_500_00, -2_500_00)
    decision = recon.recon_accept(actor=world.carol, scheme=scheme, token=d.token, source="import",
                                  now=at(2022, 11, 18))
    ledger = unit_figures(fiscal_year=2566, unit=world.unit_a, as_of=nov.as_of, include_subtree=False)["operating"]
    assert ledger.disbursed == 42_500_00
    assert [m.amount for m in Movement.objects.filter(pk__in=decision.movements)] == [-40_000_00]
    assert rollup.differences()[1] == 0


def test_the_page_speaks_english_too(setup):
    world, scheme, nov = setup
    submit(world, nov, world.unit_a, world.alice, {"operating": (50_000_00, 31_000_00)})
    carol = Client()
    carol.force_login(world.carol)
    carol.cookies["django_language"] = "en"
    board = carol.get(reverse("reporting:period_status", kwargs={"period_id": nov.pk})).content.decode()
    assert "Figures differ: 1 item" in board
    page = carol.get(reverse("recon:reconcile", kwargs={"scheme": scheme.code})).content.decode()
    assert "Take the imported figure" in page and "cumulative disbursed" in page and "Nov 2022" in page


def test_taking_the_import_before_the_report_is_accepted_lists_it_again_once_accepted(setup):
    world, scheme, nov = setup
    report = submit(world, nov, world.unit_a, world.alice, {"operating": (50_000_00, 31_000_00)})
    [d] = recon.differences(scheme, [world.unit_a])
    decision = recon.recon_accept(actor=world.carol, scheme=scheme, token=d.token, source="import",
                                  now=at(2022, 11, 17))
    assert decision.movements == []  # the ledger already holds the imported figure: nothing to correct
    assert recon.differences(scheme, [world.unit_a]) == []
    reporting.report_accept(actor=world.carol, report=report, now=at(2022, 11, 18))  # writes 31,000 in the ledger
    [again] = recon.differences(scheme, [world.unit_a])
    assert (again.reported, again.imported) == (31_000_00, 30_000_00)
    recon.recon_accept(actor=world.carol, scheme=scheme, token=again.token, source="import", now=at(2022, 11, 19))
    ledger = unit_figures(fiscal_year=2566, unit=world.unit_a, as_of=nov.as_of, include_subtree=False)["operating"]
    assert ledger.disbursed == 30_000_00 and recon.differences(scheme, [world.unit_a]) == []
    assert rollup.differences()[1] == 0


def test_an_undone_import_is_not_compared(setup):
    world, scheme, nov = setup
    submit(world, nov, world.unit_a, world.alice, {"operating": (50_000_00, 31_000_00)})
    assert len(recon.differences(scheme, [world.unit_a])) == 1
    for batch in ImportBatch.objects.filter(state=State.COMMITTED):
        pipeline.request_undo(batch, SYSTEM)
        pipeline.undo(batch)
    assert recon.differences(scheme, [world.unit_a]) == []  # nothing imported says anything about A now
