"""Ledger pages. Every row is fetched through pts.organisations.scope: outsiders get 404, a
visible unit without the right role gets 403. Changes are POST only and go through the actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from pts.budget import actions, forms, queries, subtotals, years
from pts.budget.models import (
    Activity,
    Category,
    FiscalYear,
    Movement,
    MovementKind,
    ReservationForm,
    ReservationStatus,
)
from pts.budget.queries import ZERO, Figures
from pts.core import clock
from pts.core.fiscal import FiscalError, fiscal_year_of, parse_date, thai_date_numeric
from pts.core.money import format_baht, from_satang
from pts.organisations import queries as org_queries
from pts.organisations import scope
from pts.organisations.models import Org
from pts.organisations.permissions import SignedInRequest
from pts.ui import paging
from pts.ui.exports import csv_response

MONEY_ELSEWHERE_SHOWN = 20  # units below listed where a unit without money of its own sends the user
SERIES_LABELS = {
    "overall": gettext_lazy("Overall"),
    "recurring": gettext_lazy("Recurring"),
    "capital": gettext_lazy("Capital"),
}


# -- helpers -----------------------------------------------------------------------------------

def _year(be_year: int) -> FiscalYear:
    return get_object_or_404(FiscalYear, be_year=be_year)


def _unit(request: HttpRequest, unit_id: int, need: str = "") -> Org:
    """A unit the user may see (else 404) and, when `need` says so, coordinate or edit (else 403)."""
    unit = scope.get_visible(request.user, Org.objects.all(), pk=unit_id)
    if need == "coordinate" and not scope.can_coordinate_unit(request.user, unit):
        raise PermissionDenied
    if need == "edit" and not scope.can_edit_unit(request.user, unit):
        raise PermissionDenied
    return unit


def _as_of(request: HttpRequest, fy: FiscalYear) -> tuple[date, str]:
    """GET `as_of` (BE or CE), clamped to the fiscal year, else the year's default day
    (`years.default_as_of`); plus an error message."""
    raw = request.GET.get("as_of", "").strip()
    day, error = years.default_as_of(fy, user=request.user), ""
    if raw:
        try:
            day = parse_date(raw)
        except FiscalError as exc:
            error = str(exc)
    return min(max(day, fy.start), fy.end), error


def _ledger_url(unit: Org, fy: FiscalYear) -> str:
    return reverse("budget:unit_ledger", kwargs={"unit_id": unit.pk, "be_year": fy.be_year})


def _scheme_for(unit: Org, fy: FiscalYear) -> Any:
    """The scheme that evaluates the unit this year (or that it runs), for its series and denominator.

    Schemes sit above the ledger: it reads them through the relation their model declares
    (`FiscalYear.schemes`), never their code."""
    return (
        fy.schemes.filter(units=unit).order_by("code").first()
        or fy.schemes.filter(coordinator_org=unit).order_by("code").first()
    )


def _row(label: Any, figures: Figures, denominator: str = "current", **extra: Any) -> dict[str, Any]:
    return {"label": label, "f": figures, "disbursement_rate": figures.disbursement_rate(denominator),
            "spending_rate": figures.spending_rate(denominator), **extra}


def _submit(request: HttpRequest, form: forms.LedgerForm, run: Callable[[dict[str, Any]], Any],
            success: Callable[[Any], str]) -> bool:
    """Run the action on a valid POST; show its refusal on the form. True when it succeeded."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        result = run(form.cleaned_data)
    except ValidationError as exc:
        form.add_action_error(exc)
        return False
    messages.success(request, success(result))
    return True


def _form_page(request: HttpRequest, form: Any, *, title: str, unit: Org, fy: FiscalYear, back: str,
               submit: str, summary: list[tuple[Any, Any]] | None = None, intro: str = "",
               refusal: str = "", spends: bool = False) -> HttpResponse:
    """`spends`: the form pays out of the unit's money (a commitment, a disbursement): when the
    unit holds none, the page says where the money is instead."""
    return render(request, "budget/form.html", {
        "form": form, "title": title, "unit": unit, "fy": fy, "back": back, "submit": submit,
        "summary": summary or [], "intro": intro, "refusal": refusal,
        "elsewhere": money_elsewhere(request.user, unit, fy) if spends else None,
        "form_url_name": request.resolver_match.view_name if request.resolver_match else "",
    })


