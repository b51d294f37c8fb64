"""The one reader of uploaded files: every hostile kind refused by name and place, before python-calamine
sees it, within a bounded number of bytes; good files read row by row."""

from __future__ import annotations

import csv
import subprocess
import sys
import textwrap
import zlib
from datetime import date, datetime
from pathlib import Path

import pytest

from pts.core import tabular
from pts.core.tabular import TabularRefused, open_tabular
from tests.core.xlsx_craft import (
    PLAIN_ROWS,
    WORKBOOK,
    Member,
    bomb_member,
    openpyxl_book,
    raw_zip,
    sheet_xml,
    xlsx,
)

ROOT = Path(__file__).resolve().parents[2]


def refused(data: bytes, **kw) -> str:
    kw.setdefault("max_rows", 1000)
    with pytest.raises(TabularRefused) as caught:
        tab = open_tabular(data, file_name=kw.pop("file_name", "upload.xlsx"), **kw)
        list(tab.rows())
    return str(caught.value)


def read(data: bytes, **kw):
    kw.setdefault("max_rows", 1000)
    tab = open_tabular(data, file_name=kw.pop("file_name", "upload.xlsx"), **kw)
    return tab, list(tab.rows())


# -- good files --------------------------------------------------------------------------------


def test_an_xlsx_reads_its_header_and_rows_with_blank_rows_skipped_and_empty_cells_none():
    def build(wb, ws):
        ws.append(["รหัสหน่วย", "จำนวนเงิน", 2566])
        ws.append(["1500600001", 1234.5, datetime(2023, 1, 5)])
        ws.append([])
        ws.append([None, 7, "x"])

    tab, rows = read(openpyxl_book(build))
    assert (tab.kind, tab.sheet_name, tab.header, tab.header_row) == ("xlsx", "Data", ["รหัสหน่วย", "จำนวนเงิน", "2566"], 1)
    assert rows == [(2, ["1500600001", 1234.5, date(2023, 1, 5)]), (4, [None, 7.0, "x"])]
    assert tab.log.count == 0


def test_a_header_below_an_as_of_line_is_asked_for_by_its_row_and_every_row_is_there_without_one():
    def build(wb, ws):
        ws["A1"] = "ข้อมูล ณ วันที่ 30 กันยายน 2566"
        ws["A4"], ws["C4"] = "หน่วยงาน", "เบิกจ่าย"
        ws.append(["", "", "ล้านบาท", "ร้อยละ"])  # row 5
        ws.append(["กรมทางหลวง", 1, 2.5, 10])  # row 6

    book = openpyxl_book(build)
    tab, rows = read(book, header_row=5)
    assert tab.header == ["", "", "ล้านบาท", "ร้อยละ"] and rows == [(6, ["กรมทางหลวง", 1, 2.5, 10])]
    tab = open_tabular(book, file_name="cgd.xlsx", max_rows=10, header_row=None)
    assert tab.header == [] and [n for n, _ in tab.all_rows()] == [1, 4, 5, 6]
    tab = open_tabular(book, file_name="cgd.xlsx", max_rows=10)
    assert tab.header_row == 1 and [n for n, _ in tab.all_rows()] == [1, 4, 5, 6]
    assert "sheet Data is empty" in refused(book, header_row=3)


def test_the_sheet_asked_for_is_read_and_a_missing_one_is_refused_naming_those_there():
    def build(wb, ws):
        ws.append(["a"])
        wb.create_sheet("GFMIS").append(["b"])

    book = openpyxl_book(build)
    assert read(book)[0].sheet_name == "Data" and read(book, sheet="GFMIS")[0].header == ["b"]
    assert read(book, prefer="GFMIS")[0].sheet_name == "GFMIS" and read(book, prefer="PTS")[0].sheet_name == "Data"
    message = refused(book, sheet="PTS")
    assert "no sheet PTS" in message and "Data, GFMIS" in message


def test_a_csv_in_cp874_and_one_with_a_bom_read_the_same():
    text = "รหัสหน่วย,จำนวนเงิน\n1500600001,\"1,234.50\"\n\n1500600002,7\n"
    for data in (text.encode("cp874"), b"\xef\xbb\xbf" + text.encode()):
        tab, rows = read(data, file_name="gfmis.csv")
        assert (tab.kind, tab.sheet_name, tab.header) == ("csv", "gfmis.csv", ["รหัสหน่วย", "จำนวนเงิน"])
        assert rows == [(2, ["1500600001", "1,234.50"]), (4, ["1500600002", "7"])]


