"""Engine inputs read from the database: the scheme's series mapping and figures per activity tag."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from pts.budget.actions import commitment_record, disbursement_record, reservation_create
from pts.budget.models import Activity, Movement, MovementKind
from pts.core.fiscal import Month, fiscal_months
from pts.schemes.actions import scheme_create
from pts.schemes.models import default_series
from pts.scoring import queries
from pts.scoring.engine import Figures, load_ruleset
from pts.scoring.rulesets import check_scheme_series
from pts.scoring.sources import (
    rules_with_scheme_series,
    tag_cells,
    tag_unions,
    wanted_tags,
)
from tests.factories import ledger_admin, make_allocation, make_fiscal_year
from tests.lang import in_both

MB = 1_000_000_00  # one million baht in satang
FY = fiscal_months(2566)
OCT, NOV, DEC = Month(2022, 10), Month(2022, 11), Month(2022, 12)


def make_scheme(world, *, code="kpi-2566", rule_set="doh-kpi23-2566", kind="department", **overrides):
    return scheme_create(actor=world.carol, code=code, name="KPI 2.3", kind=kind, fiscal_year=2566,
                         coordinator_org=world.province, units=[world.unit_a, world.unit_b], rule_set=rule_set,
                         deadline_month_offset=1, **overrides)


def activity(unit, code, tags):
    return Activity.objects.create(fiscal_year=make_fiscal_year(2566), unit=unit, code=code, name=code, tags=tags)


def pay(unit, amount, day, *, category="operating", activity=None, settles=False):
    return disbursement_record(actor=ledger_admin(), fiscal_year=2566, unit=unit, category=category, amount=amount,
                               effective_date=day, activity=activity, settles_commitment=settles)


# -- the scheme's series mapping -------------------------------------------------------------------


def test_the_schemes_categories_replace_the_rule_sets_for_the_series_both_define(world):
    scheme = make_scheme(world, rule_set="province-pts-template", kind="province",
                         series={"overall": ["operating", "capital"], "capital": ["capital", "other"]})
    rules = load_ruleset("province-pts-template")
    mine = rules_with_scheme_series(rules, scheme)
    assert mine.series["overall"].categories == ("operating", "capital")
    assert mine.series["capital"].categories == ("capital", "other")
    assert mine.series["recurring"] == rules.series["recurring"]  # not in the scheme's mapping: kept
    assert rules.series["overall"].categories == ("personnel", "operating", "capital", "subsidy", "other")
    assert mine.series["overall"].label == rules.series["overall"].label


def test_a_replaced_rule_set_gets_its_own_score_cache(world):
    scheme = make_scheme(world, rule_set="province-pts-template", kind="province")
    scheme.series = default_series()  # KPI 2.3's mapping: no personnel
    rules = load_ruleset("province-pts-template")
    rules.cache["sentinel"] = 1
    mine = rules_with_scheme_series(rules, scheme)
    assert mine is not rules
    assert mine.cache == {}
    assert mine.cache is not rules.cache
    assert rules.cache == {"sentinel": 1}


def test_a_scheme_with_the_rule_sets_own_mapping_gets_the_rule_set_itself(world):
    for rule_set, kind in (("doh-kpi23-2566", "department"), ("province-pts-template", "province")):
        scheme = make_scheme(world, code=f"s-{kind}", rule_set=rule_set, kind=kind)  # starts with its rule set's mapping
        rules = load_ruleset(rule_set)
        assert rules_with_scheme_series(rules, scheme) is rules


def test_the_schemes_mapping_changes_the_scores(world):
    """Personnel money counts in the province template's overall series unless the scheme says otherwise."""
    from pts.scoring.engine import UnitData, score_units

    scheme = make_scheme(world, rule_set="province-pts-template", kind="province")
    scheme.series = default_series()  # the coordinator chose KPI 2.3's mapping: no personnel
    rules = load_ruleset("province-pts-template")
    months = {m: {"personnel": Figures(MB, MB), "operating": Figures(MB, 0)} for m in FY}
    unit = UnitData(code="U", months=months)
    with_personnel = score_units(rules, [unit])[0].items["disbursement"].score
    without = score_units(rules_with_scheme_series(rules, scheme), [unit])[0].items["disbursement"].score
    assert with_personnel > without


@pytest.mark.parametrize(("series", "named"), [
    ({"overall": ["operating"], "bonus": ["capital"]}, ["'bonus'", "rule set province-pts-template"]),
    ({"overall": ["operating", "equipment"]}, ["'equipment'", "'overall'"]),
    ({"capital": []}, ["'capital'"]),
    ({"overall": ["operating", "operating"]}, ["'overall'", "twice"]),
])
def test_a_series_or_category_the_rule_set_cannot_take_is_refused_naming_it(world, series, named):
    scheme = make_scheme(world, rule_set="province-pts-template", kind="province")
    scheme.series = series  # as a hand-edited row would hold it
    with pytest.raises(ValidationError) as exc:
        rules_with_scheme_series(load_ruleset("province-pts-template"), scheme)
    message = in_both(lambda: exc.value.message_dict["series"][0])  # Thai, or English on an English page
    for word in named:
        assert word in message