def money_elsewhere(user: Any, unit: Org, fy: FiscalYear) -> list[Org] | None:
    """None when `unit` holds money of its own in the year (an allocation, or money paid); else the
    units below it that do and that the user may record for (where to go instead), code order."""
    own = queries.unit_figures(fiscal_year=fy, unit=unit, as_of=fy.end, include_subtree=False)["total"]
    if own.current_allocation or own.disbursed or own.committed_total:
        return None
    below = scope.editable(user, Org.objects.filter(path__startswith=unit.path).exclude(pk=unit.pk))
    found = queries.figures_by_unit_category(fiscal_year=fy, as_of=fy.end, units=below)
    ids = {unit_id for (unit_id, _c), f in found.items() if f.current_allocation}
    return list(Org.objects.filter(pk__in=ids).order_by("code")[:MONEY_ELSEWHERE_SHOWN])


def _ledger_form(cls: type[forms.LedgerForm], request: HttpRequest, fy: FiscalYear, **kwargs: Any) -> Any:
    """A ledger form bound to the POST (if any), its dates limited to the year, today suggested."""
    return cls(request.POST or None, fiscal_year=fy, today=clock.today(), **kwargs)


def _money(amount: int) -> str:
    return format_baht(amount)


def _activities(request: HttpRequest, unit: Org, fy: FiscalYear) -> QuerySet[Activity]:
    return scope.visible(request.user, Activity.objects.filter(fiscal_year=fy, unit=unit))


# -- pages -------------------------------------------------------------------------------------

