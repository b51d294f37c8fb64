"""Ledger pages: who sees and changes what, forms that refuse bad input and change nothing, CSV."""

from __future__ import annotations

import uuid
from datetime import date
from types import SimpleNamespace

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils.html import escape

from pts.audit.models import AuditEvent
from pts.budget import actions
from pts.budget.models import Movement, ReservationForm, ReservationStatus
from pts.budget.queries import unit_figures
from tests.factories import make_allocation
from tests.lang import one_language

pytestmark = pytest.mark.django_db
FORMULA = "=cmd|' /C calc'!A0"


def url(name: str, **kwargs) -> str:
    return reverse(f"budget:{name}", kwargs=kwargs)


def counts() -> tuple[int, int, int]:
    return Movement.objects.count(), AuditEvent.objects.count(), ReservationForm.objects.count()


@pytest.fixture
def ledger(world):
    make_allocation(unit=world.unit_a, amount=1000_00, actor=world.carol, document_ref="ALLOC-A")
    make_allocation(unit=world.unit_b, amount=500_00, actor=world.carol, document_ref="ALLOC-B")
    paid = actions.disbursement_record(actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="operating",
                                       amount=100_00, effective_date=date(2022, 11, 1), document_ref="PAY-A",
                                       note=FORMULA)
    form = actions.reservation_create(actor=world.alice, fiscal_year=2566, unit=world.unit_a, category="operating",
                                      number="RES-A-1", requester="นางสาวเอ", amount=50_00,
                                      requested_on=date(2022, 11, 2))
    return SimpleNamespace(paid=paid, form=form)


def a_urls(world, ledger) -> list[str]:
    """Every budget URL that names one of unit A's objects."""
    unit = {"unit_id": world.unit_a.pk, "be_year": 2566}
    return [
        url("unit_ledger", **unit), url("unit_movements_csv", **unit), url("allocate", **unit),
        url("transfer", **unit), url("pullback", **unit), url("carry_over", **unit),
        url("unit_commitment", **unit), url("unit_disbursement", **unit), url("reservations", **unit),
        url("reservation_create", **unit),
        url("reservation_commit", reservation_id=ledger.form.pk),
        url("reservation_cancel", reservation_id=ledger.form.pk),
        url("movement_reverse", movement_id=ledger.paid.pk),
    ]


def test_an_officer_sees_her_own_unit_s_figures(client, world, ledger):
    client.force_login(world.alice)
    response = client.get(url("unit_ledger", unit_id=world.unit_a.pk, be_year=2566), {"as_of": "30/09/2566"})
    assert response.status_code == 200
    total = response.context["total_row"]
    assert (total["f"].current_allocation, total["f"].disbursed, total["f"].reserved) == (1000_00, 100_00, 50_00)
    assert total["disbursement_rate"] == 10
    assert "1,000.00" in response.content.decode() and "PAY-A" in response.content.decode()


def test_bob_gets_404_on_every_url_of_unit_a_and_changes_nothing(client, world, ledger):
    client.force_login(world.bob)
    before = counts()
    for address in a_urls(world, ledger):
        assert client.get(address).status_code == 404, address
        assert client.post(address, {"amount": "1", "effective_date": "01/12/2565", "reason": "x"}).status_code == 404, address
    assert counts() == before


def test_nothing_of_unit_a_appears_in_bob_s_lists_or_exports(client, world, ledger):
    actions.disbursement_record(actor=world.bob, fiscal_year=2566, unit=world.unit_b, category="operating",
                                amount=10_00, effective_date=date(2022, 11, 1), document_ref="PAY-B")
    client.force_login(world.bob)
    unit_b = {"unit_id": world.unit_b.pk, "be_year": 2566}
    pages = [client.get(url("overview", be_year=2566)), client.get(url("unit_ledger", **unit_b)),
             client.get(url("reservations", **unit_b))]
    csv = client.get(url("unit_movements_csv", **unit_b))
    texts = [p.content.decode() for p in pages] + [b"".join(csv.streaming_content).decode("utf-8")]
    assert all(p.status_code == 200 for p in pages) and csv.status_code == 200
    assert "PAY-B" in texts[1] and "PAY-B" in texts[3]
    for text in texts:
        for secret in (world.unit_a.code, world.unit_a.name_th, "PAY-A", "ALLOC-A", "RES-A-1", "cmd"):
            assert secret not in text
    assert [row["label"] for row in pages[0].context["rows"]] == [world.unit_b]


