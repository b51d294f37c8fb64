"""Governance evidence: file checks by content, dates inside the fiscal year, storage, facts for scoring."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from pts.audit.models import AuditEvent
from pts.reporting import actions
from pts.reporting.evidence import check_upload, read_capped, sniff
from pts.reporting.models import Evidence
from pts.reporting.queries import evidence_facts
from tests.reporting.factories import EXE, JPEG, PDF, PNG, counts, upload


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def send(world, **overrides):
    options = {
        "actor": world.alice, "unit": world.unit_a, "fiscal_year": 2566, "kind": "minutes",
        "month": date(2022, 11, 1), "event_date": date(2022, 11, 12), "uploaded_file": upload("minutes.pdf", PDF),
    }
    options.update(overrides)
    return actions.evidence_upload(**options)


# -- the file checks, without a database --------------------------------------------------------

@pytest.mark.parametrize(("head", "expected"), [
    (PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg"), (EXE, None), (b"<html>", None), (b"", None),
])
def test_it_recognises_a_file_by_its_first_bytes(head, expected):
    assert sniff(head[:8]) == expected


def test_an_exe_renamed_pdf_is_refused_whatever_the_browser_says():
    with pytest.raises(ValidationError) as exc:
        check_upload(upload("order.pdf", EXE, "application/pdf"), max_bytes=10_000)
    assert "order.pdf" in " ".join(exc.value.message_dict["uploaded_file"])


@pytest.mark.usefixtures("english")
def test_a_pdf_named_png_is_refused_as_a_mismatch():
    with pytest.raises(ValidationError) as exc:
        check_upload(upload("scan.png", PDF, "image/png"), max_bytes=10_000)
    assert "does not match" in " ".join(exc.value.messages)


def test_an_allowed_extension_is_required():
    with pytest.raises(ValidationError) as exc:
        check_upload(upload("order.docx", PDF), max_bytes=10_000)
    assert "order.docx" in " ".join(exc.value.messages)


def test_a_jpeg_with_an_upper_case_extension_is_accepted_and_hashed():
    checked = check_upload(upload("Scan.JPEG", JPEG, "application/octet-stream"), max_bytes=10_000)
    assert (checked.content_type, checked.extension, checked.size) == ("image/jpeg", "jpg", len(JPEG))
    assert checked.sha256 == hashlib.sha256(JPEG).hexdigest()


def test_reading_stops_as_soon_as_the_cap_is_passed():
    served = []

    def chunks():
        for i in range(1000):
            served.append(i)
            yield b"x" * 1024

    with pytest.raises(ValidationError) as exc:
        read_capped(chunks(), max_bytes=4 * 1024, name="big.pdf")
    assert len(served) == 5
    assert "big.pdf" in " ".join(exc.value.messages)


def test_a_file_larger_than_the_cap_is_refused_before_reading():
    big = upload("big.pdf", PDF + b"0" * 2048)
    with pytest.raises(ValidationError) as exc:
        check_upload(big, max_bytes=1024)
    assert "big.pdf" in " ".join(exc.value.messages) and "1,024 bytes" in " ".join(exc.value.messages)


# -- the action ---------------------------------------------------------------------------------

def test_it_stores_the_file_under_its_sha256_and_records_who_uploaded_it(world):
    item = send(world)
    digest = hashlib.sha256(PDF).hexdigest()
    assert item.file.name == f"evidence/{item.fiscal_year_id}/{world.unit_a.pk}/{digest}.pdf"
    assert (item.original_name, item.content_type, item.size, item.uploaded_by) == (
        "minutes.pdf", "application/pdf", len(PDF), world.alice)
    assert [p.name for p in stored_files()] == [f"{digest}.pdf"]
    assert AuditEvent.objects.get(action="evidence.upload").unit == world.unit_a


def test_the_same_file_twice_is_stored_once(world):
    first = send(world)
    second = send(world, kind="publication", event_date=date(2022, 11, 19))
    assert first.file.name == second.file.name and len(stored_files()) == 1


@pytest.mark.parametrize(("overrides", "field", "words"), [
    ({"event_date": date(2023, 12, 1), "month": date(2023, 9, 1)}, "event_date", ["1 Dec 2023", "1 Sep 2023"]),
    ({"event_date": date(2022, 9, 30), "kind": "committee_order", "month": None}, "event_date",
     ["30 Sep 2022", "1 Oct 2022 – 30 Sep 2023"]),
    ({"event_date": date(2022, 10, 31)}, "event_date", ["31 Oct 2022", "1 Nov 2022"]),
    ({"month": None}, "month", ["month is required"]),
    ({"month": date(2023, 10, 1), "event_date": date(2023, 10, 5)}, "month", ["2023-10", "2566"]),
    ({"kind": "photo"}, "kind", ["'photo'"]),
    ({"uploaded_file": upload("setup.pdf", EXE)}, "uploaded_file", ["setup.pdf", "not a PDF"]),
    ({"uploaded_file": upload("virus.exe", EXE, "application/x-msdownload")}, "uploaded_file", ["virus.exe"]),
    ({"uploaded_file": upload("empty.pdf", b"")}, "uploaded_file", ["empty.pdf", "empty"]),
    ({"actor": "bob"}, NON_FIELD_ERRORS, ["bob", "AG-A"]),
])
@pytest.mark.usefixtures("english")
def test_it_refuses_bad_evidence_naming_the_field_and_value_and_stores_nothing(world, overrides, field, words):
    if overrides.get("actor") == "bob":
        overrides = {**overrides, "actor": world.bob}
    before = counts()
    with pytest.raises(ValidationError) as exc:
        send(world, **overrides)
    text = " ".join(exc.value.message_dict[field])
    for word in words:
        assert word in text
    assert counts() == before and stored_files() == []


def test_a_file_above_the_size_cap_is_refused(world, settings):
    settings.PTS_EVIDENCE_MAX_BYTES = 100
    before = counts()
    with pytest.raises(ValidationError) as exc:
        send(world, uploaded_file=upload("big.pdf", PDF + b"0" * 200))
    assert "big.pdf" in " ".join(exc.value.message_dict["uploaded_file"])
    assert counts() == before and stored_files() == []


def test_september_minutes_may_be_posted_in_october_of_the_next_year(world):
    item = send(world, month=date(2023, 9, 1), event_date=date(2023, 10, 20))
    assert item.event_date == date(2023, 10, 20)


@pytest.mark.usefixtures("english")
def test_a_future_date_is_refused_when_today_is_known(world):
    with pytest.raises(ValidationError) as exc:
        send(world, today=date(2022, 11, 10))
    assert "12 Nov 2022" in " ".join(exc.value.message_dict["event_date"])


def test_the_committee_order_never_keeps_a_month(world):
    item = send(world, kind="committee_order", month=date(2022, 11, 1), event_date=date(2022, 10, 25))
    assert item.month is None


def test_evidence_facts_list_each_documents_dates_per_unit(world):
    send(world, kind="committee_order", month=None, event_date=date(2022, 10, 25))
    send(world, event_date=date(2022, 11, 14), uploaded_file=SimpleUploadedFile("b.png", PNG))
    send(world, event_date=date(2022, 11, 12))
    send(world, kind="publication", event_date=date(2022, 11, 19), uploaded_file=SimpleUploadedFile("c.jpg", JPEG))
    facts = evidence_facts(fiscal_year=2566, units=[world.unit_a, world.unit_b])
    assert facts == {
        world.unit_a.pk: {
            "committee_order": [date(2022, 10, 25)],
            "minutes:2022-11": [date(2022, 11, 12), date(2022, 11, 14)],
            "publication:2022-11": [date(2022, 11, 19)],
        },
        world.unit_b.pk: {},
    }
    assert Evidence.objects.count() == 4
