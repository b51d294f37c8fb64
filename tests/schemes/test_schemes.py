"""Schemes: creation with the twelve periods, calendar and unit changes, and who sees which scheme."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from pts.audit.models import AuditEvent
from pts.budget.models import FiscalYear
from pts.organisations.models import OrgKind
from pts.reporting import actions as reporting
from pts.reporting.models import ReportingPeriod
from pts.schemes import actions
from pts.schemes.models import Scheme
from tests.factories import make_org, make_user
from tests.lang import in_both
from tests.reporting.factories import at, make_scheme, period_of


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_creates_the_twelve_periods_from_the_calendar(world):
    scheme = make_scheme(world)
    periods = list(ReportingPeriod.objects.filter(scheme=scheme).order_by("month"))
    assert [p.month for p in periods][:2] == [date(2022, 10, 1), date(2022, 11, 1)] and len(periods) == 12
    assert (periods[4].as_of, periods[4].deadline) == (date(2023, 2, 15), date(2023, 2, 20))
    assert AuditEvent.objects.get(action="scheme.create").actor == world.carol


def test_month_end_figures_are_due_in_the_next_month(world):
    scheme = make_scheme(world, as_of_day=None, deadline_day=5, deadline_month_offset=1)
    february = period_of(scheme, 2023, 2)
    september = period_of(scheme, 2023, 9)
    assert (february.as_of, february.deadline) == (date(2023, 2, 28), date(2023, 3, 5))
    assert (september.as_of, september.deadline) == (date(2023, 9, 30), date(2023, 10, 5))


@pytest.mark.parametrize(("overrides", "field", "words"), [
    ({"code": "Demo 2566"}, "code", ["'Demo 2566'"]),
    ({"code": "new"}, "code", ["'new'"]),
    ({"series": {"overall": ["operating", "travel"]}}, "series", ["'travel'"]),
    ({"series": {"recurring": ["operating"]}}, "series", ["'overall'"]),
    ({"series": {"speed": ["operating"]}}, "series", ["'speed'"]),
    ({"deadline_day": 32}, "deadline_day", ["32"]),
    ({"as_of_day": 0}, "as_of_day", ["0"]),
    ({"deadline_month_offset": 3}, "deadline_month_offset", ["3"]),
    ({"as_of_day": None, "deadline_day": 25}, "deadline_day", ["31 Oct 2022", "25 Oct 2022"]),
    ({"kind": "national"}, "kind", ["'national'"]),
    ({"denominator": "budget"}, "denominator", ["'budget'"]),
    ({"fiscal_year": 2599}, "fiscal_year", ["2599"]),
])
@pytest.mark.usefixtures("english")
def test_it_refuses_a_bad_scheme_naming_the_field_and_value(world, overrides, field, words):
    with pytest.raises(ValidationError) as exc:
        make_scheme(world, **overrides)
    text = in_both(lambda: " ".join(exc.value.message_dict[field]))  # Thai, or English on an English page
    for word in words:
        assert word in text
    assert not Scheme.objects.exists() and not ReportingPeriod.objects.exists()


def test_a_duplicate_code_is_refused(world):
    make_scheme(world)
    with pytest.raises(ValidationError) as exc:
        make_scheme(world)
    assert "test-scheme-2566" in " ".join(exc.value.message_dict["code"])


def test_units_must_be_inside_the_coordinators_subtree(world):
    elsewhere = make_org(kind=OrgKind.AGENCY, code="AG-X")
    with pytest.raises(ValidationError) as exc:
        make_scheme(world, units=[world.unit_a, elsewhere])
    assert "AG-X" in " ".join(exc.value.message_dict["units"])
    with pytest.raises(ValidationError):
        make_scheme(world, units=[world.province])


def test_only_a_coordinator_of_the_root_creates_a_scheme(world):
    with pytest.raises(ValidationError):
        actions.scheme_create(actor=world.alice, code="x-2566", name="x", kind="province", fiscal_year=2566,
                              coordinator_org=world.province, units=[world.unit_a], as_of_day=15, deadline_day=20)
    assert not Scheme.objects.exists()


def test_a_calendar_change_re_dates_only_the_periods_still_to_come(world):
    scheme = make_scheme(world)
    actions.scheme_update_calendar(actor=world.carol, scheme=scheme, as_of_day=None, deadline_day=10,
                                   deadline_month_offset=1, lock_after_deadline=True, today=date(2023, 3, 1))
    february, march = period_of(scheme, 2023, 2), period_of(scheme, 2023, 3)
    assert (february.as_of, february.deadline) == (date(2023, 2, 15), date(2023, 2, 20))
    assert (march.as_of, march.deadline) == (date(2023, 3, 31), date(2023, 4, 10))
    event = AuditEvent.objects.get(action="scheme.calendar")
    assert event.before["deadline_day"] == 20 and event.after["deadline_day"] == 10
    assert len(event.after["periods"]) == 7


def test_a_unit_that_has_reported_cannot_leave_the_scheme(world):
    scheme = make_scheme(world, lock_after_deadline=False)
    reporting.report_save_draft(actor=world.alice, period=period_of(scheme, 2022, 11), unit=world.unit_a, lines={},
                                obstacles="", version=0, now=at(2022, 11, 18))
    with pytest.raises(ValidationError) as exc:
        actions.scheme_set_units(actor=world.carol, scheme=scheme, units=[world.unit_b])
    assert "AG-A" in " ".join(exc.value.message_dict["units"])
    assert set(scheme.units.all()) == {world.unit_a, world.unit_b}


# -- pages --------------------------------------------------------------------------------------

def detail(scheme):
    return reverse("schemes:detail", kwargs={"scheme": scheme.code})


def test_the_list_shows_schemes_by_coordination_or_by_evaluated_unit(world):
    mine = make_scheme(world, units=[world.unit_a])
    other_province = make_org(kind=OrgKind.PROVINCE, code="PROV-Z")
    dave = make_user(username="dave", role="coordinator", org=other_province)
    actions.scheme_create(actor=dave, code="zeta-2566", name="Zeta", kind="province", fiscal_year=2566,
                          coordinator_org=other_province, units=[], as_of_day=15, deadline_day=20)
    assert mine.code in client_for(world.alice).get(reverse("schemes:list")).content.decode()
    assert mine.code in client_for(world.carol).get(reverse("schemes:list")).content.decode()
    assert mine.code in client_for(world.erin).get(reverse("schemes:list")).content.decode()
    bob_page = client_for(world.bob).get(reverse("schemes:list")).content.decode()
    assert mine.code not in bob_page and "zeta-2566" not in bob_page
    assert client_for(world.bob).get(detail(mine)).status_code == 404
    assert client_for(dave).get(detail(mine)).status_code == 404


def test_the_detail_shows_the_calendar_in_be_and_only_the_units_the_user_may_see(world):
    scheme = make_scheme(world)
    page = client_for(world.bob).get(detail(scheme)).content.decode()
    assert "AG-B" in page and "AG-A" not in page
    assert "20 ก.พ. 2566" in page and "15 ต.ค. 2565" in page
    carol_page = client_for(world.carol).get(detail(scheme)).content.decode()
    assert "AG-A" in carol_page and reverse("reporting:period_status",
                                             kwargs={"period_id": period_of(scheme, 2022, 10).pk}) in carol_page


def test_only_the_coordinator_edits_a_scheme(world):
    scheme = make_scheme(world)
    url = reverse("schemes:edit", kwargs={"scheme": scheme.code})
    for user in (world.alice, world.erin):
        assert client_for(user).get(url).status_code == 403
        assert client_for(user).post(url, {"name": "hacked"}).status_code == 403
    assert client_for(world.bob).post(url, {"name": "hacked"}).status_code == 403  # bob sees it through B
    scheme.refresh_from_db()
    assert scheme.name == "โครงการทดสอบ"


def test_the_coordinator_edits_settings_calendar_and_units_in_one_form(world):
    scheme = make_scheme(world)
    response = client_for(world.carol).post(reverse("schemes:edit", kwargs={"scheme": scheme.code}), {
        "name": "ชื่อใหม่", "rule_set": "doh-kpi23-2566", "denominator": "original",
        "series_overall": ["operating", "capital"], "series_capital": ["capital"],
        "as_of_day": "25", "deadline_day": "25", "deadline_month_offset": "0", "lock_after_deadline": "on",
        "units": [str(world.unit_a.pk)],
    })
    assert response.status_code == 302
    scheme.refresh_from_db()
    assert (scheme.name, scheme.denominator, scheme.as_of_day) == ("ชื่อใหม่", "original", 25)
    assert scheme.series == {"overall": ["operating", "capital"], "capital": ["capital"]}
    assert list(scheme.units.all()) == [world.unit_a]


def test_an_invalid_edit_changes_nothing(world):
    scheme = make_scheme(world)
    response = client_for(world.carol).post(reverse("schemes:edit", kwargs={"scheme": scheme.code}), {
        "name": "ชื่อใหม่", "denominator": "current", "series_overall": ["operating"],
        "as_of_day": "", "deadline_day": "20", "deadline_month_offset": "0", "units": [str(world.unit_a.pk)],
    })
    assert response.status_code == 200 and "31 ต.ค. 2565" in response.content.decode()
    scheme.refresh_from_db()
    assert scheme.name == "โครงการทดสอบ" and scheme.units.count() == 2
    assert not AuditEvent.objects.filter(action__in=["scheme.update", "scheme.units"]).exists()


def test_the_coordinator_creates_a_scheme_through_the_form(world):
    client = client_for(world.carol)
    assert client.get(reverse("schemes:create")).status_code == 200
    response = client.post(reverse("schemes:create"), {
        "code": "prov-2566", "name": "โครงการจังหวัด", "kind": "province",
        "fiscal_year": str(FiscalYear.objects.get(be_year=2566).pk),
        "coordinator_org": str(world.province.pk), "denominator": "current",
        "series_overall": ["operating", "capital", "subsidy", "other"], "series_recurring": ["operating"],
        "series_capital": ["capital"], "as_of_day": "", "deadline_day": "5", "deadline_month_offset": "1",
        "units": [str(world.unit_a.pk), str(world.unit_b.pk)],
    })
    assert response.status_code == 302 and response["Location"] == reverse("schemes:detail",
                                                                           kwargs={"scheme": "prov-2566"})
    scheme = Scheme.objects.get(code="prov-2566")
    assert not scheme.lock_after_deadline and scheme.periods.count() == 12


def test_officers_and_executives_cannot_create_schemes(world):
    for user in (world.alice, world.erin, world.bob):
        assert client_for(user).get(reverse("schemes:create")).status_code == 403
