"""Pages of reconciliation (reports against imports) and of a report filled from a GFMIS file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from pts.core import clock
from pts.core.thai import bilingual
from pts.imports import fill, recon
from pts.imports.models import ImportMapping, ReconSource
from pts.organisations import scope
from pts.organisations.models import Org
from pts.organisations.permissions import SignedInRequest
from pts.reporting.models import ReportingPeriod
from pts.schemes.models import Scheme

FILL_SESSION = "pts.report_fill"


def _scheme(request: HttpRequest, code: str) -> Scheme:
    found = recon.visible_schemes(request.user).filter(code=code).first()
    if found is None:
        raise Http404
    return found


@login_required
def reconcile(request: HttpRequest, scheme: str) -> HttpResponse:
    """The differences the user sees in a scheme; a coordinator of the unit accepts one source of each."""
    found = _scheme(request, scheme)
    units = recon.units_for(request.user, found)
    rows = recon.differences(found, units)
    coordinated = set(scope.coordinated(request.user, Org.objects.filter(pk__in=[u.pk for u in units]))
                      .values_list("pk", flat=True))
    return render(request, "imports/reconcile.html", {
        "scheme": found, "rows": [(d, d.unit.pk in coordinated) for d in rows],
        "can_decide": bool(coordinated), "tolerance": recon.tolerance(found),
    })


@login_required
@require_POST
def reconcile_accept(request: SignedInRequest, scheme: str) -> HttpResponse:
    found = _scheme(request, scheme)
    source = request.POST.get("source", "")
    try:
        recon.recon_accept(actor=request.user, scheme=found, token=request.POST.get("difference", ""),
                           source=source, now=clock.now())
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if source == ReconSource.IMPORT:
            messages.success(request, _("The imported figure was taken: the ledger now shows it."))
        else:
            messages.success(request, _("The reported figure was kept; the difference is no longer listed."))
    return redirect("recon:reconcile", scheme=found.code)


def board_summary(user: Any, scheme: Scheme) -> tuple[int, str] | None:
    """For the coordinator's board (`pts.schemes.hooks.recon_summary`): how many differences, and where."""
    count = recon.count_for(user, scheme)
    if not count:
        return None
    return count, reverse("recon:reconcile", kwargs={"scheme": scheme.code})


# -- a report filled from the officer's GFMIS export ----------------------------------------------------

class FillForm(forms.Form):
    file = forms.FileField(label=_("GFMIS file (CSV or xlsx)"))
    mapping = forms.ModelChoiceField(queryset=ImportMapping.objects.none(), required=False,
                                     label=_("Saved column mapping"), empty_label=_("the file's own headers"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mapping = self.fields["mapping"]
        assert isinstance(mapping, forms.ModelChoiceField)
        mapping.queryset = scope.visible_or_reaching(user, ImportMapping.objects.filter(layout="gfmis")).order_by("name")


def _key(period: ReportingPeriod, unit: Org) -> str:
    return f"{period.pk}:{unit.pk}"


def report_fill_offer(request: Any, period: ReportingPeriod, unit: Org) -> dict[str, Any] | None:
    """For the report form (`pts.schemes.hooks.report_fill`): the upload, and what the last one read
    (taken once from the session: a reload shows the form as saved)."""
    if not scope.can_edit_unit(request.user, unit):
        return None
    done = request.session.get(FILL_SESSION, {})
    got = done.pop(_key(period, unit), None) if request.method == "GET" else None
    if got is not None:
        request.session[FILL_SESSION] = done
    figures = None
    if got and got.get("figures") is not None:
        figures = {category: (int(c), int(d)) for category, (c, d) in got["figures"].items()}
    return {"action": reverse("recon:report_fill", kwargs={"period_id": period.pk, "unit_id": unit.pk}),
            "form": FillForm(user=request.user), "figures": figures, "errors": (got or {}).get("errors", []),
            "file_name": (got or {}).get("file_name", ""), "lines": (got or {}).get("lines", 0),
            "later": (got or {}).get("later", 0), "others": (got or {}).get("others", 0)}


@login_required
@require_POST
def report_fill(request: SignedInRequest, period_id: int, unit_id: int) -> HttpResponse:
    """Read the uploaded GFMIS file (a dry run, never committed) and send the officer back to the form
    with its figures in it, to check and save or submit as usual."""
    unit = scope.get_editable(request.user, Org.objects.all(), pk=unit_id)
    period = get_object_or_404(ReportingPeriod.objects.filter(scheme__units=unit).select_related("scheme__fiscal_year"),
                               pk=period_id)
    back = redirect("reporting:report_edit", period_id=period.pk, unit_id=unit.pk)
    form = FillForm(request.POST, request.FILES, user=request.user)
    result: dict[str, Any]
    if not form.is_valid():
        result = {"errors": [bilingual("เลือกไฟล์ GFMIS (CSV หรือ xlsx)", "choose a GFMIS file (CSV or xlsx)")]}
    else:
        upload = form.cleaned_data["file"]
        try:
            filled = fill.fill_from_file(actor=request.user, period=period, unit=unit, source=upload,
                                         file_name=upload.name or "gfmis", mapping=form.cleaned_data["mapping"])
        except ValidationError as exc:
            filled = fill.Filled(errors=list(exc.messages))
        result = {"file_name": (upload.name or "")[:120], "errors": filled.errors, "lines": filled.lines,
                  "later": filled.later, "others": filled.others,
                  "figures": {c: [v[0], v[1]] for c, v in filled.figures.items()} if filled.ok else None}
    done = request.session.get(FILL_SESSION, {})
    done[_key(period, unit)] = result
    request.session[FILL_SESSION] = done
    return back
