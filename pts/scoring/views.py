"""Scoring screens: a scheme's league table and a unit's score card, the coordinator's freeze and override.

Schemes and units are fetched through the scoped queries (outsiders get 404); an officer's league
table holds only the rows of the units they may see, ranked among every unit of the scheme.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from pts.budget import years
from pts.core import clock
from pts.core.fiscal import parse_month, thai_date_numeric
from pts.core.thai import bilingual
from pts.organisations import scope
from pts.organisations.models import Org
from pts.organisations.permissions import SignedInRequest
from pts.organisations.queries import org_matches
from pts.schemes.models import Scheme
from pts.schemes.queries import can_coordinate_scheme, scheme_units_visible, schemes_visible_to
from pts.scoring import actions, queries, ruleedit, rulesets
from pts.scoring import deductions as deduction_actions
from pts.scoring.engine import Explainer, RoundResult, RuleSet, RuleSetError, parse_ruleset, tomlwrite
from pts.scoring.engine.explain import points, show
from pts.scoring.forms import (
    AsOfForm,
    DeductionForm,
    DeductionWithdrawForm,
    FreezeForm,
    OverrideForm,
    RuleSetEditForm,
    RuleSetImportForm,
)
from pts.scoring.models import DeductionEvent, FrozenRound, RuleSetVersion
from pts.scoring.sources import deduction_causes, deductions_visible_to, recorded_deductions
from pts.ui import paging
from pts.ui.exports import csv_response, xlsx_response
from pts.ui.forms import action_error_text, add_action_errors
from pts.ui.templatetags.pts import thai_date


def _scheme(request: HttpRequest, code: str) -> Scheme:
    return get_object_or_404(schemes_visible_to(request.user).select_related("fiscal_year"), code=code)


def readable_rules(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A scheme whose rule set cannot be read (a hand-edited row naming no rule set in the system)
    shows why, with a 409 answer, instead of failing."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except RuleSetError as exc:
            obj = _scheme(request, kwargs["scheme"])
            return render(request, "scoring/rules_broken.html", {"scheme": obj, "issues": exc.issues}, status=409)

    return wrapped


def _rounds(rules: RuleSet) -> list[tuple[int, str]]:
    return [(r.id, r.label.th if get_language() != "en" else r.label.en) for r in rules.rounds]


def _label(label: Any) -> str:
    return label.en if get_language() == "en" and label.en else label.th


@dataclass(frozen=True, slots=True)
class LeagueUnit:
    """What a league row shows of its unit (league() only carries it to the row)."""

    pk: int
    code: str
    name_th: str
    name_en: str

    @property
    def name(self) -> str:
        return self.name_en if get_language() == "en" and self.name_en else self.name_th


@dataclass
class Selection:
    """What a page shows: the round, the as-of date, and whether it is the frozen result."""

    round_no: int
    as_of: date
    frozen: FrozenRound | None
    use_frozen: bool
    form: AsOfForm


def _select(params: Any, scheme: Scheme, rules: RuleSet, *, user: Any) -> Selection:
    """The round and as-of date asked for in `params` (a query string, or a posted form), else the
    latest round begun by the year's default day (`years.default_as_of`: today while the year runs,
    else its latest reporting month or its end); the form shown says what is in use."""
    fy = scheme.fiscal_year
    form = AsOfForm(params or None, rounds=_rounds(rules), min_date=fy.start, max_date=fy.end)
    today = years.default_as_of(fy, user=user)
    chosen_round, chosen_date = None, None
    if form.is_valid():
        chosen_round, chosen_date = form.cleaned_data.get("round"), form.cleaned_data.get("as_of")
    if chosen_round is None:
        as_of = chosen_date or today
        started = [r.id for r in rules.rounds if r.first.first_day <= as_of]
        chosen_round = started[-1] if started else rules.rounds[0].id
    frozen = FrozenRound.objects.filter(scheme=scheme, round_no=chosen_round).select_related("frozen_by").first()
    use_frozen = frozen is not None and (chosen_date is None or chosen_date == frozen.as_of)
    as_of = chosen_date or (frozen.as_of if frozen else today)
    if not form.errors:  # show the round and date in use, not an empty picker
        form = AsOfForm(initial={"as_of": as_of, "round": chosen_round}, rounds=_rounds(rules),
                        min_date=fy.start, max_date=fy.end)
    return Selection(chosen_round, as_of, frozen, use_frozen, form)


def _query(sel: Selection) -> str:
    """The query string that shows the same round and date on another page."""
    return urlencode({"round": sel.round_no, "as_of": sel.as_of.isoformat()})


def _results(scheme: Scheme, rules: RuleSet, sel: Selection,
             explain: tuple[str, ...] = ()) -> tuple[list[RoundResult], dict[tuple[str, str], Any]]:
    """The round's results (frozen or current) with overrides; `explain`: units whose lines are shown."""
    if sel.use_frozen:
        results = queries.frozen_results(sel.frozen)  # type: ignore[arg-type]
    else:
        results = [r for r in queries.score_scheme(scheme=scheme, as_of=sel.as_of, rules=rules, explain=explain)
                   if r.round == sel.round_no]
    overrides = queries.latest_overrides(scheme, sel.round_no)
    return queries.apply_overrides(rules, results, overrides), overrides


