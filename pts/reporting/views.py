"""Monthly reporting pages: my reports, the report form and detail, the coordinator's period board,
and governance evidence. Objects are fetched through pts.organisations.scope first (outsiders get
404), then the method and the right to change are checked (403)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pts.budget.models import FiscalYear
from pts.core import clock
from pts.core.categories import category_th
from pts.core.fiscal import fiscal_year_of
from pts.organisations import scope
from pts.organisations.models import Org
from pts.organisations.permissions import SignedInRequest
from pts.reporting import actions
from pts.reporting.forms import (
    DeclineForm,
    EvidenceForm,
    ReopenForm,
    ReopenRequestForm,
    ReportForm,
    ReturnForm,
    UnitReopenForm,
)
from pts.reporting.models import (
    Evidence,
    MonthlyReport,
    ReopenRequest,
    ReportingPeriod,
    ReportState,
    RequestState,
)
from pts.reporting.queries import (
    BOARD_FILTERS,
    board_rows,
    board_summary,
    board_units,
    evidence_checklist,
    form_lines,
    my_report_rows,
    periods_visible_to,
    reports_visible_to,
)
from pts.schemes.hooks import HOOKS
from pts.schemes.models import Scheme
from pts.schemes.queries import can_coordinate_scheme
from pts.ui import paging
from pts.ui.forms import action_error_text, add_action_errors

EDITABLE_STATES = (ReportState.DRAFT, ReportState.RETURNED)


def _not_allowed() -> HttpResponse:
    return HttpResponseNotAllowed(["POST"])


@login_required
def my_reports(request: HttpRequest) -> HttpResponse:
    """An officer's reports; someone who reports for no unit (a coordinator, an executive) is sent
    to the board of the month's reports instead."""
    now = clock.now()
    rows = my_report_rows(user=request.user, now=now)
    if not rows:
        board = current_board(request.user, clock.today())
        if board is not None:
            return redirect("reporting:period_status", period_id=board.pk)
    boards = (scope.visible(request.user, ReportingPeriod.objects.all())
              .filter(deadline__gte=clock.today() - timedelta(days=31))
              .select_related("scheme").order_by("deadline", "scheme__code")[:12])
    return render(request, "reporting/my_reports.html", {"rows": rows, "boards": boards})


def current_board(user: Any, today: date) -> ReportingPeriod | None:
    """The period board a coordinator or executive sees first: of the latest scheme they see whose
    year has begun, the period due next (or the year's last)."""
    schemes = periods_visible_to(user).values_list("scheme_id", flat=True).distinct()
    scheme = (Scheme.objects.filter(pk__in=schemes, fiscal_year__be_year__lte=fiscal_year_of(today))
              .order_by("-fiscal_year__be_year", "code").first())
    if scheme is None:
        return None
    periods = scope.visible(user, ReportingPeriod.objects.filter(scheme=scheme))
    return periods.filter(deadline__gte=today).order_by("deadline").first() or periods.order_by("-month").first()


def _report_context(period: ReportingPeriod, unit: Org) -> dict:
    return {"period": period, "unit": unit, "scheme": period.scheme}


