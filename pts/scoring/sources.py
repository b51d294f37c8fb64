"""Engine inputs beyond the monthly category figures: the scheme's own series mapping, figures per
activity tag, and deduction events (recorded by coordinators, or derived from the ledger).

Pure reads, keyword-only, integer satang; each function reads a whole scheme in a few grouped
queries (never one query per unit). `build_inputs` in queries.py puts them into UnitData.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from pts.budget.models import Activity, Movement, MovementKind
from pts.core.categories import category_th
from pts.core.fiscal import Month
from pts.core.lookups import ids_in
from pts.core.money import format_baht
from pts.core.sums import ExactSum
from pts.core.thai import bilingual
from pts.organisations import scope
from pts.schemes.models import Denominator, Scheme
from pts.scoring import ledger
from pts.scoring.engine import CATEGORIES, Deduction, Figures, RuleSet
from pts.scoring.engine.inputs import CarryOver, Flow
from pts.scoring.models import DeductionEvent

K = MovementKind
LAPSED = "lapsed"
CARRYOVER = "carryover_without_commitment"
UNION = "+"  # tag_cells key of a union of tags: "training+meeting"
# above this many units an IN list costs more than it filters: read the scheme's units by subquery
# -- the scheme's series mapping ----------------------------------------------------------------


def scheme_series_errors(rules: RuleSet, series: Any) -> list[str]:
    """Bilingual messages for every entry of a scheme's series mapping the rule set cannot take."""
    if not isinstance(series, Mapping):
        return [bilingual("กลุ่มรายจ่ายต้องเป็นการจับคู่ชื่อกลุ่มกับหมวดงบ",
                          "the series must map series ids to lists of categories")]
    errors = []
    known = ", ".join(sid for sid, s in rules.series.items() if s.categories)
    for sid, categories in series.items():
        spec = rules.series.get(sid)
        if spec is None:
            errors.append(bilingual(
                f"กลุ่มรายจ่าย '{sid}' ไม่มีในชุดเกณฑ์ {rules.id} (มี {known})",
                f"series '{sid}' is not in rule set {rules.id} (series: {known})",
            ))
            continue
        if not spec.categories:
            errors.append(bilingual(
                f"กลุ่มรายจ่าย '{sid}' ของชุดเกณฑ์ {rules.id} นับตามแท็กกิจกรรม จับคู่กับหมวดงบไม่ได้",
                f"series '{sid}' of rule set {rules.id} sums activity tags: it cannot be mapped to categories",
            ))
            continue
        if isinstance(categories, str) or not isinstance(categories, Sequence) or not categories:
            errors.append(bilingual(
                f"กลุ่มรายจ่าย '{sid}' ต้องมีหมวดงบอย่างน้อยหนึ่งหมวด (ได้ {categories!r})",
                f"series '{sid}' needs a list of at least one category (got {categories!r})",
            ))
            continue
        for category in categories:
            if category not in CATEGORIES:
                errors.append(bilingual(
                    f"หมวดงบ '{category}' ในกลุ่มรายจ่าย '{sid}' ไม่ใช่หมวดงบประมาณ ({', '.join(CATEGORIES)})",
                    f"category '{category}' in series '{sid}' is not a budget category ({', '.join(CATEGORIES)})",
                ))
        if len(set(categories)) != len(categories):
            errors.append(bilingual(
                f"กลุ่มรายจ่าย '{sid}' มีหมวดงบซ้ำ", f"series '{sid}' lists a category twice"
            ))
    return errors


def rules_with_scheme_series(rules: RuleSet, scheme: Scheme) -> RuleSet:
    """The rule set with the scheme's own category mapping for the series both define.

    A series id the rule set does not define, a series of activity tags, or a category that is not
    a budget category is refused (ValidationError on "series"), never silently dropped: the scores
    would otherwise be computed on a mapping the coordinator did not choose.
    """
    mapping = scheme.series or {}
    errors = scheme_series_errors(rules, mapping)
    if errors:
        raise ValidationError({"series": errors})
    changed = {
        sid: replace(rules.series[sid], categories=tuple(categories))
        for sid, categories in mapping.items()
        if tuple(categories) != rules.series[sid].categories
    }
    if not changed:
        return rules  # keeps the rule set's score cache
    # a fresh cache: the cached sums belong to the rule set's own mapping
    return replace(rules, series={**rules.series, **changed}, cache={})