def test_an_executive_can_view_but_not_change(client, world, ledger):
    client.force_login(world.erin)
    assert client.get(url("unit_ledger", unit_id=world.unit_a.pk, be_year=2566)).status_code == 200
    assert client.get(url("reservations", unit_id=world.unit_a.pk, be_year=2566)).status_code == 200
    overview = client.get(url("overview", be_year=2566))
    assert world.unit_a.code in overview.content.decode()
    before = counts()
    for address in a_urls(world, ledger)[2:8] + a_urls(world, ledger)[9:]:
        assert client.post(address, {"category": "operating", "amount": "1.00", "effective_date": "01/12/2565",
                                     "document_ref": "X", "reason": "x"}).status_code == 403, address
        assert client.get(address).status_code == 403, address
    assert counts() == before


def test_an_officer_records_spending_but_not_allocations_or_reversals(client, world, ledger):
    client.force_login(world.alice)
    unit = {"unit_id": world.unit_a.pk, "be_year": 2566}
    for name in ("allocate", "transfer", "pullback", "carry_over"):
        assert client.get(url(name, **unit)).status_code == 403
    assert client.post(url("movement_reverse", movement_id=ledger.paid.pk), {"reason": "x"}).status_code == 403
    page = client.get(url("unit_ledger", **unit))
    assert all(not row["reverse_url"] for row in page.context["movement_rows"])
    response = client.post(url("unit_disbursement", **unit), {
        "category": "operating", "amount": "๒๕.๕๐", "effective_date": "๑ ธ.ค. ๖๕", "document_ref": "PAY-2",
    })
    assert response.status_code == 302
    assert Movement.objects.get(document_ref="PAY-2").amount == 25_50


def test_a_coordinator_allocates_through_the_form_and_is_told_so_in_thai(client, world, ledger):
    client.force_login(world.carol)
    response = client.post(url("allocate", unit_id=world.unit_a.pk, be_year=2566), {
        "category": "capital", "amount": "1,234,567.89", "effective_date": "15/11/2565", "document_ref": "จด.9",
        "request_key": str(uuid.uuid4()),
    })
    assert response.status_code == 302
    assert response["Location"] == url("unit_ledger", unit_id=world.unit_a.pk, be_year=2566)
    movement = Movement.objects.get(document_ref="จด.9")
    assert (movement.amount, movement.effective_date, movement.actor) == (1_234_567_89, date(2022, 11, 15), world.carol)
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "1,234,567.89" in message and "จัดสรร" in message


@pytest.mark.parametrize(("who", "name", "fields", "field", "fragment"), [
    ("alice", "unit_commitment", {"amount": "12a"}, "amount", "12a"),
    ("alice", "unit_commitment", {"amount": "-5"}, "note", ""),  # a correction needs its reason
    ("carol", "allocate", {"amount": "-5"}, "amount", "-5"),
    ("alice", "unit_disbursement", {"amount": "0"}, "amount", ""),
    ("alice", "unit_commitment", {"effective_date": "01/10/2566"}, "effective_date", "1 Oct 2023"),
    ("alice", "unit_disbursement", {"amount": "1,000,000"}, "amount", "1,000,000.00"),  # above what remains
])
@pytest.mark.usefixtures("english")
def test_a_bad_form_is_refused_with_the_field_and_value_and_changes_nothing(client, world, ledger, who, name, fields,
                                                                             field, fragment):
    client.force_login(getattr(world, who))
    before = counts()
    data = {"category": "operating", "amount": "10", "effective_date": "01/12/2565", "document_ref": "PO-X",
            "commitment_type": "po", **fields}
    response = client.post(url(name, unit_id=world.unit_a.pk, be_year=2566), data)
    assert response.status_code == 200
    messages = response.context["form"].errors[field]
    assert fragment in " ".join(messages) and one_language(" ".join(messages))  # an English page: English only
    assert all(escape(message) in response.content.decode() for message in messages)  # shown on the page
    assert counts() == before


def test_a_double_submitted_form_records_the_money_once(client, world, ledger):
    client.force_login(world.carol)
    data = {"to_unit": world.unit_b.pk, "category": "operating", "amount": "300", "effective_date": "01/12/2565",
            "request_key": str(uuid.uuid4())}
    address = url("transfer", unit_id=world.unit_a.pk, be_year=2566)
    assert client.post(address, data).status_code == 302
    assert client.post(address, data).status_code == 302
    assert Movement.objects.filter(kind="transfer_out").count() == 1
    assert unit_figures(fiscal_year=2566, unit=world.unit_b, as_of=date(2023, 9, 30))["total"].current_allocation == 800_00


def test_the_csv_export_neutralises_formulas_and_opens_in_excel(client, world, ledger):
    client.force_login(world.alice)
    response = client.get(url("unit_movements_csv", unit_id=world.unit_a.pk, be_year=2566))
    body = b"".join(response.streaming_content).decode("utf-8")
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    assert body.startswith("\ufeff")
    assert "'=cmd" in body and ",=cmd" not in body
    assert "01/11/2565" in body and "100.00" in body


