"""Sums of satang that cannot overflow, on either database.

PostgreSQL sums a bigint column as numeric, which has no overflow. SQLite's SUM raises "integer
overflow" past 2**63 - 1, and a page whose total hit it would answer 500. The ceiling on amounts
(`pts.core.money.AMOUNT_LIMIT_SATANG`) keeps every total the product makes within 64 bits; rows
written before it existed may not be, so on SQLite `ExactSum` adds the high and the low 32 bits of
each value separately (neither part's sum can overflow before 2**31 rows) and Python joins them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models

_HALF = 2**32


def _join(value: Any, expression: Any = None, connection: Any = None) -> int | None:
    """"high:low" from SQLite, a numeric from PostgreSQL -> an int."""
    if value is None:
        return None
    if isinstance(value, str):
        high, _, low = value.partition(":")
        # a monthly sum SQLite already turned into a REAL reads as "2.1e+09": rounded, but read
        return int(Decimal(high)) * _HALF + int(Decimal(low))
    return int(value)


class ExactSum(models.Sum):
    """Sum(field) over an integer column, exact whatever the total (no `filter` or `distinct`)."""

    def __init__(self, expression: Any, **extra: Any) -> None:
        if extra.get("filter") is not None or extra.get("distinct"):
            raise ValueError("ExactSum takes no filter or distinct")
        super().__init__(expression, output_field=models.BigIntegerField(), **extra)

    @property
    def convert_value(self) -> Any:
        return _join

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, list[Any]]:
        inner, params = compiler.compile(self.get_source_expressions()[0])
        sql = f"(SUM(({inner}) / {_HALF}) || ':' || SUM(({inner}) %% {_HALF}))"  # %% : a Django placeholder escape
        return sql, [*params, *params]
