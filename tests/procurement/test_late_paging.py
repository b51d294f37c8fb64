"""The late list and the project lists of a large year: pages, a search by unit or project, isolation."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pts.ui import paging
from tests.procurement.factories import make_project


@pytest.fixture
def late(world, monkeypatch):
    """Three late projects of A (largest first in the risk order), one of B; two rows a page."""
    monkeypatch.setattr(paging, "PER_PAGE", 2)
    for n, value in enumerate((3_000_000, 2_000_000, 1_000_000), start=1):
        make_project(unit=world.unit_a, actor=world.alice, name=f"ถนนสายที่ {n}", allocated=value * 100)
    make_project(unit=world.unit_b, actor=world.bob, name="สะพานของบี", allocated=500_000 * 100)


def names(user, route="procurement:late", **query):
    client = Client()
    client.force_login(user)
    response = client.get(reverse(route, args=[2566]), {"as_of": "01/06/2566", **query})
    return [row["p"].name for row in response.context["rows"]], response


def test_page_two_of_the_late_list_carries_on_the_risk_order_and_its_numbers(world, late):
    first, _response = names(world.carol)
    second, response = names(world.carol, page=2)
    assert first == ["ถนนสายที่ 1", "ถนนสายที่ 2"] and second == ["ถนนสายที่ 3", "สะพานของบี"]
    assert '<td class="num">3</td>' in response.content.decode()  # numbered on from page 1


def test_the_late_list_finds_a_unit_by_code_or_thai_name_or_a_project_by_name(world, late):
    assert names(world.carol, q="AG-B")[0] == ["สะพานของบี"]
    assert names(world.carol, q="หน่วยงานบี")[0] == ["สะพานของบี"]
    assert names(world.carol, q="สายที่ 2")[0] == ["ถนนสายที่ 2"]


def test_an_officers_search_never_finds_another_units_projects(world, late):
    for q in ("AG-A", "หน่วยงานเอ", "ถนน"):
        assert names(world.bob, q=q)[0] == [], q
    assert names(world.bob, "procurement:overview", q="ถนน")[0] == []
    assert names(world.bob, "procurement:overview", q="สะพาน")[0] == ["สะพานของบี"]
    _rows, response = names(world.bob, "procurement:unit_figures", q="หน่วยงานเอ")
    assert response.context["rows"] == []


def test_the_figures_per_unit_come_a_page_at_a_time(world, late):
    client = Client()
    client.force_login(world.carol)
    response = client.get(reverse("procurement:unit_figures", args=[2566]), {"q": "หน่วยงานบี"})
    assert [row["unit"].code for row in response.context["rows"]] == ["AG-B"]