def test_as_of_accepts_be_and_ce_dates_and_is_clamped_to_the_year(client, world, ledger):
    client.force_login(world.alice)
    address = url("unit_ledger", unit_id=world.unit_a.pk, be_year=2566)
    assert client.get(address, {"as_of": "31/10/2565"}).context["as_of"] == date(2022, 10, 31)
    assert client.get(address, {"as_of": "2022-10-31"}).context["as_of"] == date(2022, 10, 31)
    assert client.get(address, {"as_of": "2030-01-01"}).context["as_of"] == date(2023, 9, 30)
    early = client.get(address, {"as_of": "31 ต.ค. 2565"}).context["total_row"]["f"]
    assert (early.current_allocation, early.disbursed) == (1000_00, 0)
    bad = client.get(address, {"as_of": "yesterday"})
    assert bad.status_code == 200 and "yesterday" in bad.context["as_of_error"]


def test_the_overview_rolls_units_up_to_the_province(client, world, ledger):
    client.force_login(world.carol)
    response = client.get(url("overview", be_year=2566), {"as_of": "2023-09-30"})
    rows = {row["label"].code: row for row in response.context["rows"]}
    assert rows[world.province.code]["f"].current_allocation == 1500_00
    assert rows[world.province.code]["f"].disbursed == 100_00
    assert rows[world.unit_a.code]["disbursement_rate"] == 10
    capital = client.get(url("overview", be_year=2566), {"series": "capital"}).context["rows"]
    assert all(row["f"].current_allocation == 0 for row in capital)


def test_an_officer_commits_and_cancels_request_forms(client, world, ledger):
    client.force_login(world.alice)
    listing = client.get(url("reservations", unit_id=world.unit_a.pk, be_year=2566))
    assert [row["r"].number for row in listing.context["rows"]] == ["RES-A-1"]
    response = client.post(url("reservation_create", unit_id=world.unit_a.pk, be_year=2566), {
        "number": "RES-A-2", "requester": "นายบี", "category": "operating", "amount": "70",
        "requested_on": "03/11/2565", "purpose": "ประชุม"})
    assert response.status_code == 302
    second = ReservationForm.objects.get(number="RES-A-2")
    assert client.post(url("reservation_commit", reservation_id=ledger.form.pk),
                       {"effective_date": "10/11/2565", "document_ref": "PO-R", "commitment_type": "po"}
                       ).status_code == 302
    assert client.post(url("reservation_cancel", reservation_id=second.pk),
                       {"effective_date": "10/11/2565", "note": "ไม่จัดแล้ว"}).status_code == 302
    ledger.form.refresh_from_db()
    second.refresh_from_db()
    assert (ledger.form.status, second.status) == (ReservationStatus.COMMITTED, ReservationStatus.CANCELLED)
    f = unit_figures(fiscal_year=2566, unit=world.unit_a, as_of=date(2023, 9, 30))["operating"]
    assert (f.reserved, f.committed_outstanding, f.remaining) == (0, 50_00, 1000_00 - 100_00 - 50_00)
    again = client.post(url("reservation_cancel", reservation_id=second.pk), {"effective_date": "11/11/2565"})
    assert again.status_code == 200 and "RES-A-2" in str(again.context["form"].non_field_errors())


@pytest.mark.usefixtures("english")
def test_a_coordinator_reverses_a_movement_from_the_ledger(client, world, ledger):
    client.force_login(world.carol)
    page = client.get(url("unit_ledger", unit_id=world.unit_a.pk, be_year=2566))
    links = [row["reverse_url"] for row in page.context["movement_rows"] if row["m"].pk == ledger.paid.pk]
    assert links == [url("movement_reverse", movement_id=ledger.paid.pk)]
    assert client.get(links[0]).status_code == 200
    response = client.post(links[0], {"effective_date": "02/11/2565", "reason": "จ่ายซ้ำ"})
    assert response.status_code == 302
    assert unit_figures(fiscal_year=2566, unit=world.unit_a, as_of=date(2023, 9, 30))["operating"].disbursed == 0
    again = client.get(links[0])
    assert again.context["refusal"] and "already" in again.context["refusal"]


def test_the_movement_list_filters_by_kind_and_category(client, world, ledger):
    client.force_login(world.alice)
    address = url("unit_ledger", unit_id=world.unit_a.pk, be_year=2566)
    kinds = {row["m"].kind for row in client.get(address, {"kind": "disbursement"}).context["movement_rows"]}
    assert kinds == {"disbursement"}
    assert client.get(address, {"category": "capital"}).context["movement_rows"] == []
