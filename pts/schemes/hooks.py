"""Where the apps above schemes take part in a scheme's writes, though schemes imports neither.

Reporting keeps a scheme's twelve reporting periods; imports compares reports with imported
figures (for the board) and fills a report form from a GFMIS file; scoring knows the rule sets a scheme may name
and where its units stand against the target curves (shown on the report form); procurement knows
the deadline sets a scheme may apply.
Each registers its functions here from its AppConfig.ready(), and the scheme actions call them
inside their own transaction, so a scheme and its periods are written or refused together.
An app that is not installed leaves its hooks as they are: doing nothing, accepting anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pts.schemes.models import Scheme

Series = dict[str, list[str]]


def _no_periods(scheme: Scheme) -> None:
    return None


def _none_moved(scheme: Scheme, today: date) -> list[dict[str, Any]]:
    return []


def _any_rule_set(*, rule_set: str, kind: str, series: Series, org: Any = None) -> None:
    return None


def _typed_rule_set(user: Any, org: Any = None, lang: str = "th") -> list[tuple[str, str]] | None:
    return None


def _ref_as_is(ref: str, lang: str = "th") -> str:
    return ref


def _no_series(rule_set: str, kind: str) -> Series | None:
    return None


def _no_positions(scheme: Scheme, units: list[Any], as_of: date) -> list[Any]:
    return []


def _no_differences(user: Any, scheme: Scheme) -> tuple[int, str] | None:
    return None


def _no_fill(request: Any, period: Any, unit: Any) -> dict[str, Any] | None:
    return None


def _no_deadline_sets(fiscal_year: int, kind: str) -> list[tuple[str, str]]:
    return []


def _no_default_sets(fiscal_year: int, kind: str) -> list[str]:
    return []


def _any_deadline_sets(deadline_sets: list[str]) -> None:
    return None


@dataclass
class SchemeHooks:
    # reporting: make the twelve periods of a new scheme from its calendar
    open_periods: Callable[[Scheme], None] = _no_periods
    # reporting: re-date the periods still to come after a calendar change; the moves, for the audit row
    redate_periods: Callable[[Scheme, date], list[dict[str, Any]]] = _none_moved
    # scoring: refuse (ValidationError) a rule set that does not exist or does not take the series mapping
    check_rule_set: Callable[..., None] = _any_rule_set
    # scoring: the rule set's own series mapping, which a new scheme starts with; None when unreadable
    default_series: Callable[[str, str], Series | None] = _no_series
    # scoring: where units stand against the scheme's target curves as of a day (`pts.scoring.positions`),
    # for the report form, which sits below scoring
    unit_positions: Callable[[Scheme, list[Any], date], list[Any]] = _no_positions
    # imports: how many differences between reports and imports the user sees in a scheme, and the
    # reconciliation page's address (for the coordinator's board); None when nothing is compared
    recon_summary: Callable[[Any, Scheme], tuple[int, str] | None] = _no_differences
    # imports: filling a report form from the officer's own GFMIS export, for a request, period and
    # unit: {"action": the upload's address, "figures": {category: (committed, disbursed)} or None,
    # "file_name": ...}; None leaves the form without it
    report_fill: Callable[[Any, Any, Any], dict[str, Any] | None] = _no_fill
    # procurement: (id, label in the current language) of the deadline sets a scheme may apply
    deadline_set_choices: Callable[[int, str], list[tuple[str, str]]] = _no_deadline_sets
    # procurement: the ids a scheme of this BE year and kind applies unless it chooses
    default_deadline_sets: Callable[[int, str], list[str]] = _no_default_sets
    # procurement: refuse (ValidationError) an id that names no deadline set
    check_deadline_sets: Callable[[list[str]], None] = _any_deadline_sets
    # scoring: the closed list (value, title) a scheme's rule set is chosen from, for a user and a
    # scheme's coordinating organisation; None lets the form take any text
    rule_set_choices: Callable[..., list[tuple[str, str]] | None] = _typed_rule_set
    # scoring: the title of a scheme's rule set, shown instead of its id
    rule_set_label: Callable[..., str] = _ref_as_is


HOOKS = SchemeHooks()


def register(**functions: Callable[..., Any]) -> None:
    """Set some hooks, by field name of `SchemeHooks` (from an AppConfig.ready())."""
    known = {f.name for f in fields(SchemeHooks)}
    for name, function in functions.items():
        if name not in known:
            raise TypeError(f"no scheme hook named {name!r}")
        setattr(HOOKS, name, function)
