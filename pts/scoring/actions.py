"""Writes of the scoring app: freeze a round, override one criterion's score. Coordinators only, audited."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from pts.audit.actions import audit_record
from pts.core.thai import bilingual, normalize_digits
from pts.organisations import permissions
from pts.organisations.models import Org
from pts.organisations.permissions import Actor
from pts.schemes.models import Scheme
from pts.scoring import queries, ruleedit, rulesets
from pts.scoring.engine import RuleSet, RuleSetError, exact, parse_ruleset, score_unit, score_units
from pts.scoring.models import AppRuleSet, FrozenRound, RuleSetVersion, ScoreOverride
from pts.scoring.rulesets import rules_for


def _round(rules: RuleSet, round_no: Any) -> int:
    ids = [r.id for r in rules.rounds]
    try:
        value = int(round_no)
    except (TypeError, ValueError):
        value = None
    if value is None or value not in ids:
        shown = ", ".join(str(i) for i in ids)
        raise ValidationError({"round_no": bilingual(
            f"รอบ '{round_no}' ไม่มีในชุดเกณฑ์ (มี {shown})", f"round '{round_no}' is not in the rule set (rounds: {shown})"
        )})
    return value


def rules_series(rules: RuleSet) -> dict[str, list[str]]:
    """series id -> categories or tags, as scored."""
    return {sid: list(s.categories) or [f"tag:{t}" for t in s.tags] for sid, s in rules.series.items()}


@transaction.atomic
def scores_freeze(*, actor: Actor, scheme: Scheme, round_no: int, as_of: date, now: datetime | None = None) -> FrozenRound:
    """Store the round's inputs, rule-set identity and results as of `as_of`; once per scheme and round."""
    user = permissions.require_coordinator(actor, scheme.coordinator_org, scheme_code=scheme.code)
    rules = rules_for(scheme)
    round_no = _round(rules, round_no)
    first, last = scheme.fiscal_year.start, scheme.fiscal_year.end
    if not isinstance(as_of, date) or not first <= as_of <= last:
        raise ValidationError({"as_of": bilingual(
            f"วันที่ประมวลผล {as_of} อยู่นอกปีงบประมาณ {scheme.fiscal_year.be_year}",
            f"as-of date {as_of} is outside fiscal year {scheme.fiscal_year.be_year}",
        )})
    Scheme.objects.select_for_update().filter(pk=scheme.pk).first()  # two clicks: the second waits, then sees the first
    if FrozenRound.objects.filter(scheme=scheme, round_no=round_no).exists():
        raise ValidationError({"round_no": bilingual(
            f"รอบ {round_no} ของโครงการติดตาม '{scheme.name}' ถูกบันทึกผลไว้แล้ว",
            f"round {round_no} of scheme '{scheme.name}' is already frozen",
        )})
    inputs = queries.build_inputs(scheme=scheme, as_of=as_of, rules=rules)
    results = [r for r in score_units(rules, inputs) if r.round == round_no]
    app = rulesets.app_version(rulesets.rule_set_ref(scheme))  # the in-app version scored with, if any
    try:
        with transaction.atomic():
            frozen = FrozenRound.objects.create(
                scheme=scheme, round_no=round_no, as_of=as_of, rule_set=rules.id,
                rule_set_version=f"app-{app.number}" if app is not None else rules.version,
                rule_set_sha256=rules.sha256, app_version=app, frozen_by=user, frozen_at=now or timezone.now(),
                # the category mapping in force belongs to the snapshot: the rule set's file alone does not say it
                inputs={**queries.inputs_json(inputs, as_of), "series": rules_series(rules),
                        "denominator": scheme.denominator},
                results={"round": round_no, "units": [queries.result_json(r) for r in results]},
            )
    except IntegrityError:
        raise ValidationError({"round_no": bilingual(
            f"รอบ {round_no} ของโครงการติดตาม '{scheme.name}' ถูกบันทึกผลไว้แล้ว",
            f"round {round_no} of scheme '{scheme.name}' is already frozen",
        )}) from None
    audit_record(actor=actor, action="scoring.freeze", obj=frozen, unit=scheme.coordinator_org,
                 fiscal_year=scheme.fiscal_year.be_year, after={
                     "scheme": scheme.code, "round": round_no, "as_of": as_of.isoformat(), "rule_set": rules.id,
                     "rule_set_ref": rulesets.rule_set_ref(scheme), "rule_set_version": frozen.rule_set_version, "rule_set_sha256": rules.sha256, "units": len(results),
                     "totals": {r.unit: exact(r.total) for r in results},
                 })
    return frozen


def override_range(rules: RuleSet, criterion: Any, round_no: int) -> tuple[Fraction, Fraction]:
    """What a coordinator may set: 0..max, or for deductions -cap..0 (the round's maximum without a cap)."""
    if criterion.kind != "deductions":
        return Fraction(0), criterion.max
    rnd = next((r for r in rules.rounds if r.id == round_no), rules.rounds[-1])
    return -(criterion.cap if criterion.cap is not None else rnd.max), Fraction(0)


