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
from operator import itemgetter
from typing import Any

from pts.scoring.engine.explain import Explainer, Line, rounded
from pts.scoring.engine.results import RoundResult
from pts.scoring.engine.rules import RuleSet

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
# facts in satang: each is followed by "<key>_baht", the same amount as a decimal string, and is
# itself a string when above 2^53 - 1, which a JavaScript reader would round
MONEY = frozenset(("measured", "base", "short", "allocated", "amount", "paid", "needed"))
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


_VARYING = MONEY | {"percent"}  # the facts that change from unit to unit


class LineEncoder:
    """One explanation line as JSON text: {"code", ...facts, lang: sentence}, key order kept.

    Lines without amounts repeat whole across units and are encoded once. A line with amounts is
    cut, once per shape and fixed facts, into text around its amounts; only the amounts and the
    sentence are encoded each time.
    """

    def __init__(self, explainer: Explainer, lang: str) -> None:
        self.explainer, self.lang = explainer, lang
        self._whole: dict[tuple[Any, ...], str] = {}
        self._shapes: dict[tuple[Any, ...], tuple[Callable[[dict[str, Any]], Any], tuple[str, ...]]] = {}
        self._cut: dict[tuple[Any, ...], tuple[str, ...]] = {}
        self._lang_key = "," + _dumps(lang) + ":"

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
        shape = (line.code, tuple(facts))
        found = self._shapes.get(shape)
        if found is None:
            fixed = tuple(k for k in facts if k not in _VARYING)
            found = self._shapes[shape] = (_getter(fixed), tuple(k for k in facts if k in _VARYING))
        get, varying = found
        key = (shape, get(facts))
        try:
            pieces = self._cut.get(key)
        except TypeError:
            return self._encode(line)
        if pieces is None:
            pieces = self._cut[key] = self._pieces(line, varying)
        out = [pieces[0]]
        for k, piece in zip(varying, pieces[1:], strict=True):
            v = facts[k]
            if k == "percent":
                out.append(f'"{v}"' if isinstance(v, str) and v.replace(".", "").isdigit() else _dumps(v))
            elif isinstance(v, int) and -SAFE_INTEGER <= v <= SAFE_INTEGER:
                out.append(f'{v},"{k}_baht":"{baht_text(v)}"')
            else:
                out.append(_dumps(v) if not isinstance(v, int) else f'"{v}","{k}_baht":"{baht_text(v)}"')
            out.append(piece)
        out.append(self._lang_key)
        out.append(_dumps(self.explainer.text(line, self.lang)))
        out.append("}")
        return "".join(out)

    def _pieces(self, line: Line, varying: tuple[str, ...]) -> tuple[str, ...]:
        """The JSON text of the line's fixed facts, cut where each varying fact's value goes."""
        pieces, current = [], f'{{"code":{_dumps(line.code)}'
        for k, v in line.facts.items():
            current += f",{_dumps(k)}:"
            if k in varying:
                pieces.append(current)
                current = ""
            else:
                current += _dumps(v)
        pieces.append(current)
        return tuple(pieces)

    def _encode(self, line: Line) -> str:
        return _dumps({"code": line.code, **money_facts(line.facts), self.lang: self.explainer.text(line, self.lang)})


def _getter(keys: tuple[str, ...]) -> Callable[[dict[str, Any]], Any]:
    if not keys:
        return lambda facts: ()
    if len(keys) == 1:
        key = keys[0]
        return lambda facts: (facts[key],)
    return itemgetter(*keys)


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
