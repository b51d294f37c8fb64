"""Finding the fiscal year an action is about, with the one closed-year rule: a write refuses a
closed year, a read accepts it. Every caller says which it is."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError

from pts.budget.models import FiscalYear
from pts.core import clock
from pts.core.fiscal import fiscal_year_of
from pts.core.thai import bilingual


def find_fiscal_year(value: FiscalYear | int, *, for_write: bool, field: str = "fiscal_year") -> FiscalYear:
    """The fiscal year given as a FiscalYear or its BE year; a bilingual ValidationError on `field`
    when there is none, or when `for_write` and it is closed. For a write the row is read again:
    a FiscalYear held since before the transaction may not know it was closed."""
    if isinstance(value, FiscalYear) and not for_write:
        return value
    be = value.be_year if isinstance(value, FiscalYear) else value
    try:
        fy = FiscalYear.objects.get(be_year=be)
    except (FiscalYear.DoesNotExist, ValueError, TypeError) as exc:
        raise ValidationError({field: bilingual(f"ไม่มีปีงบประมาณ {be}",
                                                f"fiscal year {be} does not exist")}) from exc
    if for_write and fy.is_closed:
        raise ValidationError({field: bilingual(f"ปีงบประมาณ {fy.be_year} ปิดแล้ว",
                                                f"fiscal year {fy.be_year} is closed")})
    return fy


def current_be_year(today: date | None = None) -> int | None:
    """The fiscal year pages link to: the current one if it exists, else the latest before it, else any."""
    now_fy = fiscal_year_of(today or clock.today())
    years = FiscalYear.objects.order_by("-be_year").values_list("be_year", flat=True)
    return years.filter(be_year__lte=now_fy).first() or years.first()
