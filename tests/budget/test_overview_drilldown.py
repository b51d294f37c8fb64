"""The budget overview at national scale: one level of the tree at a time with subtree totals, a
breadcrumb back up, pages, a search by code or name, isolation, and the subtotals it reads."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from pts.budget import queries, subtotals
from pts.budget.models import FiscalYear
from pts.organisations import scope
from pts.organisations.models import Org, OrgKind
from pts.ui import paging
from tests.factories import make_allocation, make_org
from tests.scoring.factories import pay

AS_OF = "2023-09-30"


@pytest.fixture
def tree(world, monkeypatch):
    """Unit A holds 100 baht of its own and three disbursing units (1,000 / 2,000 / 3,000 baht,
    10 % of each paid); unit B holds 500 baht. Two rows a page."""
    monkeypatch.setattr(paging, "PER_PAGE", 2)
    units = [make_org(kind=OrgKind.DISBURSING_UNIT, parent=world.unit_a, code=code, name_th=name, name_en=en)
             for code, name, en in (("0100000001", "หน่วยเบิกจ่ายหนองบัว", "Nong Bua office"),
                                    ("0100000002", "หน่วยเบิกจ่ายท่าช้าง", "Tha Chang office"),
                                    ("0100000003", "หน่วยเบิกจ่ายบ้านไร่", "Ban Rai office"))]
    make_allocation(unit=world.unit_a, amount=100_00)
    for n, unit in enumerate(units, start=1):
        make_allocation(unit=unit, amount=n * 1000_00)
        pay(unit, n * 100_00, date(2022, 11, 20))
    make_allocation(unit=world.unit_b, amount=500_00)
    return units


def overview(client, user, **query):
    client.force_login(user)
    return client.get(reverse("budget:overview", kwargs={"be_year": 2566}), {"as_of": AS_OF, **query})


def labels(response):
    return [(row["label"].code, "node" if row.get("is_node") else "own" if row.get("own") else "")
            for row in response.context["rows"]]


def test_the_coordinator_starts_at_the_province_with_a_total_per_agency(client, world, tree):
    response = overview(client, world.carol)
    assert labels(response) == [("PROV-T", "node"), ("AG-A", ""), ("AG-B", "")]
    rows = {code: row for (code, _kind), row in zip(labels(response), response.context["rows"], strict=True)}
    assert rows["PROV-T"]["f"].current_allocation == 100_00 + 6000_00 + 500_00
    assert rows["AG-A"]["f"].current_allocation == 6100_00  # its own 100 and its three units'
    assert rows["AG-A"]["f"].disbursed == 600_00 and rows["AG-A"]["disbursement_rate"] * 6100 == 600 * 100
    assert rows["AG-A"]["n_children"] == 3 and rows["AG-B"]["n_children"] == 0
    body = response.content.decode()
    assert f"org={world.unit_a.pk}" in body  # A drills down; B has nothing below it
    assert f"org={world.unit_b.pk}" not in body


def test_drilling_into_an_agency_shows_its_units_two_a_page_and_a_breadcrumb_back(client, world, tree):
    first = overview(client, world.carol, org=world.unit_a.pk, series="overall")
    assert labels(first) == [("AG-A", "node"), ("AG-A", "own"), ("0100000001", ""), ("0100000002", "")]
    second = overview(client, world.carol, org=world.unit_a.pk, series="overall", page=2)
    assert labels(second) == [("AG-A", "node"), ("0100000003", "")]  # the total on every page, its own money once
    assert second.context["rows"][1]["f"].current_allocation == 3000_00
    body = second.content.decode()
    # the breadcrumb goes back to the province and the pager back to page 1, both keeping date and series
    assert f'href="?as_of={AS_OF}&amp;org={world.province.pk}&amp;series=overall"' in body
    assert f'href="?as_of={AS_OF}&amp;org={world.unit_a.pk}&amp;series=overall&amp;page=1"' in body
    assert "หน้า 2 จาก 2" in body


def test_a_search_by_code_or_thai_name_finds_the_unit_with_its_totals(client, world, tree):
    for q in ("0100000002", "๐๑๐๐๐๐๐๐๐๒", "ท่าช้าง", "tha chang"):
        response = overview(client, world.carol, q=q)
        assert labels(response) == [("0100000002", "")], q
        row = response.context["rows"][0]
        assert row["f"].current_allocation == 2000_00 and row["parent"] == world.unit_a
    assert "หน่วยงานเอ" in overview(client, world.carol, q="ท่าช้าง").content.decode()  # where it sits
    everything = overview(client, world.carol, q="หน่วยเบิกจ่าย")
    assert labels(everything) == [("0100000001", ""), ("0100000002", "")]
    assert everything.context["page"].paginator.count == 3


def test_an_officer_starts_at_their_unit_and_never_finds_another_units_rows(client, world, tree):
    response = overview(client, world.bob)
    assert labels(response) == [("AG-B", "node")]
    for q in ("AG-A", "หน่วยงานเอ", "0100000001", "หนองบัว", "PROV"):
        found = overview(client, world.bob, q=q)
        assert found.context["rows"] == [], q
        for secret in {"AG-A", "หน่วยงานเอ", "หนองบัว", "0100000001"} - {q}:  # the box shows what was typed
            assert secret not in found.content.decode(), (q, secret)
    assert overview(client, world.bob, org=world.unit_a.pk).status_code == 404
    assert overview(client, world.bob, org=world.province.pk).status_code == 404


def test_an_administrator_sees_every_top_organisation_and_their_sum(client, world, tree):
    other = make_org(kind=OrgKind.PROVINCE, code="PROV-X", name_th="จังหวัดอื่น")
    make_allocation(unit=make_org(parent=other, code="AG-X"), amount=7_00)
    response = overview(client, world.root)
    assert labels(response) == [("PROV-T", ""), ("PROV-X", "")]
    assert response.context["grand_total"]["f"].current_allocation == 6600_00 + 7_00
    drilled = overview(client, world.root, org=world.unit_a.pk).content.decode()
    assert "ทุกหน่วยงาน" in drilled  # the breadcrumb starts above the provinces


def test_search_as_you_type_gets_only_the_table_back(client, world, tree):
    client.force_login(world.carol)
    response = client.get(reverse("budget:overview", kwargs={"be_year": 2566}), {"as_of": AS_OF, "q": "บ้านไร่"},
                          HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    body = response.content.decode()
    assert "<html" not in body and "<table" in body and "0100000003" in body
    assert "HX-Request" in response["Vary"]
    full = overview(client, world.carol, q="บ้านไร่").content.decode()
    assert "<html" in full and 'hx-get="/budget/2566/"' in full and 'hx-target="#results"' in full


def test_the_old_addresses_still_work(client, world, tree):
    assert overview(client, world.carol, series="capital").status_code == 200
    assert overview(client, world.carol, page="x").status_code == 200  # a bad page number shows the first
    assert overview(client, world.carol, page=99).context["page"].number == 1  # one page of agencies only


# -- the subtotals the page reads ---------------------------------------------------------------


def straightforward(fy, as_of, orgs):
    return queries.rollup(queries.figures_by_unit_category(fiscal_year=fy, as_of=as_of), orgs)


@pytest.mark.parametrize("day", [date(2022, 11, 19), date(2022, 11, 20), date(2022, 11, 30), date(2023, 9, 30)])
def test_subtree_totals_equal_the_sum_of_the_movements_on_any_day(world, tree, day):
    fy = FiscalYear.objects.get(be_year=2566)
    pay(tree[0], 1_00, date(2022, 11, 25))  # later in the month of three of the days
    everything = scope.visible(world.root, Org.objects.all())
    expected = straightforward(fy, day, [world.unit_a, *tree])
    branches = subtotals.by_branch(fiscal_year=fy, as_of=day, under=world.unit_a.path, units=everything)
    assert {unit.pk: branches.get(unit.path, {}) for unit in tree} == {unit.pk: expected[unit.pk] for unit in tree}
    assert subtotals.of_subtrees(fiscal_year=fy, as_of=day, orgs=[world.unit_a, tree[1]], units=everything) == {
        world.unit_a.pk: expected[world.unit_a.pk], tree[1].pk: expected[tree[1].pk]}


def test_subtree_sums_follow_a_later_movement_and_stay_within_the_users_scope(world, tree):
    fy = FiscalYear.objects.get(be_year=2566)
    day = date(2023, 9, 30)
    carol_sees = scope.visible(world.carol, Org.objects.all())
    before = subtotals.by_branch(fiscal_year=fy, as_of=day, under=world.province.path, units=carol_sees)
    assert before[world.unit_a.path]["operating"].disbursed == 600_00
    pay(tree[2], 50_00, date(2023, 1, 10))  # a month already summed
    after = subtotals.by_branch(fiscal_year=fy, as_of=day, under=world.province.path, units=carol_sees)
    assert after[world.unit_a.path]["operating"].disbursed == 650_00
    assert after == {k: v for k, v in straightforward_branches(fy, day, world).items()}
    # bob's scope gets his own unit only
    bob_sees = scope.visible(world.bob, Org.objects.all())
    assert set(subtotals.by_branch(fiscal_year=fy, as_of=day, under=world.province.path, units=bob_sees)) == {
        world.unit_b.path}


def straightforward_branches(fy, day, world):
    rolled = straightforward(fy, day, [world.unit_a, world.unit_b])
    return {world.unit_a.path: rolled[world.unit_a.pk], world.unit_b.path: rolled[world.unit_b.pk]}
