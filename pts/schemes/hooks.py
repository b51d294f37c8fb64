"""Where the apps above schemes take part in a scheme's writes, though schemes imports neither.

Reporting keeps a scheme's twelve reporting periods; scoring knows the rule sets a scheme may name.
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