@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The overview of the current fiscal year (or the latest one set up)."""
    current = fiscal_year_of(clock.today())
    fy = FiscalYear.objects.filter(be_year=current).first() or FiscalYear.objects.order_by("-be_year").first()
    if fy is None:
        return render(request, "budget/overview.html", {"fy": None, "rows": []})
    return redirect("budget:overview", be_year=fy.be_year)


@login_required
def overview(request: HttpRequest, be_year: int) -> HttpResponse:
    """One level of the organisation tree at a time, each branch with the totals of everything below
    it, as of a date: the user's top first, `?org=` to drill down (the breadcrumb goes back up),
    `?q=` for the organisations below whose code or name matches; paged."""
    fy = _year(be_year)
    as_of, as_of_error = _as_of(request, fy)
    series = request.GET.get("series", "total")
    mapping = queries.default_series()
    if series not in mapping:
        series = "total"

    def shown(by_category: dict[str, Figures]) -> Figures:
        if series == "total":
            return queries.total(by_category)
        return queries.series_figures(by_category, {series: mapping[series]})[series]

    visible = scope.visible(request.user, Org.objects.all())
    tops = list(scope.visible_tops(request.user).order_by("code"))
    drilled = request.GET.get("org", "").strip()
    node = scope.get_visible(request.user, Org.objects.all(), pk=drilled) if drilled else (
        tops[0] if len(tops) == 1 else None)
    q = paging.search_term(request)
    below = visible.filter(path__startswith=node.path) if node else visible
    rows, grand_total = [], None
    if q:
        matches = org_queries.search_orgs(below, q).select_related("parent").annotate(n_children=Count("children"))
        page = paging.paginate(request, matches.order_by("code"))
        rolled = subtotals.of_subtrees(fiscal_year=fy, as_of=as_of, orgs=page.object_list, units=visible)
        rows = [_row(org, shown(rolled[org.pk]), n_children=org.n_children, parent=org.parent)
                for org in page.object_list]
    elif node is not None:
        branches = subtotals.by_branch(fiscal_year=fy, as_of=as_of, under=node.path, units=visible)
        children = scope.visible(request.user, node.children.all()).annotate(n_children=Count("children"))
        page = paging.paginate(request, children.order_by("code"))
        node_total = {c: sum((b.get(c, ZERO) for b in branches.values()), ZERO) for c, _l in Category.choices}
        rows.append(_row(node, shown(node_total), is_node=True))
        own = branches.get(node.path, {})
        if page.number == 1 and page.paginator.count and any(f != ZERO for f in own.values()):
            rows.append(_row(node, shown(own), own=True))
        rows += [_row(org, shown(branches.get(org.path, {})), n_children=org.n_children)
                 for org in page.object_list]
    else:  # an administrator (or several roles): the tops side by side, and their sum
        page = paging.paginate(request, tops)
        rolled = subtotals.of_subtrees(fiscal_year=fy, as_of=as_of, orgs=tops, units=visible)
        counts = dict(visible.filter(pk__in=[t.pk for t in tops]).annotate(n=Count("children"))
                      .values_list("pk", "n"))
        rows = [_row(org, shown(rolled[org.pk]), n_children=counts.get(org.pk, 0)) for org in page.object_list]
        grand_total = _row(None, sum((shown(rolled[t.pk]) for t in tops), ZERO))
    series_choices = [("total", _("All categories"))] + [(name, SERIES_LABELS[name]) for name in mapping]
    return paging.render_list(request, "budget/overview.html", "budget/_overview_results.html", {
        "fy": fy, "as_of": as_of, "as_of_input": thai_date_numeric(as_of), "as_of_iso": as_of.isoformat(),
        "as_of_error": as_of_error, "rows": rows, "series": series, "series_choices": series_choices,
        "page": page, "q": q, "node": node, "drilled": node.pk if drilled and node else None,
        "crumbs": org_queries.visible_ancestors(request.user, node) if node else [],
        "year_links": years.year_links(request, fy, "budget:overview"),
        "several_tops": len(tops) > 1, "grand_total": grand_total,
    })


@login_required
def unit_ledger(request: HttpRequest, unit_id: int, be_year: int) -> HttpResponse:
    """A unit's figures per category and series as of a date, and its movements."""
    fy = _year(be_year)
    unit = _unit(request, unit_id)
    as_of, as_of_error = _as_of(request, fy)
    scheme = _scheme_for(unit, fy)
    series = scheme.series if scheme else queries.default_series()
    denominator = scheme.denominator if scheme else "current"
    by_category = queries.unit_figures(fiscal_year=fy, unit=unit, as_of=as_of)
    category_rows = [_row(label, by_category.get(value, ZERO), denominator) for value, label in Category.choices]
    total_row = _row(_("Total"), by_category["total"], denominator)
    series_rows = [
        _row(SERIES_LABELS.get(name, name), figures, denominator)
        for name, figures in queries.series_figures(by_category, series).items()
    ]

    filters = forms.MovementFilterForm(request.GET or None)
    movements = _movements(request, unit, fy, filters).annotate(
        is_reversed=Exists(Movement.objects.filter(reverses=OuterRef("pk")))
    ).select_related("unit").order_by("-effective_date", "-id")
    page = paging.paginate(request, movements)
    can_coordinate = scope.can_coordinate_unit(request.user, unit)
    movement_rows = [
        {"m": m, "reverse_url": reverse("budget:movement_reverse", kwargs={"movement_id": m.pk})
         if can_coordinate and actions.reversal_refusal(m, is_reversed=m.is_reversed) is None else ""}
        for m in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "budget/unit_ledger.html", {
        "unit": unit, "fy": fy, "as_of": as_of, "as_of_input": thai_date_numeric(as_of), "as_of_error": as_of_error,
        "scheme": scheme,
        "denominator": denominator, "category_rows": category_rows, "total_row": total_row,
        "series_rows": series_rows, "filters": filters, "page": page, "movement_rows": movement_rows,
        "query": query.urlencode(), "can_coordinate": can_coordinate,
        "can_edit": scope.can_edit_unit(request.user, unit), "has_children": unit.children.exists(),
        "elsewhere": money_elsewhere(request.user, unit, fy),
        "year_links": years.year_links(request, fy, "budget:unit_ledger", unit_id=unit.pk),
    })