@pytest.mark.usefixtures("english")
def test_a_series_of_activity_tags_cannot_be_mapped_to_categories(world):
    scheme = make_scheme(world)
    scheme.series = {"overall": ["operating"], "training": ["operating"]}
    with pytest.raises(ValidationError, match="'training'.*activity tags"):
        rules_with_scheme_series(load_ruleset("doh-kpi23-2566"), scheme)


def test_the_scheme_check_refuses_an_unknown_rule_set_and_a_series_it_does_not_define(world):
    with pytest.raises(ValidationError) as exc:
        check_scheme_series(rule_set="no-such-rules", kind="department", series={"overall": ["operating"]})
    assert "no-such-rules" in exc.value.message_dict["rule_set"][0]
    with pytest.raises(ValidationError) as exc:
        check_scheme_series(rule_set="", kind="province", series={"overall": ["operating"], "extra": ["capital"]})
    assert "'extra'" in exc.value.message_dict["series"][0]
    check_scheme_series(rule_set="", kind="province", series={"overall": ["operating"], "capital": ["capital"]})


# -- activity tags ------------------------------------------------------------------------------------


def test_wanted_tags_are_the_tags_the_rule_sets_series_sum():
    assert wanted_tags(load_ruleset("doh-kpi23-2566")) == {"training", "meeting"}
    assert tag_unions(load_ruleset("doh-kpi23-2566")) == (("training", "meeting"),)
    assert wanted_tags(load_ruleset("province-pts-template")) == frozenset()


@pytest.fixture
def tagged(world):
    """Unit A: a training activity (allocated 100,000, paid 30,000 in Oct and 20,000 in Dec), a
    meeting+training seminar (allocated 50,000, paid 10,000 in Nov), an untagged activity and
    money without an activity; unit B: a training activity paid 5,000."""
    scheme = make_scheme(world)
    training = activity(world.unit_a, "T1", ["training"])
    seminar = activity(world.unit_a, "S1", ["meeting", "training"])
    plain = activity(world.unit_a, "P1", [])
    b_training = activity(world.unit_b, "BT", ["training"])
    make_allocation(unit=world.unit_a, amount=MB)  # no activity
    make_allocation(unit=world.unit_a, amount=100_000_00, activity=training)
    make_allocation(unit=world.unit_a, amount=50_000_00, activity=seminar)
    make_allocation(unit=world.unit_a, amount=70_000_00, activity=plain)
    make_allocation(unit=world.unit_b, amount=20_000_00, activity=b_training)
    pay(world.unit_a, 30_000_00, date(2022, 10, 10), activity=training)
    pay(world.unit_a, 10_000_00, date(2022, 11, 10), activity=seminar)
    pay(world.unit_a, 20_000_00, date(2022, 12, 10), activity=training)
    pay(world.unit_a, 40_000_00, date(2022, 11, 10), activity=plain)
    pay(world.unit_a, 90_000_00, date(2022, 11, 10))
    pay(world.unit_b, 5_000_00, date(2022, 12, 1), activity=b_training)
    return scheme


def test_a_tags_figures_are_the_movements_on_its_activities_cumulative_per_month(world, tagged):
    cells = tag_cells(scheme=tagged, months=[OCT, NOV, DEC], unit_ids=[world.unit_a.pk, world.unit_b.pk])
    a = cells[world.unit_a.pk]
    assert a["training"] == {OCT: Figures(150_000_00, 30_000_00), NOV: Figures(150_000_00, 40_000_00),
                             DEC: Figures(150_000_00, 60_000_00)}
    assert a["meeting"] == {OCT: Figures(50_000_00, 0), NOV: Figures(50_000_00, 10_000_00),
                            DEC: Figures(50_000_00, 10_000_00)}
    assert set(a) == {"training", "meeting"}  # the untagged activity and money without one are not a tag
    assert cells[world.unit_b.pk] == {"training": {OCT: Figures(20_000_00, 0), NOV: Figures(20_000_00, 0),
                                                   DEC: Figures(20_000_00, 5_000_00)}}


def test_an_activity_with_two_tags_counts_in_both_and_once_in_their_union(world, tagged):
    cells = tag_cells(scheme=tagged, months=[DEC], unit_ids=[world.unit_a.pk], unions=[("training", "meeting")])
    a = cells[world.unit_a.pk]
    assert a["training"][DEC] == Figures(150_000_00, 60_000_00)
    assert a["meeting"][DEC] == Figures(50_000_00, 10_000_00)
    assert a["training+meeting"][DEC] == Figures(150_000_00, 60_000_00)  # the seminar once, not twice


