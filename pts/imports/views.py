"""The imports' pages: the list, the upload, a batch's page (progress, columns to match, errors,
preview, confirm, undo) and its CSV downloads. Every batch is looked up through `pipeline.may_see`
(404 otherwise); confirming, cancelling and undoing need `pipeline.may_manage`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pts.budget.models import Category, MovementKind
from pts.imports import actions, jobs, layouts, pipeline
from pts.imports.forms import ColumnsForm, UploadForm
from pts.imports.models import WORKING, BatchIssue, BatchTotal, ImportBatch, State
from pts.organisations import scope
from pts.organisations.models import Org
from pts.organisations.permissions import SignedInRequest
from pts.ui.exports import csv_response
from pts.ui.forms import add_action_errors
from pts.ui.paging import paginate

ERRORS_PER_PAGE = 50
# states in which the batch page polls its progress
RUNNING = (State.QUEUED, State.CONFIRMED, *WORKING)


def may_import(user: Any) -> bool:
    """Officers and coordinators (anyone who may write a unit) import files."""
    return bool(user.is_superuser) or scope.editable(user, Org.objects.all()).exists()


def _batch(request: SignedInRequest, batch_id: int) -> ImportBatch:
    batch = get_object_or_404(ImportBatch.objects.select_related(
        "fiscal_year", "scheme", "org", "uploaded_by", "undone_by", "mapping", "ledger_batch"), pk=batch_id)
    if not pipeline.may_see(request.user, batch):
        raise Http404
    return batch


def _managed(request: SignedInRequest, batch_id: int) -> ImportBatch:
    batch = _batch(request, batch_id)
    if not pipeline.may_manage(request.user, batch):
        raise Http404  # a batch one may see but not manage: nothing to act on here
    return batch


def _layout_label(code: str) -> str:
    return layouts.get(code).label() if code in layouts.available() else code


def _category(code: str) -> str:
    try:
        return str(Category(code).label)
    except ValueError:
        return code


def _kind(code: str) -> str:
    try:
        return str(MovementKind(code).label)
    except ValueError:
        return code


@login_required
def batch_list(request: SignedInRequest) -> HttpResponse:
    batches = scope.visible(request.user, ImportBatch.objects.all()) | ImportBatch.objects.filter(
        uploaded_by=request.user)
    batches = batches.distinct().select_related("fiscal_year", "uploaded_by").order_by("-uploaded_at", "-id")
    page = paginate(request, batches)
    for b in page.object_list:
        b.layout_label = _layout_label(b.layout)
    return render(request, "imports/list.html", {"page": page, "may_import": may_import(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: SignedInRequest) -> HttpResponse:
    if not may_import(request.user):
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload_file = data["file"]
        try:
            batch = pipeline.start(actor=request.user, layout=data["layout"], source=upload_file,
                                   file_name=upload_file.name, fiscal_year=data["fiscal_year"],
                                   scheme=data["scheme"], mapping=data["mapping"], replace=data["replace"])
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            jobs.launch(batch)
            return redirect("imports:batch", batch_id=batch.pk)
    return render(request, "imports/upload.html", {"form": form})


def _progress(batch: ImportBatch) -> dict[str, Any]:
    done, total = batch.done, batch.total
    if batch.state in (State.QUEUED, State.CONFIRMED):
        text = _("Waiting for its turn…")
    elif batch.state == State.READING:
        text = (_("Read %(done)s of %(total)s rows") % {"done": f"{done:,}", "total": f"{total:,}"} if total
                else _("Read %(done)s rows") % {"done": f"{done:,}"})
    elif batch.state == State.COMMITTING:
        text = _("Writing %(total)s lines…") % {"total": f"{total or batch.lines:,}"}
    else:
        text = (_("Undone %(done)s of %(total)s lines") % {"done": f"{done:,}", "total": f"{total:,}"} if total
                else _("Undoing…"))
    return {"text": text, "done": min(done, total) if total else None, "total": total or None}


@login_required
def batch_progress(request: SignedInRequest, batch_id: int) -> HttpResponse:
    """The progress bar alone, polled by htmx every second; once the job is over the page reloads."""
    batch = _batch(request, batch_id)
    response = render(request, "imports/_progress.html", {"batch": batch, "progress": _progress(batch),
                                                          "running": batch.state in RUNNING})
    if batch.state not in RUNNING:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def batch_detail(request: SignedInRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    if jobs.recover_one(batch):  # its worker went silent: taken over here
        batch = _batch(request, batch_id)
    may_manage = pipeline.may_manage(request.user, batch)
    ctx: dict[str, Any] = {"batch": batch, "layout_label": _layout_label(batch.layout), "may_manage": may_manage,
                           "running": batch.state in RUNNING, "progress": _progress(batch)}
    if batch.state == State.MAPPING:
        layout = layouts.get(batch.layout)
        header = [str(h) for h in batch.summary.get("header", [])]
        form = ColumnsForm(request.POST or None, layout=layout, header=header,
                           initial_columns=batch.columns or {})
        if request.method == "POST":
            if not may_manage:
                raise Http404
            if form.is_valid():
                columns = form.columns()
                name = form.cleaned_data["save_as"].strip()
                try:
                    if name:
                        mapping = actions.mapping_save(actor=request.user, org=batch.org, layout=batch.layout,
                                                       name=name, columns=columns)
                        ImportBatch.objects.filter(pk=batch.pk).update(mapping=mapping)
                except ValidationError as exc:
                    add_action_errors(form, exc)
                else:
                    if ImportBatch.objects.filter(pk=batch.pk, state=State.MAPPING).update(
                            columns=columns, state=State.QUEUED, done=0, total=0):
                        batch.refresh_from_db()
                        jobs.launch(batch)
                    return redirect("imports:batch", batch_id=batch.pk)
        ctx["form"] = form
        ctx["errors"] = BatchIssue.objects.filter(batch=batch, warning=False)[:20]
    elif request.method == "POST":
        return redirect("imports:batch", batch_id=batch.pk)
    if batch.state == State.REFUSED:
        errors = BatchIssue.objects.filter(batch=batch, warning=False)
        page = paginate(request, errors, ERRORS_PER_PAGE)
        stored = page.paginator.count
        ctx.update({"page": page, "not_stored": max(batch.error_count - stored, 0)})
    if batch.state in (State.PREVIEWED, State.COMMITTED, State.UNDONE, State.CONFIRMED, State.COMMITTING):
        ctx.update(_preview(request, batch))
    return render(request, "imports/batch.html", ctx)


def _preview(request: SignedInRequest, batch: ImportBatch) -> dict[str, Any]:
    summary = batch.summary or {}
    categories = [(_category(c), n, a) for c, (n, a) in sorted(summary.get("categories", {}).items())]
    kinds = [(_kind(k), n, a) for k, (n, a) in sorted(summary.get("kinds", {}).items())]
    totals = BatchTotal.objects.filter(batch=batch).select_related("unit").order_by("unit__code", "category", "kind")
    page = paginate(request, totals)
    for t in page.object_list:
        t.category_label, t.kind_label = _category(t.category), _kind(t.kind)
    warnings = list(BatchIssue.objects.filter(batch=batch, warning=True)[:100])
    return {"categories": categories, "kinds": kinds, "page": page, "warnings": warnings,
            "notes": [str(w) for w in (batch.warnings or [])]}


@login_required
@require_POST
def batch_confirm(request: SignedInRequest, batch_id: int) -> HttpResponse:
    batch = _managed(request, batch_id)
    try:
        pipeline.confirm(batch, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        jobs.launch(batch)
    return redirect("imports:batch", batch_id=batch.pk)


@login_required
@require_POST
def batch_cancel(request: SignedInRequest, batch_id: int) -> HttpResponse:
    batch = _managed(request, batch_id)
    try:
        pipeline.cancel(batch, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("imports:batch", batch_id=batch.pk)


@login_required
@require_http_methods(["GET", "POST"])
def batch_undo(request: SignedInRequest, batch_id: int) -> HttpResponse:
    """GET: what will be reversed, and a button; POST: the undo is queued and runs as a job."""
    batch = _managed(request, batch_id)
    if request.method == "POST":
        try:
            pipeline.request_undo(batch, request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            jobs.launch(batch)
        return redirect("imports:batch", batch_id=batch.pk)
    if batch.state != State.COMMITTED:
        return redirect("imports:batch", batch_id=batch.pk)
    ctx = {"batch": batch, "layout_label": _layout_label(batch.layout), **_preview(request, batch)}
    return render(request, "imports/undo.html", ctx)


@login_required
def errors_csv(request: SignedInRequest, batch_id: int) -> HttpResponse | StreamingHttpResponse:
    batch = _batch(request, batch_id)
    rows = BatchIssue.objects.filter(batch=batch).order_by("id").values_list(
        "sheet", "row", "column", "value", "message_th", "message_en", "warning").iterator()
    header = ["ชีต / sheet", "แถว / row", "คอลัมน์ / column", "ค่า / value", "ข้อความ", "message",
              "คำเตือน / warning"]
    return csv_response(f"import-{batch.pk}-errors.csv", header,
                        ((s, r or "", c, v, th, en, "1" if w else "") for s, r, c, v, th, en, w in rows),
                        streaming=True)


@login_required
def totals_csv(request: SignedInRequest, batch_id: int) -> HttpResponse | StreamingHttpResponse:
    batch = _batch(request, batch_id)
    totals = BatchTotal.objects.filter(batch=batch).select_related("unit").order_by("unit__code", "category", "kind")
    header = ["รหัสหน่วย / unit code", "หน่วยงาน / unit", "หมวด / category", "ประเภท / kind", "รายการ / lines",
              "จำนวนเงิน (บาท) / amount (baht)"]
    return csv_response(f"import-{batch.pk}-totals.csv", header, (
        (t.unit.code, t.unit.name_th, _category(t.category), _kind(t.kind), t.lines, _baht(t.amount))
        for t in totals.iterator()), streaming=True)


def _baht(satang: int) -> str:
    sign = "-" if satang < 0 else ""
    whole, part = divmod(abs(satang), 100)
    return f"{sign}{whole}.{part:02d}"