@login_required
@readable_rules
def league(request: HttpRequest, scheme: str) -> HttpResponse:
    obj = _scheme(request, scheme)
    rules = queries.rules_for(obj)
    sel = _select(request.GET, obj, rules, user=request.user)
    results, overrides = _results(obj, rules, sel)
    # every unit of the scheme takes a place; light rows, not 10,000 model instances
    units = {code: LeagueUnit(pk, code, name_th, name_en)
             for pk, code, name_th, name_en in obj.units.values_list("pk", "code", "name_th", "name_en")}
    visible = set(scheme_units_visible(request.user, obj).values_list("code", flat=True))
    rows = queries.league(rules, results, round_no=sel.round_no, units=cast("dict[str, Org]", units),
                          visible_codes=visible, overridden=overrides.keys())
    # ranks are over every unit of the scheme; a search and the pages only cut what is shown
    q = paging.search_term(request)
    page = paging.paginate(request, [row for row in rows if org_matches(row.unit, q)] if q else rows)
    criteria = [c for c in rules.criteria]
    groups = {g.id: _label(g.label) for g in rules.size_groups}
    awards = {a.id: _label(a.label) for a in rules.awards}
    ranked = queries.ranked_per_group(results, round_no=sel.round_no, units=units)
    table = [{
        "unit": row.unit, "rank": row.rank, "of": ranked[row.result.size_group] if row.rank else 0,
        "group": groups.get(row.result.size_group or "", "") if row.rank else "",
        "award": awards.get(row.result.award or "", ""), "assessed": row.result.assessed,
        "items": [(points(row.result.items[c.id].score) if row.result.assessed else "-", c.id in row.overridden)
                  for c in criteria],
        "total": points(row.result.total), "max": points(row.result.max),
        "checks": [_check_state(row.result, c.id) for c in rules.checks],
    } for row in page.object_list]
    can_coordinate = can_coordinate_scheme(request.user, obj)
    return paging.render_list(request, "scoring/league.html", "scoring/_league_results.html", {
        "scheme": obj, "rules": rules, "rules_label": _label(rules.label), "sel": sel, "form": sel.form,
        "frozen_rules": _frozen_rules(sel.frozen, rules) if sel.frozen else ("", ""),
        "criteria": [(c.id, _label(c.heading), _label(c.label), _max_text(c)) for c in criteria], "table": table,
        "provisional": _provisional(rules, sel),
        "checks": [(_label(c.heading), _label(c.label)) for c in rules.checks],
        "page": page, "q": q, "shown_of": len(rows),
        "can_coordinate": can_coordinate, "query": _query(sel),
        "freeze_form": FreezeForm(rounds=_rounds(rules), initial={"round_no": sel.round_no, "as_of": sel.as_of})
        if can_coordinate and sel.frozen is None else None,
    })


def _frozen_rules(frozen: FrozenRound, rules: RuleSet) -> tuple[str, str]:
    """The rule set a frozen round was scored with, by its title, and its id when the system no
    longer has it (shown only behind a details toggle)."""
    if frozen.app_version_id is not None:
        title = rulesets.ref_title(f"{rulesets.APP_PREFIX}{frozen.app_version_id}", _lang())
    elif frozen.rule_set == rules.id:
        title = _label(rules.label) or rules.label.en or rules.label.th
    else:
        title = rulesets.ref_title(frozen.rule_set, _lang())
    if title:
        return title, ""
    return _("a rule set no longer in the system (version %(version)s)") % {
        "version": frozen.rule_set_version or "-"}, frozen.rule_set