def _movements(request: HttpRequest, unit: Org, fy: FiscalYear, filters: forms.MovementFilterForm) -> QuerySet[Movement]:
    qs = scope.visible(request.user, Movement.objects.filter(fiscal_year=fy, unit__path__startswith=unit.path))
    if filters.is_bound and filters.is_valid():
        if filters.cleaned_data["kind"]:
            qs = qs.filter(kind=filters.cleaned_data["kind"])
        if filters.cleaned_data["category"]:
            qs = qs.filter(category=filters.cleaned_data["category"])
    return qs


@login_required
def unit_movements_csv(request: HttpRequest, unit_id: int, be_year: int) -> Any:
    """A unit's movements (and those below it) as CSV, cells neutralised against formulas."""
    fy = _year(be_year)
    unit = _unit(request, unit_id)
    filters = forms.MovementFilterForm(request.GET or None)
    qs = _movements(request, unit, fy, filters).select_related("unit").order_by("effective_date", "id")
    kinds, categories = dict(MovementKind.choices), dict(Category.choices)
    header = [_("Date"), _("Unit code"), _("Unit"), _("Category"), _("Kind"), _("Amount (baht)"),
              _("Document reference"), _("Commitment type"), _("Settles a commitment"), _("Note"),
              _("Reverses movement"), _("Movement")]

    def rows() -> Any:
        for m in qs.iterator(chunk_size=2000):
            yield [thai_date_numeric(m.effective_date), m.unit.code, m.unit.name,
                   categories.get(m.category, m.category), kinds.get(m.kind, m.kind), from_satang(m.amount),
                   m.document_ref, m.commitment_type, m.settles_commitment, m.note, m.reverses_id, m.pk]

    return csv_response(f"movements-{unit.code}-{fy.be_year}.csv", header, rows(), streaming=True)


# -- coordinator forms -------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def allocate(request: SignedInRequest, unit_id: int, be_year: int) -> HttpResponse:
    fy = _year(be_year)
    unit = _unit(request, unit_id, "coordinate")
    form = _ledger_form(forms.AllocationForm, request, fy)

    def run(d: dict[str, Any]) -> Any:
        return actions.allocation_record(
            actor=request.user, fiscal_year=fy, unit=unit, category=d["category"], amount=d["amount"],
            effective_date=d["effective_date"], document_ref=d["document_ref"], note=d["note"],
            request_key=d["request_key"],
        )

    if _submit(request, form, run, lambda m: _("Allocated %(amount)s baht to %(unit)s.")
               % {"amount": _money(m.amount), "unit": unit.code}):
        return redirect(_ledger_url(unit, fy))
    return _form_page(request, form, title=_("Allocate budget"), unit=unit, fy=fy, back=_ledger_url(unit, fy),
                      submit=_("Allocate"))


@login_required
@require_http_methods(["GET", "POST"])
def transfer(request: SignedInRequest, unit_id: int, be_year: int) -> HttpResponse:
    fy = _year(be_year)
    unit = _unit(request, unit_id, "coordinate")
    root = unit.path.split("/")[1]
    targets = scope.coordinated(request.user, Org.objects.filter(is_active=True, path__startswith=f"/{root}/"))
    form = _ledger_form(forms.TransferForm, request, fy, targets=targets.order_by("path"))

    def run(d: dict[str, Any]) -> Any:
        return actions.allocation_transfer(
            actor=request.user, fiscal_year=fy, from_unit=unit, to_unit=d["to_unit"], category=d["category"],
            to_category=d["to_category"] or None, amount=d["amount"], effective_date=d["effective_date"],
            document_ref=d["document_ref"], note=d["note"], request_key=d["request_key"],
        )

    if _submit(request, form, run, lambda pair: _("Transferred %(amount)s baht from %(source)s to %(target)s.")
               % {"amount": _money(pair[0].amount), "source": unit.code, "target": pair[1].unit.code}):
        return redirect(_ledger_url(unit, fy))
    return _form_page(request, form, title=_("Transfer allocation"), unit=unit, fy=fy, back=_ledger_url(unit, fy),
                      submit=_("Transfer"))


