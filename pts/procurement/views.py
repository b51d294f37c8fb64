"""Procurement pages. Every row is fetched through pts.organisations.scope: outsiders get 404, a
visible project without the right role (an executive) gets 403 on a change. Changes are POST only
and go through pts.procurement.actions. Pages accept `?as_of=dd/mm/BBBB` to judge as of a day."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pts.budget import years
from pts.budget.models import FiscalYear
from pts.budget.years import current_be_year
from pts.core import clock
from pts.core.fiscal import FiscalError, parse_date, thai_date_numeric
from pts.organisations import scope
from pts.organisations.models import Org, Role, User
from pts.organisations.permissions import SignedInRequest
from pts.organisations.queries import search_orgs
from pts.procurement import actions, forms, queries, sheet
from pts.procurement.models import (
    ExtraHoliday,
    ImportBatch,
    Instalment,
    Milestone,
    MilestoneStatus,
    Project,
    ProjectStatus,
    RoundUpdate,
)
from pts.procurement.schedule import CONTRACT
from pts.schemes.models import Scheme
from pts.ui import paging
from pts.ui.templatetags.pts import month_label

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS_BADGE = {"on_track": "ok", "completed": "ok", "at_risk": "warn", "late": "bad",
                "met": "ok", "scheduled": "", "unplanned": ""}


# -- helpers -----------------------------------------------------------------------------------


def _year(be_year: int) -> FiscalYear:
    return get_object_or_404(FiscalYear, be_year=be_year)


def _as_of(request: HttpRequest, fy: FiscalYear) -> tuple[date, str, str]:
    """GET `as_of` (BE or CE), else the default day of the fiscal year (`years.default_as_of`: today
    while it runs, else its latest reporting month or its end); with the text to put back in the box
    and an error."""
    raw = request.GET.get("as_of", "").strip()
    today = years.default_as_of(fy, user=request.user)
    if raw:
        try:
            today = parse_date(raw)
        except FiscalError as exc:
            return today, raw, str(exc)
    return today, thai_date_numeric(today), ""


def _lang() -> str:
    return "en" if get_language() == "en" else "th"


def _project(request: HttpRequest, project_id: int, *, edit: bool = False) -> Project:
    project = scope.get_visible(request.user, Project.objects.select_related("unit", "fiscal_year"), pk=project_id)
    if edit and not scope.can_edit_unit(request.user, project.unit):
        raise PermissionDenied
    return project


def _unit(request: HttpRequest, unit_id: int, *, edit: bool = False) -> Org:
    unit = scope.get_visible(request.user, Org.objects.all(), pk=unit_id)
    if edit and not scope.can_edit_unit(request.user, unit):
        raise PermissionDenied
    return unit


def _state(project: Project, today: date) -> queries.ProjectState:
    return queries.evaluate(Project.objects.filter(pk=project.pk), today=today, language=_lang())[0]


DEADLINE_LABELS = {"missed": gettext_lazy("deadline missed"), "forecast_to_miss": gettext_lazy("forecast to miss")}


def _row(state: queries.ProjectState) -> dict[str, Any]:
    """A project as the lists show it; a flag is a short badge with the full message as its title."""
    flags = [{"css": "bad" if c.status == "missed" else "warn", "label": DEADLINE_LABELS[c.status], "due": c.due,
              "message": c.message} for c in state.flags]
    return {"s": state, "p": state.project, "status_label": ProjectStatus(state.status).label,
            "badge": STATUS_BADGE.get(state.status, ""), "next": state.next_line, "flags": flags}


def _officers(unit: Org) -> Any:
    ancestors = [int(p) for p in unit.path.strip("/").split("/")]
    return User.objects.filter(
        memberships__org_id__in=ancestors, memberships__role__in=[Role.OFFICER, Role.COORDINATOR], is_active=True,
    ).distinct().order_by("username")


def _submit(request: HttpRequest, form: forms.ActionForm, run: Any) -> Any:
    """Run the action on a valid POST and return its result; show a refusal on the form (None)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return run(form.cleaned_data) or True
    except ValidationError as exc:
        form.add_action_error(exc)
        return None


def _warn(request: HttpRequest, warnings: list[Any]) -> None:
    for w in warnings:
        messages.warning(request, str(w))


def _form_page(request: HttpRequest, form: Any, *, title: str, back: str, submit: str, project: Project | None = None,
               unit: Org | None = None, intro: str = "", template: str = "procurement/form.html") -> HttpResponse:
    return render(request, template, {"form": form, "title": title, "back": back, "submit": submit,
                                      "project": project, "unit": unit or (project.unit if project else None),
                                      "intro": intro})