# -- activity tags --------------------------------------------------------------------------------


def wanted_tags(rules: RuleSet) -> frozenset[str]:
    """The activity tags any series of the rule set sums; empty: no tag figures need reading."""
    return frozenset(tag for s in rules.series.values() for tag in s.tags)


def tag_unions(rules: RuleSet) -> tuple[tuple[str, ...], ...]:
    """Series summing two or more tags: their union counts an activity carrying both tags once."""
    return tuple(s.tags for s in rules.series.values() if len(s.tags) > 1)


def tag_cells(
    *, scheme: Scheme, months: Sequence[Month], unit_ids: Collection[int], tags: Iterable[str] | None = None,
    unions: Iterable[Sequence[str]] = (),
) -> dict[int, dict[str, dict[Month, Figures]]]:
    """unit id -> activity tag -> month -> Figures, cumulative at each month's as-of day.

    A tag's figures are the movements recorded on activities carrying it, with the same effects as
    `queries.monthly_cells`: an activity with two tags counts in both. `allocated` is therefore the
    allocation recorded on the tag's activities (allocations, carry-overs in, and any transfer or
    pull-back that names an activity; transfers and pull-backs made between categories carry no
    activity and never move a tag's allocation); a tag with payments but no allocation recorded on
    its activities has allocation 0, which the engine treats as an absent series, not as 0 %.

    `tags` limits the tags read (None: every tag found; empty: nothing is read). Each of `unions`
    adds a key "a+b" counting an activity that carries any of those tags once, so a series of
    several tags can be summed without counting an activity tagged "training" and "meeting" twice.
    """
    wanted = None if tags is None else set(tags)
    groups = [tuple(u) for u in unions if u]
    if not months or (wanted is not None and not wanted and not groups):
        return {}
    ids = set(unit_ids)
    activities = Activity.objects.filter(fiscal_year=scheme.fiscal_year, **ids_in("unit_id", ids))
    keys_of: dict[int, list[str]] = {}
    for pk, found in activities.values_list("pk", "tags"):
        own = {t for t in (found if isinstance(found, list) else ()) if isinstance(t, str) and t}
        keys = sorted(own if wanted is None else own & wanted)
        keys += [UNION.join(g) for g in groups if own.intersection(g)]
        if keys:
            keys_of[pk] = keys
    if not keys_of:
        return {}

    ends = [scheme.as_of(m) for m in months]
    rows = (Movement.objects.filter(fiscal_year=scheme.fiscal_year, effective_date__lte=ends[-1],
                                    activity__in=activities.values("pk"))
            .annotate(b=ledger.bucket(ends)).values_list("unit_id", "activity_id", "kind", "settles_commitment", "b")
            .annotate(s=ExactSum("amount")).order_by())
    # the ledger's own sums, with the tag in the category's place: a row per tag the activity carries
    fold = ledger.Fold(months, ends, scheme.denominator == Denominator.ORIGINAL)
    fold.add([(0, unit_id, key, kind, settles, b, int(amount))
              for unit_id, activity_id, kind, settles, b, amount in rows if unit_id in ids
              for key in keys_of.get(activity_id, ())])
    out: dict[int, dict[str, dict[Month, Figures]]] = {}
    for unit_id in fold.sums:
        for month, by_key in fold.unit_cells(unit_id).items():
            for key, figures in by_key.items():
                out.setdefault(unit_id, {}).setdefault(key, {})[month] = figures
    return out


# -- deduction events -----------------------------------------------------------------------------


