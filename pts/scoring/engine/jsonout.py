"""Results as JSON text, written straight from templates: the `pts score --format json` encoder.

The same JSON as building a dict per result and per explanation line and handing it to `json`
(a test holds the two equal), faster: 10,000 units make 300,000 explanation lines. Lines that
repeat whole are encoded once; in the others only the amounts are encoded each time.
Money facts (satang) come with a "<key>_baht" decimal string and are strings above 2^53 - 1.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from fractions import Fraction
from functools import lru_cache
from typing import Any

from pts.scoring.engine.explain import Explainer, Line, rounded
from pts.scoring.engine.results import RoundResult
from pts.scoring.engine.rules import RuleSet

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
# facts in satang: each is followed by "<key>_baht", the same amount as a decimal string, and is
# itself a string when above 2^53 - 1, which a JavaScript reader would round
MONEY = frozenset(("measured", "base", "short", "allocated", "amount"))
SAFE_INTEGER = 2**53 - 1


@lru_cache(maxsize=4096)  # scores come from a few distinct values; rounding a Fraction is not free
def number(value: Fraction) -> float:
    """An exact score as a JSON number: rounded to 4 decimals, only at this edge."""
    q = rounded(value, 4)
    return q.numerator / q.denominator


@lru_cache(maxsize=4096)
def _number_text(value: Fraction) -> str:
    return _dumps(number(value))


def money_facts(facts: dict[str, Any]) -> dict[str, Any]:
    """A line's facts as JSON shows them: satang kept (as text when unsafe), baht added as text."""
    out: dict[str, Any] = {}
    for k, v in facts.items():
        if k in MONEY and isinstance(v, int):
            out[k] = v if -SAFE_INTEGER <= v <= SAFE_INTEGER else str(v)
            out[k + "_baht"] = baht_text(v)
        else:
            out[k] = v
    return out


def baht_text(satang: int) -> str:
    """Satang as a plain decimal string of baht: 44995000 -> "449950.00"."""
    sign = "-" if satang < 0 else ""
    whole, cents = divmod(abs(satang), 100)
    return f"{sign}{whole}.{cents:02d}"


@lru_cache(maxsize=16384, typed=True)  # typed: True and 1 are different JSON
def _value(value: Any) -> str:
    return _dumps(value)


class LineEncoder:
    """One explanation line as JSON text: {"code", ...facts, lang: sentence}, key order kept.

    Lines without amounts repeat whole across units and are encoded once; a line with amounts is
    written fact by fact, every fact but the amounts from a cache.
    """

    def __init__(self, explainer: Explainer, lang: str) -> None:
        self.explainer, self.lang = explainer, lang
        self._whole: dict[tuple[Any, ...], str] = {}
        self._keys: dict[str, tuple[str, str]] = {}
        self._lang_key = _dumps(lang)

    def __call__(self, line: Line) -> str:
        facts = line.facts
        if MONEY.isdisjoint(facts):
            try:
                key = (line.code, *facts.items())
                encoded = self._whole.get(key)
            except TypeError:  # a fact that is not hashable: encode it as it is
                return self._encode(line)
            if encoded is None:
                encoded = self._whole[key] = self._encode(line)
            return encoded
        parts = [f'{{"code":{_value(line.code)}']
        for k, v in facts.items():
            names = self._keys.get(k)
            if names is None:
                names = self._keys[k] = (_dumps(k), _dumps(k + "_baht"))
            if k in MONEY and isinstance(v, int):
                shown = str(v) if -SAFE_INTEGER <= v <= SAFE_INTEGER else f'"{v}"'
                parts.append(f',{names[0]}:{shown},{names[1]}:"{baht_text(v)}"')
            else:
                try:
                    parts.append(f",{names[0]}:{_value(v)}")
                except TypeError:
                    parts.append(f",{names[0]}:{_dumps(v)}")
        parts.append(f",{self._lang_key}:{_dumps(self.explainer.text(line, self.lang))}}}")
        return "".join(parts)

    def _encode(self, line: Line) -> str:
        return _dumps({"code": line.code, **money_facts(line.facts), self.lang: self.explainer.text(line, self.lang)})


def encoder(rules: RuleSet, lang: str = "th") -> Callable[[RoundResult], str]:
    """A function from one result to its JSON object text (see `pts.scoring.cli` for the shape)."""
    explainer = Explainer(rules)
    line_json = LineEncoder(explainer, lang)
    keys: dict[str, str] = {}

    def key(cid: str) -> str:
        found = keys.get(cid)
        if found is None:
            found = keys[cid] = _dumps(cid)
        return found

    def encode(r: RoundResult) -> str:
        items = ",".join(f"{key(cid)}:{_number_text(item.score)}" for cid, item in r.items.items())
        explanations = ",".join(
            f"{key(cid)}:[{','.join(map(line_json, item.lines))}]" for cid, item in r.items.items()
        )
        text = (f'{{"unit":{_dumps(r.unit)},"round":{r.round},"items":{{{items}}},'
                f'"total":{_number_text(r.total)},"max":{_number_text(r.max)},"explanations":{{{explanations}}}')  # fmt: skip
        extra: dict[str, Any] = {}
        if rules.size_groups:
            extra["size_group"] = r.size_group
        if rules.awards:
            extra["award"] = r.award
        if extra:
            text += "," + _dumps(extra)[1:-1]
        if rules.size_groups or rules.awards:
            text += f',"notes":[{",".join(map(line_json, r.notes))}]'
        if rules.template:
            text += ',"template":true'
        if rules.checks:
            text += ',"checks":{' + ",".join(
                f'{key(c.id)}:{{"passed":{_dumps(r.checks[c.id].passed if c.id in r.checks else None)},'
                f'"explanations":[{",".join(map(line_json, r.checks[c.id].lines if c.id in r.checks else ()))}]}}'
                for c in rules.checks) + "}"
        if not r.assessed:
            text += ',"not_assessed":true'
        if r.provisional:
            text += ',"provisional":true'
        return text + "}"

    return encode


def encode_results(rules: RuleSet, results: Iterable[RoundResult], lang: str = "th") -> str:
    """The JSON objects of `results`, one per line, separated by ",\\n" (no brackets)."""
    return ",\n".join(map(encoder(rules, lang), results))