@login_required
def report_edit(request: SignedInRequest, period_id: int, unit_id: int) -> HttpResponse:
    unit = scope.get_visible(request.user, Org.objects.all(), pk=unit_id)
    period = get_object_or_404(periods_visible_to(request.user).filter(scheme__units=unit), pk=period_id)
    report = MonthlyReport.objects.filter(period=period, unit=unit).prefetch_related("lines").first()
    now = clock.now()
    can_edit = scope.can_edit_unit(request.user, unit)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    locked = period.is_locked_for(unit.pk, now)
    editable = can_edit and (report is None or report.state in EDITABLE_STATES) and not locked
    lines = form_lines(period=period, unit=unit)
    if report is not None:
        stored = {line.category: line for line in report.lines.all()}
        initial = {"obstacles": report.obstacles, "correction_note": report.correction_note, "version": report.version}
        for line in lines:
            got = stored.get(line.category)
            initial[f"{line.category}_committed"] = got.committed if got else 0
            initial[f"{line.category}_disbursed"] = got.disbursed if got else 0
    else:
        initial = {"version": 0}
        for line in lines:
            initial[f"{line.category}_committed"] = line.ledger_committed
            initial[f"{line.category}_disbursed"] = line.ledger_disbursed
    fill = HOOKS.report_fill(request, period, unit) if editable else None
    if fill and fill["figures"] is not None and request.method != "POST":
        # figures read from the officer's GFMIS file: in the form, saved only when the officer saves
        for line in lines:
            committed, disbursed = fill["figures"].get(line.category, (0, 0))
            initial[f"{line.category}_committed"] = committed
            initial[f"{line.category}_disbursed"] = disbursed
        known = {line.category for line in lines}
        fill["unknown"] = [category_th(c) for c in fill["figures"] if c not in known]
    if request.method == "POST" and request.POST.get("action") == "restore":
        # the ledger's figures back in the form, nothing saved until the officer saves
        restored = request.POST.copy()
        for line in lines:
            for figure, satang in (("committed", line.ledger_committed), ("disbursed", line.ledger_disbursed)):
                restored[f"{line.category}_{figure}"] = f"{satang // 100}.{satang % 100:02d}"
        form = ReportForm(restored, lines=lines, initial=initial)
        form.is_valid()
    elif request.method == "POST":
        form = ReportForm(request.POST, lines=lines, initial=initial)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():  # save and submit together, or neither
                    saved = actions.report_save_draft(
                        actor=request.user, period=period, unit=unit, lines=form.report_lines(),
                        obstacles=data["obstacles"], version=data["version"], now=now,
                        correction_note=data["correction_note"],
                    )
                    if request.POST.get("action") == "submit":
                        saved = actions.report_submit(actor=request.user, report=saved, version=saved.version, now=now)
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                if saved.state == ReportState.SUBMITTED:
                    messages.success(request, _("Report submitted."))
                else:
                    messages.success(request, _("Draft saved."))
                return redirect("reporting:report_detail", report_id=saved.pk)
    else:
        form = ReportForm(initial=initial, lines=lines, disabled=not editable)
    return render(request, "reporting/report_form.html", {
        **_report_context(period, unit), "form": form, "report": report, "editable": editable,
        "locked": locked, "open_until": period.open_until_for(unit.pk, now),
        "differs": form.differs_from_ledger(),
        "positions": HOOKS.unit_positions(period.scheme, [unit], period.as_of), "fill": fill,
        "recon": HOOKS.recon_summary(request.user, period.scheme),
        "request_form": ReopenRequestForm() if locked and can_edit else None,
        "waiting_request": ReopenRequest.objects.filter(period=period, unit=unit, state=RequestState.OPEN).first(),
    })


@login_required
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    report = get_object_or_404(reports_visible_to(request.user).select_related("period__scheme__fiscal_year",
                                                                             "submitted_by", "accepted_by"),
                               pk=report_id)
    period, unit = report.period, report.unit
    now = clock.now()
    stored = {line.category: line for line in report.lines.all()}
    rows = []
    for line in form_lines(period=period, unit=unit):
        got = stored.get(line.category)
        rows.append({"line": line, "committed": got.committed if got else None,
                     "disbursed": got.disbursed if got else None})
    can_edit = scope.can_edit_unit(request.user, unit) and report.state in EDITABLE_STATES
    return render(request, "reporting/report_detail.html", {
        **_report_context(period, unit), "report": report, "rows": rows,
        "can_edit": can_edit, "locked": period.is_locked_for(unit.pk, now),
        "can_coordinate": can_coordinate_scheme(request.user, period.scheme) and report.state == ReportState.SUBMITTED,
    })


def _report_for_post(request: HttpRequest, report_id: int) -> MonthlyReport:
    return get_object_or_404(reports_visible_to(request.user), pk=report_id)


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    # Only local paths: never redirect to another site.
    return target if target.startswith("/") and not target.startswith("//") else default


@login_required
def report_submit(request: SignedInRequest, report_id: int) -> HttpResponse:
    report = _report_for_post(request, report_id)
    if request.method != "POST":
        return _not_allowed()
    if not scope.can_edit_unit(request.user, report.unit):
        raise PermissionDenied
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    try:
        actions.report_submit(actor=request.user, report=report, version=version, now=clock.now())
    except ValidationError as exc:
        messages.error(request, action_error_text(exc))
    else:
        messages.success(request, _("Report submitted."))
    return redirect("reporting:report_detail", report_id=report.pk)


@login_required
def report_return(request: SignedInRequest, report_id: int) -> HttpResponse:
    report = _report_for_post(request, report_id)
    if request.method != "POST":
        return _not_allowed()
    if not can_coordinate_scheme(request.user, report.period.scheme):
        raise PermissionDenied
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(f"{form.fields[name].label}: {m}" for name, errors in form.errors.items()
                                         for m in errors))
    else:
        try:
            actions.report_return(actor=request.user, report=report, reason=form.cleaned_data["reason"],
                                  now=clock.now(), correct_by=form.cleaned_data.get("correct_by"))
        except ValidationError as exc:
            messages.error(request, action_error_text(exc))
        else:
            messages.success(request, _("Report returned to %(unit)s for correction.") % {"unit": report.unit.code})
    return redirect(_back(request, reverse("reporting:report_detail", kwargs={"report_id": report.pk})))


