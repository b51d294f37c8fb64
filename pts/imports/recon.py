"""Reconciliation: what units reported against what the imports say, per unit, category and month.

- **Reported**: the cumulative figures (committed, disbursed) of each category in a unit's submitted
  or accepted monthly report of the scheme, as of its period's as-of day (`reporting.ReportLine`).
- **Imported**: the movements written by committed imports not undone (`Movement.batch` set),
  commitments and disbursements effective on or before the as-of day. Other imported sources (the
  CGD workbook's figures, once `ExternalFigure` exists) join through `SOURCES`: functions giving
  imported figures by the same key, which take the place of the ledger's for those keys.
- **Compared**: the units an import not undone wrote lines of in the year, for the months up to that
  of the latest of those lines (read from the batches' monthly sums, `LedgerBatchMonth`): a file
  that stops in December says nothing about January. A difference above `tolerance` is listed.
- **Accepting the import**: the report was wrong. Correcting movements (a commitment or
  disbursements, positive or negative, dated the period's as-of day, through `pts.budget.actions`)
  bring the ledger's cumulative figure of the unit and category as of that day to the imported
  figure, whatever put the ledger there (the report's acceptance, the import, both). The ledger
  stays append-only and the summary tables follow through their trigger, so `pts ledger-check` and
  every derived figure stay right. The report itself is not changed (accepted reports never change).
  A report still waiting for acceptance keeps its figures: accepting it later records them in the
  ledger again, so such a decision holds only for the report's version and the difference is listed
  again once the report changes.
- **Accepting the report**: the difference is acknowledged; nothing is written to the ledger.

Either way a `ReconDecision` keeps who chose which source, when, and both amounts; the difference is
no longer listed while the amounts stay the same, and appears again when either changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, Max, Q, Sum, When

from pts.audit.actions import audit_record
from pts.budget import actions as ledger
from pts.budget.models import (
    BatchState,
    Category,
    CommitmentType,
    LedgerBatch,
    LedgerBatchMonth,
    Movement,
    MovementKind,
)
from pts.budget.queries import unit_figures
from pts.core.categories import category_th
from pts.core.fiscal import Month
from pts.core.money import MoneyError, parse_satang
from pts.core.thai import bilingual
from pts.imports.models import ReconDecision, ReconFigure, ReconSource
from pts.organisations import permissions, scope
from pts.organisations.models import Org
from pts.organisations.permissions import Actor
from pts.reporting.actions import ledger_deltas
from pts.reporting.models import MonthlyReport, ReportingPeriod, ReportLine, ReportState
from pts.schemes.models import Scheme

FIGURES = (ReconFigure.COMMITTED.value, ReconFigure.DISBURSED.value)
KIND_OF = {"committed": MovementKind.COMMITMENT.value, "disbursed": MovementKind.DISBURSEMENT.value}
FIGURE_TH = {"committed": "ก่อหนี้ผูกพันสะสม", "disbursed": "เบิกจ่ายสะสม"}
FIGURE_EN = {"committed": "cumulative committed", "disbursed": "cumulative disbursed"}
REPORTED_STATES = (ReportState.SUBMITTED, ReportState.ACCEPTED)

# (period id, unit id, category, figure) -> satang
Key = tuple[int, int, str, str]
Source = Callable[[Scheme, list[ReportingPeriod], list[int]], dict[Key, int]]


def tolerance(scheme: Scheme | None = None) -> int:
    """The largest difference, in satang, that is not listed: PTS_RECON_TOLERANCE_BAHT (default 1.00 baht).
    One setting for every scheme today; a scheme's own tolerance would be read here."""
    try:
        return abs(parse_satang(str(settings.PTS_RECON_TOLERANCE_BAHT)))
    except MoneyError:
        return 100


