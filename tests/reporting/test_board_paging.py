"""The reporting board of a large scheme: counts over every unit, a page at a time, narrowed to who
has not reported, and a search by code or name."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pts.organisations.models import OrgKind
from pts.ui import paging
from tests.factories import make_org
from tests.reporting.factories import allocate, make_scheme, period_of
from tests.reporting.test_views import a_report


@pytest.fixture
def board(world, monkeypatch):
    """A scheme over A, B and four more agencies; A reports late for November. Two rows a page."""
    monkeypatch.setattr(paging, "PER_PAGE", 2)
    more = [make_org(kind=OrgKind.AGENCY, parent=world.province, code=f"AG-{n}", name_th=name)
            for n, name in enumerate(["สำนักงานเกษตร", "สำนักงานที่ดิน", "โรงพยาบาลชุมชน", "สำนักงานประมง"], start=1)]
    scheme = make_scheme(world, units=[world.unit_a, world.unit_b, *more], lock_after_deadline=False)
    allocate(world, world.unit_a, "operating", 1_000_000_00)
    period = period_of(scheme, 2022, 11)
    a_report(world, period)  # submitted on 22 Nov, after the 20th
    return reverse("reporting:period_status", kwargs={"period_id": period.pk})


def shown(response):
    return [row.unit.code for row in response.context["rows"]]


def get(world, url, **query):
    client = Client()
    client.force_login(world.carol)
    return client.get(url, query)


def test_the_counts_cover_every_unit_while_the_page_shows_two(world, board):
    first = get(world, board)
    assert first.context["counts"]["units"] == 6 and first.context["counts"]["missing"] == 5
    assert first.context["counts"]["submitted"] == 1 and first.context["counts"]["late"] == 1
    everything = shown(first) + shown(get(world, board, page=2)) + shown(get(world, board, page=3))
    assert sorted(everything) == ["AG-1", "AG-2", "AG-3", "AG-4", "AG-A", "AG-B"]
    assert shown(get(world, board, page=2)) == everything[2:4]


def test_the_board_narrows_to_who_has_not_reported_and_keeps_it_across_pages(world, board):
    missing = get(world, board, show="missing")
    assert "AG-A" not in shown(missing) and missing.context["page"].paginator.count == 5
    assert 'href="?show=missing&amp;page=2"' in missing.content.decode()
    assert shown(get(world, board, show="submitted")) == ["AG-A"]
    assert get(world, board, show="nonsense").context["show"] == ""  # an unknown filter shows every unit


def test_a_search_by_code_or_thai_name_finds_the_unit(world, board):
    assert shown(get(world, board, q="AG-3")) == ["AG-3"]
    assert shown(get(world, board, q="ประมง")) == ["AG-4"]
    assert shown(get(world, board, q="ประมง", show="submitted")) == []
    assert shown(get(world, board, q="หน่วยงานเอ")) == ["AG-A"]
    outsider = make_org(kind=OrgKind.AGENCY, parent=world.province, code="AG-OUT", name_th="นอกโครงการ")
    assert shown(get(world, board, q=outsider.code)) == []  # not in the scheme


def test_accepting_from_a_later_page_comes_back_to_it(world, board):
    body = get(world, board, show="late", q="AG").content.decode()
    assert f'name="next" value="{board}?show=late&amp;q=AG"' in body