@login_required
def report_accept(request: SignedInRequest, report_id: int) -> HttpResponse:
    report = _report_for_post(request, report_id)
    if request.method != "POST":
        return _not_allowed()
    if not can_coordinate_scheme(request.user, report.period.scheme):
        raise PermissionDenied
    try:
        actions.report_accept(actor=request.user, report=report, now=clock.now())
    except ValidationError as exc:
        messages.error(request, action_error_text(exc))
    else:
        messages.success(request, _("Report of %(unit)s accepted; the ledger now shows its figures.") % {
            "unit": report.unit.code})
    return redirect(_back(request, reverse("reporting:report_detail", kwargs={"report_id": report.pk})))


def _board_period(request: HttpRequest, period_id: int) -> ReportingPeriod:
    return get_object_or_404(
        scope.visible(request.user, ReportingPeriod.objects.select_related("scheme__fiscal_year")), pk=period_id
    )


@login_required
def period_status(request: HttpRequest, period_id: int) -> HttpResponse:
    """Who has reported: every unit the user sees (a page at a time), `?show=` to keep those that
    have not reported, were late or are at a state, `?q=` to find a unit by code or name."""
    period = _board_period(request, period_id)
    q = paging.search_term(request)
    show = request.GET.get("show", "")
    show = show if show in BOARD_FILTERS else ""
    page = paging.paginate(request, board_units(user=request.user, period=period, q=q, show=show))
    now = clock.now()
    can_coordinate = can_coordinate_scheme(request.user, period.scheme)
    return paging.render_list(request, "reporting/period_status.html", "reporting/_board_results.html", {
        "period": period, "scheme": period.scheme, "page": page, "q": q, "show": show,
        "rows": board_rows(user=request.user, period=period, units=page.object_list),
        "counts": board_summary(user=request.user, period=period),
        "locked": period.is_locked(now), "reopened": period.reopened_until is not None and period.reopened_until > now,
        "can_coordinate": can_coordinate, "recon": HOOKS.recon_summary(request.user, period.scheme),
        "reopen_form": ReopenForm(),
        "months": scope.visible(request.user, ReportingPeriod.objects.filter(scheme=period.scheme)).order_by("month"),
        "requests": scope.visible(request.user, ReopenRequest.objects.filter(period=period, state=RequestState.OPEN))
        .select_related("unit", "requested_by").order_by("requested_at"),
        "unit_reopen_form": UnitReopenForm(initial={"until": actions.default_correct_by(period, now)}),
        "decline_form": DeclineForm(),
        "openings": scope.visible(request.user, period.openings.filter(until__gt=now)).select_related("unit")
        .order_by("unit__code"),
    })


def _period_unit(request: HttpRequest, period_id: int, unit_id: int) -> tuple[ReportingPeriod, Org]:
    unit = scope.get_visible(request.user, Org.objects.all(), pk=unit_id)
    period = get_object_or_404(periods_visible_to(request.user).filter(scheme__units=unit), pk=period_id)
    return period, unit


@login_required
def period_reopen_unit(request: SignedInRequest, period_id: int, unit_id: int) -> HttpResponse:
    """The coordinator reopens a locked period for one unit (answering its request, if any)."""
    if request.method != "POST":
        return _not_allowed()
    period, unit = _period_unit(request, period_id, unit_id)
    if not can_coordinate_scheme(request.user, period.scheme):
        raise PermissionDenied
    form = UnitReopenForm(request.POST)
    if form.is_valid():
        try:
            actions.period_reopen_unit(actor=request.user, period=period, unit=unit, until=form.cleaned_data["until"],
                                       reason=form.cleaned_data["reason"], now=clock.now())
        except ValidationError as exc:
            messages.error(request, action_error_text(exc))
        else:
            messages.success(request, _("The period is reopened for %(unit)s.") % {"unit": unit.code})
    else:
        messages.error(request, " ".join(f"{form.fields[name].label}: {m}" for name, errors in form.errors.items()
                                         for m in errors))
    return redirect(_back(request, reverse("reporting:period_status", kwargs={"period_id": period.pk})))