def test_only_the_tags_asked_for_are_read_and_none_asked_reads_nothing(world, tagged, django_assert_num_queries):
    cells = tag_cells(scheme=tagged, months=[DEC], unit_ids=[world.unit_a.pk], tags={"meeting"})
    assert set(cells[world.unit_a.pk]) == {"meeting"}
    with django_assert_num_queries(0):
        assert tag_cells(scheme=tagged, months=[DEC], unit_ids=[world.unit_a.pk], tags=set()) == {}
    with django_assert_num_queries(0):
        assert tag_cells(scheme=tagged, months=[], unit_ids=[world.unit_a.pk]) == {}


def test_a_whole_scheme_is_read_in_two_queries_whatever_the_number_of_units(world, tagged, django_assert_num_queries):
    with django_assert_num_queries(2):
        cells = tag_cells(scheme=tagged, months=FY, unit_ids=[world.unit_a.pk, world.unit_b.pk])
    assert set(cells) == {world.unit_a.pk, world.unit_b.pk}


def test_only_the_units_asked_for_are_returned(world, tagged):
    assert set(tag_cells(scheme=tagged, months=[DEC], unit_ids=[world.unit_b.pk])) == {world.unit_b.pk}


def test_a_month_counts_movements_up_to_the_schemes_as_of_day(world):
    scheme = make_scheme(world, as_of_day=15)
    training = activity(world.unit_a, "T1", ["training"])
    make_allocation(unit=world.unit_a, amount=100_000_00, activity=training)
    pay(world.unit_a, 1_000_00, date(2022, 10, 15), activity=training)
    pay(world.unit_a, 2_000_00, date(2022, 10, 16), activity=training)
    cells = tag_cells(scheme=scheme, months=[OCT, NOV], unit_ids=[world.unit_a.pk])[world.unit_a.pk]["training"]
    assert cells == {OCT: Figures(100_000_00, 1_000_00), NOV: Figures(100_000_00, 3_000_00)}


def test_a_tag_paid_without_allocation_on_its_activities_has_nothing_allocated(world):
    """What a tag's allocation means: only allocations recorded on its activities (an absent series)."""
    from pts.scoring.engine import UnitData
    from pts.scoring.engine.view import UnitView

    scheme = make_scheme(world)
    meeting = activity(world.unit_a, "M1", ["meeting"])
    make_allocation(unit=world.unit_a, amount=MB)  # the unit's money, on no activity
    pay(world.unit_a, 5_000_00, date(2022, 10, 5), activity=meeting)
    cells = tag_cells(scheme=scheme, months=[OCT], unit_ids=[world.unit_a.pk])[world.unit_a.pk]
    assert cells == {"meeting": {OCT: Figures(0, 5_000_00)}}
    rules = load_ruleset("doh-kpi23-2566")
    view = UnitView(rules, UnitData(code="A", months={}, tags=cells))
    assert not view.present("training", rules.round(1))


@pytest.mark.parametrize("denominator", ["current", "original"])
def test_a_tag_holding_all_of_a_categorys_movements_has_that_categorys_figures(world, denominator):
    """The same kind -> effect rules as queries.monthly_cells: commitments, settling payments,
    reservations (ignored) and transfers give identical figures."""
    scheme = make_scheme(world, denominator=denominator)
    capital = activity(world.unit_a, "C1", ["equipment"])
    admin = ledger_admin()
    make_allocation(unit=world.unit_a, amount=MB, category="capital", activity=capital)
    # no action names an activity on a transfer yet: a row as an import would write it
    Movement.objects.create(fiscal_year=make_fiscal_year(2566), unit=world.unit_a, category="capital",
                            activity=capital, kind=MovementKind.TRANSFER_OUT, amount=100_000_00,
                            effective_date=date(2022, 11, 20), actor=admin)
    commitment_record(actor=admin, fiscal_year=2566, unit=world.unit_a, category="capital", amount=600_000_00,
                      effective_date=date(2022, 11, 3), document_ref="PO-1", activity=capital)
    pay(world.unit_a, 250_000_00, date(2022, 12, 4), category="capital", activity=capital, settles=True)
    pay(world.unit_a, 10_000_00, date(2022, 12, 5), category="capital", activity=capital)
    reservation_create(actor=admin, fiscal_year=2566, unit=world.unit_a, category="capital", number="R-1",
                       requester="group 1", amount=50_000_00, requested_on=date(2022, 12, 6), activity=capital)
    months = [OCT, NOV, DEC, Month(2023, 1)]
    by_category = queries.monthly_cells(scheme=scheme, months=months, units=[world.unit_a.pk])[world.unit_a.pk]
    by_tag = tag_cells(scheme=scheme, months=months, unit_ids=[world.unit_a.pk])[world.unit_a.pk]["equipment"]
    assert by_tag == {m: by_category[m]["capital"] for m in months}
    assert by_tag[DEC] == Figures(MB - 100_000_00 if denominator == "current" else MB, 260_000_00, 350_000_00)