def test_a_csv_row_longer_than_the_header_is_a_row_error_naming_its_line_and_value_not_a_crash():
    tab, rows = read(b"unit,amount\nU1,5\nU2,1,000,000\nU3\n", file_name="x.csv")
    assert rows == [(2, ["U1", "5"]), (4, ["U3", ""])]
    [issue] = tab.log.listing()
    assert issue.line == 3 and issue.value == "U2,1,000,000" and "thousands separators" in issue.message


def test_a_csv_field_past_the_csv_limit_stops_the_reading_with_its_line_logged():
    limit = csv.field_size_limit()
    data = b"unit,note\nU1,ok\nU2,\"" + b"x" * (limit + 10) + b"\"\nU3,never read\n"
    tab, rows = read(data, file_name="x.csv")
    assert rows == [(2, ["U1", "ok"])]
    [issue] = tab.log.listing()
    assert issue.line == 3 and f"longer than {limit:,} characters" in issue.message


def test_a_csv_duplicate_header_or_undecodable_bytes_are_refused():
    assert "names this column twice" in refused(b"unit,unit\n1,2\n", file_name="x.csv")
    assert "neither UTF-8 nor cp874" in refused(b"unit\n\xfc\xfd\xfe\n", file_name="x.csv")


def test_more_rows_than_the_cap_are_refused_naming_the_cap_in_xlsx_and_in_csv():
    book = openpyxl_book(lambda wb, ws: [ws.append([i]) for i in range(6)])
    assert read(book, max_rows=5)[1][-1][0] == 6
    assert "more than 4 rows" in refused(book, max_rows=4)
    data = b"n\n" + b"".join(b"%d\n" % i for i in range(5))
    assert len(read(data, file_name="x.csv", max_rows=5)[1]) == 5
    assert "more than 4 rows" in refused(data, file_name="x.csv", max_rows=4)


# -- refused before calamine ------------------------------------------------------------------


def test_an_empty_file_junk_bytes_and_an_ole_file_are_refused_by_what_they_are():
    assert "the file is empty" in refused(b"")
    assert "not a spreadsheet" in refused(bytes(range(256)) * 40)
    assert "not a spreadsheet" in refused(b"%PDF-1.7\n\x00\x01binary")
    assert "UTF-16 (Excel's Unicode Text): save it as CSV UTF-8" in refused("a\tb\n1\t2\n".encode("utf-16"))
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    assert "protected by a password or an old .xls: save it as .xlsx without a password" in refused(ole)


def test_an_encrypted_zip_entry_and_an_unsupported_compression_are_refused():
    book = xlsx(extra=[Member("xl/secret.xml", b"<x/>", flags=1)])
    assert "protected by a password" in refused(book)
    book = xlsx(extra=[Member("xl/other.xml", b"<x/>", raw=b"BZh91AY", method=12)])
    assert "unsupported compression (12) in xl/other.xml" in refused(book)