@login_required
@readable_rules
def card(request: HttpRequest, scheme: str, unit_id: int) -> HttpResponse:
    obj = _scheme(request, scheme)
    unit = scope.get_visible(request.user, obj.units.all(), pk=unit_id)
    rules = queries.rules_for(obj)
    sel = _select(request.GET, obj, rules, user=request.user)
    return _render_card(request, obj, unit, rules, sel, override_form=None)


def _render_card(request: HttpRequest, obj: Scheme, unit: Any, rules: RuleSet, sel: Selection,
                 override_form: OverrideForm | None, status: int = 200,
                 deduction_form: DeductionForm | None = None) -> HttpResponse:
    results, overrides = _results(obj, rules, sel, explain=(unit.code,))
    result = next((r for r in results if r.unit == unit.code), None)
    explain = Explainer(rules)
    say = explain.en if get_language() == "en" else explain.th
    items = []
    for c in rules.criteria:
        item = result.items[c.id] if result else None
        o = overrides.get((unit.code, c.id))
        items.append({
            "id": c.id, "heading": _label(c.heading), "label": _label(c.label),
            "score": points(item.score) if item else "-",
            "max": _max_text(c), "lines": [say(ln) for ln in item.lines] if item else [], "override": o,
        })
    checks = [{"heading": _label(c.heading), "label": _label(c.label), "state": _check_state(result, c.id),
               "lines": [say(ln) for ln in result.checks[c.id].lines] if result and c.id in result.checks else []}
              for c in rules.checks]
    changes: list[queries.Change] = []
    if sel.frozen is not None:
        frozen_rows = [r for r in queries.frozen_results(sel.frozen) if r.unit == unit.code]
        live = [r for r in queries.score_scheme(scheme=obj, as_of=sel.as_of, rules=rules, explain=())
                if r.unit == unit.code and r.round == sel.round_no]
        changes = queries.diff(frozen_rows, live)
    can_coordinate = can_coordinate_scheme(request.user, obj)
    if can_coordinate and override_form is None:
        override_form = OverrideForm(
            rounds=_rounds(rules), criteria=_criteria_choices(rules), initial={"round_no": sel.round_no})
    causes = deduction_causes(rules)
    if can_coordinate and causes and deduction_form is None:
        deduction_form = DeductionForm(causes=_cause_choices(rules))
    # the engine's deductions that no one recorded (derived from the ledger and the procurement rounds)
    # are shown apart from the coordinator's; a recorded event counts once against one engine line
    lines = [ln for c in rules.criteria if c.kind == "deductions" and result and c.id in result.items
             for ln in result.items[c.id].lines if ln.code == "deduction"]
    months = sorted({parse_month(ln.facts["month"]) for ln in lines})
    kept = Counter((d.cause, d.month.iso(), d.note) for d in recorded_deductions(
        scheme=obj, rules=rules, months=months, unit_ids=[unit.pk], as_of=sel.as_of).get(unit.pk, ()))
    automatic = []
    for ln in lines:
        key = (ln.facts["cause"], ln.facts["month"], ln.facts["note"])
        if kept[key]:
            kept[key] -= 1
        else:
            automatic.append(say(ln))
    recorded = [(e, _label(causes[e.cause].label) if e.cause in causes else e.cause)
                for e in deductions_visible_to(user=request.user, scheme=obj).filter(unit=unit)]
    return render(request, "scoring/card.html", {
        "scheme": obj, "unit": unit, "rules_label": _label(rules.label), "template": rules.template,
        "sel": sel, "form": sel.form, "result": result, "items": items, "checks": checks,
        "total": points(result.total) if result and result.assessed else "-",
        "max": points(result.max) if result else "-", "assessed": result.assessed if result else True,
        "provisional": _provisional(rules, sel),
        "notes": [say(ln) for ln in result.notes] if result else [],
        "needed": [(_label(rules.series[n.series].label), n)
                   for n in queries.needed_by_month_end(scheme=obj, rules=rules, unit=unit, as_of=sel.as_of)],
        "changes": [(_criterion_name(rules, ch.item), _shown(ch.frozen), _shown(ch.current)) for ch in changes],
        "round_label": dict(_rounds(rules)).get(sel.round_no, ""),
        "query": _query(sel),
        "can_coordinate": can_coordinate, "override_form": override_form if can_coordinate else None,
        "has_deductions": bool(causes) or bool(recorded), "recorded_deductions": recorded,
        "automatic_deductions": automatic,
        "deduction_form": deduction_form if can_coordinate and causes else None,
        "withdraw_form": DeductionWithdrawForm() if can_coordinate else None,
    }, status=status)


