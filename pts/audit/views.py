"""The audit-trail page: coordinators (and administrators) read the changes in their subtree.

Officers and executives get 403: the trail holds other people's before/after values (users, roles,
returned reports), so it is a coordinator's tool. Events without a unit (user accounts) are
visible to administrators only, except changes to shared settings that reach down (a national
extra holiday: every coordinator; a tree's extra holiday: the coordinators of that tree, at any
level), through `scope.coordinated_or_reaching`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from pts.audit import sentences
from pts.audit.models import AuditEvent
from pts.core.thai import bilingual, normalize_digits
from pts.organisations import scope
from pts.organisations.models import Org
from pts.organisations.queries import search_orgs
from pts.ui import paging
from pts.ui.exports import csv_response
from pts.ui.fields import MonthField, ThaiDateField
from pts.ui.templatetags.pts import month_label

MAX_UNITS = 50  # units a name search may match before the trail asks for a closer name


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=pgettext_lazy("audit", "Action"), required=False)
    unit = forms.CharField(label=_("Unit (code or name)"), required=False, max_length=100)
    period = MonthField(label=_("Month concerned"), required=False, max_length=30,
                        help_text=_("e.g. ต.ค. 65 or 2022-10"))
    actor = forms.CharField(label=_("By (username)"), required=False, max_length=150)
    date_from = ThaiDateField(label=_("From"), required=False, help_text="")  # placeholder: the format, translated
    date_to = ThaiDateField(label=_("To"), required=False, help_text="")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = sentences.action_choices()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", bilingual("วันที่สิ้นสุดต้องไม่ก่อนวันที่เริ่มต้น", "'to' must not be before 'from'"))
        return data


def visible_events(user: Any) -> QuerySet[AuditEvent]:
    """Every event `user` may read on the trail (and in its export): those of the units they
    coordinate, and the changes that reach down to them (`scope.coordinated_or_reaching`)."""
    return scope.coordinated_or_reaching(user, AuditEvent.objects.select_related("actor", "unit"))


def _units(user: Any, text: str) -> tuple[list[Org], str | None]:
    """The units a code or part of a name means, in the user's scope; and a note if none or too many."""
    orgs = scope.coordinated(user, Org.objects.all())
    exact = list(orgs.filter(code=normalize_digits(text)))
    if exact:
        return exact, None
    found = list(search_orgs(orgs, text).order_by("path")[:MAX_UNITS + 1])
    if not found:
        return [], bilingual(f"ไม่พบหน่วยงาน '{text}' ในขอบเขตของท่าน", f"no unit '{text}' in your scope")
    if len(found) > MAX_UNITS:
        return [], bilingual(f"'{text}' ตรงกับหน่วยงานมากกว่า {MAX_UNITS} หน่วย โปรดระบุให้ชัดขึ้น",
                             f"'{text}' matches more than {MAX_UNITS} units: please be more specific")
    return found, None


def filter_events(user: Any, data: dict[str, Any]) -> tuple[QuerySet[AuditEvent], str | None]:
    """The events `user` may read, narrowed by the cleaned filter values; and a note if the unit is unknown."""
    qs = visible_events(user)
    note = None
    text = (data.get("unit") or "").strip()
    if text:
        units, note = _units(user, text)
        where = Q()
        for unit in units:
            where |= Q(unit__path__startswith=unit.path)
            # changes that reach down to it (an extra holiday of a tree above it, a national day)
            where |= Q(reaches_down=True) & (Q(unit__isnull=True) | Q(unit__path__in=scope.ancestor_paths(unit.path)))
        qs = qs.filter(where) if units else qs.none()
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
class Row:
    event: AuditEvent
    sentence: str
    changes: list[sentences.Change]
    before: str
    after: str


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditEvent], str | None]:
    if not scope.is_coordinator(request.user):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, AuditEvent.objects.none(), None
    events, note = filter_events(request.user, form.cleaned_data if form.is_bound else {})
    return form, events, note


@login_required
@require_safe
def event_list(request: HttpRequest) -> HttpResponse:
    form, events, note = _filtered(request)
    page = paging.paginate(request, events)
    rows = [Row(e, sentences.sentence(e), sentences.changes(e), sentences.raw(e.before), sentences.raw(e.after))
            for e in page.object_list]
    return render(request, "audit/list.html", {"form": form, "page": page, "rows": rows, "note": note})


@login_required
@require_safe
def event_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The filtered trail as CSV (UTF-8 with BOM, formula-safe, BE dates in Thai), the same rows as the page."""
    _form, events, _note = _filtered(request)
    header = [gettext("When"), gettext("Who"), pgettext("audit", "Action"), gettext("Unit code"), gettext("Unit"), gettext("Month concerned"),
              gettext("What happened"), gettext("Before → after"), gettext("Reason")]

    def rows() -> Iterator[list[str]]:
        for e in events.iterator(chunk_size=500):
            yield [sentences.show_date(e.at), sentences.actor_name(e), str(sentences.sentence_for(e.action).label),
                   e.unit.code if e.unit else "", e.unit.name if e.unit else "",
                   month_label(e.period) if e.period else "", sentences.sentence(e), sentences.changes_text(e),
                   e.note]

    return csv_response("audit-trail.csv", header, rows(), streaming=True)