def test_a_corrupt_zip_is_refused_clearly():
    good = openpyxl_book(lambda wb, ws: ws.append(["a", 1]))
    assert "damaged" in refused(good[: len(good) // 2])
    assert "damaged" in refused(b"PK\x03\x04" + b"\x00" * 100)
    wrong_crc = xlsx(sheet_member=Member("xl/worksheets/sheet1.xml", sheet_xml(), crc=12345))
    assert "xl/worksheets/sheet1.xml does not match its checksum" in refused(wrong_crc)
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    cut = (c.compress(sheet_xml()) + c.flush())[:-8]
    truncated = xlsx(sheet_member=Member("xl/worksheets/sheet1.xml", sheet_xml(), raw=cut))
    assert "damaged" in refused(truncated)


def test_too_many_entries_are_refused_before_the_directory_is_read():
    book = xlsx(extra=[Member(f"xl/media/p{i}.xml", b"") for i in range(tabular.MAX_ENTRIES)])
    assert f"more than {tabular.MAX_ENTRIES:,}" in refused(book)


def test_a_bomb_declaring_its_size_is_refused_from_the_directory_by_ratio_or_total():
    book = xlsx(sheet_member=bomb_member("xl/worksheets/sheet1.xml", 64))
    with pytest.raises(TabularRefused) as caught:
        open_tabular(book, file_name="b.xlsx", max_rows=10)
    assert "xl/worksheets/sheet1.xml inflates" in str(caught.value) and "more than 200:1" in str(caught.value)
    assert caught.value.inflated is None  # refused from the central directory, nothing inflated
    many = xlsx(extra=[Member(f"xl/p{i}.xml", b" " * 1000) for i in range(30)])
    assert "more than 20,000" in refused(many, max_inflated=20_000)


def test_a_bomb_lying_about_its_size_stops_at_what_it_declared_not_after_inflating():
    book = xlsx(sheet_member=bomb_member("xl/worksheets/sheet1.xml", 1024, declare=4096))
    with pytest.raises(TabularRefused) as caught:
        open_tabular(book, file_name="b.xlsx", max_rows=10)
    assert "declares 4,096 bytes but inflates to more" in str(caught.value)
    assert caught.value.inflated is not None and caught.value.inflated <= 4096 + tabular.OUT_CHUNK + 10_000


BOMB_CHILD = textwrap.dedent("""
    import resource, sys
    from pts.core.tabular import TabularRefused, open_tabular
    from tests.core.xlsx_craft import bomb_member, xlsx
    book = xlsx(sheet_member=bomb_member("xl/worksheets/sheet1.xml", 1536, declare=int(sys.argv[1])))
    print(len(book))
    try:
        open_tabular(book, file_name="bomb.xlsx", max_rows=1_200_000)
    except TabularRefused as exc:
        print(exc.inflated or 0)
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
""")


@pytest.mark.parametrize("declare", [1000, 500 * 1024 * 1024])
def test_a_few_mb_bomb_inflating_past_a_gigabyte_is_refused_in_bounded_bytes_and_memory(declare):
    out = subprocess.run([sys.executable, "-c", BOMB_CHILD, str(declare)], capture_output=True, text=True, cwd=ROOT,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=120, check=True)
    size, inflated, rss_mb = (int(x) for x in out.stdout.split())
    assert size < 3_000_000
    assert inflated <= min(declare, tabular.MAX_INFLATED_DEFAULT) + tabular.OUT_CHUNK + 10_000
    assert rss_mb <= 200


def test_a_dtd_anywhere_is_refused_xxe_and_billion_laughs():
    xxe = b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY e SYSTEM "file:///etc/passwd">]><sst><si><t>&e;</t></si></sst>'
    message = refused(xlsx(extra=[Member("xl/sharedStrings.xml", xxe)]))
    assert "declares a DTD or entity (<!DOCTYPE) in xl/sharedStrings.xml" in message
    laughs = b'<!DOCTYPE lolz [<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10)) + b"]>"
    assert "DTD or entity" in refused(xlsx(sheet_xml(prolog=laughs)))
    assert "DTD or entity" in refused(xlsx(workbook=b"<!entity x 'y'>" + WORKBOOK))


def test_a_marker_across_a_chunk_boundary_is_still_found():
    formula = PLAIN_ROWS.replace(b'<c r="B2"><v>12.5</v></c>', b'<c r="B2"><f>1+2</f><v>3</v></c>')
    at = sheet_xml(formula).index(b"<f>")
    edge = tabular.IN_CHUNK  # stored parts (no ratio to trip) come in chunks of this size
    for shift in range(-3, 3):  # "<f>" begins 3 bytes before the first chunk's end ... 2 after
        pad = b" " * (edge - at - 3 + shift)
        doc = sheet_xml(formula.replace(b"<sheetData>", b"<sheetData>" + pad))
        assert doc.index(b"<f>") - edge == shift - 3
        stored = Member("xl/worksheets/sheet1.xml", doc, method=0)
        assert "cell B2 holds a formula" in refused(xlsx(sheet_member=stored))
        dtd = b" " * (edge - 5 + shift) + b"<!DOCTYPE x>"
        assert "DTD or entity" in refused(xlsx(extra=[Member("xl/styles.xml", dtd, method=0)]))
        merge = b'<mergeCells count="1"><mergeCell ref="A1:B2"/></mergeCells>'
        lead = len(sheet_xml(PLAIN_ROWS)) - len(b"</worksheet>") + merge.index(b"<mergeCell ")
        doc = sheet_xml(PLAIN_ROWS + b" " * (edge - lead - 5 + shift) + merge)
        assert doc.index(b"<mergeCell ") - edge == shift - 5
        stored = Member("xl/worksheets/sheet1.xml", doc, method=0)
        assert "merged cells A1:B2" in refused(xlsx(sheet_member=stored))


def test_a_part_not_in_utf8_is_refused():
    assert "xl/worksheets/sheet1.xml is not UTF-8" in refused(xlsx(sheet_xml().decode().encode("utf-16")))


def test_a_formula_is_refused_naming_its_cell_in_any_spelling():
    book = openpyxl_book(lambda wb, ws: (ws.append(["a", "b", "c"]), ws.__setitem__("C7", "=SUM(A1:A3)")))
    assert "sheet Data: cell C7 holds a formula; paste values only" in refused(book)
    shared = sheet_xml(PLAIN_ROWS.replace(b"<v>12.5</v>", b'<f t="shared" ref="B2:B9" si="0"/><v>1</v>'))
    assert "cell B2 holds a formula" in refused(xlsx(shared))
    prefixed = sheet_xml(PLAIN_ROWS.replace(b"<v>12.5</v>", b"<x:f>1+1</x:f><v>2</v>"))
    assert "cell B2 holds a formula" in refused(xlsx(prefixed))


def test_merged_cells_are_refused_naming_the_range():
    book = openpyxl_book(lambda wb, ws: (ws.append(["a", "b"]), ws.merge_cells("A3:D5")))
    assert "sheet Data has merged cells A3:D5: unmerge them" in refused(book)


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_sheet_is_refused_by_its_name(state):
    def build(wb, ws):
        ws.append(["a"])
        wb.create_sheet("ลับ").sheet_state = state

    assert "sheet ลับ is hidden: unhide or delete it" in refused(openpyxl_book(build))


def test_a_cell_far_away_that_would_make_calamine_allocate_gigabytes_is_refused():
    def far(ref: bytes, row: bytes) -> bytes:
        body = PLAIN_ROWS.replace(b"</sheetData>", b'<row r="' + row + b'"><c r="' + ref + b'"><v>1</v></c></row></sheetData>')
        return xlsx(sheet_xml(body))

    assert "column XFD, past 702 columns" in refused(far(b"XFD1048576", b"1048576"))
    assert "reaches row 3,000,000, past the most rows an import reads (1,000" in refused(far(b"A3000000", b"3000000"))
    assert "more than 60,000,000 cells" in refused(far(b"ZZ100000", b"100000"), max_rows=1_200_000)
    spaced = sheet_xml(PLAIN_ROWS.replace(b'<c r="B2">', b"<c r = 'XFD2'>"))
    assert "column XFD" in refused(xlsx(spaced))
    tab, rows = read(far(b"C90", b"90"))
    assert rows[-1] == (90, [None, None, 1.0])


def test_cells_and_rows_without_a_reference_are_placed_and_bounded_too():
    """python-calamine puts a cell with no r= after the one before it: 600 such cells in one row and
    200,000 rows (5 MB, stored so no ratio trips) would make it allocate 3.8 GB and abort."""
    def stored(body: bytes) -> bytes:
        return xlsx(sheet_member=Member("xl/worksheets/sheet1.xml", sheet_xml(body), method=0))

    wide = b"<sheetData><row>" + b"<c><v>1</v></c>" * 600 + b"</row>" + b"<row><c><v>2</v></c></row>" * 200_000
    assert "sheet Data spans 601 columns by about" in refused(stored(wide + b"</sheetData>"), max_rows=1_200_000)
    assert "past 702 columns" in refused(stored(b"<sheetData><row>" + b"<c/>" * 800 + b"</row></sheetData>"))
    small = b"<sheetData><row><c t=\"inlineStr\"><is><t>a</t></is></c><c><v>1</v></c></row><row><c><v>2</v></c></row>"
    tab, rows = read(stored(small + b"</sheetData>"))
    assert tab.header == ["a", "1"] and rows == [(2, [2.0, None])]
    prefixed = sheet_xml(PLAIN_ROWS.replace(b"<c ", b"<x:c ").replace(b"</c>", b"</x:c>"))
    scanner = tabular._SheetScanner("Data", 1000)
    scanner.scan(prefixed, "sheet1.xml")
    assert not scanner.all_placed()
    assert read(xlsx(prefixed))[1] == [(2, ["U1", 12.5])]
    long = b"p" * 41
    odd = sheet_xml(PLAIN_ROWS.replace(b"<c ", b"<" + long + b":c ").replace(b"</c>", b"</" + long + b":c>"))
    assert "a namespace prefix over 40 characters" in refused(xlsx(odd))
    scanner = tabular._SheetScanner("Data", 1000)
    scanner.scan(sheet_xml(), "sheet1.xml")
    assert scanner.all_placed() and (scanner.cells, scanner.rows) == (4, 2)


def test_tags_are_counted_once_across_overlapping_buffers():
    doc = sheet_xml(PLAIN_ROWS * 50)
    for size in (7, 8, 13, 100, 4096):
        scanner = tabular._SheetScanner("Data", 1000)
        tail = b""
        for at in range(0, len(doc), size):
            buf = tail + doc[at : at + size]
            scanner.scan(buf, "sheet1.xml", len(tail))
            tail = buf[-tabular.OVERLAP :]
        assert (scanner.cells, scanner.cells_placed, scanner.rows, scanner.rows_placed) == (200, 200, 100, 100), size


def test_the_range_watch_patterns_match_exactly_what_is_above():
    import re

    for n in (1, 9, 10, 99, 1024, 1280, 999_999, 1_201_000):
        above = re.compile(tabular._greater(n) + rb"\Z")
        for k in (0, 1, n - 1, n, n + 1, n * 10, 10 ** len(str(n))):
            assert bool(above.match(str(k).encode())) == (k > n), (n, k)
    for n in (1, 7, 26, 27, 52, 701):
        above = re.compile(b"(" + tabular._column_above(n) + rb")\d")
        for k in (1, 2, 25, 26, 27, 28, 52, 53, 701, 702, 703, 16384):
            letters = tabular._letters(k)
            assert bool(above.match(letters.encode() + b"1")) == (k > n), (n, letters)
            assert bool(above.match(letters.lower().encode() + b"1")) == (k > n), (n, letters)


# -- calamine errors --------------------------------------------------------------------------


def test_a_workbook_calamine_cannot_read_is_refused_not_a_traceback():
    broken = xlsx(sheet_xml(b"<sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>99</v></c></row>"))  # unclosed
    assert "cannot read" in refused(broken)
    no_workbook = raw_zip([Member("hello.txt", b"hello")])
    assert "not an Excel workbook (.xlsx): it has no xl/workbook.xml" in refused(no_workbook)


def test_a_directory_pointing_outside_the_file_is_refused_as_damaged():
    import struct

    book = bytearray(xlsx())
    cd = book.rfind(b"PK\x01\x02")  # the last entry's central header: its local header offset at +42
    struct.pack_into("<I", book, cd + 42, 0xFFFFFF00)
    assert "damaged" in refused(bytes(book))


def test_merged_cells_are_allowed_only_in_the_top_rows_a_layout_names(tmp_path):
    """The CGD workbook groups its header with merged cells (row 4): allowed there when asked for,
    refused below and by default."""
    from openpyxl import Workbook

    from pts.core.tabular import TabularRefused, open_tabular

    wb = Workbook()
    ws = wb.active
    ws.append(["ข้อมูล ณ วันที่ 15 ธันวาคม 2565"])
    ws.append([])
    ws.append([])
    ws.append(["หน่วยงาน", "รายจ่ายประจำ", None, "รายจ่ายลงทุน", None])
    ws.merge_cells("B4:C4")
    ws.merge_cells("D4:E4")
    ws.append(["", "จัดสรร", "เบิกจ่าย", "จัดสรร", "เบิกจ่าย"])
    ws.append(["กรมทดสอบ", 1.5, 0.5, 2, 1])
    path = tmp_path / "cgd.xlsx"
    wb.save(path)
    table = open_tabular(path, file_name="cgd.xlsx", max_rows=100, header_row=None, merged_rows=5)
    assert [cells[0] for _, cells in table.all_rows()][-1] == "กรมทดสอบ"
    with pytest.raises(TabularRefused, match="B4:C4"):
        open_tabular(path, file_name="cgd.xlsx", max_rows=100, header_row=None)
    ws.merge_cells("B6:C6")
    wb.save(path)
    with pytest.raises(TabularRefused):
        open_tabular(path, file_name="cgd.xlsx", max_rows=100, header_row=None, merged_rows=5)
