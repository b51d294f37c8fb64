"""The rule set a scheme scores with: chosen by id from a closed list, read, and given the
scheme's own category -> series mapping.

A scheme's `rule_set` is one of (never a path; nothing a coordinator types reaches the file system):
- "" — the default for the scheme's kind;
- a shipped id (`doh-kpi23-2566`): looked up in the registry of files shipped in `rulesets/`,
  refused when it is not there, before any file is opened;
- `app:<version id>` — a saved version of an in-app rule set (`AppRuleSet`), read from the database.

Reading a rule set takes milliseconds, and a league needs it on every request, so a process keeps
the last `KEEP` rule sets read (least recently used first out). The key is the content digest and
the scheme's mapping, so a new version or an edited file is read again, and losing the whole store
costs one read per rule set in use: nothing another worker must agree on lives here.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from typing import Any

from django.core.exceptions import ValidationError

from pts.core.thai import bilingual
from pts.organisations import scope
from pts.organisations.models import Org
from pts.schemes.models import Scheme, SchemeKind
from pts.scoring import ruleedit
from pts.scoring.engine import RuleSet, RuleSetError, load_ruleset, parse_ruleset, shipped_rulesets, tomlwrite
from pts.scoring.engine.targets import SHIPPED_DIR, shipped_ids
from pts.scoring.models import RuleSetVersion
from pts.scoring.sources import rules_with_scheme_series, scheme_series_errors

DEFAULT_RULE_SETS = {SchemeKind.PROVINCE: "province-pts-template", SchemeKind.DEPARTMENT: "doh-kpi23-2566"}
APP_PREFIX = "app:"
KEEP = 16
_KEPT: OrderedDict[tuple[str, str, str], RuleSet] = OrderedDict()
_LOCK = threading.Lock()


def rule_set_ref(scheme: Scheme) -> str:
    return scheme.rule_set or DEFAULT_RULE_SETS.get(SchemeKind(scheme.kind), "doh-kpi23-2566")


def app_version(ref: str) -> RuleSetVersion | None:
    """The in-app version `ref` pins, or None (not an in-app reference, or no such version)."""
    number = ref[len(APP_PREFIX):] if ref.startswith(APP_PREFIX) else ""
    if not (number.isascii() and number.isdigit()) or len(number) > 18:
        return None
    return RuleSetVersion.objects.select_related("rule_set__owner").filter(pk=int(number)).first()


def is_shipped(ref: str) -> bool:
    return ref in shipped_rulesets()


def _not_found(ref: str) -> RuleSetError:
    shipped = ", ".join(shipped_rulesets())
    return RuleSetError([bilingual(
        f"ไม่พบชุดเกณฑ์ '{ref}': เลือกจากชุดเกณฑ์ที่มีในระบบเท่านั้น (ที่ติดตั้งมา: {shipped})",
        f"no rule set '{ref}': choose one of the rule sets in the system (shipped: {shipped})",
    )])


def _targets_digest(digest: Any) -> None:
    for name in shipped_ids("targets"):
        digest.update(name.encode() + b"\0" + (SHIPPED_DIR / "targets" / f"{name}.toml").read_bytes())


def rules_digest(ref: str) -> str:
    """The digest of the rule set `ref` names (a shipped file's bytes or an in-app version's
    digest) and of the shipped target sets it may use."""
    digest = hashlib.sha256()
    if is_shipped(ref):
        digest.update(ref.encode() + b"\0" + (SHIPPED_DIR / f"{ref}.toml").read_bytes())
    elif (version := app_version(ref)) is not None:
        digest.update(ref.encode() + b"\0" + version.sha256.encode())
    _targets_digest(digest)
    return digest.hexdigest()


def load_ref(ref: str) -> RuleSet:
    """The rule set `ref` names, as its file or database version says (no scheme mapping)."""
    if is_shipped(ref):
        return load_ruleset(ref)
    version = app_version(ref)
    if version is None:
        raise _not_found(ref)
    return parse_ruleset(version.toml, source=version_label(version), sha256=version.sha256)


def shipped_text(ref: str) -> str:
    """A shipped rule set's file, as shipped (the registry decides; `ref` is never a path)."""
    if not is_shipped(ref):
        raise _not_found(ref)
    return (SHIPPED_DIR / f"{ref}.toml").read_text(encoding="utf-8")


