"""The web shell: the home page per role and sign-in. Error pages are templates (404.html, 403.html, 500.html)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from pts.budget.years import current_be_year
from pts.core import clock
from pts.core.fiscal import fiscal_year_of
from pts.organisations import queries as org_queries
from pts.organisations import scope
from pts.organisations.models import Role
from pts.schemes.models import Scheme
from pts.web import home as homepage
from pts.web.forms import SignInForm


def home_context(user: Any) -> dict[str, Any]:
    """The home page's sections: an officer's units; a coordinator's or executive's subtrees and schemes."""
    roles = org_queries.roles_of(user)
    overseen = roles[Role.COORDINATOR] + roles[Role.EXECUTIVE]
    show_schemes = bool(overseen or user.is_superuser)
    schemes = []
    if show_schemes:
        schemes = list(
            scope.visible(user, Scheme.objects.select_related("fiscal_year", "coordinator_org"))
            .order_by("-fiscal_year__be_year", "code")[:20]
        )
    return {
        "be_year": current_be_year(),
        "officer_units": roles[Role.OFFICER],
        "coordinated": org_queries.subtree_summary(roles[Role.COORDINATOR]),
        "executive_of": org_queries.subtree_summary(roles[Role.EXECUTIVE]),
        "schemes": schemes,
        "show_schemes": show_schemes,
        "has_role": any(roles.values()),
    }


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    roles = org_queries.roles_of(request.user)
    if roles[Role.EXECUTIVE] and not (roles[Role.OFFICER] or roles[Role.COORDINATOR] or request.user.is_superuser):
        latest = (scope.visible(request.user, Scheme.objects.all()).filter(fiscal_year__be_year__lte=fiscal_year_of(today))
                  .order_by("-fiscal_year__be_year", "code").first())
        if latest is not None:  # an executive lands on the scheme's overview
            return redirect("scoring:league", scheme=latest.code)
    context = home_context(request.user)
    context["today"] = today
    context["officer_home"] = homepage.officer_home(request.user, today, clock.now())
    context["coordinator_home"] = homepage.coordinator_home(request.user, today) if roles[Role.COORDINATOR] else []
    return render(request, "web/home.html", context)


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True