def _score(value: Any, bounds: tuple[Fraction, Fraction], criterion: str) -> Decimal:
    text = normalize_digits(str(value if value is not None else "")).strip().replace(",", "")
    try:
        score = Decimal(text)
    except InvalidOperation:
        score = None
    if score is None or not score.is_finite():
        raise ValidationError({"score": bilingual(
            f"คะแนน '{value}' ไม่ใช่ตัวเลข", f"score '{value}' is not a number"
        )})
    if isinstance(exponent := score.as_tuple().exponent, int) and exponent < -4:  # finite: always an int
        raise ValidationError({"score": bilingual(
            f"คะแนน '{value}' มีทศนิยมเกิน 4 ตำแหน่ง", f"score '{value}' has more than 4 decimals"
        )})
    low, high = bounds
    if not low <= Fraction(score) <= high:
        raise ValidationError({"score": bilingual(
            f"คะแนน {value} ของเกณฑ์ {criterion} ต้องอยู่ระหว่าง {exact(low)} ถึง {exact(high)}",
            f"score {value} of criterion {criterion} must be within {exact(low)}..{exact(high)}",
        )})
    return score


@transaction.atomic
def score_override(
    *, actor: Actor, scheme: Scheme, round_no: int, unit: Org, criterion: str, score: Any, reason: str,
    now: datetime | None = None,
) -> ScoreOverride:
    """Set one criterion's score of one unit in one round, with the reason; the latest override applies."""
    user = permissions.require_coordinator(actor, scheme.coordinator_org, scheme_code=scheme.code)
    rules = rules_for(scheme)
    errors: dict[str, str] = {}
    try:
        round_no = _round(rules, round_no)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    by_id = {c.id: c for c in rules.criteria}  # deductions too: a derived one may be wrong
    c = by_id.get(str(criterion))
    if c is None:
        shown = ", ".join(by_id)
        errors["criterion"] = bilingual(
            f"เกณฑ์ '{criterion}' ไม่มีในชุดเกณฑ์ (มี {shown})", f"criterion '{criterion}' is not in the rule set ({shown})"
        )
    if not scheme.units.filter(pk=unit.pk).exists():
        errors["unit"] = bilingual(
            f"หน่วยงาน {unit.code} ไม่อยู่ในโครงการติดตาม '{scheme.name}'", f"unit {unit.code} is not in scheme '{scheme.name}'"
        )
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = bilingual("ต้องระบุเหตุผลในการแก้ไขคะแนน", "a reason for the override is required")
    if c is not None:
        try:
            value = _score(score, override_range(rules, c, round_no if isinstance(round_no, int) else 0), c.id)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors or c is None:  # no criterion is always an error: the check tells the type checker
        raise ValidationError(errors)
    before = _current_score(scheme, rules, round_no, unit, c.id)
    override = ScoreOverride.objects.create(
        scheme=scheme, round_no=round_no, unit=unit, criterion=c.id, score=value,
        reason=reason, actor=user, at=now or timezone.now(),
    )
    audit_record(actor=actor, action="scoring.override", obj=override, unit=unit,
                 fiscal_year=scheme.fiscal_year.be_year,
                 before={"criterion": c.id, "round": round_no, **before},
                 after={"criterion": c.id, "round": round_no, "score": exact(Fraction(value)), "reason": reason},
                 note=reason)
    return override


def _current_score(scheme: Scheme, rules: Any, round_no: int, unit: Org, criterion: str) -> dict[str, str]:
    """What the criterion scores before this override: a previous override, else frozen, else computed."""
    previous = ScoreOverride.objects.filter(scheme=scheme, round_no=round_no, unit=unit, criterion=criterion).last()
    if previous is not None:
        return {"score": exact(Fraction(previous.score)), "source": "override"}
    frozen = FrozenRound.objects.filter(scheme=scheme, round_no=round_no).first()
    if frozen is not None:
        for r in frozen.results["units"]:
            if r["unit"] == unit.code:
                return {"score": r["items"][criterion]["score"], "source": "frozen"}
    as_of = scheme.as_of(rules.round(round_no).last)
    data = queries.build_inputs(scheme=scheme, as_of=as_of, rules=rules, units=[unit])[0]
    result = score_unit(rules, data, rounds=[round_no])[0]
    return {"score": exact(result.items[criterion].score), "source": "computed", "as_of": as_of.isoformat()}


# In-app rule sets: started from a shipped one, saved as immutable versions, pinned by a scheme.


def _version_errors(text: str) -> RuleSet:
    try:
        return parse_ruleset(text, source="rules.toml", sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())
    except RuleSetError as exc:
        raise ValidationError({"toml": list(exc.issues)}) from None


