"""The organisations tree and an organisation's page of a large tree: pages that say where they are,
a search by code or name, and isolation."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pts.organisations.models import OrgKind
from pts.ui import paging
from tests.factories import make_org


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def units(world, monkeypatch):
    """Four disbursing units under A, one under B; three rows a page."""
    monkeypatch.setattr(paging, "PER_PAGE", 3)
    under_a = [make_org(kind=OrgKind.DISBURSING_UNIT, parent=world.unit_a, code=f"010000000{n}", name_th=name)
               for n, name in enumerate(["หน่วยเบิกจ่ายหนึ่ง", "หน่วยเบิกจ่ายสอง", "หน่วยเบิกจ่ายสาม", "หน่วยเบิกจ่ายสี่"],
                                        start=1)]
    under_b = make_org(kind=OrgKind.DISBURSING_UNIT, parent=world.unit_b, code="0200000001", name_th="หน่วยเบิกจ่ายของบี")
    return under_a, under_b


def codes(response):
    return [(r.org.code, r.context) for r in response.context["rows"]]


def test_page_two_of_the_tree_starts_with_the_organisations_it_continues(world, units):
    client = signed_in(world.carol)
    first = client.get(reverse("organisations:tree"))
    assert codes(first) == [("PROV-T", False), ("AG-A", False), ("0100000001", False)]
    second = client.get(reverse("organisations:tree"), {"page": 2})
    # where it is: the province and agency A again, marked as carried over, then the next three rows
    assert codes(second) == [("PROV-T", True), ("AG-A", True), ("0100000002", False), ("0100000003", False),
                             ("0100000004", False)]
    assert "ต่อจากหน้าก่อน" in second.content.decode()
    third = client.get(reverse("organisations:tree"), {"page": 3})
    assert codes(third) == [("PROV-T", True), ("AG-B", False), ("0200000001", False)]


def test_the_tree_search_finds_by_code_and_thai_name_and_pages_the_matches(world, units):
    client = signed_in(world.carol)
    assert [c for c, _ in codes(client.get(reverse("organisations:tree"), {"q": "0100000003"}))] == ["0100000003"]
    assert [c for c, _ in codes(client.get(reverse("organisations:tree"), {"q": "สาม"}))] == ["0100000003"]
    matches = client.get(reverse("organisations:tree"), {"q": "หน่วยเบิกจ่าย", "page": 2})
    assert [c for c, _ in codes(matches)] == ["0100000004", "0200000001"]
    assert 'href="?q=%E0%B8%AB' in matches.content.decode()  # the pager keeps the search


def test_an_officers_tree_search_never_finds_another_units_organisations(world, units):
    client = signed_in(world.bob)
    for q in ("0100000001", "หน่วยเบิกจ่ายหนึ่ง", "AG-A", "PROV"):
        assert client.get(reverse("organisations:tree"), {"q": q}).context["rows"] == [], q
    assert [c for c, _ in codes(client.get(reverse("organisations:tree"), {"q": "หน่วยเบิกจ่าย"}))] == ["0200000001"]


def test_an_organisations_page_lists_its_units_a_page_at_a_time_with_a_search(world, units):
    client = signed_in(world.carol)
    url = reverse("organisations:detail", args=[world.unit_a.pk])
    assert [o.code for o in client.get(url).context["children"]] == ["0100000001", "0100000002", "0100000003"]
    assert [o.code for o in client.get(url, {"page": 2}).context["children"]] == ["0100000004"]
    assert [o.code for o in client.get(url, {"q": "สี่"}).context["children"]] == ["0100000004"]
    # a search on A's page looks among A's units only
    assert list(client.get(url, {"q": "ของบี"}).context["children"]) == []
