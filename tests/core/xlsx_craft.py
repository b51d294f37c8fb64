"""Workbooks built byte by byte for the reader's tests: a zip written by hand (any member, any
declared size, precompressed data), the parts of a minimal valid xlsx, and a deflate bomb made in
milliseconds (one full-flushed block of spaces repeated)."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from openpyxl import Workbook

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b"</Types>"
)
ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    b'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    b'Target="worksheets/sheet1.xml"/></Relationships>'
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
SHEET_HEAD = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
PLAIN_ROWS = (b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c><c r="B1" t="inlineStr"><is><t>amount'
              b'</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>U1</t></is></c><c r="B2"><v>12.5</v></c></row>'
              b"</sheetData>")


def sheet_xml(body: bytes = PLAIN_ROWS, prolog: bytes = b"") -> bytes:
    return prolog + SHEET_HEAD + body + b"</worksheet>"


@dataclass
class Member:
    name: str
    data: bytes = b""  # what it inflates to (ignored when `raw` is given)
    raw: bytes | None = None  # the bytes stored in the zip, already compressed
    size: int | None = None  # the uncompressed size declared (default: the real one)
    crc: int | None = None
    method: int = 8
    flags: int = 0


def raw_zip(members: Iterable[Member]) -> bytes:
    out = io.BytesIO()
    central = []
    for m in members:
        if m.raw is None:
            if m.method == 8:
                c = zlib.compressobj(6, zlib.DEFLATED, -15)
                body = c.compress(m.data) + c.flush()
            else:
                body = m.data
        else:
            body = m.raw
        size = len(m.data) if m.size is None else m.size
        crc = zlib.crc32(m.data) if m.crc is None else m.crc
        name = m.name.encode()
        offset = out.tell()
        out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, m.flags, m.method, 0, 0x21, crc, len(body), size,
                              len(name), 0))
        out.write(name)
        out.write(body)
        central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, m.flags, m.method, 0, 0x21, crc,
                                   len(body), size, len(name), 0, 0, 0, 0, 0, offset) + name)
    start = out.tell()
    for entry in central:
        out.write(entry)
    out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


def xlsx(sheet: bytes | None = None, *, workbook: bytes = WORKBOOK, extra: Iterable[Member] = (),
         sheet_member: Member | None = None) -> bytes:
    """A minimal xlsx: one sheet "Data" (sheet_xml() unless given), plus `extra` members."""
    members = [Member("[Content_Types].xml", CONTENT_TYPES), Member("_rels/.rels", ROOT_RELS),
               Member("xl/workbook.xml", workbook), Member("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
               sheet_member or Member("xl/worksheets/sheet1.xml", sheet if sheet is not None else sheet_xml())]
    return raw_zip([*members, *extra])


def bomb_member(name: str, megabytes: int, *, declare: int | None = None) -> Member:
    """A worksheet part inflating to about `megabytes` MB (spaces after the sheet's start), compressed
    to about 1 KB a MB without compressing it: a full-flushed block, repeated."""
    block = b" " * (1 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = SHEET_HEAD + b"<sheetData>"
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    one = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.compress(b"</sheetData></worksheet>") + c.flush()
    crc = zlib.crc32(head)
    for _ in range(megabytes):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(b"</sheetData></worksheet>", crc)
    size = len(head) + megabytes * len(block) + len(b"</sheetData></worksheet>")
    return Member(name, raw=first + one * megabytes + tail, size=size if declare is None else declare, crc=crc)


def openpyxl_book(build) -> bytes:
    """A workbook openpyxl writes, after `build(wb, ws)` (the active sheet is named "Data")."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    build(wb, ws)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
