"""Procurement amounts have the ledger's ceiling: the project and instalment forms, the actions,
the PTS sheet import and `pts plan --value` refuse an amount beyond it and store nothing."""

from __future__ import annotations

import html
import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from pts.audit.models import AuditEvent
from pts.cli import main
from pts.procurement import actions
from pts.procurement.models import ImportBatch, Instalment, Project
from pts.procurement.sheet import FIRST_DATA_ROW, columns
from tests.procurement.factories import BAHT, at, make_project

QUADRILLION_BAHT = 1_000_000_000_000_000 * BAHT
TWENTY_EIGHT_DIGITS = 1234567890123456789012345678 * BAHT
HOSTILE_TEXTS = ["1,000,000,000,000,000", "1234567890123456789012345678", "40,000,000,000.01"]
MAXIMUM = "40,000,000,000.00"
NOW = at(date(2023, 2, 14))


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def counts() -> tuple[int, int, int]:
    return Project.objects.count(), Instalment.objects.count(), AuditEvent.objects.count()


@pytest.mark.django_db
@pytest.mark.parametrize("text", HOSTILE_TEXTS)
@pytest.mark.parametrize(("field", "label"), [("allocated", "วงเงินงบประมาณ (บาท)"),
                                              ("reference_price", "ราคากลาง (บาท)")])
def test_the_project_form_refuses_an_amount_beyond_the_ceiling(world, field, label, text):
    url = reverse("procurement:project_create", kwargs={"unit_id": world.unit_a.pk, "be_year": 2566})
    form = {"name": "ปรับปรุงห้องประชุม", "category": "capital", "allocated": "1,200,000", "method": "e-bidding",
            "egp_number": "", "fund_code": "", "start": "01/11/2565", field: text}
    before = counts()
    response = signed_in(world.alice).post(url, form)
    assert response.status_code == 200
    message = " ".join(response.context["form"].errors[field])
    assert f"'{text}' เกินจำนวนเงินสูงสุดที่รับได้ {MAXIMUM} บาท" in message and label in message, message
    assert message in html.unescape(response.content.decode())
    assert counts() == before


@pytest.mark.django_db
def test_the_instalment_form_refuses_an_amount_beyond_the_ceiling(world):
    project = make_project(unit=world.unit_a, actor=world.alice)
    before = counts()
    response = signed_in(world.alice).post(reverse("procurement:instalment_add", args=[project.pk]), {
        "deliverable": "งวดที่ 1", "due_date": "01/04/2566", "amount": "1234567890123456789012345678"})
    assert response.status_code == 200
    assert MAXIMUM in " ".join(response.context["form"].errors["amount"])
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("amount", [QUADRILLION_BAHT, TWENTY_EIGHT_DIGITS, 40_000_000_000_01])
def test_the_procurement_actions_refuse_an_amount_beyond_the_ceiling(world, amount):
    project = make_project(unit=world.unit_a, actor=world.alice)
    before = counts()
    calls = {
        "allocated": lambda: make_project(unit=world.unit_a, actor=world.alice, allocated=amount),
        "reference_price": lambda: actions.project_update(actor=world.alice, project=project, reference_price=amount,
                                                          now=NOW),
        "contract_value": lambda: actions.project_update(actor=world.alice, project=project, contract_value=amount,
                                                         now=NOW),
        "amount": lambda: actions.instalment_add(actor=world.alice, project=project, deliverable="ง1",
                                                 due_date=date(2023, 3, 1), amount=amount, now=NOW),
    }
    for field, call in calls.items():
        with pytest.raises(ValidationError) as caught:
            call()
        assert f"เกินจำนวนเงินสูงสุดที่รับได้ {MAXIMUM} บาท" in " ".join(caught.value.message_dict[field]), field
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["1,000,000,000,000,000", 1e15, 1e300, 1234567890123456789012345678])
@pytest.mark.usefixtures("english")
def test_the_sheet_import_refuses_an_amount_beyond_the_ceiling_by_its_cell(world, value):
    make_project(unit=world.unit_a, actor=world.alice, name="จัดซื้อครุภัณฑ์")
    from tests.procurement.test_sheet import export

    wb = load_workbook(io.BytesIO(export()))
    ws = wb["PTS"]
    keys = [c.key for c in columns()]
    ws.cell(FIRST_DATA_ROW, keys.index("allocated") + 1).value = value
    out = io.BytesIO()
    wb.save(out)
    snapshot = list(Project.objects.order_by("pk").values())
    with pytest.raises(ValidationError) as refused:
        actions.sheet_import(actor=world.alice, fiscal_year=2566, content=out.getvalue(), file_name="x.xlsx", now=NOW)
    from openpyxl.utils import get_column_letter

    column = get_column_letter(keys.index("allocated") + 1)
    assert any(f"row {FIRST_DATA_ROW} column {column}" in m and MAXIMUM in m for m in refused.value.messages), \
        refused.value.messages
    assert list(Project.objects.order_by("pk").values()) == snapshot and not ImportBatch.objects.exists()


@pytest.mark.parametrize("value", ["1,000,000,000,000,000", "1234567890123456789012345678"])
def test_pts_plan_refuses_a_value_beyond_the_ceiling(value, capsys):
    code = main(["plan", "--value", value, "--start", "2023-11-01"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert "--value" in err and f"เกินจำนวนเงินสูงสุดที่รับได้ {MAXIMUM} บาท" in err