def _xlsx(filename: str, content: bytes) -> HttpResponse:
    return HttpResponse(content, content_type=XLSX,
                        headers={"Content-Disposition": content_disposition_header(as_attachment=True, filename=filename)})


# -- lists -------------------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    be_year = current_be_year()
    if be_year is None:
        raise Http404
    return redirect("procurement:overview", be_year=be_year)


def _list_context(request: HttpRequest, fy: FiscalYear, url_name: str, **kwargs: Any) -> dict[str, Any]:
    today, as_of_input, as_of_error = _as_of(request, fy)
    return {"fy": fy, "today": today, "as_of_input": as_of_input, "as_of_error": as_of_error,
            "can_import": scope.editable(request.user, Org.objects.units()).exists(),
            "is_coordinator": scope.is_coordinator(request.user), "q": paging.search_term(request),
            "searchable": True, "year_links": years.year_links(request, fy, url_name, **kwargs)}


def _projects(request: HttpRequest, fy: FiscalYear, q: str) -> Any:
    """The year's projects the user may see; with `q`, those whose unit (code or name), name or
    e-GP number matches, narrowed before they are tracked."""
    qs = scope.visible(request.user, Project.objects.filter(fiscal_year=fy))
    if q:
        by_unit = search_orgs(Project.objects.all(), q, prefix="unit__")
        qs = qs.filter(Q(pk__in=by_unit.values("pk")) | Q(name__icontains=q) | Q(egp_number__icontains=q))
    return qs


@login_required
def overview(request: HttpRequest, be_year: int) -> HttpResponse:
    """Every project the user may see, grouped by status."""
    fy = _year(be_year)
    ctx = _list_context(request, fy, "procurement:overview")
    states = queries.evaluate(_projects(request, fy, ctx["q"]), today=ctx["today"], language=_lang())
    counts = queries.status_counts(states)
    wanted = request.GET.get("status", "")
    if wanted in ProjectStatus.values:
        states = [s for s in states if s.status == wanted]
    page = paging.paginate(request, states)
    ctx.update({
        "rows": [_row(s) for s in page.object_list], "status": wanted, "page": page,
        "statuses": [(value, label, counts[value], STATUS_BADGE[value]) for value, label in ProjectStatus.choices],
        "total": sum(counts.values()),
    })
    return paging.render_list(request, "procurement/overview.html", "procurement/_projects_results.html", ctx)


@login_required
def late(request: HttpRequest, be_year: int) -> HttpResponse:
    """Projects late or at risk, riskiest first (see pts.procurement.queries for the order)."""
    fy = _year(be_year)
    ctx = _list_context(request, fy, "procurement:late")
    states = queries.evaluate(_projects(request, fy, ctx["q"]), today=ctx["today"], language=_lang())
    page = paging.paginate(request, queries.late_list(states))
    ctx.update({"rows": [_row(s) for s in page.object_list], "page": page, "rank": True, "show_obstacles": True})
    return paging.render_list(request, "procurement/late.html", "procurement/_projects_results.html", ctx)


@login_required
def unit_figures(request: HttpRequest, be_year: int) -> HttpResponse:
    """Per unit: the procurement figures the provincial scheme scores."""
    fy = _year(be_year)
    ctx = _list_context(request, fy, "procurement:unit_figures")
    in_schemes = Scheme.units.through.objects.filter(scheme__fiscal_year=fy).values("org_id")
    with_projects = Project.objects.filter(fiscal_year=fy).values("unit_id")
    units = search_orgs(scope.visible(request.user, Org.objects.units()).filter(
        Q(pk__in=with_projects) | Q(pk__in=in_schemes)), ctx["q"]).order_by("path")
    page = paging.paginate(request, units)
    facts = queries.procurement_facts(fiscal_year=fy, units=page.object_list, today=ctx["today"])
    ctx.update({"rows": [{"unit": u, "f": facts[u.pk]} for u in page.object_list], "page": page})
    return paging.render_list(request, "procurement/unit_figures.html", "procurement/_unit_figures_results.html", ctx)