def editable_copy(ref: str) -> str:
    """A shipped rule set as an in-app rule set starts: the curves of its target set written into
    its own [curves], so that every target it scores with can be edited (same file format)."""
    doc = ruleedit.load(shipped_text(ref))
    targets = str(doc.get("ruleset", {}).get("targets", ""))
    if targets in shipped_ids("targets"):
        target_text = (SHIPPED_DIR / "targets" / f"{targets}.toml").read_text(encoding="utf-8")
        doc = ruleedit.with_targets(doc, ruleedit.load(target_text))
    return tomlwrite.dumps(doc)


def rules_for(scheme: Scheme) -> RuleSet:
    """The scheme's rule set with its own series mapping (re-read when its content changes)."""
    ref = rule_set_ref(scheme)
    if not is_shipped(ref) and app_version(ref) is None:
        raise _not_found(ref)
    key = (ref, rules_digest(ref), json.dumps(scheme.series or {}, sort_keys=True))
    with _LOCK:
        rules = _KEPT.get(key)
        if rules is not None:
            _KEPT.move_to_end(key)
            return rules
    rules = rules_with_scheme_series(load_ref(ref), scheme)
    with _LOCK:
        _KEPT[key] = rules
        while len(_KEPT) > KEEP:
            _KEPT.popitem(last=False)
    return rules


def version_label(version: RuleSetVersion) -> str:
    return f"{version.rule_set.name} ฉบับที่ {version.number}"


def ref_label(ref: str, lang: str = "th") -> str:
    """What a person sees for a scheme's rule set: its title; its id only when it has none."""
    return ref_title(ref, lang) or ref


def ref_title(ref: str, lang: str = "th") -> str | None:
    """A rule set's title (an in-app one with its version), or None when the system no longer has it."""
    version = app_version(ref)
    if version is not None:
        name = version.rule_set.name
        return f"{name} (version {version.number})" if lang == "en" else f"{name} (ฉบับที่ {version.number})"
    if is_shipped(ref):
        try:
            rules = load_ruleset(ref)
        except RuleSetError:
            return None
        return (rules.label.en if lang == "en" and rules.label.en else rules.label.th) or rules.label.en or None
    return None


def choices_for(user: Any, org: Org | None = None, lang: str = "th") -> list[tuple[str, str]]:
    """The closed list a scheme's rule set is chosen from: the shipped rule sets and the versions of
    the in-app rule sets the user coordinates (those of `org`'s tree when given), newest first."""
    choices = [(ref, ref_label(ref, lang)) for ref in shipped_rulesets()]
    versions = scope.coordinated(user, RuleSetVersion.objects.select_related("rule_set"))
    if org is not None:
        versions = versions.filter(pk__in=[v.pk for v in versions if org.path.startswith(v.rule_set.owner.path)])
    for v in versions.order_by("rule_set__name", "rule_set_id", "-number"):
        choices.append((v.ref, ref_label(v.ref, lang)))
    return choices


def default_series_for(rule_set: str, kind: str) -> dict[str, list[str]] | None:
    """The rule set's own category mapping (what a new scheme starts with), or None when the rule
    set cannot be read (the scheme actions then report it)."""
    try:
        rules = rules_for(Scheme(rule_set=(rule_set or "").strip(), kind=kind, series={}))
    except RuleSetError:
        return None
    return {sid: list(s.categories) for sid, s in rules.series.items() if s.categories}


def check_scheme_series(*, rule_set: str, kind: str, series: Any, org: Org | None = None) -> None:
    """For the scheme actions: the rule set a scheme would use is one of the closed list (an in-app
    version of the scheme's own tree) and takes its series mapping."""
    ref = (rule_set or "").strip()
    version = app_version(ref) if ref else None
    if org is not None and version is not None and not org.path.startswith(version.rule_set.owner.path):
        raise ValidationError({"rule_set": [_not_found(ref).issues[0]]})
    # the probe carries the mapping checked, so rules_for may apply it (or refuse it) itself
    probe = Scheme(rule_set=ref, kind=kind, series=series if isinstance(series, dict) else {})
    try:
        rules = rules_for(probe)
    except RuleSetError as exc:
        raise ValidationError({"rule_set": list(exc.issues)}) from None
    errors = scheme_series_errors(rules, series)
    if errors:
        raise ValidationError({"series": errors})
