"""The GFMIS layout's fast path reads every row exactly as the checked path does, and hands every
row with a problem to the checked path (which names the problems)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from pts.budget.models import FiscalYear
from pts.imports.layouts.base import Context, RowError
from pts.imports.layouts.gfmis import LAYOUT, _Fast
from pts.imports.pipeline import unit_index
from pts.organisations.permissions import SYSTEM

pytestmark = pytest.mark.django_db

HEADER = ["เลขที่เอกสาร", "รายการที่", "ประเภทเอกสาร", "วันที่ผ่านรายการ", "รหัสหน่วยเบิกจ่าย", "รหัสแหล่งของเงิน",
          "จำนวนเงิน", "เอกสารอ้างอิง"]


def _ctx(world):
    ctx = Context(actor=SYSTEM, fiscal_year=FiscalYear.objects.get(be_year=2566), batch=None,  # type: ignore[arg-type]
                  units=unit_index(SYSTEM))
    ctx.header = HEADER
    ctx.columns = LAYOUT.recognise(HEADER)
    return ctx


GOOD = [
    ["3100001", "1", "PO", "15/11/2565", "AG-A", "6611320", "1,000,000.00", ""],
    ["3100002", "", "เบิกจ่าย", "2022-11-20", "AG-B", "6611210", "(5,000.00)", "3100001"],
    ["3100003", "2", "CK", datetime(2023, 1, 5), "AG-A", 6611110, 123.45, None],
    ["3100004", "", "KA", date(2023, 9, 30), "AG-B", "6611410", 7, ""],
    ["๓๑๐๐๐๐๕", "", "cx", "05/01/2566", "AG-A", "6611500", "๑๒๓.๔๕", ""],
    [3100006, 1.0, " po ", "1/10/2565", "AG-A", "6611220", "12,345", "x"],
    ["3100007", "", "PO", "15/11/2565", "AG-A", "6611320", "1,234.50-", ""],
]
BAD = [
    ["3100010", "", "PO", "15/11/2564", "AG-A", "6611320", "10", ""],   # outside the year
    ["3100011", "", "XX", "15/11/2565", "AG-A", "6611320", "10", ""],   # unknown type
    ["3100012", "", "PO", "15/11/2565", "NOPE", "6611320", "10", ""],   # no such unit
    ["3100013", "", "PO", "15/11/2565", "AG-A", "6611990", "10", ""],   # unknown expense class
    ["3100014", "", "PO", "15/11/2565", "AG-A", "6611320", "0", ""],    # zero
    ["3100015", "", "PO", "15/11/2565", "AG-A", "6611320", "1,23,4", ""],  # not an amount
    ["", "", "PO", "15/11/2565", "AG-A", "6611320", "10", ""],          # no document
    ["3100016", "", "PO", "31/02/2566", "AG-A", "6611320", "10", ""],   # no such day
    ["3100017", "", "PO"],                                               # a short row
]


def test_the_fast_path_reads_good_rows_as_the_checked_path_does(world):
    ctx = _ctx(world)
    fast = _Fast(ctx)
    for _round in range(2):  # the second time from its caches
        for row in GOOD:
            assert fast.line(row) == next(iter(LAYOUT.checked(ctx, row, 2))), row
            assert list(LAYOUT.row(ctx, row, 2)) == list(LAYOUT.checked(ctx, row, 2))


def test_a_row_with_a_problem_goes_to_the_checked_path(world):
    ctx = _ctx(world)
    fast = _Fast(ctx)
    for row in BAD:
        assert fast.line(row) is None, row
        with pytest.raises(RowError):
            list(LAYOUT.row(ctx, row, 2))
