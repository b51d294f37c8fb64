"""Finding the fiscal year an action is about, with the one closed-year rule: a write refuses a
closed year, a read accepts it. Every caller says which it is. And the one "as of" rule: the day a
page of a fiscal year shows by default (`default_as_of`), and the links of the fiscal-year selector."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse

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


# -- the one "as of" rule ----------------------------------------------------------------------


def _nothing_reported(user: Any, fiscal_year: FiscalYear, until: date) -> date | None:
    return None


@dataclass
class YearHooks:
    """Where an app above budget tells the as-of rule what it knows. Reporting registers
    `latest_reported` from its AppConfig.ready(): the as-of day of the latest reporting month of the
    year, on or before `until`, among the user's schemes, that a unit has reported; None when none."""

    latest_reported: Callable[[Any, FiscalYear, date], date | None] = _nothing_reported


HOOKS = YearHooks()


def register(**functions: Callable[..., Any]) -> None:
    names = {f.name for f in fields(YearHooks)}
    for name, function in functions.items():
        if name not in names:
            raise TypeError(f"no year hook {name!r}")
        setattr(HOOKS, name, function)


def default_as_of(fiscal_year: FiscalYear, *, user: Any = None, today: date | None = None) -> date:
    """The day a page of `fiscal_year` shows unless the user asks for another: today while the year
    runs; its first day before it starts; after it ended, the as-of day of its latest reporting month
    in the user's schemes, else its last day. Every page with an as-of date asks here."""
    today = today or clock.today()
    start: date = fiscal_year.start
    end: date = fiscal_year.end
    if start <= today <= end:
        return today
    if today < start:
        return start
    reported = HOOKS.latest_reported(user, fiscal_year, end) if user is not None else None
    if reported is not None and start <= reported <= end:
        return reported
    return end


@dataclass(frozen=True)
class YearLink:
    """One entry of the fiscal-year selector."""

    be_year: int
    url: str
    current: bool


def year_links(request: HttpRequest, fiscal_year: FiscalYear, url_name: str, **kwargs: Any) -> list[YearLink]:
    """The fiscal years that exist, each a link to the same page (`url_name` with `kwargs` and
    `be_year`) keeping the request's query except the as-of day and the page, which belong to a year."""
    query = request.GET.copy()
    for key in ("as_of", "page", "round"):
        query.pop(key, None)
    suffix = f"?{query.urlencode()}" if query else ""
    return [
        YearLink(be, reverse(url_name, kwargs={**kwargs, "be_year": be}) + suffix, be == fiscal_year.be_year)
        for be in FiscalYear.objects.order_by("be_year").values_list("be_year", flat=True)
    ]
