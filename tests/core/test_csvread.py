"""The shared CSV reader: rows streamed in bounded memory, structural faults refused with their line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from pts.core import csvread
from pts.core.csvread import CsvError, IssueLog, Table, issue_count

COLUMNS = {"unit": ("unit", "หน่วยงาน"), "month": ("month",), "amount": ("amount", "จำนวนเงิน")}
HOSTILE = Path(__file__).resolve().parent.parent / "fixtures" / "hostile"


def read(source, **kwargs):
    log = IssueLog()
    table = Table(source, COLUMNS, ("unit", "amount"), log, **kwargs)
    return list(table), log


def test_a_row_with_more_fields_than_the_header_is_refused_naming_unquoted_thousands():
    rows, log = read(b"unit,month,amount\nU1,2022-10,1,000,000\nU2,2022-10,5\n")
    assert rows == [(3, ["U2", "2022-10", "5"])]
    (issue,) = log.listing()
    assert issue.line == 2 and "has 5 fields but the header has 3" in issue.message
    assert "thousands separators not in quotes" in issue.message and "คั่นหลักพัน" in issue.message


def test_extra_fields_that_are_empty_are_read():
    rows, log = read(b"unit,month,amount\nU1,2022-10,5,,\n")
    assert rows == [(2, ["U1", "2022-10", "5", "", ""])] and len(log) == 0


@pytest.mark.parametrize("header", ["unit,amount,unit", "unit,amount,หน่วยงาน", "unit,amount,note,note"])
def test_a_header_that_names_a_column_twice_is_refused(header):
    with pytest.raises(CsvError) as caught:
        read(f"{header}\nU1,5,U1\n".encode())
    (issue,) = caught.value.issues
    assert issue.line == 1 and "names this column twice" in issue.message


def test_a_quote_never_closed_within_the_field_limit_is_refused_with_both_lines():
    rows, log = read(b'unit,month,amount\nU1,2022-10,"5\nU2,2022-10,6\nU3,2022-10,7\n')
    assert rows == []
    (issue,) = log.listing()
    assert issue.line == 2 and "opened on line 2 is closed only on line 4" in issue.message
    assert "\n" not in issue.value  # a value prints on one line


def test_free_text_may_run_over_lines_when_the_reader_allows_it():
    rows, log = read(b'unit,month,amount\nU1,"a\nb",7\n', multiline=True)
    assert rows == [(2, ["U1", "a\nb", "7"])] and len(log) == 0


def test_a_field_beyond_the_csv_modules_limit_stops_the_reading_at_its_first_line():
    body = 'U1,2022-10,"5\n' + "U2,2022-10,6\n" * 20_000  # one stray quote, then 260,000 characters
    rows, log = read(("unit,month,amount\nU0,2022-10,1\n" + body).encode())
    assert [line for line, _ in rows] == [2]
    (issue,) = log.listing()
    assert issue.line == 3 and "longer than 131,072 characters" in issue.message and "quote" in issue.message


def test_a_file_with_no_line_break_stops_at_the_line_limit_without_holding_the_line(monkeypatch):
    monkeypatch.setattr(csvread, "MAX_LINE_CHARS", 1000)
    monkeypatch.setattr(csvread, "CHUNK_BYTES", 64)
    rows, log = read(io.BytesIO(b"unit,month,amount\n" + b"x" * 100_000))
    assert rows == []
    (issue,) = log.listing()
    assert issue.line == 2 and "longer than 1,000 characters" in issue.message


def test_errors_beyond_the_cap_are_counted_not_kept():
    log = IssueLog(cap=100)
    for n in range(250):
        log.add(csvread.Issue(n, "amount", "x" * 10_000, "bad"))
    listing = log.listing()
    assert len(listing) == 101 and listing[-1].message == "และอีก 150 รายการ / and 150 more"
    assert issue_count(listing) == 250 and len(listing[0].value) == csvread.VALUE_CHARS


def test_rows_cut_across_chunks_read_as_from_one_piece(monkeypatch):
    data = "unit,month,amount\r\nU1,ต.ค. 65,\"1,000\"\r\nU2,2022-11,5\rU3,2022-12,6\n".encode()
    whole, _ = read(data)
    monkeypatch.setattr(csvread, "CHUNK_BYTES", 3)  # splits "\r\n" and Thai characters' bytes
    streamed, _ = read(io.BytesIO(data))
    assert streamed == whole == [(2, ["U1", "ต.ค. 65", "1,000"]), (3, ["U2", "2022-11", "5"]), (4, ["U3", "2022-12", "6"])]


def test_a_cp874_stream_is_read_as_thai():
    rows, _ = read(io.BytesIO("หน่วยงาน,จำนวนเงิน\nสำนักงาน,5\n".encode("cp874")))
    assert rows == [(2, ["สำนักงาน", "5"])]


def test_a_stream_in_neither_encoding_is_refused_naming_the_byte():
    with pytest.raises(CsvError) as caught:
        read(io.BytesIO(b"unit,amount\n" + b"\xdb\xfc\n"))
    assert "neither UTF-8 nor cp874 (byte 12)" in str(caught.value)


def test_a_quote_still_open_at_the_end_of_the_file_is_refused():
    rows, log = read(b'unit,month,amount\nU1,2022-10,"5\n')
    assert rows == []
    (issue,) = log.listing()
    assert issue.line == 2 and "never closed (the file ends inside it)" in issue.message


def test_only_cr_and_lf_end_a_line_as_in_the_csv_module(monkeypatch):
    data = "unit,month,amount\nU1,a\x0cb\u2028c,5\nU2,x\x85y,6\n"
    rows, log = read(data)
    assert rows == [(2, ["U1", "a\x0cb\u2028c", "5"]), (3, ["U2", "x\x85y", "6"])] and len(log) == 0


def test_a_bom_is_dropped_from_a_stream(monkeypatch):
    monkeypatch.setattr(csvread, "CHUNK_BYTES", 2)  # the BOM's three bytes arrive in two chunks
    log = IssueLog()
    table = Table(io.BytesIO("\ufeffunit,amount\nU1,5\n".encode()), COLUMNS, ("unit", "amount"), log)
    assert table.columns == {"unit": 0, "amount": 1} and list(table) == [(2, ["U1", "5"])]