@login_required
def unit_projects(request: HttpRequest, unit_id: int, be_year: int) -> HttpResponse:
    """A unit's projects (and those of the units below it)."""
    fy = _year(be_year)
    unit = _unit(request, unit_id)
    ctx = _list_context(request, fy, "procurement:unit_projects", unit_id=unit.pk)
    qs = scope.visible(request.user, Project.objects.filter(fiscal_year=fy, unit__path__startswith=unit.path))
    states = queries.evaluate(qs, today=ctx["today"], language=_lang())
    ctx.update({"unit": unit, "rows": [_row(s) for s in states], "can_edit": scope.can_edit_unit(request.user, unit),
                "can_create": scope.can_edit_unit(request.user, unit) and unit.parent_id is not None})
    return render(request, "procurement/unit_projects.html", ctx)


# -- one project -------------------------------------------------------------------------------


@login_required
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _project(request, project_id)
    today, as_of_input, as_of_error = _as_of(request, project.fiscal_year)
    state = _state(project, today)
    lang = _lang()
    names = {line.row.code: line.name for line in state.lines}
    history = []
    for u in RoundUpdate.objects.filter(project=project).select_related("recorded_by").order_by("-month", "-recorded_at", "-id"):
        history.append({"u": u, "dates": [(names.get(code, code), _iso(planned), _iso(actual))
                                           for code, (planned, actual) in u.snapshot.items()]})
    lines = [{"line": line, "badge": STATUS_BADGE.get(line.status or "", ""),
              "label": MilestoneStatus(line.status).label if line.status else ""} for line in state.lines]
    return render(request, "procurement/project_detail.html", {
        "project": project, "state": state, "lines": lines, "today": today, "as_of_input": as_of_input,
        "as_of_error": as_of_error, "status_label": ProjectStatus(state.status).label,
        "badge": STATUS_BADGE.get(state.status, ""), "instalments": project.instalments.order_by("seq"),
        "instalment_total": sum(i.amount for i in project.instalments.all()), "history": history,
        "can_edit": scope.can_edit_unit(request.user, project.unit), "lang": lang,
        "agency": sheet.agency_of(project.unit),
    })


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request: SignedInRequest, unit_id: int, be_year: int) -> HttpResponse:
    fy = _year(be_year)
    unit = _unit(request, unit_id, edit=True)
    form = forms.ProjectCreateForm(request.POST or None, officers=_officers(unit))

    def run(d: dict[str, Any]) -> Any:
        fields = {k: d[k] for k in ("category", "fund_code", "reference_price", "multi_year", "egp_number",
                                    "officer_name", "officer")}
        return actions.project_create(
            actor=request.user, fiscal_year=fy, unit=unit, name=d["name"], allocated=d["allocated"],
            method=d["method"], start=d["start"], target_contract=d["target_contract"], now=clock.now(),
            request_key=d["request_key"], **fields)

    if result := _submit(request, form, run):
        project, warnings = result
        messages.success(request, _("Project created with its milestone plan."))
        _warn(request, warnings)
        return redirect("procurement:project", project_id=project.pk)
    back = reverse("procurement:unit_projects", kwargs={"unit_id": unit.pk, "be_year": fy.be_year})
    return _form_page(request, form, title=_("New procurement project"), back=back, submit=_("Create"), unit=unit)


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request: SignedInRequest, project_id: int) -> HttpResponse:
    project = _project(request, project_id, edit=True)
    initial = {k: getattr(project, k) for k in forms.ProjectEditForm.base_fields if hasattr(project, k)}
    form = forms.ProjectEditForm(request.POST or None, initial=initial, officers=_officers(project.unit))

    def run(d: dict[str, Any]) -> Any:
        return actions.project_update(actor=request.user, project=project, now=clock.now(), **d)

    if result := _submit(request, form, run):
        messages.success(request, _("Project saved."))
        _warn(request, result[1])
        return redirect("procurement:project", project_id=project.pk)
    back = reverse("procurement:project", kwargs={"project_id": project.pk})
    return _form_page(request, form, title=_("Edit project"), back=back, submit=_("Save"), project=project)


@login_required
@require_http_methods(["GET", "POST"])
def milestones_edit(request: SignedInRequest, project_id: int) -> HttpResponse:
    """Every planned and actual date of a project on one form."""
    project = _project(request, project_id, edit=True)
    rows = list(project.milestones.order_by("seq"))
    form = forms.MilestonesForm(request.POST or None, rows=rows)

    def run(d: dict[str, Any]) -> Any:
        planned, actual = form.changes()
        return actions.milestones_update(actor=request.user, project=project, now=clock.now(),
                                         planned=planned, actual=actual)

    if (result := _submit(request, form, run)) is not None:
        messages.success(request, _("Milestones saved."))
        _warn(request, result if isinstance(result, list) else [])
        return redirect("procurement:project", project_id=project.pk)
    t = queries.template_of(project)
    lang = _lang()
    lines = [(t.milestone(m.code), planned, actual) for m, planned, actual in form.pairs()]
    return render(request, "procurement/milestones_form.html", {
        "form": form, "project": project, "lines": lines, "lang": lang,
        "back": reverse("procurement:project", kwargs={"project_id": project.pk}),
    })