@login_required
def reopen_request(request: SignedInRequest, period_id: int, unit_id: int) -> HttpResponse:
    """An officer asks for the locked period to be reopened for their unit."""
    if request.method != "POST":
        return _not_allowed()
    period, unit = _period_unit(request, period_id, unit_id)
    if not scope.can_edit_unit(request.user, unit):
        raise PermissionDenied
    form = ReopenRequestForm(request.POST)
    if form.is_valid():
        try:
            actions.reopen_request(actor=request.user, period=period, unit=unit, reason=form.cleaned_data["reason"],
                                   now=clock.now())
        except ValidationError as exc:
            messages.error(request, action_error_text(exc))
        else:
            messages.success(request, _("Your request is sent to the coordinator."))
    else:
        messages.error(request, " ".join(f"{form.fields[name].label}: {m}" for name, errors in form.errors.items()
                                         for m in errors))
    return redirect("reporting:report_edit", period_id=period.pk, unit_id=unit.pk)


@login_required
def reopen_request_decline(request: SignedInRequest, request_id: int) -> HttpResponse:
    if request.method != "POST":
        return _not_allowed()
    found = get_object_or_404(scope.visible(request.user, ReopenRequest.objects.select_related("period__scheme")),
                              pk=request_id)
    if not can_coordinate_scheme(request.user, found.period.scheme):
        raise PermissionDenied
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            actions.reopen_request_decline(actor=request.user, request=found, answer=form.cleaned_data["answer"],
                                           now=clock.now())
        except ValidationError as exc:
            messages.error(request, action_error_text(exc))
        else:
            messages.success(request, _("The request of %(unit)s is declined.") % {"unit": found.unit.code})
    else:
        messages.error(request, " ".join(f"{form.fields[name].label}: {m}" for name, errors in form.errors.items()
                                         for m in errors))
    return redirect("reporting:period_status", period_id=found.period_id)


@login_required
def period_reopen(request: SignedInRequest, period_id: int) -> HttpResponse:
    period = _board_period(request, period_id)
    if request.method != "POST":
        return _not_allowed()
    if not can_coordinate_scheme(request.user, period.scheme):
        raise PermissionDenied
    form = ReopenForm(request.POST)
    if form.is_valid():
        day = form.cleaned_data["until"]
        # Open through the whole of the chosen local day.
        until = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
        try:
            actions.period_reopen(actor=request.user, period=period, until=until,
                                  reason=form.cleaned_data["reason"], now=clock.now())
        except ValidationError as exc:
            messages.error(request, action_error_text(exc))
        else:
            messages.success(request, _("Period reopened."))
    else:
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
    return redirect("reporting:period_status", period_id=period.pk)


@login_required
def period_lock(request: SignedInRequest, period_id: int) -> HttpResponse:
    period = _board_period(request, period_id)
    if request.method != "POST":
        return _not_allowed()
    if not can_coordinate_scheme(request.user, period.scheme):
        raise PermissionDenied
    try:
        actions.period_lock(actor=request.user, period=period, now=clock.now())
    except ValidationError as exc:
        messages.error(request, action_error_text(exc))
    else:
        messages.success(request, _("Period locked again."))
    return redirect("reporting:period_status", period_id=period.pk)


@login_required
def evidence(request: SignedInRequest, unit_id: int, be_year: int) -> HttpResponse:
    unit = scope.get_visible(request.user, Org.objects.all(), pk=unit_id)
    fiscal_year = get_object_or_404(FiscalYear, be_year=be_year)
    can_upload = scope.can_edit_unit(request.user, unit)
    if request.method == "POST":
        if not can_upload:
            raise PermissionDenied
        form = EvidenceForm(request.POST, request.FILES, fiscal_year=fiscal_year)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.evidence_upload(
                    actor=request.user, unit=unit, fiscal_year=fiscal_year, kind=data["kind"], month=data["month"],
                    event_date=data["event_date"], uploaded_file=data["uploaded_file"], today=clock.today(),
                )
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(request, _("Evidence uploaded."))
                return redirect("reporting:evidence", unit_id=unit.pk, be_year=fiscal_year.be_year)
    else:
        form = EvidenceForm(fiscal_year=fiscal_year)
    orders, months = evidence_checklist(user=request.user, unit=unit, fiscal_year=fiscal_year)
    return render(request, "reporting/evidence.html", {
        "unit": unit, "fiscal_year": fiscal_year, "orders": orders, "months": months,
        "form": form, "can_upload": can_upload,
    })


@login_required
def evidence_file(request: HttpRequest, evidence_id: int) -> FileResponse:
    item = scope.get_visible(request.user, Evidence.objects.all(), pk=evidence_id)
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    extension = item.file.name.rsplit(".", 1)[-1]
    label = f"{item.kind}-{item.month:%Y-%m}" if item.month else item.kind
    response = FileResponse(handle, as_attachment=True, filename=f"{label}-{item.pk}.{extension}",
                            content_type=item.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