@login_required
@require_http_methods(["GET", "POST"])
def pullback(request: SignedInRequest, unit_id: int, be_year: int) -> HttpResponse:
    fy = _year(be_year)
    unit = _unit(request, unit_id, "coordinate")
    ancestors = [int(part) for part in unit.path.strip("/").split("/")[:-1]]
    centres = scope.coordinated(request.user, Org.objects.filter(pk__in=ancestors, is_active=True)).order_by("path")
    scheme = _scheme_for(unit, fy)
    initial = {"centre": scheme.coordinator_org_id} if scheme and scheme.coordinator_org_id in ancestors else {}
    form = _ledger_form(forms.PullbackForm, request, fy, centres=centres, initial=initial)

    def run(d: dict[str, Any]) -> Any:
        return actions.allocation_pullback(
            actor=request.user, fiscal_year=fy, unit=unit, centre=d["centre"], category=d["category"],
            amount=d["amount"], effective_date=d["effective_date"], document_ref=d["document_ref"], note=d["note"],
            request_key=d["request_key"],
        )

    if _submit(request, form, run, lambda pair: _("Pulled %(amount)s baht back from %(unit)s to %(centre)s.")
               % {"amount": _money(pair[0].amount), "unit": unit.code, "centre": pair[1].unit.code}):
        return redirect(_ledger_url(unit, fy))
    return _form_page(request, form, title=_("Pull back allocation"), unit=unit, fy=fy, back=_ledger_url(unit, fy),
                      submit=_("Pull back"))


@login_required
@require_http_methods(["GET", "POST"])
def carry_over(request: SignedInRequest, unit_id: int, be_year: int) -> HttpResponse:
    fy = _year(be_year)
    unit = _unit(request, unit_id, "coordinate")
    to_year = FiscalYear.objects.filter(be_year=fy.be_year + 1).first()
    form = _ledger_form(forms.CarryOverForm, request, fy, max_date=to_year.end if to_year else None)
    intro = "" if to_year else _("Fiscal year %(year)s is not set up yet: money cannot be carried over.") % {
        "year": fy.be_year + 1}

    def run(d: dict[str, Any]) -> Any:
        return actions.carry_over(
            actor=request.user, from_year=fy, to_year=fy.be_year + 1, unit=unit, category=d["category"],
            amount=d["amount"], effective_date=d["effective_date"], document_ref=d["document_ref"],
            commitment_type=d["commitment_type"], note=d["note"], request_key=d["request_key"],
        )

    if _submit(request, form, run, lambda moves: _("Carried %(amount)s baht of %(unit)s over into %(year)s.")
               % {"amount": _money(moves[0].amount), "unit": unit.code, "year": fy.be_year + 1}):
        return redirect(_ledger_url(unit, fy))
    return _form_page(request, form, title=_("Carry over into the next year"), unit=unit, fy=fy,
                      back=_ledger_url(unit, fy), submit=_("Carry over"), intro=intro)