@login_required
@require_http_methods(["GET", "POST"])
def milestone_edit(request: SignedInRequest, milestone_id: int) -> HttpResponse:
    milestone = scope.get_visible(request.user, Milestone.objects.select_related("project__unit", "project__fiscal_year"),
                                  pk=milestone_id)
    project = milestone.project
    if not scope.can_edit_unit(request.user, project.unit):
        raise PermissionDenied
    form = forms.MilestoneForm(request.POST or None, initial={"planned": milestone.planned, "actual": milestone.actual})
    if milestone.code != CONTRACT or project.commitment_id:
        del form.fields["record_commitment"]

    def run(d: dict[str, Any]) -> Any:
        return actions.milestones_update(
            actor=request.user, project=project, now=clock.now(), planned={milestone.code: d["planned"]},
            actual={milestone.code: d["actual"]}, record_commitment=bool(d.get("record_commitment")))

    if (result := _submit(request, form, run)) is not None:
        messages.success(request, _("Milestone saved."))
        _warn(request, result if isinstance(result, list) else [])
        return redirect("procurement:project", project_id=project.pk)
    step = queries.template_of(project).milestone(milestone.code)
    title = step.label_en if _lang() == "en" else step.label_th
    back = reverse("procurement:project", kwargs={"project_id": project.pk})
    return _form_page(request, form, title=title, back=back, submit=_("Save"), project=project)


@login_required
@require_http_methods(["GET", "POST"])
def round_update(request: SignedInRequest, project_id: int) -> HttpResponse:
    project = _project(request, project_id, edit=True)
    today = clock.today()
    settings = queries.settings_for(project)
    selectable = settings.selectable_rounds(today)
    choices = [(r.month.isoformat(), r.label) for r in selectable]
    # the round of the project's year that its default day falls in, when it may still be chosen
    in_year = settings.default_round(years.default_as_of(project.fiscal_year, user=request.user, today=today))
    default = in_year if in_year in selectable else settings.default_round(today)
    latest = RoundUpdate.objects.filter(project=project).order_by("recorded_at", "id").last()
    initial = {"round_month": default.month.isoformat(),
               "obstacles": latest.obstacles if latest else "", "remedy": latest.remedy if latest else ""}
    form = forms.RoundUpdateForm(request.POST or None, initial=initial,
                                 rounds=[(value, month_label(label)) for value, label in choices])

    def run(d: dict[str, Any]) -> Any:
        return actions.round_update(actor=request.user, project=project, now=clock.now(), obstacles=d["obstacles"],
                                    remedy=d["remedy"], round_month=date.fromisoformat(d["round_month"]),
                                    request_key=d["request_key"])

    if _submit(request, form, run):
        messages.success(request, _("Round update filed."))
        return redirect("procurement:project", project_id=project.pk)
    back = reverse("procurement:project", kwargs={"project_id": project.pk})
    return _form_page(request, form, title=_("Update for the reporting round"), back=back, submit=_("File the update"),
                      project=project, intro=_("The planned and actual dates as they stand now are kept with the update."))


