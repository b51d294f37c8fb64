"""The league table of a large scheme: pages and a search cut what is shown, never the ranks."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from pts.organisations.models import OrgKind, Role
from pts.schemes.actions import scheme_create
from pts.ui import paging
from tests.factories import make_allocation, make_org, make_user
from tests.scoring.factories import MB, pay

QUERY = {"as_of": "28/02/2566", "round": 1}
NAMES = ["สำนักงานเกษตรอำเภอ", "สำนักงานที่ดินจังหวัด", "โรงพยาบาลชุมชน", "สำนักงานประมง", "วิทยาลัยเทคนิค"]


@pytest.fixture
def big(world):
    """KPI 2.3 over A, B and five more agencies, each paid a different share of a million in October."""
    more = [make_org(kind=OrgKind.AGENCY, parent=world.province, code=f"AG-{n}", name_th=name)
            for n, name in enumerate(NAMES, start=1)]
    units = [world.unit_a, world.unit_b, *more]
    for share, unit in enumerate(units, start=1):
        make_allocation(unit=unit, amount=MB)
        pay(unit, MB * share // 20, date(2022, 10, 20))
    return scheme_create(actor=world.carol, code="kpi-big", name="KPI 2.3", kind="department", fiscal_year=2566,
                         coordinator_org=world.province, units=units, rule_set="doh-kpi23-2566",
                         deadline_month_offset=1)


def table(client, user, scheme, **query):
    client.force_login(user)
    response = client.get(reverse("scoring:league", kwargs={"scheme": scheme.code}), {**QUERY, **query})
    assert response.status_code == 200
    return response, [(row["unit"].code, row["rank"]) for row in response.context["table"]]


def test_page_two_shows_the_next_rows_with_their_places_in_the_whole_scheme(client, world, big, monkeypatch):
    _response, everything = table(client, world.carol, big)
    assert len(everything) == 7
    monkeypatch.setattr(paging, "PER_PAGE", 3)
    response, second = table(client, world.carol, big, page=2)
    assert second == everything[3:6]
    body = response.content.decode()
    assert "หน้า 2 จาก 3" in body
    # the pager keeps the round and the as-of date
    assert 'href="?as_of=28%2F02%2F2566&amp;round=1&amp;page=3"' in body


def test_a_search_by_code_or_thai_name_shows_the_unit_at_its_real_rank(client, world, big, monkeypatch):
    _response, everything = table(client, world.carol, big)
    ranks = dict(everything)
    monkeypatch.setattr(paging, "PER_PAGE", 3)
    for q in ("AG-4", "ag-4", "ประมง"):
        response, found = table(client, world.carol, big, q=q)
        assert found == [("AG-4", ranks["AG-4"])], q
    assert "1 จาก 7 หน่วยงาน" in response.content.decode()
    _response, offices = table(client, world.carol, big, q="สำนักงาน")
    assert offices == [(code, rank) for code, rank in everything if code in ("AG-1", "AG-2", "AG-4")]


def test_an_officers_search_never_finds_another_units_row(client, world, big):
    _response, everything = table(client, world.carol, big)
    _response, mine = table(client, world.alice, big)
    assert mine == [("AG-A", dict(everything)["AG-A"])]  # ranked among all seven
    for q in ("AG-B", "หน่วยงานบี", "ประมง", "AG"):
        response, found = table(client, world.alice, big, q=q)
        assert found == ([("AG-A", dict(everything)["AG-A"])] if q == "AG" else []), q
        if q != "หน่วยงานบี":  # (the box shows what was typed)
            assert "หน่วยงานบี" not in response.content.decode()
        assert "AG-B</a>" not in response.content.decode()


def test_an_executive_of_one_agency_sees_only_it_however_the_pages_are_cut(client, world, big, monkeypatch):
    monkeypatch.setattr(paging, "PER_PAGE", 1)
    boss = make_user(username="dave", role=Role.EXECUTIVE, org=big.units.get(code="AG-3"))
    _response, rows = table(client, boss, big, page=2)
    assert [code for code, _rank in rows] == ["AG-3"]  # page 2 of one page is the last page


def test_search_as_you_type_swaps_only_the_table(client, world, big):
    client.force_login(world.carol)
    response = client.get(reverse("scoring:league", kwargs={"scheme": big.code}), {**QUERY, "q": "วิทยาลัย"},
                          HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    body = response.content.decode()
    assert "<html" not in body and "AG-5" in body and "AG-A" not in body
    assert "freeze" not in body  # the freeze form stays on the page, outside the swapped table