@login_required
@require_http_methods(["GET", "POST"])
def movement_reverse(request: SignedInRequest, movement_id: int) -> HttpResponse:
    movement = scope.get_visible(request.user, Movement.objects.select_related("unit", "fiscal_year"), pk=movement_id)
    members = [movement.unit]
    if movement.group is not None:
        members += [m.unit for m in Movement.objects.filter(group=movement.group).select_related("unit")]
    if not all(scope.can_coordinate_unit(request.user, unit) for unit in members):
        raise PermissionDenied
    fy, unit = movement.fiscal_year, movement.unit
    form = _ledger_form(forms.ReverseForm, request, fy, min_date=movement.effective_date)

    def run(d: dict[str, Any]) -> Any:
        return actions.movement_reverse(actor=request.user, movement=movement, effective_date=d["effective_date"],
                                        reason=d["reason"])

    if _submit(request, form, run, lambda moves: _("Movement #%(id)s reversed.") % {"id": movement.pk}):
        return redirect(_ledger_url(unit, fy))
    summary = [
        (_("Movement"), f"#{movement.pk}"), (_("Unit"), f"{unit.code} {unit.name}"),
        (_("Kind"), movement.get_kind_display()), (_("Category"), movement.get_category_display()),
        (_("Amount (baht)"), _money(movement.amount)), (_("Effective date"), movement.effective_date),
        (_("Document reference"), movement.document_ref),
    ]
    return _form_page(request, form, title=_("Reverse a movement"), unit=unit, fy=fy, back=_ledger_url(unit, fy),
                      submit=_("Reverse"), summary=summary, refusal=actions.reversal_refusal(movement) or "")


# -- officer forms -----------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def unit_commitment(request: SignedInRequest, unit_id: int, be_year: int) -> HttpResponse:
    fy = _year(be_year)
    unit = _unit(request, unit_id, "edit")
    form = _ledger_form(forms.CommitmentForm, request, fy, activities=_activities(request, unit, fy))

    def run(d: dict[str, Any]) -> Any:
        return actions.commitment_record(
            actor=request.user, fiscal_year=fy, unit=unit, category=d["category"], amount=d["amount"],
            effective_date=d["effective_date"], document_ref=d["document_ref"],
            commitment_type=d["commitment_type"], activity=d.get("activity"), note=d["note"],
            request_key=d["request_key"],
        )

    if _submit(request, form, run, lambda m: _("Commitment of %(amount)s baht recorded for %(unit)s.")
               % {"amount": _money(m.amount), "unit": unit.code}):
        return redirect(_ledger_url(unit, fy))
    return _form_page(request, form, title=_("Record a commitment"), unit=unit, fy=fy, back=_ledger_url(unit, fy),
                      submit=_("Record"), spends=True)


@login_required
@require_http_methods(["GET", "POST"])
def unit_disbursement(request: SignedInRequest, unit_id: int, be_year: int) -> HttpResponse:
    fy = _year(be_year)
    unit = _unit(request, unit_id, "edit")
    form = _ledger_form(forms.DisbursementForm, request, fy, activities=_activities(request, unit, fy))

    def run(d: dict[str, Any]) -> Any:
        return actions.disbursement_record(
            actor=request.user, fiscal_year=fy, unit=unit, category=d["category"], amount=d["amount"],
            effective_date=d["effective_date"], document_ref=d["document_ref"],
            settles_commitment=d["settles_commitment"], activity=d.get("activity"), note=d["note"],
            request_key=d["request_key"],
        )

    if _submit(request, form, run, lambda m: _("Disbursement of %(amount)s baht recorded for %(unit)s.")
               % {"amount": _money(m.amount), "unit": unit.code}):
        return redirect(_ledger_url(unit, fy))
    return _form_page(request, form, title=_("Record a disbursement"), unit=unit, fy=fy,
                      back=_ledger_url(unit, fy), submit=_("Record"), spends=True)


def _reservations_url(unit: Org, fy: FiscalYear) -> str:
    return reverse("budget:reservations", kwargs={"unit_id": unit.pk, "be_year": fy.be_year})


@login_required
def reservations(request: HttpRequest, unit_id: int, be_year: int) -> HttpResponse:
    """A unit's request forms, newest first, with commit/cancel links for those who may edit."""
    fy = _year(be_year)
    unit = _unit(request, unit_id)
    can_edit = scope.can_edit_unit(request.user, unit)
    qs = scope.visible(request.user, ReservationForm.objects.filter(fiscal_year=fy, unit=unit)).select_related("activity")
    page = paging.paginate(request, qs.order_by("-requested_on", "-id"))
    rows = [{"r": r, "actions": can_edit and r.status == ReservationStatus.OPEN} for r in page]
    return render(request, "budget/reservations.html", {
        "unit": unit, "fy": fy, "page": page, "rows": rows, "can_edit": can_edit,
    })


