"""The audit-trail page: coordinators (and administrators) read the changes in their subtree.

Officers and executives get 403: the trail holds other people's before/after values (users, roles,
returned reports), so it is a coordinator's tool. Events without a unit (user accounts) are
visible to administrators only, except changes to shared settings that reach down (a national
extra holiday: every coordinator; a tree's extra holiday: the coordinators of that tree, at any
level), through `scope.coordinated_or_reaching`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_safe

from pts.audit.models import AuditEvent
from pts.core.thai import bilingual, normalize_digits
from pts.organisations import scope
from pts.organisations.models import Org
from pts.ui import paging
from pts.ui.fields import MonthField, ThaiDateField

MISSING = object()


class AuditFilterForm(forms.Form):
    unit = forms.CharField(label=_("Unit code"), required=False, max_length=20)
    period = MonthField(label=_("Month concerned"), required=False, max_length=30,
                        help_text=_("e.g. ต.ค. 65 or 2022-10"))
    action = forms.CharField(label=pgettext_lazy("audit", "Action"), required=False, max_length=60,
                             help_text=_("e.g. report.submit, or report. for every report action"))
    actor = forms.CharField(label=_("By (username)"), required=False, max_length=150)
    date_from = ThaiDateField(label=_("From"), required=False, help_text="",
                              widget=forms.TextInput(attrs={"placeholder": "วว/ดด/ปปปป"}))
    date_to = ThaiDateField(label=_("To"), required=False, help_text="",
                            widget=forms.TextInput(attrs={"placeholder": "วว/ดด/ปปปป"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", bilingual("วันที่สิ้นสุดต้องไม่ก่อนวันที่เริ่มต้น", "'to' must not be before 'from'"))
        return data


def filter_events(user: Any, data: dict[str, Any]) -> tuple[QuerySet[AuditEvent], str | None]:
    """The events `user` may read, narrowed by the cleaned filter values; and a note if the unit is unknown."""
    qs = scope.coordinated_or_reaching(user, AuditEvent.objects.select_related("actor", "unit"))
    note = None
    code = normalize_digits(data.get("unit") or "").strip()
    if code:
        unit = scope.coordinated(user, Org.objects.filter(code=code)).first()
        if unit is None:
            note = bilingual(f"ไม่พบหน่วยงานรหัส '{code}' ในขอบเขตของท่าน", f"no unit '{code}' in your scope")
            qs = qs.none()
        else:
            reaching = Q(reaches_down=True) & (Q(unit__isnull=True) | Q(unit__path__in=scope.ancestor_paths(unit.path)))
            qs = qs.filter(Q(unit__path__startswith=unit.path) | reaching)
    if data.get("period"):
        qs = qs.filter(period=data["period"].first_day)
    if data.get("action"):
        action = data["action"].strip()
        qs = qs.filter(action__startswith=action) if action.endswith(".") else qs.filter(action=action)
    if data.get("actor"):
        qs = qs.filter(actor__username=data["actor"].strip())
    tz = timezone.get_current_timezone()
    if data.get("date_from"):
        qs = qs.filter(at__gte=datetime.combine(data["date_from"], time.min, tzinfo=tz))
    if data.get("date_to"):
        qs = qs.filter(at__lt=datetime.combine(data["date_to"] + timedelta(days=1), time.min, tzinfo=tz))
    return qs, note


@dataclass(frozen=True)
class Change:
    key: str
    before: Any
    after: Any


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[Change]:
    """The keys whose values differ between before and after, in a stable order (a compact diff)."""
    before, after = before or {}, after or {}
    keys = list(before) + [k for k in after if k not in before]
    return [
        Change(k, before.get(k, MISSING), after.get(k, MISSING))
        for k in keys
        if before.get(k, MISSING) != after.get(k, MISSING)
    ]


@dataclass(frozen=True)
class Row:
    event: AuditEvent
    changes: list[Change]


@login_required
@require_safe
def event_list(request: HttpRequest) -> HttpResponse:
    if not scope.is_coordinator(request.user):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    note = None
    if form.is_bound and not form.is_valid():
        events = AuditEvent.objects.none()
    else:
        events, note = filter_events(request.user, form.cleaned_data if form.is_bound else {})
    page = paging.paginate(request, events)
    rows = [Row(e, changes(e.before, e.after)) for e in page.object_list]
    return render(request, "audit/list.html", {
        "form": form, "page": page, "rows": rows, "note": note, "missing": MISSING,
    })
