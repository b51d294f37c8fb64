"""The five budget categories and the GFMIS source-of-funds code that classifies money by them.

The one home of this vocabulary (docs/domain.md §4-5): the ledger's `Category` choices, the scoring
engine, the imports and every message take codes and names from here. No Django here.

A source-of-funds code has 7 digits `YY B B XXX`: YY the last two digits of the BE fiscal year,
BB the budget source, XXX the expense class. Which class is which category is configuration
data, read from `data/source-of-funds.toml`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class BudgetCategory:
    code: str
    th: str
    en: str
    aliases: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """"Operating (งบดำเนินงาน)": the English interface's label, which keeps the Thai name."""
        return f"{self.en} ({self.th})"

    def label_in(self, language: str | None) -> str:
        """The choice label: the Thai name in the Thai interface, else `label` (English, and
        translations switched off, as migrations run)."""
        return self.th if language == "th" else self.label

    @property
    def names(self) -> tuple[str, ...]:
        """Every spelling an import accepts for it."""
        return (self.code, self.th, *self.aliases, self.label)


PERSONNEL = BudgetCategory("personnel", "งบบุคลากร", "Personnel")
OPERATING = BudgetCategory("operating", "งบดำเนินงาน", "Operating")
CAPITAL = BudgetCategory("capital", "งบลงทุน", "Capital")
SUBSIDY = BudgetCategory("subsidy", "งบเงินอุดหนุน", "Subsidy", aliases=("งบอุดหนุน",))
OTHER = BudgetCategory("other", "งบรายจ่ายอื่น", "Other")

# In the order Thai budget documents list them.
CATEGORIES: tuple[BudgetCategory, ...] = (PERSONNEL, OPERATING, CAPITAL, SUBSIDY, OTHER)
CATEGORY_CODES: tuple[str, ...] = tuple(c.code for c in CATEGORIES)
CATEGORY_TH: Mapping[str, str] = {c.code: c.th for c in CATEGORIES}
CATEGORY_EN: Mapping[str, str] = {c.code: c.en for c in CATEGORIES}
# Every accepted spelling, and its lower-case form, -> code.
CATEGORY_NAMES: Mapping[str, str] = {
    spelling: c.code for c in CATEGORIES for name in c.names for spelling in (name, name.lower())
}


def category_th(code: str) -> str:
    """The Thai name of a category code ("งบลงทุน"), or the code itself when it is not one."""
    return CATEGORY_TH.get(code, code)


def category_code(name: str) -> str | None:
    """The code of a category as people write it: code, Thai name or label, any case and spacing."""
    return CATEGORY_NAMES.get(name) or CATEGORY_NAMES.get(" ".join(name.split()).lower())


# -- GFMIS source-of-funds codes ---------------------------------------------------------------

FUND_CODE = re.compile(r"^\d{7}$")


@dataclass(frozen=True)
class ExpenseClass:
    """The XXX of a source-of-funds code: `prefix` "2" stands for every 2xx, "310" for itself."""

    prefix: str
    category: str
    th: str
    en: str


@cache
def expense_classes() -> tuple[ExpenseClass, ...]:
    """The expense classes of `data/source-of-funds.toml`, longest prefix first."""
    text = (resources.files("pts.core") / "data" / "source-of-funds.toml").read_text(encoding="utf-8")
    rows = tomllib.loads(text)["expense_class"]
    classes = [ExpenseClass(str(r["prefix"]), str(r["category"]), str(r["th"]), str(r["en"])) for r in rows]
    for c in classes:
        if c.category not in CATEGORY_TH or not (c.prefix.isdigit() and 1 <= len(c.prefix) <= 3):
            raise ValueError(f"source-of-funds.toml: bad expense class {c}")
    return tuple(sorted(classes, key=lambda c: -len(c.prefix)))


def is_fund_code(text: str) -> bool:
    return bool(FUND_CODE.match(text))


def fund_code(*, be_year: int, source: str, expense_class: str) -> str:
    """The 7-digit code of money of a fiscal year, budget source (2 digits) and expense class (3)."""
    code = f"{be_year % 100:02d}{source}{expense_class}"
    if len(source) != 2 or len(expense_class) != 3 or not is_fund_code(code):
        raise ValueError(f"not a source-of-funds code: year {be_year}, source {source!r}, "
                         f"class {expense_class!r}")
    return code


def fund_code_class(code: str) -> ExpenseClass | None:
    """The expense class of a source-of-funds code, or None when the code or its class is unknown."""
    if not is_fund_code(code):
        return None
    xxx = code[4:]
    return next((c for c in expense_classes() if xxx.startswith(c.prefix)), None)


def fund_code_category(code: str) -> str | None:
    """The budget category a source-of-funds code classifies its money in ("2511320" -> "capital")."""
    found = fund_code_class(code)
    return found.category if found else None
