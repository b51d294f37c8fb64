"""An officer fills the monthly report form from their own GFMIS export: read, never imported."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from pts.budget.models import LedgerBatch, Movement
from pts.imports.models import ImportBatch, State
from pts.reporting.models import MonthlyReport
from tests.reporting.factories import allocate, make_scheme, period_of

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "เลขที่เอกสาร,ประเภทเอกสาร,วันที่ผ่านรายการ,รหัสหน่วยเบิกจ่าย,รหัสแหล่งของเงิน,จำนวนเงิน\n"


def csv_file(rows, name="gfmis-nov.csv", bom=True) -> SimpleUploadedFile:
    text = HEADER + "".join(",".join(r) + "\n" for r in rows)
    return SimpleUploadedFile(name, (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"), "text/csv")


@pytest.fixture
def setup(world):
    scheme = make_scheme(world, lock_after_deadline=False)
    allocate(world, world.unit_a, "operating", 1_000_000_00)
    allocate(world, world.unit_a, "capital", 500_000_00)
    client = Client()
    client.force_login(world.alice)
    return world, scheme, period_of(scheme, 2022, 11), client  # November: figures as of 15 Nov 2022


def field_value(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert found, name
    value = re.search(r'value="([^"]*)"', found.group(0))
    return value.group(1) if value else ""


def test_the_form_shows_the_files_figures_and_nothing_is_written(setup):
    world, scheme, period, client = setup
    form_url = reverse("reporting:report_edit", kwargs={"period_id": period.pk, "unit_id": world.unit_a.pk})
    assert "เติมจากไฟล์ GFMIS" in client.get(form_url, HTTP_ACCEPT_LANGUAGE="th").content.decode()
    before = (Movement.with_pending.count(), LedgerBatch.objects.filter(state="committed").count(),
              MonthlyReport.objects.count())
    upload = csv_file([("P1", "PO", "01/11/2565", "AG-A", "6611210", '"120,000.00"'),
                       ("K1", "เบิกจ่าย", "10/11/2565", "AG-A", "6611210", "45000.50"),
                       ("K2", "เบิกจ่าย", "2022-11-14", "AG-A", "6611320", "๒๐๐๐"),
                       ("K3", "เบิกจ่าย", "20/11/2565", "AG-A", "6611210", "999")])  # after the as-of day
    answer = client.post(reverse("recon:report_fill", kwargs={"period_id": period.pk, "unit_id": world.unit_a.pk}),
                         {"file": upload})
    assert answer.status_code == 302 and answer.url == form_url
    page = client.get(form_url, HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert field_value(page, "operating_committed") == "120,000.00"
    assert field_value(page, "operating_disbursed") == "45,000.50"
    assert field_value(page, "capital_committed") == "0.00"
    assert field_value(page, "capital_disbursed") == "2,000.00"
    assert "gfmis-nov.csv" in page and "3 รายการ" in page
    # nothing in the ledger, no report, no import left behind; the preview batch is cancelled
    assert (Movement.with_pending.count(), LedgerBatch.objects.filter(state="committed").count(),
            MonthlyReport.objects.count()) == before
    assert list(ImportBatch.objects.values_list("state", "dry_run")) == [(State.CANCELLED, True)]
    # shown once: a reload shows the form as it was
    again = client.get(form_url, HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert field_value(again, "operating_committed") != "120,000.00"


def test_a_line_of_another_unit_is_an_error_naming_it_and_fills_nothing(setup):
    world, scheme, period, client = setup
    form_url = reverse("reporting:report_edit", kwargs={"period_id": period.pk, "unit_id": world.unit_a.pk})
    upload = csv_file([("P1", "PO", "01/11/2565", "AG-A", "6611210", "100"),
                       ("P2", "PO", "01/11/2565", "AG-B", "6611210", "100")], bom=False)
    client.post(reverse("recon:report_fill", kwargs={"period_id": period.pk, "unit_id": world.unit_a.pk}),
                {"file": upload})
    page = client.get(form_url, HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert "AG-B" in page and "แถว 3" in page
    assert field_value(page, "operating_committed") != "100.00"
    assert Movement.with_pending.filter(document_ref__in=["P1", "P2"]).count() == 0


def test_another_units_officer_cannot_fill_its_form(setup):
    world, scheme, period, client = setup
    bob = Client()
    bob.force_login(world.bob)
    answer = bob.post(reverse("recon:report_fill", kwargs={"period_id": period.pk, "unit_id": world.unit_a.pk}),
                      {"file": csv_file([("P1", "PO", "01/11/2565", "AG-A", "6611210", "100")])})
    assert answer.status_code == 404 and not ImportBatch.objects.exists()