def _shown(value: Fraction | None) -> str:
    return points(value) if value is not None else "-"


def _check_state(result: RoundResult | None, cid: str) -> str:
    """ "passed", "failed" or "" (nothing to check) for a template to show."""
    found = result.checks.get(cid) if result else None
    return "" if found is None or found.passed is None else "passed" if found.passed else "failed"


def _provisional(rules: RuleSet, sel: Selection) -> bool:
    """A round not ended by the date shown: its points may still change."""
    return any(r.id == sel.round_no and sel.as_of < r.last.last_day for r in rules.rounds)


def _max_text(criterion: Any) -> str:
    """A criterion's maximum as shown; deductions have none (they take points, up to their cap)."""
    return "" if criterion.kind == "deductions" else points(criterion.max)


def _criterion_name(rules: RuleSet, cid: str) -> str:
    if cid == "total":
        return pgettext("score", "Total")
    found = next((c for c in rules.criteria if c.id == cid), None)
    return f"{_label(found.heading)} {_label(found.label)}".strip() if found else cid


def _cause_choices(rules: RuleSet) -> list[tuple[str, str]]:
    return [(c.id, f"{_label(c.label)} (−{show(c.points, 4)})") for c in deduction_causes(rules).values()]


def _criteria_choices(rules: RuleSet) -> list[tuple[str, str]]:
    out = []
    for c in rules.criteria:
        low, high = actions.override_range(rules, c, rules.rounds[-1].id)
        bounds = f"≤ {show(high, 4)}" if low == 0 else f"{show(low, 4)}..0"
        out.append((c.id, f"{_label(c.heading)} ({bounds}) {_label(c.label)}"))
    return out


@login_required
@require_POST
@readable_rules
def override(request: SignedInRequest, scheme: str, unit_id: int) -> HttpResponse:
    obj = _scheme(request, scheme)
    unit = scope.get_visible(request.user, obj.units.all(), pk=unit_id)
    if not can_coordinate_scheme(request.user, obj):
        raise PermissionDenied
    rules = queries.rules_for(obj)
    form = OverrideForm(request.POST, rounds=_rounds(rules), criteria=_criteria_choices(rules))
    # the card it came from: the posted round and date, not a query string the post does not have
    shown = {"round": request.POST.get("round_no", ""), "as_of": request.POST.get("as_of", "")}
    if form.is_valid():
        try:
            actions.score_override(actor=request.user, scheme=obj, unit=unit, now=clock.now(), **form.cleaned_data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("The score was overridden."))
            sel = _select(shown, obj, rules, user=request.user)
            url = reverse("scoring:card", kwargs={"scheme": obj.code, "unit_id": unit.pk})
            return redirect(f"{url}?{_query(sel)}")
    sel = _select(shown, obj, rules, user=request.user)
    return _render_card(request, obj, unit, rules, sel, override_form=form, status=400)


@login_required
@require_POST
@readable_rules
def freeze(request: SignedInRequest, scheme: str) -> HttpResponse:
    """Freezing cannot be undone: a post without `confirm` only shows what would be frozen and asks again."""
    obj = _scheme(request, scheme)
    if not can_coordinate_scheme(request.user, obj):
        raise PermissionDenied
    rules = queries.rules_for(obj)
    form = FreezeForm(request.POST, rounds=_rounds(rules))
    url = reverse("scoring:league", kwargs={"scheme": obj.code})
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(url)
    round_no, as_of = form.cleaned_data["round_no"], form.cleaned_data["as_of"]
    if not request.POST.get("confirm"):
        return render(request, "scoring/freeze_confirm.html", {
            "scheme": obj, "form": form, "round_label": dict(_rounds(rules)).get(round_no, round_no), "as_of": as_of,
            "rules_label": _label(rules.label), "back": f"{url}?{urlencode({'round': round_no, 'as_of': thai_date_numeric(as_of)})}",
        })
    try:
        frozen = actions.scores_freeze(actor=request.user, scheme=obj, now=clock.now(), **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, action_error_text(exc))
        return redirect(url)
    messages.success(request, _("Round %(round)s was frozen.") % {"round": frozen.round_no})
    return redirect("scoring:frozen", scheme=obj.code, round_no=frozen.round_no)


