"""CSV and xlsx exports that spreadsheets open safely and in Thai.

Every cell goes through `safe_cell`: text starting with = + - @ (or tab / carriage return) is
prefixed with an apostrophe so Excel and LibreOffice never run it as a formula. Numbers are
written as they are (a number cannot be a formula), so pass amounts as Decimal or int.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.styles import Font

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def safe_cell(value: Any) -> str:
    """One cell as text, neutralised against formula injection."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if text.startswith(DANGEROUS_PREFIXES):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose write() hands the line back, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _lines(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow([safe_cell(c) for c in header])
    for row in rows:
        yield writer.writerow([safe_cell(c) for c in row])


def csv_response(
    filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]], *, streaming: bool = False
) -> HttpResponse | StreamingHttpResponse:
    """A CSV download: UTF-8 with a BOM (so Excel reads Thai right), every cell through safe_cell.

    streaming=True sends rows as they are produced (large exports); the default builds it in memory.
    """
    headers = {"Content-Disposition": content_disposition_header(as_attachment=True, filename=filename)}
    content_type = "text/csv; charset=utf-8"
    if streaming:
        return StreamingHttpResponse(
            (line.encode("utf-8") for line in _lines(header, rows)), content_type=content_type, headers=headers
        )
    return HttpResponse("".join(_lines(header, rows)).encode("utf-8"), content_type=content_type, headers=headers)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]], *, sheet: str,
                  number_formats: dict[int, str] | None = None) -> HttpResponse:
    """An xlsx download of one sheet: a bold header row, then the rows. Text goes through safe_cell;
    numbers (int, Decimal) stay numbers, with `number_formats` {column index: format} if given."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook always has its first sheet
    ws.title = sheet[:31]  # Excel's limit on a sheet's name
    ws.append([safe_cell(c) for c in header])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    formats = number_formats or {}
    for row in rows:
        ws.append([c if isinstance(c, int | Decimal) and not isinstance(c, bool) else safe_cell(c) for c in row])
        for i, fmt in formats.items():
            ws.cell(ws.max_row, i + 1).number_format = fmt
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return HttpResponse(out.getvalue(), content_type=XLSX,
                        headers={"Content-Disposition": content_disposition_header(as_attachment=True, filename=filename)})