def _iso(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


# -- instalments -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def instalment_add(request: SignedInRequest, project_id: int) -> HttpResponse:
    project = _project(request, project_id, edit=True)
    form = forms.InstalmentForm(request.POST or None)
    for name in ("accepted_on", "paid_on"):
        del form.fields[name]

    def run(d: dict[str, Any]) -> Any:
        return actions.instalment_add(actor=request.user, project=project, deliverable=d["deliverable"],
                                      due_date=d["due_date"], amount=d["amount"], now=clock.now())

    if _submit(request, form, run):
        messages.success(request, _("Instalment added."))
        return redirect("procurement:project", project_id=project.pk)
    back = reverse("procurement:project", kwargs={"project_id": project.pk})
    return _form_page(request, form, title=_("Add an instalment"), back=back, submit=_("Add"), project=project)


@login_required
@require_http_methods(["GET", "POST"])
def instalment_edit(request: SignedInRequest, instalment_id: int) -> HttpResponse:
    item = scope.get_visible(request.user, Instalment.objects.select_related("project__unit", "project__fiscal_year"),
                             pk=instalment_id)
    project = item.project
    if not scope.can_edit_unit(request.user, project.unit):
        raise PermissionDenied
    back = reverse("procurement:project", kwargs={"project_id": project.pk})
    if request.method == "POST" and "remove" in request.POST:
        try:
            actions.instalment_remove(actor=request.user, instalment=item, now=clock.now())
            messages.success(request, _("Instalment removed."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(back)
    fields = ("deliverable", "due_date", "amount", "accepted_on", "paid_on")
    form = forms.InstalmentForm(request.POST or None, initial={k: getattr(item, k) for k in fields})

    def run(d: dict[str, Any]) -> Any:
        return actions.instalment_update(actor=request.user, instalment=item, now=clock.now(), **d)

    if _submit(request, form, run):
        messages.success(request, _("Instalment saved."))
        return redirect(back)
    return _form_page(request, form, title=_("Instalment %(seq)s") % {"seq": item.seq}, back=back, submit=_("Save"),
                      project=project)


# -- extra holidays ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def holidays(request: SignedInRequest) -> HttpResponse:
    """The extra non-working days that apply to the user's units (national ones and their trees');
    administrators manage national days, coordinators those of the organisations they coordinate."""
    coordinator = scope.is_coordinator(request.user)
    if request.method == "POST" and not coordinator:
        raise PermissionDenied
    form = forms.HolidayForm(request.POST or None, user=request.user)

    def run(d: dict[str, Any]) -> Any:
        return actions.extra_holiday_add(actor=request.user, day=d["day"], name=d["name"], org=d["org"])

    if _submit(request, form, run):
        messages.success(request, _("Extra holiday added: plans and forecasts now skip it."))
        return redirect("procurement:holidays")
    shown = scope.visible_or_reaching(request.user, ExtraHoliday.objects.select_related("added_by", "org"))
    managed = set(scope.coordinated(request.user, ExtraHoliday.objects.all()).values_list("pk", flat=True))
    rows = [{"holiday": h, "can_remove": h.pk in managed} for h in shown]
    return render(request, "procurement/holidays.html", {"form": form, "rows": rows, "can_manage": coordinator})


@login_required
@require_POST
def holiday_remove(request: SignedInRequest, holiday_id: int) -> HttpResponse:
    if not scope.is_coordinator(request.user):
        raise PermissionDenied
    # national days: administrators only (scope.coordinated drops rows without an organisation)
    holiday = scope.get_coordinated(request.user, ExtraHoliday.objects.select_related("org"), pk=holiday_id)
    actions.extra_holiday_remove(actor=request.user, holiday=holiday)
    messages.success(request, _("Extra holiday removed."))
    return redirect("procurement:holidays")


# -- the PTS sheet -----------------------------------------------------------------------------


def _export(projects: Any, fy: FiscalYear, filename: str) -> HttpResponse:
    projects = list(queries.projects_of(projects).order_by("unit__path", "name", "id"))
    latest = queries.latest_updates(p.pk for p in projects)
    return _xlsx(filename, sheet.export_workbook(projects, fiscal_year=fy, latest=latest))


@login_required
def export(request: HttpRequest, be_year: int) -> HttpResponse:
    """Every project the user may see, as the PTS sheet."""
    fy = _year(be_year)
    return _export(scope.visible(request.user, Project.objects.filter(fiscal_year=fy)), fy, f"PTS-{fy.be_year}.xlsx")


@login_required
def unit_export(request: HttpRequest, unit_id: int, be_year: int) -> HttpResponse:
    fy = _year(be_year)
    unit = _unit(request, unit_id)
    qs = scope.visible(request.user, Project.objects.filter(fiscal_year=fy, unit__path__startswith=unit.path))
    return _export(qs, fy, f"PTS-{unit.code}-{fy.be_year}.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def import_sheet(request: SignedInRequest, be_year: int) -> HttpResponse:
    """The PTS sheet's upload form: it posts to the one import pipeline (layout `pts`), whose pages
    show the preview, every error and the confirm step; this page lists the earlier imports."""
    fy = _year(be_year)
    if not scope.editable(request.user, Org.objects.units()).exists():
        raise PermissionDenied
    ctx: dict[str, Any] = {"fy": fy, "form": forms.ImportForm(),
                           "batches": ImportBatch.objects.filter(imported_by_id=request.user.pk, fiscal_year=fy)[:10]}
    return render(request, "procurement/import.html", ctx)
