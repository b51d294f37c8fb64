"""Monthly reporting pages: my reports, the report form and detail, the coordinator's period board,
and governance evidence. Objects are fetched through pts.organisations.scope first (outsiders get
404), then the method and the right to change are checked (403)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

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
from pts.core.thai import bilingual
from pts.organisations import scope
from pts.organisations.models import Org
from pts.organisations.permissions import SignedInRequest
from pts.reporting import actions
from pts.reporting.forms import EvidenceForm, ReopenForm, ReportForm, ReturnForm
from pts.reporting.models import Evidence, MonthlyReport, ReportingPeriod, ReportState
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
from pts.schemes.queries import can_coordinate_scheme
from pts.ui import paging
from pts.ui.forms import action_error_text, add_action_errors

EDITABLE_STATES = (ReportState.DRAFT, ReportState.RETURNED)


def _not_allowed() -> HttpResponse:
    return HttpResponseNotAllowed(["POST"])


@login_required
def my_reports(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    boards = (scope.visible(request.user, ReportingPeriod.objects.all())
              .filter(deadline__gte=timezone.localdate(now) - timedelta(days=31))
              .select_related("scheme").order_by("deadline", "scheme__code")[:12])
    return render(request, "reporting/my_reports.html", {
        "rows": my_report_rows(user=request.user, now=now), "boards": boards,
    })


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
    editable = can_edit and (report is None or report.state in EDITABLE_STATES) and not period.is_locked(now)
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
    if request.method == "POST":
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
        "locked": period.is_locked(now),
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
        "can_edit": can_edit, "locked": period.is_locked(now),
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
        messages.error(request, bilingual("เหตุผลที่ส่งกลับ: ", "reason for return: ") + " ".join(
            str(m) for m in form.errors["reason"]))
    else:
        try:
            actions.report_return(actor=request.user, report=report, reason=form.cleaned_data["reason"],
                                  now=clock.now())
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
    return paging.render_list(request, "reporting/period_status.html", "reporting/_board_results.html", {
        "period": period, "scheme": period.scheme, "page": page, "q": q, "show": show,
        "rows": board_rows(user=request.user, period=period, units=page.object_list),
        "counts": board_summary(user=request.user, period=period),
        "locked": period.is_locked(now), "reopened": period.reopened_until is not None and period.reopened_until > now,
        "can_coordinate": can_coordinate_scheme(request.user, period.scheme),
        "reopen_form": ReopenForm(),
    })


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
