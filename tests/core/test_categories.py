"""Budget categories and GFMIS source-of-funds codes: one table, read by the ledger, the engine and the imports."""

from __future__ import annotations

import pytest

from pts.core.categories import (
    CATEGORIES,
    CATEGORY_CODES,
    CATEGORY_TH,
    category_code,
    category_th,
    expense_classes,
    fund_code,
    fund_code_category,
)


def test_the_five_categories_come_in_the_order_of_thai_budget_documents():
    assert CATEGORY_CODES == ("personnel", "operating", "capital", "subsidy", "other")
    assert list(CATEGORY_TH.values()) == ["งบบุคลากร", "งบดำเนินงาน", "งบลงทุน", "งบเงินอุดหนุน", "งบรายจ่ายอื่น"]


@pytest.mark.parametrize(("written", "code"), [
    ("capital", "capital"), ("งบลงทุน", "capital"), ("งบอุดหนุน", "subsidy"), ("Operating (งบดำเนินงาน)", "operating"),
    ("  OPERATING ", "operating"), ("operating  (งบดำเนินงาน)", "operating"),
])
def test_a_category_is_read_as_people_write_it(written, code):
    assert category_code(written) == code


def test_an_unknown_category_is_none_and_keeps_its_own_name_in_messages():
    assert category_code("งบกลาง") is None
    assert category_th("งบกลาง") == "งบกลาง" and category_th("capital") == "งบลงทุน"


@pytest.mark.parametrize(("code", "category"), [
    ("6611110", "personnel"), ("6611199", "personnel"), ("6611210", "operating"), ("6611310", "capital"),
    ("6611320", "capital"), ("6611410", "subsidy"), ("6611420", "subsidy"), ("6611500", "other"),
])
def test_a_source_of_funds_code_names_the_category_of_its_money(code, category):
    assert fund_code_category(code) == category


@pytest.mark.parametrize("code", ["6611330", "6611600", "661132", "66113200", "66-1320", ""])
def test_an_unknown_expense_class_or_a_malformed_code_has_no_category(code):
    assert fund_code_category(code) is None


def test_every_expense_class_of_the_data_file_is_a_budget_category():
    assert {c.category for c in expense_classes()} == set(CATEGORY_CODES)


def test_a_code_is_built_from_the_last_two_digits_of_the_fiscal_year():
    assert fund_code(be_year=2566, source="11", expense_class="320") == "6611320"
    with pytest.raises(ValueError, match="not a source-of-funds code"):
        fund_code(be_year=2566, source="1", expense_class="320")


@pytest.mark.parametrize("language", ["th", "en"])
def test_the_ledger_choices_are_the_core_categories_in_both_languages(language):
    from django.utils import translation

    from pts.budget.models import Category

    with translation.override(language):
        assert [(v, str(label)) for v, label in Category.choices] == [(c.code, c.label_in(language)) for c in CATEGORIES]
    assert (CATEGORIES[1].label_in("th"), CATEGORIES[1].label_in("en")) == ("งบดำเนินงาน", "Operating (งบดำเนินงาน)")
