"""Results as JSON text, written straight from templates: the `pts score --format json` encoder.

The same JSON as building a dict per result and per explanation line and handing it to `json`
(a test holds the two equal), about three times faster: 10,000 units make 300,000 explanation
lines. Most lines repeat across units with only their amounts changing, so each kind of line is
cut once into fixed text around the amounts, and lines that repeat whole are encoded once.
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
_AMOUNTS = ("measured", "base", "percent")  # the facts that change from unit to unit
# per line code cut into templates: its other facts, in the order the scorer writes them
_STABLE = {
    "month": ("series", "month", "measure", "target", "hit"),
    "threshold": ("series", "month", "measure", "target", "hit", "partial", "points", "full"),
}
_STABLE_GET = {code: itemgetter(*keys) for code, keys in _STABLE.items()}


@lru_cache(maxsize=4096)  # scores come from a few distinct values; rounding a Fraction is not free
def number(value: Fraction) -> float:
    """An exact score as a JSON number: rounded to 4 decimals, only at this edge."""
    q = rounded(value, 4)
    return q.numerator / q.denominator


@lru_cache(maxsize=4096)
def _number_text(value: Fraction) -> str:
    return _dumps(number(value))


def _inner(text: str) -> str:
    """A string's JSON form without its quotes."""
    return _dumps(text)[1:-1]


class LineEncoder:
    """One explanation line as JSON text: {"code", ...facts, lang: sentence}, key order kept."""

    def __init__(self, explainer: Explainer, lang: str) -> None:
        self.explainer, self.lang = explainer, lang
        self._whole: dict[tuple[Any, ...], str] = {}
        self._cut: dict[tuple[Any, ...], tuple[str, ...] | None] = {}

    def __call__(self, line: Line) -> str:
        facts = line.facts
        stable = _STABLE_GET.get(line.code)
        if stable is not None:
            key = (line.code, *stable(facts))
            pieces = self._cut[key] if key in self._cut else self._pieces(line, key)
            if pieces is not None:
                percent = facts["percent"]
                a, b, c, d, e = pieces
                return f"{a}{facts['measured']}{b}{facts['base']}{c}{percent}{d}{percent}{e}"
        try:
            key = (line.code, *facts.items())
            encoded = self._whole.get(key)
        except TypeError:  # a fact that is not hashable: encode it as it is
            return self._encode(line)
        if encoded is None:
            encoded = self._whole[key] = self._encode(line)
        return encoded

    def _encode(self, line: Line) -> str:
        return _dumps({"code": line.code, **line.facts, self.lang: self.explainer.text(line, self.lang)})

    def _pieces(self, line: Line, key: tuple[Any, ...]) -> tuple[str, ...] | None:
        """Fixed text around measured, base and percent (twice: in the facts and in the sentence).

        Found by encoding the line once with markers for the amounts; None when the sentence does
        not hold the percent exactly once (then the line is encoded whole each time).
        """
        facts = line.facts
        marked = {**facts, "measured": 1_111_111_111_111, "base": 2_222_222_222_222, "percent": "\x01"}
        text = self.explainer.text(Line(line.code, marked), self.lang)
        pieces: tuple[str, ...] | None = None
        shape = tuple(k for k in facts if k not in _AMOUNTS) == _STABLE[line.code]
        order = tuple(k for k in facts if k in _AMOUNTS) == _AMOUNTS
        if shape and order and text.count("\x01") == 1 and "1111111111111" not in text + "".join(map(str, key)):
            encoded = _dumps({"code": line.code, **marked, self.lang: "\x02"})
            before, after = (_inner(t) for t in text.split("\x01"))
            head, rest = encoded.split("1111111111111", 1)
            middle, rest = rest.split("2222222222222", 1)
            percent_at, rest = rest.split("\\u0001", 1)
            facts_tail, sentence_tail = rest.split("\\u0002", 1)
            pieces = (head, middle, percent_at, facts_tail + before, after + sentence_tail)
        self._cut[key] = pieces
        return pieces


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
        return text + "}"

    return encode


def encode_results(rules: RuleSet, results: Iterable[RoundResult], lang: str = "th") -> str:
    """The JSON objects of `results`, one per line, separated by ",\\n" (no brackets)."""
    return ",\n".join(map(encoder(rules, lang), results))