@dataclass(frozen=True)
class Difference:
    period: ReportingPeriod
    unit: Org
    category: str
    figure: str
    reported: int
    imported: int
    report_id: int
    report_version: int

    @property
    def difference(self) -> int:
        return self.reported - self.imported

    @property
    def key(self) -> Key:
        return (self.period.pk, self.unit.pk, self.category, self.figure)

    @property
    def token(self) -> str:
        """The difference as one form value: period, unit, category, figure and both amounts."""
        return f"{self.period.pk}:{self.unit.pk}:{self.category}:{self.figure}:{self.reported}:{self.imported}"

    @property
    def category_label(self) -> str:
        return category_th(self.category)

    @property
    def figure_label(self) -> str:
        return bilingual(FIGURE_TH[self.figure], FIGURE_EN[self.figure])


def import_batches(scheme: Scheme) -> list[int]:
    """The ledger batches of the scheme's year that imports wrote and nobody undid (an undone import
    says nothing about a unit: its figures are not compared)."""
    undone = LedgerBatch.objects.filter(state=BatchState.COMMITTED, reverses__isnull=False).values("reverses_id")
    return list(LedgerBatch.objects.filter(fiscal_year=scheme.fiscal_year, state=BatchState.COMMITTED,
                                           reverses__isnull=True).exclude(pk__in=undone).values_list("pk", flat=True))


def ledger_imports(scheme: Scheme, periods: list[ReportingPeriod], unit_ids: list[int],
                   batches: list[int] | None = None) -> dict[Key, int]:
    """Cumulative imported commitments and disbursements as of each period's as-of day, in one query."""
    if not periods or not unit_ids:
        return {}
    batches = import_batches(scheme) if batches is None else batches
    sums = {f"p{p.pk}": Sum(Case(When(effective_date__lte=p.as_of, then="amount"), default=0)) for p in periods}
    rows = (Movement.objects.filter(fiscal_year=scheme.fiscal_year, batch_id__in=batches, unit_id__in=unit_ids,
                                    kind__in=list(KIND_OF.values()), effective_date__lte=max(p.as_of for p in periods))
            .values("unit_id", "category", "kind").annotate(**sums).order_by())
    figure_of = {kind: figure for figure, kind in KIND_OF.items()}
    out: dict[Key, int] = {}
    for row in rows:
        for p in periods:
            out[(p.pk, row["unit_id"], row["category"], figure_of[row["kind"]])] = int(row[f"p{p.pk}"] or 0)
    return out


# More imported figures by the same key, e.g. the CGD workbook's (`ExternalFigure`, being added):
# a source returns figures for the keys it knows; they replace the ledger's for those keys.
SOURCES: list[Source] = []


def _covered(batches: list[int], unit_ids: list[int]) -> tuple[set[int], date | None]:
    """The units the imports wrote lines of, and the latest month they wrote (from the batches' monthly
    sums, not the lines)."""
    qs = LedgerBatchMonth.objects.filter(batch_id__in=batches, unit_id__in=unit_ids)
    return set(qs.values_list("unit_id", flat=True).distinct()), qs.aggregate(last=Max("month"))["last"]


def units_for(user: Any, scheme: Scheme) -> list[Org]:
    """The scheme's units the user sees: a coordinator their subtree, an officer their own units."""
    return list(scope.visible(user, scheme.units.all()).order_by("code"))


def visible_schemes(user: Any) -> Any:
    """Schemes run from the user's subtree, and schemes evaluating a unit they see."""
    own = scope.visible(user, Scheme.objects.all()).values("pk")
    evaluating = Scheme.objects.filter(units__in=scope.visible(user, Org.objects.all())).values("pk")
    return Scheme.objects.filter(Q(pk__in=own) | Q(pk__in=evaluating)).select_related("fiscal_year")


