"""A scheme's page lists its units a page at a time, with a search, each persona seeing their own."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pts.organisations.models import OrgKind
from pts.schemes.actions import scheme_create
from pts.ui import paging
from tests.factories import make_org


@pytest.fixture
def scheme(world, monkeypatch):
    monkeypatch.setattr(paging, "PER_PAGE", 2)
    more = [make_org(kind=OrgKind.AGENCY, parent=world.province, code=f"AG-{n}", name_th=f"สำนักงานที่ {n}")
            for n in range(1, 4)]
    return scheme_create(actor=world.carol, code="kpi-2566", name="KPI", kind="department", fiscal_year=2566,
                         coordinator_org=world.province, units=[world.unit_a, world.unit_b, *more],
                         rule_set="doh-kpi23-2566", deadline_month_offset=1)


def units(user, **query):
    client = Client()
    client.force_login(user)
    return [u.code for u in client.get(reverse("schemes:detail", args=["kpi-2566"]), query).context["units"]]


def test_the_units_come_two_a_page_and_a_search_finds_one(world, scheme):
    pages = [units(world.carol, page=n) for n in (1, 2, 3)]
    assert [len(p) for p in pages] == [2, 2, 1] and len({c for p in pages for c in p}) == 5
    assert units(world.carol, q="AG-2") == ["AG-2"]
    assert units(world.carol, q="หน่วยงานบี") == ["AG-B"]


def test_an_officer_finds_only_their_own_unit(world, scheme):
    assert units(world.alice) == ["AG-A"]
    assert units(world.alice, q="หน่วยงานบี") == [] and units(world.alice, q="AG-2") == []