def _frozen(request: HttpRequest, scheme: str, round_no: int) -> tuple[Scheme, RuleSet, FrozenRound]:
    obj = _scheme(request, scheme)
    frozen = get_object_or_404(FrozenRound.objects.select_related("frozen_by"), scheme=obj, round_no=round_no)
    return obj, queries.rules_for(obj), frozen


@login_required
@require_safe
@readable_rules
def frozen(request: HttpRequest, scheme: str, round_no: int) -> HttpResponse:
    """A frozen round: when, as of which day, with which rule set, and its result to download."""
    obj, rules, frz = _frozen(request, scheme, round_no)
    return render(request, "scoring/frozen.html", {
        "scheme": obj, "frozen": frz, "round_label": dict(_rounds(rules)).get(frz.round_no, frz.round_no),
        "frozen_rules": _frozen_rules(frz, rules),
        "league": f"{reverse('scoring:league', kwargs={'scheme': obj.code})}?round={frz.round_no}",
    })


def _frozen_table(request: HttpRequest, obj: Scheme, rules: RuleSet,
                  frz: FrozenRound) -> tuple[list[str], list[list[Any]]]:
    """The frozen round as the league table shows it (overrides applied), rows of the units the user may see."""
    sel = _select({"round": frz.round_no}, obj, rules, user=request.user)
    results, overrides = _results(obj, rules, sel)
    units = {code: LeagueUnit(pk, code, name_th, name_en)
             for pk, code, name_th, name_en in obj.units.values_list("pk", "code", "name_th", "name_en")}
    visible = set(scheme_units_visible(request.user, obj).values_list("code", flat=True))
    rows = queries.league(rules, results, round_no=frz.round_no, units=cast("dict[str, Org]", units),
                          visible_codes=visible, overridden=overrides.keys())
    groups = {g.id: _label(g.label) for g in rules.size_groups}
    awards = {a.id: _label(a.label) for a in rules.awards}
    round_label = dict(_rounds(rules)).get(frz.round_no, str(frz.round_no))
    as_of = thai_date(frz.as_of)
    header = [_("Rank"), _("Unit code"), _("Unit"), _("Size group"),
              *[_label(c.heading) for c in rules.criteria], _("Total points"), _("Maximum points"), _("Award"), _("Round"), _("As of")]
    table = []
    for row in rows:
        r = row.result
        scores = [Decimal(points(r.items[c.id].score)) if r.assessed else _("Not assessed") for c in rules.criteria]
        table.append([row.rank if row.rank is not None else "", row.unit.code, row.unit.name,
                      groups.get(r.size_group or "", ""), *scores, Decimal(points(r.total)), Decimal(points(r.max)),
                      awards.get(r.award or "", ""), round_label, as_of])
    return header, table


@login_required
@require_safe
@readable_rules
def frozen_export(request: HttpRequest, scheme: str, round_no: int, fmt: str) -> HttpResponse:
    """The frozen result as CSV or xlsx: Thai headers, BE dates, unit codes and names, points to 4 decimals."""
    obj, rules, frz = _frozen(request, scheme, round_no)
    header, rows = _frozen_table(request, obj, rules, frz)
    name = f"{obj.code}-round-{frz.round_no}-{frz.as_of.isoformat()}"
    if fmt == "csv":
        return cast(HttpResponse, csv_response(f"{name}.csv", header, rows))  # not streamed: a league's rows
    four = {i: "0.0000" for i in range(4, len(header) - 3)}  # the criteria, total and maximum
    return xlsx_response(f"{name}.xlsx", header, rows, sheet=_("Round %(round)s") % {"round": frz.round_no},
                         number_formats=four)


