"""The rule set a scheme scores with: found by reference, read from its TOML file, and given the
scheme's own category -> series mapping.

Reading a rule set file takes milliseconds, and a league needs it on every request, so a process
keeps the last `KEEP` rule sets read (least recently used first out). The key is the file's
content digest and the scheme's mapping, so an edited file is read again, and losing the whole
store costs one read per rule set in use: nothing another worker must agree on lives here.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from typing import Any

from django.core.exceptions import ValidationError

from pts.schemes.models import Scheme, SchemeKind
from pts.scoring.engine import RuleSet, RuleSetError, load_ruleset
from pts.scoring.engine.targets import SHIPPED_DIR, resolve
from pts.scoring.sources import rules_with_scheme_series, scheme_series_errors

DEFAULT_RULE_SETS = {SchemeKind.PROVINCE: "province-pts-template", SchemeKind.DEPARTMENT: "doh-kpi23-2566"}
KEEP = 16
_KEPT: OrderedDict[tuple[str, str, str], RuleSet] = OrderedDict()
_LOCK = threading.Lock()


def rule_set_ref(scheme: Scheme) -> str:
    return scheme.rule_set or DEFAULT_RULE_SETS.get(SchemeKind(scheme.kind), "doh-kpi23-2566")


def file_digest(ref: str) -> str:
    """The digest of the rule set file `ref` names and of the shipped target sets it may use."""
    digest = hashlib.sha256()
    path = resolve(ref, None)
    for each in ([path] if path is not None else []) + sorted((SHIPPED_DIR / "targets").glob("*.toml")):
        digest.update(each.name.encode() + b"\0" + each.read_bytes())
    return digest.hexdigest()


def rules_for(scheme: Scheme) -> RuleSet:
    """The scheme's rule set with its own series mapping (re-read when the file changes)."""
    ref = rule_set_ref(scheme)
    key = (ref, file_digest(ref), json.dumps(scheme.series or {}, sort_keys=True))
    with _LOCK:
        rules = _KEPT.get(key)
        if rules is not None:
            _KEPT.move_to_end(key)
            return rules
    rules = rules_with_scheme_series(load_ruleset(ref), scheme)
    with _LOCK:
        _KEPT[key] = rules
        while len(_KEPT) > KEEP:
            _KEPT.popitem(last=False)
    return rules


def default_series_for(rule_set: str, kind: str) -> dict[str, list[str]] | None:
    """The rule set's own category mapping (what a new scheme starts with), or None when the rule
    set cannot be read (the scheme actions then report it)."""
    try:
        rules = rules_for(Scheme(rule_set=(rule_set or "").strip(), kind=kind, series={}))
    except RuleSetError:
        return None
    return {sid: list(s.categories) for sid, s in rules.series.items() if s.categories}


def check_scheme_series(*, rule_set: str, kind: str, series: Any) -> None:
    """For the scheme actions: the rule set a scheme would use exists and takes its series mapping."""
    # the probe carries the mapping checked, so rules_for may apply it (or refuse it) itself
    probe = Scheme(rule_set=(rule_set or "").strip(), kind=kind, series=series if isinstance(series, dict) else {})
    try:
        rules = rules_for(probe)
    except RuleSetError as exc:
        raise ValidationError({"rule_set": list(exc.issues)}) from None
    errors = scheme_series_errors(rules, series)
    if errors:
        raise ValidationError({"series": errors})
