"""Organisation tree and detail pages, and the administrators' people-and-roles pages.

Every fetch goes through `scope`: an outsider gets 404; a visible organisation that the user may
not manage gives 403. The administration pages are for superusers only (403 for everyone else).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from pts.organisations import actions, queries, scope
from pts.organisations.forms import (
    OrgCreateForm,
    OrgUpdateForm,
    PasswordResetForm,
    RoleGrantForm,
    UserCreateForm,
    UserUpdateForm,
    apply_errors,
)
from pts.organisations.models import Membership, Org, OrgKind, User
from pts.organisations.permissions import SignedInRequest
from pts.ui import paging


def superuser_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Administration pages: signed in and a superuser, else 403."""

    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (request.user.is_superuser and request.user.is_active):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@login_required
@require_safe
def tree(request: HttpRequest) -> HttpResponse:
    """The organisations the user sees in tree order, a page at a time, or those matching `?q=`."""
    q = paging.search_term(request)
    rows = queries.org_tree(request.user, q)
    page = paging.paginate(request, rows)
    return paging.render_list(request, "organisations/tree.html", "organisations/_tree_results.html", {
        "rows": queries.tree_page(rows, page.start_index() - 1, page.end_index()) if rows else [],
        "page": page,
        "q": q,
        "can_create_root": request.user.is_superuser,
    })


@login_required
@require_safe
def detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    org = scope.get_visible(request.user, Org.objects.all(), pk=unit_id)
    can_manage = scope.can_coordinate_unit(request.user, org)
    q = paging.search_term(request)
    children = paging.paginate(request, queries.search_orgs(queries.visible_children(request.user, org), q))
    return render(request, "organisations/detail.html", {
        "org": org,
        "ancestors": queries.visible_ancestors(request.user, org),
        "children": children.object_list,
        "page": children,
        "q": q,
        "people": queries.people_of(org) if can_manage else None,
        "can_manage": can_manage,
        "can_add_child": can_manage and bool(queries.child_kinds(org)),
        "is_admin": request.user.is_superuser,
        "holds_money": org.kind not in (OrgKind.PROVINCE, OrgKind.DEPARTMENT),
    })


@login_required
@require_http_methods(["GET", "POST"])
def org_create(request: SignedInRequest, unit_id: int | None = None) -> HttpResponse:
    """Add an organisation under `unit_id` (its coordinators or an administrator), or a root (administrators)."""
    parent = None
    if unit_id is not None:
        parent = scope.get_visible(request.user, Org.objects.all(), pk=unit_id)
        if not scope.can_coordinate_unit(request.user, parent):
            raise PermissionDenied
    elif not request.user.is_superuser:
        raise PermissionDenied
    kinds = queries.child_kinds(parent)
    if not kinds:
        raise PermissionDenied
    form = OrgCreateForm(request.POST or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            org = actions.org_create(actor=request.user, parent=parent, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Organisation %(code)s created.") % {"code": org.code})
            return redirect("organisations:detail", unit_id=org.pk)
    return render(request, "organisations/org_form.html", {"form": form, "parent": parent})


@login_required
@require_http_methods(["GET", "POST"])
def org_edit(request: SignedInRequest, unit_id: int) -> HttpResponse:
    org = scope.get_visible(request.user, Org.objects.all(), pk=unit_id)
    if not scope.can_coordinate_unit(request.user, org):
        raise PermissionDenied
    initial = {"name_th": org.name_th, "name_en": org.name_en, "is_active": org.is_active}
    form = OrgUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.org_update(actor=request.user, org=org, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("organisations:detail", unit_id=org.pk)
    return render(request, "organisations/org_edit.html", {"form": form, "org": org})


@superuser_required
@require_safe
def users(request: HttpRequest) -> HttpResponse:
    q = paging.search_term(request)
    page = paging.paginate(request, queries.users_list(q))
    return render(request, "organisations/users.html", {"page": page, "q": q})


@superuser_required
@require_http_methods(["GET", "POST"])
def user_create(request: SignedInRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = actions.user_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("User %(username)s created.") % {"username": user.username})
            return redirect("organisations:user_edit", user_id=user.pk)
    return render(request, "organisations/user_create.html", {"form": form})


@superuser_required
@require_http_methods(["GET", "POST"])
def user_edit(request: SignedInRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    initial = {"display_name": person.display_name, "email": person.email, "is_active": person.is_active}
    form = UserUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.user_update(actor=request.user, user=person, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("organisations:user_edit", user_id=person.pk)
    return _user_page(request, person, form=form)


def _user_page(request: HttpRequest, person: User, **forms: Any) -> HttpResponse:
    forms.setdefault("form", UserUpdateForm(initial={
        "display_name": person.display_name, "email": person.email, "is_active": person.is_active,
    }))
    forms.setdefault("password_form", PasswordResetForm())
    forms.setdefault("grant_form", RoleGrantForm(initial={"username": person.username}))
    status = 400 if any(f.is_bound and f.errors for f in forms.values()) else 200
    return render(request, "organisations/user_edit.html", {
        "person": person,
        "memberships": person.memberships.select_related("org").order_by("org__path", "role"),
        **forms,
    }, status=status)


@superuser_required
@require_POST
def user_password(request: SignedInRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    form = PasswordResetForm(request.POST)
    if form.is_valid():
        try:
            actions.user_set_password(actor=request.user, user=person, password=form.cleaned_data["password"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The password of %(username)s was reset.") % {"username": person.username})
            return redirect("organisations:user_edit", user_id=person.pk)
    return _user_page(request, person, password_form=form)


@superuser_required
@require_http_methods(["GET", "POST"])
def role_grant(request: SignedInRequest) -> HttpResponse:
    form = RoleGrantForm(request.POST or None, initial={"username": request.GET.get("username", "")})
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["username"]
        try:
            actions.role_grant(actor=request.user, user=person, org=form.cleaned_data["org_code"],
                               role=form.cleaned_data["role"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Role granted."))
            return redirect("organisations:user_edit", user_id=person.pk)
    return render(request, "organisations/role_grant.html", {"form": form}, status=400 if form.errors else 200)


@superuser_required
@require_POST
def role_revoke(request: SignedInRequest, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=membership_id)
    person = membership.user
    actions.role_revoke(actor=request.user, membership=membership)
    messages.success(request, _("Role revoked."))
    return redirect("organisations:user_edit", user_id=person.pk)
