"""What the base layout needs on every page: the menu for the signed-in person's roles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url: str
    active: bool


def reverse_or_none(name: str, *args: Any, **kwargs: Any) -> str | None:
    """The URL of a named route, or None while the app that serves it does not define it yet."""
    try:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def current_be_year(today: Any = None) -> int | None:
    """The fiscal year the menu links to: the current one if it exists, else the latest before it, else any."""
    from django.utils import timezone

    from pts.budget.models import FiscalYear
    from pts.core.fiscal import fiscal_year_of

    now_fy = fiscal_year_of(today or timezone.localdate())
    years = FiscalYear.objects.order_by("-be_year").values_list("be_year", flat=True)
    return years.filter(be_year__lte=now_fy).first() or years.first()


def first_scheme_code(user: Any) -> str | None:
    """The scheme the Scores item opens: the latest fiscal year's first scheme the user may see."""
    from pts.schemes.queries import schemes_visible_to

    latest_first = schemes_visible_to(user).order_by("-fiscal_year__be_year", "code")
    return latest_first.values_list("code", flat=True).first()


# (namespace or url name, url name, label, who sees it, what the url needs: None, "be_year" or "scheme")
_MENU = [
    ("home", "home", _("Home"), "all", None),
    ("organisations", "organisations:tree", _("Organisations"), "all", None),
    ("budget", "budget:overview", _("Budget ledger"), "all", "be_year"),
    ("reporting", "reporting:my_reports", _("Reports"), "all", None),
    ("procurement", "procurement:index", _("Procurement"), "all", None),
    ("schemes", "schemes:list", _("Schemes"), "all", None),
    ("scoring", "scoring:league", pgettext_lazy("menu", "Scores"), "all", "scheme"),
    ("audit", "audit:list", _("Audit trail"), "coordinator", None),
    ("admin", "organisations:users", pgettext_lazy("menu", "Administration"), "superuser", None),
]


def nav_items(request: HttpRequest) -> list[NavItem]:
    from pts.organisations.scope import is_coordinator

    user = request.user
    match = getattr(request, "resolver_match", None)
    here = (match.namespace or match.url_name) if match else ""
    if match and match.namespace == "organisations" and match.url_name in (
        "users", "user_create", "user_edit", "user_password", "role_grant", "role_revoke"
    ):
        here = "admin"
    coordinator = is_coordinator(user)
    be_year = None
    items = []
    for key, name, label, audience, needs in _MENU:
        if audience == "coordinator" and not coordinator:
            continue
        if audience == "superuser" and not user.is_superuser:
            continue
        if needs == "be_year":
            be_year = be_year or current_be_year()
            if be_year is None:
                continue
            url = reverse_or_none(name, be_year=be_year)
        elif needs == "scheme":
            code = first_scheme_code(user)
            if code is None:  # no scheme to score yet: the item would lead nowhere
                continue
            url = reverse_or_none(name, scheme=code)
        else:
            url = reverse_or_none(name)
        if url:
            items.append(NavItem(label=label, url=url, active=key == here))
    return items


def navigation(request: HttpRequest) -> dict[str, Any]:
    from pts.organisations.scope import is_coordinator

    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {"nav_items": [], "nav_is_coordinator": False}
    return {"nav_items": nav_items(request), "nav_is_coordinator": is_coordinator(user)}
