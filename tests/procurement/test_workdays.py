"""The Thai working-day calendar: holidays, weekends, extra days and working-day arithmetic."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pts.procurement.workdays import (
    EXTRA_HOLIDAY_NAME,
    CalendarError,
    WorkCalendar,
    add_working_days,
    calendar_for,
    is_working_day,
    next_working_day,
    previous_working_day,
    working_days_between,
)

cal = WorkCalendar()


@cache
def _closed(year: int) -> frozenset[date]:
    """Oracle straight from the holidays package, independent of WorkCalendar's cache."""
    return frozenset(holidays.Thailand(years=year, categories=("public", "government")))


def _open(d: date, extra: frozenset[date] = frozenset()) -> bool:
    return d.weekday() < 5 and d not in _closed(d.year) and d not in extra


def _naive_add(d: date, n: int, extra: frozenset[date] = frozenset()) -> date:
    step = timedelta(days=1 if n > 0 else -1)
    left = abs(n)
    while left:
        d += step
        left -= _open(d, extra)
    return d


@pytest.mark.parametrize("day", [date(2023, 4, 13), date(2023, 4, 14), date(2023, 4, 15)])
def test_it_closes_songkran_2023(day):
    assert not cal.is_working_day(day)
    assert cal.holiday_name(day) == "วันสงกรานต์"


def test_it_closes_the_monday_substituting_for_songkran_on_a_saturday():
    assert not cal.is_working_day(date(2023, 4, 17))


def test_it_closes_5_december_2023():
    assert not cal.is_working_day(date(2023, 12, 5))
    assert "วันพ่อแห่งชาติ" in cal.holiday_name(date(2023, 12, 5))
    assert cal.is_working_day(date(2023, 12, 4))  # the Monday before is an ordinary day


def test_it_closes_the_royal_ploughing_day_because_government_officials_have_it_off():
    assert not cal.is_working_day(date(2023, 5, 17))


def test_it_closes_saturdays_and_sundays_and_opens_an_ordinary_weekday():
    assert not cal.is_working_day(date(2023, 11, 4))
    assert not cal.is_working_day(date(2023, 11, 5))
    assert cal.is_working_day(date(2023, 11, 6))
    assert cal.holiday_name(date(2023, 11, 4)) is None


def test_it_keeps_observances_that_are_not_days_off_as_working_days():
    loy_krathong_2023 = date(2023, 11, 27)
    assert cal.is_working_day(loy_krathong_2023)


def test_an_extra_holiday_the_coordinator_adds_is_closed_and_named():
    extra = date(2023, 11, 6)
    with_extra = WorkCalendar([extra])
    assert not with_extra.is_working_day(extra)
    assert with_extra.holiday_name(extra) == EXTRA_HOLIDAY_NAME
    assert cal.is_working_day(extra)


def test_adding_one_working_day_before_songkran_lands_after_the_substitution_day():
    assert cal.add_working_days(date(2023, 4, 12), 1) == date(2023, 4, 18)


def test_going_back_one_working_day_after_songkran_lands_before_it():
    assert cal.add_working_days(date(2023, 4, 18), -1) == date(2023, 4, 12)


def test_adding_zero_working_days_keeps_the_day_even_a_holiday():
    assert cal.add_working_days(date(2023, 4, 13), 0) == date(2023, 4, 13)


def test_adding_from_a_saturday_counts_monday_as_the_first_working_day():
    assert cal.add_working_days(date(2023, 11, 4), 1) == date(2023, 11, 6)


def test_it_crosses_new_year_over_the_bridge_holiday_and_new_years_day():
    assert cal.add_working_days(date(2023, 12, 28), 1) == date(2024, 1, 2)
    assert cal.add_working_days(date(2024, 1, 2), -1) == date(2023, 12, 28)


def test_next_and_previous_working_day_are_strict():
    assert cal.next_working_day(date(2023, 11, 6)) == date(2023, 11, 7)
    assert cal.previous_working_day(date(2023, 11, 6)) == date(2023, 11, 3)
    assert cal.working_day_on_or_after(date(2023, 11, 6)) == date(2023, 11, 6)
    assert cal.working_day_on_or_before(date(2023, 11, 5)) == date(2023, 11, 3)


def test_working_days_between_counts_after_the_start_up_to_the_end():
    assert cal.working_days_between(date(2023, 4, 12), date(2023, 4, 18)) == 1
    assert cal.working_days_between(date(2023, 4, 18), date(2023, 4, 12)) == -1
    assert cal.working_days_between(date(2023, 11, 6), date(2023, 11, 6)) == 0
    assert cal.working_days_between(date(2023, 11, 6), date(2023, 11, 13)) == 5


def test_working_days_in_lists_the_open_days_of_songkran_week():
    assert cal.working_days_in(date(2023, 4, 10), date(2023, 4, 18)) == [
        date(2023, 4, 10), date(2023, 4, 11), date(2023, 4, 12), date(2023, 4, 18),
    ]  # fmt: skip


def test_a_thousand_working_days_crosses_several_years_and_counts_back():
    far = cal.add_working_days(date(2023, 1, 4), 1000)
    assert far == _naive_add(date(2023, 1, 4), 1000)
    assert cal.working_days_between(date(2023, 1, 4), far) == 1000
    assert cal.add_working_days(far, -1000) == date(2023, 1, 4)


@pytest.mark.usefixtures("no_language")  # pure Python, as `pts plan` runs it
def test_it_refuses_years_it_has_no_holiday_data_for():
    with pytest.raises(CalendarError, match=" / "):
        cal.is_working_day(date(1900, 1, 2))


def test_the_module_functions_take_the_extra_holidays_as_an_argument():
    extra = [date(2023, 11, 7)]
    assert not is_working_day(date(2023, 11, 7), extra_holidays=extra)
    assert add_working_days(date(2023, 11, 6), 1, extra_holidays=extra) == date(2023, 11, 8)
    assert working_days_between(date(2023, 11, 6), date(2023, 11, 8), extra_holidays=extra) == 1
    assert next_working_day(date(2023, 11, 6), extra_holidays=extra) == date(2023, 11, 8)
    assert previous_working_day(date(2023, 11, 8), extra_holidays=extra) == date(2023, 11, 6)


def test_calendar_for_reuses_one_calendar_per_set_of_extra_days():
    assert calendar_for([date(2023, 11, 7)]) is calendar_for((date(2023, 11, 7),))
    assert calendar_for([]) is not calendar_for([date(2023, 11, 7)])


days = st.dates(date(2016, 1, 1), date(2030, 12, 31))
extras = st.frozensets(st.dates(date(2016, 1, 1), date(2030, 12, 31)), max_size=5)


@settings(max_examples=200, deadline=None)
@given(start=days, n=st.integers(-80, 80), extra=extras)
def test_adding_working_days_agrees_with_counting_day_by_day(start, n, extra):
    assert calendar_for(extra).add_working_days(start, n) == _naive_add(start, n, extra)


@settings(max_examples=200, deadline=None)
@given(start=days, n=st.integers(-300, 300), extra=extras)
def test_counting_working_days_undoes_adding_them(start, n, extra):
    c = calendar_for(extra)
    end = c.add_working_days(start, n)
    assert c.working_days_between(start, end) == n
    if n:
        assert _open(end, extra)
