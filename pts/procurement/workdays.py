"""The Thai government working-day calendar. No Django here.

A working day is a Monday-Friday that is neither a Thai holiday from the `holidays` package nor an
extra day the coordinator adds (cabinet-declared special holidays announced after the package was
released). The package's "public" category carries the holidays and their substitution days
(ชดเชย...); the "government" category adds the Royal Ploughing Ceremony, a day off for government
officials, who are the people whose working days the procurement rules count. The package
(holidays 0.109) knows the Royal Ploughing day up to 2026 and the cabinet's special days only as
announced before its release: later ones must be entered as extra days.

Counting follows the Civil and Commercial Code s.193/3: the first day of a period is not counted, so
"N working days after A" is `add_working_days(A, N)` and `working_days_between(A, B)` counts the
working days after A up to and including B.

Every function takes the extra holidays as an argument; `calendar_for(extra)` caches one
`WorkCalendar` per distinct set, so thousands of plans cost a few bisects each.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from functools import lru_cache
from threading import Lock
from types import MappingProxyType

from holidays.countries.thailand import Thailand

from pts.core.thai import bilingual

DEFAULT_CATEGORIES: tuple[str, ...] = ("public", "government")
EXTRA_HOLIDAY_NAME = bilingual("วันหยุดเพิ่มเติม", "extra holiday")
# Years covered per extension: one working year is ~245 days, so a year is the natural step.
_MIN_YEAR, _MAX_YEAR = 1960, 2150


class CalendarError(ValueError):
    """A date outside the years the holiday data covers; the message is bilingual."""


@lru_cache(maxsize=512)
def thai_holidays(year: int, categories: tuple[str, ...] = DEFAULT_CATEGORIES) -> Mapping[date, str]:
    """Thai holidays falling in a CE year (substitution days included), with their Thai names."""
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise CalendarError(
            bilingual(f"ไม่มีข้อมูลวันหยุดของปี ค.ศ. {year}", f"no holiday data for the year {year}")
        )
    days = Thailand(years=year, categories=categories, language="th")
    return MappingProxyType({d: name for d, name in days.items() if d.year == year})


class WorkCalendar:
    """Working days = weekdays minus Thai holidays minus the extra days given.

    Internally a sorted list of working-day ordinals for a span of whole years, grown on demand, so
    adding and counting working days are bisects instead of day-by-day loops.
    """

    def __init__(
        self, extra_holidays: Iterable[date] = (), *, categories: tuple[str, ...] = DEFAULT_CATEGORIES
    ) -> None:
        self.extra_holidays: frozenset[date] = frozenset(extra_holidays)
        self.categories = tuple(categories)
        self._lock = Lock()
        self._first_year = self._last_year = 0
        self._days: list[int] = []

    def __repr__(self) -> str:
        return f"WorkCalendar(extra_holidays={sorted(self.extra_holidays)!r})"

    # -- single days ---------------------------------------------------------------------------

    def holiday_name(self, d: date) -> str | None:
        """The holiday's Thai name, the extra-holiday label, or None on an ordinary day (weekends too)."""
        if d in self.extra_holidays:
            return EXTRA_HOLIDAY_NAME
        return thai_holidays(d.year, self.categories).get(d)

    def is_working_day(self, d: date) -> bool:
        return (
            d.weekday() < 5
            and d not in self.extra_holidays
            and d not in thai_holidays(d.year, self.categories)
        )

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after d."""
        return self.add_working_days(d, 1)

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before d."""
        return self.add_working_days(d, -1)

    def working_day_on_or_after(self, d: date) -> date:
        return d if self.is_working_day(d) else self.next_working_day(d)

    def working_day_on_or_before(self, d: date) -> date:
        return d if self.is_working_day(d) else self.previous_working_day(d)

    # -- arithmetic ----------------------------------------------------------------------------

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after d (n > 0), before d (n < 0), or d itself (n == 0).

        d need not be a working day: add_working_days(Saturday, 1) is the Monday (if it works).
        """
        if n == 0:
            return d
        ordinal = d.toordinal()
        span = abs(n) // 200 + 1
        self._cover(d.year - (span if n < 0 else 1), d.year + (span if n > 0 else 1))
        while True:
            days = self._days
            index = bisect_right(days, ordinal) + n - 1 if n > 0 else bisect_left(days, ordinal) + n
            if 0 <= index < len(days):
                return date.fromordinal(days[index])
            if index < 0:
                self._cover(self._first_year - 1, self._last_year)
            else:
                self._cover(self._first_year, self._last_year + 1)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after start up to and including end; negative when end is before start.

        Inverse of add_working_days: working_days_between(a, add_working_days(a, n)) == n.
        """
        if start == end:
            return 0
        low, high = min(start, end), max(start, end)
        self._cover(low.year, high.year)
        days = self._days
        if end > start:
            return bisect_right(days, end.toordinal()) - bisect_right(days, start.toordinal())
        return bisect_left(days, end.toordinal()) - bisect_left(days, start.toordinal())

    def working_days_in(self, first: date, last: date) -> list[date]:
        """Every working day from first to last, both included."""
        self._cover(first.year, last.year)
        lo, hi = bisect_left(self._days, first.toordinal()), bisect_right(self._days, last.toordinal())
        return [date.fromordinal(o) for o in self._days[lo:hi]]

    # -- the cache -------------------------------------------------------------------------------

    def _cover(self, first_year: int, last_year: int) -> None:
        """Make the working-day list span at least first_year..last_year (whole years)."""
        if self._days and self._first_year <= first_year and last_year <= self._last_year:
            return
        with self._lock:
            if self._days:
                first_year, last_year = min(first_year, self._first_year), max(last_year, self._last_year)
            days: list[int] = []
            for year in range(first_year, last_year + 1):
                days.extend(self._year_days(year))
            # Publish the list before the bounds so a concurrent reader never sees bounds it lacks.
            self._days = days
            self._first_year, self._last_year = first_year, last_year

    def _year_days(self, year: int) -> list[int]:
        closed = thai_holidays(year, self.categories)
        d, last = date(year, 1, 1), date(year, 12, 31)
        out = []
        while d <= last:
            if d.weekday() < 5 and d not in closed and d not in self.extra_holidays:
                out.append(d.toordinal())
            d += timedelta(days=1)
        return out


@lru_cache(maxsize=128)
def _calendar(extra: frozenset[date], categories: tuple[str, ...]) -> WorkCalendar:
    return WorkCalendar(extra, categories=categories)


def calendar_for(
    extra_holidays: Iterable[date] = (), *, categories: tuple[str, ...] = DEFAULT_CATEGORIES
) -> WorkCalendar:
    """The shared calendar for this set of extra holidays (cached: build it once, reuse it)."""
    return _calendar(frozenset(extra_holidays), tuple(categories))


def is_working_day(d: date, *, extra_holidays: Iterable[date] = ()) -> bool:
    return calendar_for(extra_holidays).is_working_day(d)


def add_working_days(d: date, n: int, *, extra_holidays: Iterable[date] = ()) -> date:
    return calendar_for(extra_holidays).add_working_days(d, n)


def working_days_between(start: date, end: date, *, extra_holidays: Iterable[date] = ()) -> int:
    return calendar_for(extra_holidays).working_days_between(start, end)


def next_working_day(d: date, *, extra_holidays: Iterable[date] = ()) -> date:
    return calendar_for(extra_holidays).next_working_day(d)


def previous_working_day(d: date, *, extra_holidays: Iterable[date] = ()) -> date:
    return calendar_for(extra_holidays).previous_working_day(d)
