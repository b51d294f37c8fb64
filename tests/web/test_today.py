"""Pages ask `pts.core.clock` for today: with PTS_TODAY set they open on that day, not the real one."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from pts.reporting import actions as reporting
from pts.reporting.models import ReportingPeriod
from tests.factories import make_allocation
from tests.scoring.factories import make_scheme

pytestmark = pytest.mark.django_db

DAY = date(2023, 7, 14)
# A real moment long after FY2566, so that a page on the real date would show another year.
REAL = timezone.make_aware(timezone.datetime(2031, 3, 10, 14, 0))


@pytest.fixture(autouse=True)
def _fixed_day():
    with override_settings(PTS_TODAY=DAY.isoformat()), mock.patch("django.utils.timezone.now", return_value=REAL):
        yield


def test_the_home_page_shows_the_configured_day_and_its_fiscal_year(client, world):
    client.force_login(world.carol)
    response = client.get("/")
    assert response.context["today"] == DAY
    assert "14 ก.ค. 2566" in response.content.decode()


def test_a_unit_ledger_opens_as_of_the_configured_day(client, world):
    make_allocation(unit=world.unit_a, amount=100_000_00, category="operating")
    client.force_login(world.alice)
    response = client.get(reverse("budget:unit_ledger", args=[world.unit_a.pk, 2566]))
    assert response.status_code == 200
    assert response.context["as_of"] == DAY


def test_the_league_opens_on_the_round_and_date_of_the_configured_day(client, world):
    scheme = make_scheme(world)
    client.force_login(world.carol)
    response = client.get(reverse("scoring:league", args=[scheme.code]))
    assert response.status_code == 200
    assert response.context["sel"].as_of == DAY
    assert response.context["sel"].round_no == 2  # round 2 (Mar-Jul) has begun by 14 Jul 2023


def test_the_late_procurement_list_is_as_of_the_configured_day(client, world):
    client.force_login(world.carol)
    response = client.get(reverse("procurement:late", args=[2566]))
    assert response.status_code == 200
    assert response.context["today"] == DAY


def test_a_report_submitted_on_the_configured_day_before_the_deadline_is_on_time(client, world):
    """Long after the real deadline, yet on time on the configured day (and the period not locked)."""
    scheme = make_scheme(world)
    make_allocation(unit=world.unit_a, amount=100_000_00, category="operating")
    period = ReportingPeriod.objects.filter(scheme=scheme, deadline__gte=DAY, as_of__lte=DAY).order_by("deadline").first()
    assert period is not None
    report = reporting.report_save_draft(actor=world.alice, period=period, unit=world.unit_a,
                                         lines={"operating": (0, 0)}, obstacles="", version=0,
                                         now=timezone.make_aware(timezone.datetime(2023, 7, 1, 9, 0)))
    client.force_login(world.alice)
    response = client.post(reverse("reporting:report_submit", args=[report.pk]), {"version": report.version})
    assert response.status_code in (200, 302)
    report.refresh_from_db()
    assert report.submitted_at is not None
    assert timezone.localdate(report.submitted_at) == DAY
    assert report.is_late is False