def differences(scheme: Scheme, units: Iterable[Org], *, decided: bool = False) -> list[Difference]:
    """The differences above the tolerance of the scheme's `units`, by month, unit code, category and
    figure; those already decided at the same amounts are left out unless `decided`."""
    by_id = {u.pk: u for u in units}
    batches = import_batches(scheme)
    covered, last = _covered(batches, list(by_id))
    if not covered or last is None:
        return []
    periods = list(ReportingPeriod.objects.filter(scheme=scheme, month__lte=Month.of(last).first_day)
                   .order_by("month"))
    imported = ledger_imports(scheme, periods, sorted(covered), batches)
    for source in SOURCES:
        imported.update(source(scheme, periods, sorted(covered)))
    by_period = {p.pk: p for p in periods}
    reports = list(MonthlyReport.objects.filter(period__in=periods, unit_id__in=covered, state__in=REPORTED_STATES)
                   .values_list("pk", "period_id", "unit_id", "version"))
    reported_lines: dict[int, dict[str, tuple[int, int]]] = {}
    for report_id, category, committed, disbursed in ReportLine.objects.filter(
            report__period__in=periods, report__unit_id__in=covered, report__state__in=REPORTED_STATES).values_list(
            "report_id", "category", "committed", "disbursed"):
        reported_lines.setdefault(report_id, {})[category] = (committed, disbursed)
    done: set[tuple[Any, ...]] = set()
    if not decided:
        for *settled, chosen, settled_version in (ReconDecision.objects.filter(scheme=scheme, unit_id__in=covered).values_list(
                "period_id", "unit_id", "category", "figure", "reported", "imported", "source", "report_version")):
            done.add((*settled, settled_version if chosen == ReconSource.IMPORT else None))
    limit = tolerance(scheme)
    imported_categories: dict[tuple[int, int], set[str]] = {}
    for period_id, unit_id, category, _figure in imported:
        imported_categories.setdefault((period_id, unit_id), set()).add(category)
    found: list[Difference] = []
    for report_id, period_id, unit_id, version in reports:
        lines = reported_lines.get(report_id, {})
        categories = set(lines) | imported_categories.get((period_id, unit_id), set())
        for category in categories:
            for index, figure in enumerate(FIGURES):
                reported = lines.get(category, (0, 0))[index]
                got = imported.get((period_id, unit_id, category, figure), 0)
                if abs(reported - got) <= limit:
                    continue
                key = (period_id, unit_id, category, figure, reported, got)
                if (*key, None) in done or (*key, version) in done:
                    continue
                found.append(Difference(period=by_period[period_id], unit=by_id[unit_id], category=category,
                                        figure=figure, reported=reported, imported=got, report_id=report_id,
                                        report_version=version))
    order = {code: i for i, code in enumerate(Category.values)}
    found.sort(key=lambda d: (d.period.month, d.unit.code, order.get(d.category, 99), d.figure))
    return found


def count_for(user: Any, scheme: Scheme) -> int:
    return len(differences(scheme, units_for(user, scheme)))


def parse_token(token: str) -> tuple[int, int, str, str, int, int]:
    """The parts of `Difference.token`; ValidationError when it is not one."""
    try:
        period, unit, category, figure, reported, imported = token.split(":")
        if figure not in FIGURES:
            raise ValueError(figure)
        return int(period), int(unit), category, figure, int(reported), int(imported)
    except ValueError as exc:
        raise ValidationError(bilingual("ไม่พบรายการที่เลือก", "the chosen difference was not found")) from exc


# -- the coordinator's choice ---------------------------------------------------------------------------