def deduction_causes(rules: RuleSet) -> dict[str, Any]:
    """cause id -> Cause, over the rule set's deductions criteria."""
    return {cause.id: cause for c in rules.criteria if c.kind == "deductions" for cause in c.causes}


def end_of_day(day: date) -> datetime:
    """The first instant after `day` in the project's time zone: events `at` before it happened by then."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def deduction_events(
    *, scheme: Scheme, rules: RuleSet, months: Sequence[Month], unit_ids: Collection[int], as_of: date,
    cells: Mapping[int, Mapping[Month, Mapping[str, Figures]]] | None = None,
) -> dict[int, list[Deduction]]:
    """unit id -> the deduction events of `months` known on `as_of`, sorted by month, cause and note.

    1. Recorded events: not withdrawn (a withdrawal is a correction: the event never counted, also
       for an earlier as-of date) and recorded on or before `as_of`.
    2. `carryover_without_commitment`, derived: per unit, category and month, the month's
       carry-overs (CARRY_OVER_OUT, corrections and reversals netted) larger than the outstanding
       commitment in that category just before them (commitments less settling payments and earlier
       carry-overs, up to the month's last carry-over date). One event per unit, category and month.
    3. `lapsed`, derived once the year is over (`as_of` on or after 30 September, and September among
       `months`): per unit and category, the current allocation neither disbursed nor carried over
       (reserved and committed money not carried over lapses too). Dated September. Pull-backs are
       the centre's decision, not the unit's lapse, and do not count.

    Only causes the rule set's deductions criteria define are produced; no criterion, no reads.
    `cells`: the scheme's monthly ledger figures when the caller has them (`ledger.monthly_cells`):
    with a month-end calendar and the current allocation, September's are the year-end figures.
    """
    causes = deduction_causes(rules)
    if not causes or not months or not unit_ids:
        return {}
    ids = set(unit_ids)
    out: dict[int, list[Deduction]] = defaultdict(list)
    for unit_id, found in recorded_deductions(scheme=scheme, rules=rules, months=months, unit_ids=ids,
                                              as_of=as_of).items():
        out[unit_id].extend(found)
    wanted = set(months)
    if CARRYOVER in causes:
        for unit_id, event in _carryovers(scheme, ids, as_of):
            if event.month in wanted:
                out[unit_id].append(event)
    year_end = scheme.fiscal_year.end
    if LAPSED in causes and Month.of(year_end) in wanted and as_of >= year_end:
        usable = (cells is not None and scheme.denominator == "current"
                  and scheme.as_of(Month.of(year_end)) == year_end)
        for unit_id, event in _lapsed(scheme, ids, cells if usable else None):
            out[unit_id].append(event)
    for events in out.values():
        events.sort(key=lambda e: (e.month, e.cause, e.note))
    return dict(out)


def recorded_deductions(*, scheme: Scheme, rules: RuleSet, months: Sequence[Month], unit_ids: Collection[int],
                        as_of: date) -> dict[int, tuple[Deduction, ...]]:
    """unit id -> the recorded (not derived) deduction events of `months` known on `as_of`, sorted."""
    causes = deduction_causes(rules)
    if not causes or not months or not unit_ids:
        return {}
    ids = set(unit_ids)
    out: dict[int, list[Deduction]] = defaultdict(list)
    recorded = (DeductionEvent.objects
                .filter(scheme=scheme, withdrawn_at__isnull=True, **ids_in("unit_id", ids),
                        at__lt=end_of_day(as_of), cause__in=list(causes), month__in=[m.first_day for m in months])
                .values_list("unit_id", "cause", "month", "note").order_by())
    for unit_id, cause, month, note in recorded:
        if unit_id in ids:
            out[unit_id].append(Deduction(cause, Month.of(month), note))
    return {unit_id: tuple(sorted(events, key=lambda e: (e.month, e.cause, e.note))) for unit_id, events in out.items()}


def carry_overs(*, scheme: Scheme, rules: RuleSet, unit_ids: Collection[int],
                as_of: date) -> dict[int, tuple[CarryOver, ...]] | None:
    """unit id -> its carry-overs known on `as_of` (a reversal nets into the one it undoes), for the
    rule set's carry-over checks; None when it has none (no reads)."""
    if not any(c.carry_categories for c in rules.checks):
        return None
    ids = set(unit_ids)
    rows = [row for row in Movement.objects.filter(fiscal_year=scheme.fiscal_year, kind=K.CARRY_OVER_OUT)
            .values_list("pk", "unit_id", "category", "effective_date", "amount", "reverses_id").order_by("pk")
            if row[3] <= as_of]
    where = {pk: (unit_id, category, day) for pk, unit_id, category, day, _a, _r in rows}
    net: dict[tuple[int, str, date], int] = defaultdict(int)
    for pk, _unit, _category, _day, amount, reverses in rows:
        net[where.get(reverses, where[pk])] += amount
    out: dict[int, list[CarryOver]] = {unit_id: [] for unit_id in ids}
    for (unit_id, category, day), amount in sorted(net.items()):
        if unit_id in ids and amount > 0:
            out[unit_id].append(CarryOver(category, day, amount))
    return {unit_id: tuple(found) for unit_id, found in out.items()}


def tag_flows(*, scheme: Scheme, rules: RuleSet, unit_ids: Collection[int],
              as_of: date) -> dict[int, dict[str, tuple[Flow, ...]]] | None:
    """unit id -> activity tag -> the dated movements on its activities up to `as_of` (allocation
    and disbursement effects), for the rule set's re-allocation checks; None when it has none."""
    tags = {tag for c in rules.checks for tag in c.realloc_tags}
    if not tags:
        return None
    ids = set(unit_ids)
    keys_of: dict[int, list[str]] = {}
    for pk, found in Activity.objects.filter(fiscal_year=scheme.fiscal_year, **ids_in("unit_id", ids)).values_list(
            "pk", "tags"):
        own = sorted({t for t in (found if isinstance(found, list) else ()) if isinstance(t, str)} & tags)
        if own:
            keys_of[pk] = own
    out: dict[int, dict[str, list[Flow]]] = {unit_id: {} for unit_id in ids}
    if keys_of:
        rows = (Movement.objects.filter(fiscal_year=scheme.fiscal_year, effective_date__lte=as_of,
                                        activity__in=list(keys_of))
                .values_list("unit_id", "activity_id", "kind", "effective_date", "amount").order_by("effective_date", "pk"))
        for unit_id, activity_id, kind, day, amount in rows:
            signs = ledger.EFFECT.get(MovementKind(kind))
            if unit_id not in ids or signs is None or not (signs[0] or signs[2]):
                continue
            flow = Flow(day, signs[0] * amount, signs[2] * amount)
            for tag in keys_of[activity_id]:
                out[unit_id].setdefault(tag, []).append(flow)
    return {unit_id: {tag: tuple(found) for tag, found in by_tag.items()} for unit_id, by_tag in out.items()}


def _carryovers(scheme: Scheme, ids: set[int], as_of: date) -> Iterable[tuple[int, Deduction]]:
    base = Movement.objects.filter(fiscal_year=scheme.fiscal_year, effective_date__lte=as_of)
    # the year's carry-overs are few: read them all through the (fiscal year, kind) index (a date in
    # the query would steer SQLite to the date index and a scan of the year), keep those up to as_of
    rows = [row for row in Movement.objects.filter(fiscal_year=scheme.fiscal_year, kind=K.CARRY_OVER_OUT)
            .values_list("pk", "unit_id", "category", "effective_date", "amount", "reverses_id").order_by("pk")
            if row[3] <= as_of]
    if not rows:
        return
    where = {pk: (unit_id, category, day) for pk, unit_id, category, day, _a, _r in rows}
    # (unit, category, month) -> [net carried, last date]; a reversal nets into the month it undoes
    carried: dict[tuple[int, str, Month], list[Any]] = {}
    for pk, unit_id, category, _day, amount, reverses in rows:
        if unit_id not in ids:
            continue
        unit_id, category, origin = where.get(reverses, where[pk])
        entry = carried.setdefault((unit_id, category, Month.of(origin)), [0, origin])
        entry[0] += amount
        entry[1] = max(entry[1], origin)
    last = max(v[1] for v in carried.values()) if carried else as_of
    # outstanding commitment before the carry-overs: commitments less payments settling them
    flows: dict[tuple[int, str], list[tuple[date, int]]] = defaultdict(list)
    commitment_rows = (base.filter(Q(kind=K.COMMITMENT) | Q(kind=K.DISBURSEMENT, settles_commitment=True),
                                   unit__in=sorted({k[0] for k in carried}), effective_date__lte=last)
                       .values_list("unit_id", "category", "effective_date", "kind")
                       .annotate(s=ExactSum("amount")).order_by())
    for unit_id, category, day, kind, amount in commitment_rows:
        flows[(unit_id, category)].append((day, int(amount) if kind == K.COMMITMENT else -int(amount)))
    earlier: dict[tuple[int, str], int] = defaultdict(int)  # carried over in the pair's earlier months
    for (unit_id, category, month), (amount, day) in sorted(carried.items()):
        outstanding = sum(a for d, a in flows.get((unit_id, category), ()) if d <= day) - earlier[(unit_id, category)]
        earlier[(unit_id, category)] += amount
        if amount > 0 and amount > outstanding:
            have = max(outstanding, 0)
            yield unit_id, Deduction(CARRYOVER, month, (
                f"{category_th(category)}: กันเงินเหลื่อมปี {format_baht(amount)} บาท "
                f"มีหนี้ผูกพันคงค้างเพียง {format_baht(have)} บาท (ไม่มีหนี้ผูกพัน {format_baht(amount - have)} บาท)"
            ))


def _lapsed(scheme: Scheme, ids: set[int],
            cells: Mapping[int, Mapping[Month, Mapping[str, Figures]]] | None) -> Iterable[tuple[int, Deduction]]:
    """Current allocation at year end less payments and carry-overs, per unit and category.

    The allocation and payments come from `cells` when given (the figures the scores use), else
    from the ledger's year-end sums; carry-overs are few and read through the (year, kind) index.
    """
    year_end = scheme.fiscal_year.end
    month = Month.of(year_end)
    own_sums = cells is None
    if cells is None:
        cells = ledger.monthly_cells(fiscal_year_id=scheme.fiscal_year_id, months=[month], ends=[year_end],
                                     original=False, unit_ids=sorted(ids), carried=True)
        carried_over: dict[int, dict[str, int]] = {}  # the third figure is already the carry-over
    else:
        carried_over = defaultdict(lambda: defaultdict(int))
        for unit_id, category, amount, day in Movement.objects.filter(
                fiscal_year=scheme.fiscal_year, kind=K.CARRY_OVER_OUT).values_list(
                "unit_id", "category", "amount", "effective_date").order_by():
            if day <= year_end:
                carried_over[unit_id][category] += amount
    for unit_id in sorted(ids):
        figures = cells.get(unit_id, {}).get(month)
        if not figures:
            continue
        taken = carried_over.get(unit_id, {})
        for category, f in sorted(figures.items()):
            amount = f.allocated - f.disbursed - (f.committed if own_sums else taken.get(category, 0))
            if amount > 0:
                yield unit_id, Deduction(LAPSED, month, (
                    f"{category_th(category)}: เงินเหลือ ณ สิ้นปีงบประมาณ {format_baht(amount)} บาท "
                    "ไม่ได้เบิกจ่ายหรือกันเงินเหลื่อมปี"
                ))


def deductions_visible_to(*, user: Any, scheme: Scheme) -> QuerySet[DeductionEvent]:
    """The scheme's recorded deduction events (withdrawn ones too) of the units the user may see."""
    return (scope.visible(user, DeductionEvent.objects.filter(scheme=scheme))
            .select_related("unit", "actor", "withdrawn_by").order_by("unit__code", "month", "at", "pk"))