def _pin(*, actor: Actor, scheme: Scheme, version: RuleSetVersion, previous: RuleSetVersion | None,
         action: str, comment: str) -> None:
    """Point the scheme at `version` (checked against its series mapping) and audit the change."""
    old_ref = scheme.rule_set
    rulesets.check_scheme_series(rule_set=version.ref, kind=scheme.kind, series=scheme.series,
                                 org=scheme.coordinator_org)
    Scheme.objects.filter(pk=scheme.pk).update(rule_set=version.ref)
    scheme.rule_set = version.ref
    old_doc = ruleedit.load(previous.toml) if previous is not None else {}
    changes = [f"{c.label}: {c.before} → {c.after}" for c in ruleedit.diff(old_doc, ruleedit.load(version.toml))]
    audit_record(actor=actor, action=action, obj=version, unit=scheme.coordinator_org,
                 fiscal_year=scheme.fiscal_year.be_year,
                 before={"scheme": scheme.code, "rule_set": old_ref,
                         "version": previous.number if previous else None,
                         "sha256": previous.sha256 if previous else None},
                 after={"scheme": scheme.code, "rule_set": version.ref, "name": version.rule_set.name,
                        "version": version.number, "sha256": version.sha256,
                        "changes": changes[:200], "changes_count": len(changes)},
                 note=comment)


def _new_version(*, rule_set: AppRuleSet, text: str, user: Any, comment: str, now: datetime | None) -> RuleSetVersion:
    AppRuleSet.objects.select_for_update().filter(pk=rule_set.pk).first()  # numbers are given one at a time
    latest = rule_set.latest()
    return RuleSetVersion.objects.create(
        rule_set=rule_set, number=(latest.number + 1) if latest else 1, toml=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), author=user,
        created_at=now or timezone.now(), comment=comment,
    )


@transaction.atomic
def ruleset_start(*, actor: Actor, scheme: Scheme, now: datetime | None = None) -> RuleSetVersion:
    """Copy the scheme's shipped rule set (with the curves of its target set written in, so that
    every target can be edited) into a new in-app rule set, version 1, and pin the scheme to it."""
    user = permissions.require_coordinator(actor, scheme.coordinator_org, scheme_code=scheme.code)
    ref = rulesets.rule_set_ref(scheme)
    if not rulesets.is_shipped(ref):
        raise ValidationError({"rule_set": bilingual(
            "โครงการนี้ใช้ชุดเกณฑ์ที่แก้ไขในระบบอยู่แล้ว", "this scheme already uses a rule set edited in the app"
        )})
    text = rulesets.editable_copy(ref)
    rules = _version_errors(text)
    rule_set = AppRuleSet.objects.create(owner=scheme.coordinator_org, name=f"{rules.label.th} — {scheme.name}",
                                         based_on=ref, created_by=user, created_at=now or timezone.now())
    # the history says what it started from (`based_on`), in the reader's language: no comment to write
    version = _new_version(rule_set=rule_set, text=text, user=user, comment="", now=now)
    _pin(actor=actor, scheme=scheme, version=version, previous=None, action="scoring.ruleset_start",
         comment=bilingual(f"เริ่มจากชุดเกณฑ์ {rules.label.th}", f"started from the rule set {rules.label.en or rules.label.th}"))
    return version


@transaction.atomic
def ruleset_save(*, actor: Actor, scheme: Scheme, text: str, comment: str = "", imported: bool = False,
                 now: datetime | None = None) -> RuleSetVersion:
    """Store `text` (TOML, the rule-set file format) as the next version of the scheme's in-app rule
    set, after the engine's loader accepts it, and pin the scheme to it. A scheme on a shipped rule
    set gets a new in-app rule set (an import). Nothing is stored when the text is refused."""
    user = permissions.require_coordinator(actor, scheme.coordinator_org, scheme_code=scheme.code)
    if not isinstance(text, str) or not text.strip():
        raise ValidationError({"toml": bilingual("ไฟล์ชุดเกณฑ์ว่างเปล่า", "the rule-set file is empty")})
    rules = _version_errors(text)
    current = rulesets.app_version(rulesets.rule_set_ref(scheme))
    if current is not None and current.sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest():
        raise ValidationError({"toml": bilingual("ไม่มีค่าใดเปลี่ยนแปลง", "nothing changed")})
    if current is None:
        rule_set = AppRuleSet.objects.create(owner=scheme.coordinator_org, name=f"{rules.label.th} — {scheme.name}",
                                             based_on=rulesets.rule_set_ref(scheme), created_by=user,
                                             created_at=now or timezone.now())
    else:
        rule_set = current.rule_set
    version = _new_version(rule_set=rule_set, text=text, user=user, comment=(comment or "").strip(), now=now)
    # the audit row's difference is from the version the scheme used, which the edit started from
    _pin(actor=actor, scheme=scheme, version=version, previous=current,
         action="scoring.ruleset_import" if imported else "scoring.ruleset_save", comment=(comment or "").strip())
    return version