@login_required
@require_POST
@readable_rules
def deduction_add(request: SignedInRequest, scheme: str, unit_id: int) -> HttpResponse:
    obj = _scheme(request, scheme)
    unit = scope.get_visible(request.user, obj.units.all(), pk=unit_id)
    if not can_coordinate_scheme(request.user, obj):
        raise PermissionDenied
    rules = queries.rules_for(obj)
    form = DeductionForm(request.POST, causes=_cause_choices(rules))
    # the card it came from: the posted round and date (an empty one would not read as "not given")
    sel = _select({k: v for k in ("round", "as_of") if (v := request.POST.get(k))}, obj, rules, user=request.user)
    if form.is_valid():
        try:
            deduction_actions.deduction_record(actor=request.user, scheme=obj, unit=unit, now=clock.now(),
                                               **form.cleaned_data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("The deduction was recorded."))
            url = reverse("scoring:card", kwargs={"scheme": obj.code, "unit_id": unit.pk})
            return redirect(f"{url}?{_query(sel)}")
    return _render_card(request, obj, unit, rules, sel, override_form=None, deduction_form=form, status=400)


@login_required
@require_POST
@readable_rules
def deduction_withdraw(request: SignedInRequest, scheme: str, event_id: int) -> HttpResponse:
    obj = _scheme(request, scheme)
    event = scope.get_visible(request.user, DeductionEvent.objects.filter(scheme=obj), pk=event_id)
    if not can_coordinate_scheme(request.user, obj):
        raise PermissionDenied
    url = reverse("scoring:card", kwargs={"scheme": obj.code, "unit_id": event.unit_id})
    form = DeductionWithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(url)
    try:
        deduction_actions.deduction_withdraw(actor=request.user, event=event, reason=form.cleaned_data["reason"],
                                             now=clock.now())
    except ValidationError as exc:
        messages.error(request, action_error_text(exc))
        return redirect(url)
    messages.success(request, _("The deduction was withdrawn."))
    return redirect(url)


# Rule sets and target curves edited in the app (coordinators edit; everyone who sees the scheme reads).


def _lang() -> str:
    return "en" if get_language() == "en" else "th"


def _pinned_text(obj: Scheme) -> tuple[str, RuleSetVersion | None]:
    """The TOML the scheme scores with, and its in-app version (None for a shipped rule set)."""
    ref = rulesets.rule_set_ref(obj)
    version = rulesets.app_version(ref)
    if version is not None:
        return version.toml, version
    if rulesets.is_shipped(ref):
        return rulesets.editable_copy(ref), None
    raise Http404


def _edit_errors(form: RuleSetEditForm, doc: dict[str, Any], new: dict[str, Any], exc: RuleSetError) -> None:
    """The loader's errors on the fields they concern (the changed field first), else on top."""
    changed = {path for path, _v in _changed_paths(doc, new)}
    for path, message in exc.located:
        inside = [f for f in form.edit_fields if f.path[: len(path)] == tuple(path)]
        field = next((f for f in inside if f.path in changed), None) or ruleedit.field_for(new, path)
        if field is not None and field.name in form.fields:
            form.add_error(field.name, f"{field.label(_lang())}: {message}")
        else:
            form.add_error(None, f"{ruleedit.path_label(new, path, _lang())}: {message}")
    if not exc.located:
        for message in exc.issues:
            form.add_error(None, message)


def _changed_paths(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[Any, Any]]:
    return [(f.path, f.value) for f in ruleedit.fields(new) if ruleedit.get(old, f.path) != f.value]


