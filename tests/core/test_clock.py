"""`pts.core.clock`: the business "today" follows PTS_TODAY when it is set, the local date otherwise."""

from __future__ import annotations

from datetime import UTC, date, datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from pts.core import clock
from tests.test_settings_deploy import manage, production_env

BANGKOK = ZoneInfo("Asia/Bangkok")
# A fixed "real" moment, so that no test depends on the date it runs: 10 Mar 2031, 14:25 in Bangkok.
REAL = datetime(2031, 3, 10, 7, 25, 30, tzinfo=UTC)


@pytest.fixture
def real_time():
    with mock.patch("django.utils.timezone.now", return_value=REAL):
        yield


@override_settings(PTS_TODAY="2023-09-30")
def test_today_is_the_configured_day_when_pts_today_is_set(real_time):
    assert clock.today() == date(2023, 9, 30)


@override_settings(PTS_TODAY="")
def test_today_is_the_local_date_when_pts_today_is_empty(real_time):
    assert clock.today() == date(2031, 3, 10)
    assert clock.now() == REAL


@override_settings(PTS_TODAY="2023-09-30")
def test_now_is_the_configured_day_at_the_real_local_time_of_day(real_time):
    moment = clock.now()
    assert moment.tzinfo is not None
    local = moment.astimezone(BANGKOK)
    assert (local.date(), local.hour, local.minute, local.second) == (date(2023, 9, 30), 14, 25, 30)


@override_settings(PTS_TODAY="30/09/2566")
def test_a_pts_today_that_is_not_an_iso_date_is_refused_naming_the_value():
    with pytest.raises(ImproperlyConfigured, match="30/09/2566"):
        clock.today()


def test_a_production_system_refuses_to_start_with_a_fixed_today(tmp_path):
    done = manage("check", env=production_env(tmp_path, PTS_TODAY="2023-09-30"))
    assert done.returncode != 0
    assert "PTS_TODAY" in done.stderr


def test_a_bad_pts_today_stops_start_up_naming_the_value(tmp_path):
    env = production_env(tmp_path, PTS_TODAY="2566-13-40")
    env["PTS_ENV"] = "development"
    done = manage("check", env=env)
    assert done.returncode != 0
    assert "2566-13-40" in done.stderr