@login_required
@require_http_methods(["GET", "POST"])
def reservation_create(request: SignedInRequest, unit_id: int, be_year: int) -> HttpResponse:
    fy = _year(be_year)
    unit = _unit(request, unit_id, "edit")
    form = _ledger_form(forms.ReservationCreateForm, request, fy, activities=_activities(request, unit, fy))

    def run(d: dict[str, Any]) -> Any:
        return actions.reservation_create(
            actor=request.user, fiscal_year=fy, unit=unit, category=d["category"], number=d["number"],
            requester=d["requester"], amount=d["amount"], requested_on=d["requested_on"], purpose=d["purpose"],
            activity=d.get("activity"),
        )

    if _submit(request, form, run, lambda r: _("Request form %(number)s reserves %(amount)s baht.")
               % {"number": r.number, "amount": _money(r.amount)}):
        return redirect(_reservations_url(unit, fy))
    return _form_page(request, form, title=_("New request form"), unit=unit, fy=fy,
                      back=_reservations_url(unit, fy), submit=_("Reserve"))


def _reservation(request: HttpRequest, reservation_id: int) -> ReservationForm:
    form = scope.get_visible(request.user, ReservationForm.objects.select_related("unit", "fiscal_year"),
                             pk=reservation_id)
    if not scope.can_edit_unit(request.user, form.unit):
        raise PermissionDenied
    return form


def _reservation_summary(r: ReservationForm) -> list[tuple[Any, Any]]:
    return [(_("Form number"), r.number), (_("Requester"), r.requester), (_("Purpose"), r.purpose),
            (_("Category"), r.get_category_display()), (_("Amount (baht)"), _money(r.amount)),
            (_("Requested on"), r.requested_on), (_("Status"), r.get_status_display())]


@login_required
@require_http_methods(["GET", "POST"])
def reservation_commit(request: SignedInRequest, reservation_id: int) -> HttpResponse:
    r = _reservation(request, reservation_id)
    fy, unit = r.fiscal_year, r.unit
    form = _ledger_form(forms.ReservationCommitForm, request, fy, min_date=r.requested_on)

    def run(d: dict[str, Any]) -> Any:
        return actions.reservation_commit(
            actor=request.user, reservation=r, effective_date=d["effective_date"], document_ref=d["document_ref"],
            commitment_type=d["commitment_type"], amount=d["amount"],
        )

    if _submit(request, form, run, lambda m: _("Request form %(number)s committed: %(amount)s baht.")
               % {"number": r.number, "amount": _money(m.amount)}):
        return redirect(_reservations_url(unit, fy))
    return _form_page(request, form, title=_("Commit a request form"), unit=unit, fy=fy,
                      back=_reservations_url(unit, fy), submit=_("Commit"), summary=_reservation_summary(r))


@login_required
@require_http_methods(["GET", "POST"])
def reservation_cancel(request: SignedInRequest, reservation_id: int) -> HttpResponse:
    r = _reservation(request, reservation_id)
    fy, unit = r.fiscal_year, r.unit
    form = _ledger_form(forms.ReservationCancelForm, request, fy, min_date=r.requested_on)

    def run(d: dict[str, Any]) -> Any:
        return actions.reservation_cancel(actor=request.user, reservation=r, effective_date=d["effective_date"],
                                          note=d["note"])

    if _submit(request, form, run, lambda m: _("Request form %(number)s cancelled.") % {"number": r.number}):
        return redirect(_reservations_url(unit, fy))
    return _form_page(request, form, title=_("Cancel a request form"), unit=unit, fy=fy,
                      back=_reservations_url(unit, fy), submit=_("Cancel the form"), summary=_reservation_summary(r))
