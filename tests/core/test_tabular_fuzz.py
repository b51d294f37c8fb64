"""Fuzzing the reader: random bytes and random damage to a valid xlsx and a valid CSV either read as
rows or end in TabularRefused; never any other exception."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pts.core.tabular import TabularRefused, open_tabular
from tests.core.xlsx_craft import openpyxl_book, xlsx

FUZZ = settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow], database=None)


def _book(wb, ws):
    ws.append(["รหัสหน่วย", "ประเภท", "จำนวนเงิน", "วันที่"])
    for i in range(20):
        ws.append([f"15006{i:05d}", "PO", 1000 + i / 4, f"{i + 1}/10/2566"])
    wb.create_sheet("อื่น").append(["x", 1])


XLSX = openpyxl_book(_book)
CSV = "รหัสหน่วย,ประเภท,จำนวนเงิน\n" + "".join(f"15006{i:05d},PO,\"1,{i:03d}.50\"\n" for i in range(20))


def outcome(data: bytes, name: str) -> str:
    """Read everything; any exception but TabularRefused fails the test."""
    try:
        tab = open_tabular(data, file_name=name, max_rows=50)
        for _line, cells in tab.rows():
            assert isinstance(cells, list)
        return "read"
    except TabularRefused as exc:
        assert exc.issues and all(str(issue) for issue in exc.issues)
        return "refused"


damage = st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), min_size=1, max_size=8)


def mutate(base: bytes, edits: list[tuple[int, int]], cut: int | None) -> bytes:
    data = bytearray(base)
    for at, value in edits:
        data[at % len(data)] = value
    return bytes(data[: cut % len(data)] if cut is not None else data)


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes_read_or_are_refused(data):
    outcome(data, "random.xlsx")


@FUZZ
@given(damage, st.none() | st.integers(min_value=1))
def test_a_damaged_xlsx_reads_or_is_refused(edits, cut):
    outcome(mutate(XLSX, edits, cut), "damaged.xlsx")


@FUZZ
@given(damage, st.none() | st.integers(min_value=1), st.sampled_from(["utf-8", "utf-8-sig", "cp874"]))
def test_a_damaged_csv_reads_or_is_refused(edits, cut, encoding):
    outcome(mutate(CSV.encode(encoding), edits, cut), "damaged.csv")


@pytest.mark.parametrize("data", [XLSX, CSV.encode()])
def test_the_fuzzed_files_read_when_undamaged(data):
    assert outcome(data, "good") == "read"


SHEET = zipfile.ZipFile(io.BytesIO(XLSX)).read("xl/worksheets/sheet1.xml")


@FUZZ
@given(damage, st.none() | st.integers(min_value=1), st.binary(max_size=40), st.integers(min_value=0))
def test_damaged_sheet_xml_in_a_sound_zip_reaches_calamine_and_reads_or_is_refused(edits, cut, insert, where):
    """The damage is inside the XML, the zip around it is sound (checksums right): calamine parses it."""
    xml = bytearray(mutate(SHEET, edits, cut))
    at = where % (len(xml) + 1)
    xml[at:at] = insert
    outcome(xlsx(bytes(xml)), "damaged-xml.xlsx")
