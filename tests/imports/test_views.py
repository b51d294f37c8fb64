"""The imports' pages through the Django client: upload -> columns -> preview -> confirm -> undo,
isolation (404 for another officer's batch), a file naming another unit's lines refused, downloads."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from pts.audit.models import AuditEvent
from pts.budget.models import FiscalYear, Movement
from pts.imports.models import BatchIssue, ImportBatch, ImportMapping, State

pytestmark = pytest.mark.django_db

ODD = "เลขเอกสาร,ชนิด,วันผ่านรายการ,หน่วยเบิก,แหล่งเงิน,ยอดเงิน\n"


@pytest.fixture(autouse=True)
def inline(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PTS_IMPORT_BACKGROUND = False
    settings.PTS_TODAY = "2022-11-16"


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def _csv(rows, header=ODD, name="gfmis.csv"):
    text = header + "".join(",".join(map(str, r)) + "\n" for r in rows)
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def _upload(client, rows, **extra):
    data = {"layout": "gfmis", "file": _csv(rows), "fiscal_year": FiscalYear.objects.get(be_year=2566).pk, **extra}
    response = client.post(reverse("imports:upload"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return ImportBatch.objects.latest("id"), response


COLUMNS = {"col_document": "เลขเอกสาร", "col_type": "ชนิด", "col_date": "วันผ่านรายการ", "col_unit": "หน่วยเบิก",
           "col_fund": "แหล่งเงิน", "col_amount": "ยอดเงิน"}


def test_odd_headers_are_matched_saved_and_reused_then_undone(world):
    c = _client(world.carol)
    rows = [("D1", "PO", "15/11/2565", world.unit_a.code, "6611320", "1000.00"),
            ("D2", "เบิกจ่าย", "16/11/2565", world.unit_b.code, "6611210", "250.50")]
    batch, response = _upload(c, rows)
    assert response["Location"] == reverse("imports:batch", kwargs={"batch_id": batch.pk})
    assert batch.state == State.MAPPING
    page = c.get(response["Location"]).content.decode()
    assert "จับคู่คอลัมน์" in page and "เลขเอกสาร" in page and "เลขที่เอกสาร" in page
    response = c.post(response["Location"], {**COLUMNS, "save_as": "GFMIS ของจังหวัด"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.state == State.PREVIEWED and batch.lines == 2
    mapping = ImportMapping.objects.get(name="GFMIS ของจังหวัด")
    assert mapping.columns["amount"] == "ยอดเงิน" and mapping.org == world.province
    assert AuditEvent.objects.filter(action="imports.mapping_save").count() == 1
    page = c.get(response["Location"]).content.decode()
    assert "1,000.00" in page and world.unit_a.code in page and "ยืนยัน" in page
    totals = c.get(reverse("imports:totals_csv", kwargs={"batch_id": batch.pk}))
    body = b"".join(totals.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff") and "1000.00" in body
    c.post(reverse("imports:confirm", kwargs={"batch_id": batch.pk}))
    batch.refresh_from_db()
    assert batch.state == State.COMMITTED

    later = [*rows, ("D3", "เบิกจ่าย", "10/12/2565", world.unit_a.code, "6611320", "400")]
    second, response = _upload(c, later, mapping=mapping.pk)
    assert second.state == State.PREVIEWED and second.skipped == 2 and second.lines == 1
    page = c.get(response["Location"]).content.decode()
    assert "นำเข้าแล้ว" in page
    c.post(reverse("imports:confirm", kwargs={"batch_id": second.pk}))
    second.refresh_from_db()
    assert second.state == State.COMMITTED
    page = c.get(reverse("imports:undo", kwargs={"batch_id": second.pk})).content.decode()
    assert "1" in page and "ยกเลิกการนำเข้า" in page
    c.post(reverse("imports:undo", kwargs={"batch_id": second.pk}))
    second.refresh_from_db()
    assert second.state == State.UNDONE
    assert "ยกเลิก" in c.get(reverse("imports:batch", kwargs={"batch_id": second.pk})).content.decode()
    listing = c.get(reverse("imports:list")).content.decode()
    assert "gfmis.csv" in listing and "ยกเลิกแล้ว" in listing


def test_an_officer_cannot_see_or_confirm_another_officers_batch(world):
    alice = _client(world.alice)
    known = "เลขที่เอกสาร,ประเภทเอกสาร,วันที่ผ่านรายการ,รหัสหน่วยเบิกจ่าย,รหัสแหล่งของเงิน,จำนวนเงิน\n"
    data = {"layout": "gfmis", "fiscal_year": FiscalYear.objects.get(be_year=2566).pk,
            "file": _csv([("A1", "PO", "15/11/2565", world.unit_a.code, "6611320", "10")], header=known)}
    alice.post(reverse("imports:upload"), data)
    batch = ImportBatch.objects.latest("id")
    assert batch.state == State.PREVIEWED
    bob = _client(world.bob)
    for name in ("batch", "progress", "errors_csv", "totals_csv", "undo"):
        assert bob.get(reverse(f"imports:{name}", kwargs={"batch_id": batch.pk})).status_code == 404
    for name in ("confirm", "cancel", "undo"):
        assert bob.post(reverse(f"imports:{name}", kwargs={"batch_id": batch.pk})).status_code == 404
    assert batch.file_name not in bob.get(reverse("imports:list")).content.decode()
    batch.refresh_from_db()
    assert batch.state == State.PREVIEWED


def test_another_units_line_is_listed_and_nothing_is_written(world):
    movements = Movement.with_pending.count()
    alice = _client(world.alice)
    known = "เลขที่เอกสาร,ประเภทเอกสาร,วันที่ผ่านรายการ,รหัสหน่วยเบิกจ่าย,รหัสแหล่งของเงิน,จำนวนเงิน\n"
    data = {"layout": "gfmis", "fiscal_year": FiscalYear.objects.get(be_year=2566).pk,
            "file": _csv([("A1", "PO", "15/11/2565", world.unit_a.code, "6611320", "10"),
                          ("B1", "PO", "15/11/2565", world.unit_b.code, "6611320", "=1+1")], header=known)}
    response = alice.post(reverse("imports:upload"), data)
    batch = ImportBatch.objects.latest("id")
    assert batch.state == State.REFUSED
    page = alice.get(response["Location"]).content.decode()
    assert world.unit_b.code in page and "ไม่มีอะไรถูกบันทึก" in page
    assert Movement.with_pending.count() == movements
    download = alice.get(reverse("imports:errors_csv", kwargs={"batch_id": batch.pk}))
    body = b"".join(download.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert len(rows) == 1 + BatchIssue.objects.filter(batch=batch).count() >= 2
    assert all(not cell.startswith("=") for row in rows for cell in row)


def test_the_progress_partial_polls_while_working_and_reloads_after(world):
    c = _client(world.carol)
    batch, _response = _upload(c, [("D1", "PO", "15/11/2565", world.unit_a.code, "6611320", "1")])
    ImportBatch.objects.filter(pk=batch.pk).update(state=State.READING, done=120_000, total=1_000_000)
    from django.utils import timezone
    ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=timezone.now())
    part = c.get(reverse("imports:progress", kwargs={"batch_id": batch.pk}))
    text = part.content.decode()
    assert "อ่านแล้ว 120,000 จาก 1,000,000 แถว" in text and "<progress" in text and "every 1s" in text
    assert "HX-Refresh" not in part
    ImportBatch.objects.filter(pk=batch.pk).update(state=State.PREVIEWED)
    part = c.get(reverse("imports:progress", kwargs={"batch_id": batch.pk}))
    assert part["HX-Refresh"] == "true" and "every 1s" not in part.content.decode()


def test_a_saved_mapping_of_another_kind_is_refused_on_the_form(world):
    c = _client(world.carol)
    mapping = ImportMapping.objects.create(org=world.province, layout="units", name="หน่วย", columns={},
                                           created_by=world.carol)
    data = {"layout": "gfmis", "file": _csv([]), "fiscal_year": FiscalYear.objects.get(be_year=2566).pk,
            "mapping": mapping.pk}
    response = c.post(reverse("imports:upload"), data)
    assert response.status_code == 200 and "ไฟล์อีกแบบ" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_the_pts_sheet_page_uploads_through_the_pipeline(world):
    """The procurement page's form posts to the imports' upload with the `pts` layout and its year."""
    import re

    alice = _client(world.alice)
    page = alice.get(reverse("procurement:import", args=[2566])).content.decode()
    form = re.search(r'<form method="post" enctype="multipart/form-data"[^>]*action="([^"]+)"', page)
    assert form is not None and form.group(1) == reverse("imports:upload")
    year = re.search(r'name="fiscal_year" value="(\d+)"', page)
    assert 'name="layout" value="pts"' in page and year is not None
    response = alice.post(form.group(1), {"layout": "pts", "fiscal_year": year.group(1),
                                          "file": SimpleUploadedFile("PTS.xlsx", b"not a workbook")})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and batch.layout == "pts" and batch.fiscal_year.be_year == 2566
    assert batch.state == State.REFUSED  # not a workbook: listed on the batch page, nothing written
    assert "ไม่มีอะไรถูกบันทึก" in alice.get(response["Location"]).content.decode()