@login_required
def rules(request: HttpRequest, scheme: str) -> HttpResponse:
    obj = _scheme(request, scheme)
    text, version = _pinned_text(obj)
    doc = ruleedit.load(text)
    can_edit = can_coordinate_scheme(request.user, obj)
    edit_fields = ruleedit.fields(doc)
    form = RuleSetEditForm(request.POST if request.method == "POST" else None, edit_fields=edit_fields, lang=_lang())
    if request.method == "POST":
        if not can_edit or version is None:
            raise PermissionDenied
        if form.is_valid():
            # a field the request does not carry keeps its value (a checkbox is absent when unticked)
            values = {f.name: form.cleaned_data.get(f.name) for f in edit_fields
                      if f.name in request.POST or f.kind == "bool"}
            new, errors = ruleedit.apply(doc, values)
            for name, message in errors.items():
                form.add_error(name, message)
            if not errors:
                new_text = tomlwrite.dumps(new)
                try:
                    parse_ruleset(new_text, source="rules.toml")
                except RuleSetError as exc:
                    _edit_errors(form, doc, new, exc)
                else:
                    try:
                        saved = actions.ruleset_save(actor=cast(SignedInRequest, request).user, scheme=obj,
                                                     text=new_text, comment=form.cleaned_data["comment"])
                    except ValidationError as exc:
                        add_action_errors(form, exc)
                    else:
                        messages.success(request, _("Rule set saved as version %(n)s; the scheme now scores with it.")
                                         % {"n": saved.number})
                        return redirect("scoring:rules", scheme=obj.code)
    return render(request, "scoring/rules.html", {
        "scheme": obj, "version": version, "doc_label": _label(queries.rules_for(obj).label),
        "form": form, "groups": form.groups(), "can_edit": can_edit and version is not None,
        "can_start": can_edit and version is None, "import_form": RuleSetImportForm() if can_edit else None,
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def rules_start(request: SignedInRequest, scheme: str) -> HttpResponse:
    obj = _scheme(request, scheme)
    if not can_coordinate_scheme(request.user, obj):
        raise PermissionDenied
    try:
        actions.ruleset_start(actor=request.user, scheme=obj)
    except ValidationError as exc:
        messages.error(request, action_error_text(exc))
    else:
        messages.success(request, _("The rule set is now edited in the app (version 1)."))
    return redirect("scoring:rules", scheme=obj.code)


@login_required
def rules_history(request: HttpRequest, scheme: str) -> HttpResponse:
    obj = _scheme(request, scheme)
    _text, pinned = _pinned_text(obj)
    rows = []
    if pinned is not None:
        versions = list(scope.visible(request.user, pinned.rule_set.versions.select_related("author"))
                        .order_by("number"))
        previous: dict[str, Any] = {}
        for v in versions:
            doc = ruleedit.load(v.toml)
            rows.append({"version": v, "changes": ruleedit.diff(previous, doc, _lang()) if previous else [],
                         "pinned": v.pk == pinned.pk})
            previous = doc
        rows.reverse()
    frozen = FrozenRound.objects.filter(scheme=obj).select_related("app_version").order_by("round_no")
    based_on = pinned.rule_set.based_on if pinned is not None else ""
    return render(request, "scoring/rules_history.html", {
        "scheme": obj, "rows": rows, "pinned": pinned, "frozen": frozen,
        "started_from": rulesets.ref_label(based_on, _lang()) if based_on else "",
    })


@login_required
def rules_export(request: HttpRequest, scheme: str) -> HttpResponse:
    obj = _scheme(request, scheme)
    ref = rulesets.rule_set_ref(obj)
    version = rulesets.app_version(ref)
    if version is None and not rulesets.is_shipped(ref):
        raise Http404
    text = version.toml if version is not None else rulesets.shipped_text(ref)
    name = f"{obj.code}-rules-v{version.number}.toml" if version else f"{ref}.toml"
    response = HttpResponse(text.encode("utf-8"), content_type="application/toml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def rules_import(request: SignedInRequest, scheme: str) -> HttpResponse:
    obj = _scheme(request, scheme)
    if not can_coordinate_scheme(request.user, obj):
        raise PermissionDenied
    form = RuleSetImportForm(request.POST, request.FILES)
    errors: list[str] = []
    if not form.is_valid():
        errors = [str(m) for ms in form.errors.values() for m in ms]
    else:
        upload = form.cleaned_data["file"]
        limit = settings.PTS_RULESET_MAX_BYTES
        raw = upload.read(limit + 1)
        if len(raw) > limit:
            errors = [bilingual(f"ไฟล์ใหญ่เกิน {limit // 1024} KiB", f"the file is larger than {limit // 1024} KiB")]
        else:
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                errors = [bilingual("ไฟล์ชุดเกณฑ์ต้องเป็น UTF-8", "the rule-set file must be UTF-8")]
            else:
                try:
                    saved = actions.ruleset_save(actor=request.user, scheme=obj, text=text,
                                                 comment=form.cleaned_data["comment"], imported=True)
                except ValidationError as exc:
                    errors = list(exc.messages)
                else:
                    messages.success(request, _("Rule set imported as version %(n)s; the scheme now scores with it.")
                                     % {"n": saved.number})
                    return redirect("scoring:rules", scheme=obj.code)
    for message in errors:
        messages.error(request, message)
    return redirect("scoring:rules", scheme=obj.code)
