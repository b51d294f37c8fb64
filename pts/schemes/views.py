"""Scheme pages: list, detail with its calendar, and the coordinator's create/edit form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from pts.budget.models import Category
from pts.core import clock
from pts.organisations import scope
from pts.organisations.permissions import SignedInRequest
from pts.organisations.queries import search_orgs
from pts.schemes import actions
from pts.schemes.forms import SchemeCreateForm, SchemeSettingsForm
from pts.schemes.hooks import HOOKS
from pts.schemes.models import Scheme
from pts.schemes.queries import can_coordinate_scheme, scheme_units_visible, schemes_visible_to
from pts.ui import paging
from pts.ui.forms import add_action_errors


def _visible_scheme(request: HttpRequest, code: str) -> Scheme:
    return get_object_or_404(schemes_visible_to(request.user), code=code)


@login_required
def scheme_list(request: HttpRequest) -> HttpResponse:
    return render(request, "schemes/list.html", {
        "schemes": schemes_visible_to(request.user).order_by("-fiscal_year__be_year", "code"),
        "can_create": scope.is_coordinator(request.user),
    })


@login_required
def scheme_detail(request: HttpRequest, scheme: str) -> HttpResponse:
    obj = _visible_scheme(request, scheme)
    # reporting sits above schemes: its periods are read through the relation its model declares
    periods = obj.periods.order_by("month")
    board_ids = set(scope.visible(request.user, periods).values_list("pk", flat=True))
    now = clock.now()
    rows = [{"period": p, "locked": p.is_locked(now), "board": p.pk in board_ids} for p in periods]
    labels = {"overall": _("Overall series"), "recurring": _("Recurring series"), "capital": _("Capital series")}
    series = [(labels.get(name, name), [Category(c).label for c in categories]) for name, categories in obj.series.items()]
    deadline_month = {0: _("the same month"), 1: _("the next month"), 2: _("two months later")}.get(
        obj.deadline_month_offset, "")
    year, kind = obj.fiscal_year.be_year, obj.kind
    chosen = HOOKS.default_deadline_sets(year, kind) if obj.deadline_sets is None else obj.deadline_sets
    names = dict(HOOKS.deadline_set_choices(year, kind))
    q = paging.search_term(request)
    units = paging.paginate(request, search_orgs(scheme_units_visible(request.user, obj), q))
    return render(request, "schemes/detail.html", {
        "scheme": obj,
        "rule_set_label": HOOKS.rule_set_label(obj.rule_set, get_language() or "th") if obj.rule_set else "",
        "deadline_month": deadline_month,
        "series": series,
        "units": units.object_list,
        "page": units,
        "q": q,
        "rows": rows,
        "deadline_sets": [names.get(i, i) for i in chosen],
        "can_edit": can_coordinate_scheme(request.user, obj),
    })


@login_required
def scheme_create(request: SignedInRequest) -> HttpResponse:
    if not scope.is_coordinator(request.user):
        raise PermissionDenied
    form = SchemeCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = actions.scheme_create(
                actor=request.user, code=data["code"], name=data["name"], kind=data["kind"],
                fiscal_year=data["fiscal_year"], coordinator_org=data["coordinator_org"], units=data["units"],
                rule_set=data["rule_set"], denominator=data["denominator"], series=form.series(),
                as_of_day=data["as_of_day"], deadline_day=data["deadline_day"],
                deadline_month_offset=data["deadline_month_offset"],
                lock_after_deadline=data["lock_after_deadline"],
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("Scheme %(code)s created with its twelve reporting periods.") % {
                "code": created.name})
            return redirect("schemes:detail", scheme=created.code)
    return render(request, "schemes/form.html", {"form": form, "scheme": None})


@login_required
def scheme_edit(request: SignedInRequest, scheme: str) -> HttpResponse:
    obj = _visible_scheme(request, scheme)
    if not can_coordinate_scheme(request.user, obj):
        raise PermissionDenied
    form = SchemeSettingsForm(request.POST or None, user=request.user, scheme=obj)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # One transaction: the settings, the calendar and the units change together or not at all.
            with transaction.atomic():
                actions.scheme_update(actor=request.user, scheme=obj, name=data["name"], rule_set=data["rule_set"],
                                      denominator=data["denominator"], series=form.series())
                actions.scheme_update_calendar(
                    actor=request.user, scheme=obj, as_of_day=data["as_of_day"], deadline_day=data["deadline_day"],
                    deadline_month_offset=data["deadline_month_offset"],
                    lock_after_deadline=data["lock_after_deadline"], today=clock.today(),
                )
                actions.scheme_set_units(actor=request.user, scheme=obj, units=data["units"])
                actions.scheme_set_deadline_sets(actor=request.user, scheme=obj, deadline_sets=data["deadline_sets"])
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("Scheme %(code)s saved.") % {"code": obj.name})
            return redirect("schemes:detail", scheme=obj.code)
    return render(request, "schemes/form.html", {"form": form, "scheme": obj})