def _correct_ledger(*, actor: Actor, found: Difference, decision: ReconDecision) -> list[int]:
    """The movements that bring the ledger's cumulative figure as of the as-of day to the imported one."""
    period, unit, category = found.period, found.unit, found.category
    figures = unit_figures(fiscal_year=period.scheme.fiscal_year, unit=unit, as_of=period.as_of,
                           include_subtree=False).get(category)
    committed = figures.committed_total if figures else 0
    settled = figures.settled if figures else 0
    disbursed = figures.disbursed if figures else 0
    if found.figure == "committed":
        plan = [("commitment", found.imported - committed, False)]
    else:
        _none, settling, other = ledger_deltas(committed=committed, disbursed=found.imported,
                                               ledger_committed=committed, ledger_settled=settled,
                                               ledger_disbursed=disbursed)
        plan = [("disbursement", settling, True), ("disbursement", other, False)]
    month = Month.of(period.month).thai_short()
    note = f"ยอดตามไฟล์นำเข้า (กระทบยอด {month} #{decision.pk})"
    ids: list[int] = []
    for kind, amount, settles in plan:
        if amount == 0:
            continue
        common: dict[str, Any] = {"actor": actor, "fiscal_year": period.scheme.fiscal_year, "unit": unit,
                                  "category": category, "amount": amount, "effective_date": period.as_of,
                                  "document_ref": f"RECON-{decision.pk}", "note": note}
        try:
            if kind == "commitment":
                movement = ledger.commitment_record(commitment_type=CommitmentType.PO, **common)
            else:
                movement = ledger.disbursement_record(settles_commitment=settles, **common)
        except ValidationError as exc:
            raise ValidationError(bilingual(
                f"บันทึกยอดตามไฟล์นำเข้าไม่ได้: บัญชีไม่รับยอด{FIGURE_TH[found.figure]}ของ{category_th(category)}",
                f"cannot take the imported figure: the ledger refuses the {category} {FIGURE_EN[found.figure]}",
            ) + " — " + " ".join(exc.messages)) from exc
        ids.append(movement.pk)
    return ids


@transaction.atomic
def recon_accept(*, actor: Actor, scheme: Scheme, token: str, source: str, now: datetime) -> ReconDecision:
    """Accept one source for one listed difference (`Difference.token`): the import (the ledger is
    corrected to it) or the report (acknowledged). Refused when the figures changed since the page was
    shown, when the difference is not listed, and for anyone but a coordinator of the unit."""
    if source not in ReconSource.values:
        raise ValidationError(bilingual("เลือกแหล่งของยอดที่ถูกต้อง", "choose which figure is right"))
    period_id, unit_id, category, figure, reported, imported = parse_token(token)
    unit = Org.objects.filter(pk=unit_id, schemes=scheme).first()
    if unit is None:
        raise ValidationError(bilingual("ไม่พบรายการที่เลือก", "the chosen difference was not found"))
    user = permissions.require_coordinator(actor, unit, scheme_code=scheme.code)
    Org.objects.select_for_update().filter(pk=unit.pk).first()  # one decision at a time per unit
    listed = {d.key: d for d in differences(scheme, [unit])}
    found = listed.get((period_id, unit_id, category, figure))
    if found is None or (found.reported, found.imported) != (reported, imported):
        raise ValidationError(bilingual(
            "ยอดของรายการนี้เปลี่ยนไปแล้วหรือได้ตัดสินไปแล้ว โปรดดูรายการใหม่อีกครั้ง",
            "the figures of this difference have changed or it was already settled: look at the list again"))
    try:
        with transaction.atomic():
            decision = ReconDecision.objects.create(
                scheme=scheme, period=found.period, unit=unit, category=category, figure=figure, source=source,
                reported=reported, imported=imported, report_id=found.report_id, report_version=found.report_version,
                decided_by=user, decided_at=now)
    except IntegrityError as exc:
        raise ValidationError(bilingual("รายการนี้ได้ตัดสินไปแล้ว", "this difference was already settled")) from exc
    if source == ReconSource.IMPORT:
        decision.movements = _correct_ledger(actor=actor, found=found, decision=decision)
        decision.save(update_fields=["movements"])
    after = {"category": category, "figure": figure, "source": source, "reported": reported, "imported": imported,
             "amount": found.difference, "movements": decision.movements, "report": found.report_id}
    action = "imports.recon_import" if source == ReconSource.IMPORT else "imports.recon_report"
    audit_record(actor=actor, action=action, obj=decision, unit=unit,
                 fiscal_year=scheme.fiscal_year.be_year, period=found.period.month, after=after)
    return decision
