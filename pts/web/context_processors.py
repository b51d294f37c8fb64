"""What the base layout needs on every page: the menu for the signed-in person's roles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pts.budget.years import current_be_year
from pts.organisations import scope
from pts.organisations.models import Membership
from pts.organisations.scope import is_coordinator
from pts.schemes.queries import schemes_visible_to
from pts.ui.links import reverse_or_none


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url: str
    active: bool


def first_scheme_code(user: Any) -> str | None:
    """The scheme the Scores item opens: the latest fiscal year's first scheme the user may see."""
    latest_first = schemes_visible_to(user).order_by("-fiscal_year__be_year", "code")
    return latest_first.values_list("code", flat=True).first()


# (namespace or url name, url name, label, who sees it, what the url needs: None, "be_year" or "scheme")
_MENU = [
    ("home", "home", _("Home"), "all", None),
    ("organisations", "organisations:tree", _("Organisations"), "all", None),
    ("budget", "budget:overview", _("Budget ledger"), "all", "be_year"),
    ("reporting", "reporting:my_reports", _("Reports"), "all", None),
    ("procurement", "procurement:index", _("Procurement"), "all", None),
    ("imports", "imports:list", _("Imports"), "importer", None),
    ("schemes", "schemes:list", _("Schemes"), "all", None),
    ("scoring", "scoring:league", pgettext_lazy("menu", "Scores"), "all", "scheme"),
    ("audit", "audit:list", _("Audit trail"), "coordinator", None),
    ("admin", "organisations:users", pgettext_lazy("menu", "Administration"), "superuser", None),
]


def is_importer(user: Any) -> bool:
    """Officers and coordinators (whoever may write a unit) import files."""
    return Membership.objects.filter(user=user, role__in=scope.WRITE_ROLES).exists()


def nav_items(request: HttpRequest, be_year: int | None) -> list[NavItem]:
    user = request.user
    match = getattr(request, "resolver_match", None)
    here = (match.namespace or match.url_name) if match else ""
    if match and match.namespace == "organisations" and match.url_name in (
        "users", "user_create", "user_edit", "user_password", "role_grant", "role_revoke"
    ):
        here = "admin"
    coordinator = is_coordinator(user)
    items = []
    for key, name, label, audience, needs in _MENU:
        if audience == "coordinator" and not coordinator:
            continue
        if audience == "superuser" and not user.is_superuser:
            continue
        if audience == "importer" and not (user.is_superuser or is_importer(user)):
            continue
        if needs == "be_year":
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
    """The menu, and the fiscal year that pages of every app link to (`current_be_year`)."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {"nav_items": [], "nav_is_coordinator": False, "current_be_year": None}
    be_year = current_be_year()
    return {"nav_items": nav_items(request, be_year), "nav_is_coordinator": is_coordinator(user),
            "current_be_year": be_year}
