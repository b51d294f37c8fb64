"""Scores stored in the database, per unit, keyed by the digest of the inputs they came from.

A league of 10,000 units is scored once, by whichever worker or command first asks, and stored as
one `ScoreSet` (scheme, as-of date, context) with one `ScoreEntry` per unit. Every other worker,
and the same one after a restart, reads the stored points; a unit whose inputs changed (its
ledger stamp, kept by the database on every movement, or its evidence, procurement facts,
recorded deductions or activity tags) is scored again and its entry replaced. The engine is
deterministic, so equal inputs give equal points: a stored entry is exactly what a recomputation
from nothing would give (tests hold them equal after every kind of change).

The context digest covers everything else the points depend on: the rule set file and the target
sets, the scheme's mapping, denominator and calendar, and the scoring code itself. A scheme keeps
the `KEEP` most recently written sets; older ones are deleted when a new one is started.

Entries are compact JSON: per round the total, maximum, size basis, tie values and item scores as
integer pairs. Item scores are decoded only when read (a league page shows one page of units), so
reading 10,000 stored units costs a fraction of scoring them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from pts.schemes.models import Scheme
from pts.scoring.engine import ItemResult, Line, RoundResult
from pts.scoring.engine.results import CheckResult
from pts.scoring.models import ScoreEntry, ScoreSet

KEEP = 8  # score sets kept per scheme (distinct as-of dates and contexts)
_CODE = Path(__file__).resolve().parent
CODE_DIGEST = hashlib.sha256(b"".join(
    p.read_bytes() for p in sorted([*_CODE.glob("engine/*.py"), _CODE / "sources.py", _CODE / "queries.py",
                                    _CODE / "ledger.py", _CODE / "snapshots.py"])
)).hexdigest()  # scores stored by another version of the scoring code are never reused


def context_digest(*, scheme: Scheme, rules_digest: str, rules_id: str) -> str:
    parts = [rules_id, rules_digest, json.dumps(scheme.series or {}, sort_keys=True), scheme.denominator,
             str(scheme.as_of_day), str(scheme.fiscal_year_id), CODE_DIGEST]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def inputs_digest(parts: Sequence[Any]) -> str:
    """The digest of a unit's inputs (reprs of plain values: tuples, dates, Fractions, strings)."""
    return hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()


class StoredItems(Mapping[str, ItemResult]):
    """A stored round's item scores, decoded on first use."""

    __slots__ = ("_raw", "_items")

    def __init__(self, raw: list[list[Any]]) -> None:
        self._raw = raw
        self._items: dict[str, ItemResult] | None = None

    def _load(self) -> dict[str, ItemResult]:
        if self._items is None:
            self._items = {cid: ItemResult(cid, Fraction(sn, sd), Fraction(mn, md), ())
                           for cid, sn, sd, mn, md in self._raw}
        return self._items

    def __getitem__(self, key: str) -> ItemResult:
        return self._load()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._raw)

    def __eq__(self, other: object) -> bool:
        return dict(self._load()) == (dict(other) if isinstance(other, Mapping) else other)

    __hash__ = None  # type: ignore[assignment]  # mutable-style mapping, like dict


def _pair(f: Fraction) -> list[int]:
    return [f.numerator, f.denominator]


def encode(results: Sequence[RoundResult]) -> str:
    """One unit's rounds (as `score_unit(explain=False)` gives them) as compact JSON."""
    return json.dumps([
        [r.round, _pair(r.total), _pair(r.max), r.size_basis, {k: _pair(v) for k, v in r.tie_values.items()},
         [[i.id, i.score.numerator, i.score.denominator, i.max.numerator, i.max.denominator]
          for i in r.items.values()],
         [[ln.code, ln.facts] for ln in r.notes], r.assessed, {k: c.passed for k, c in r.checks.items()}]
        for r in results
    ], separators=(",", ":"), ensure_ascii=False)


def decode(code: str, data: str) -> list[RoundResult]:
    return decode_many([(code, data)])[0]


def decode_many(entries: Sequence[tuple[str, str]]) -> list[list[RoundResult]]:
    """Many units' entries at once, each unit's rounds in a list: one JSON parse for all of them
    (10,000 separate parses cost several times more)."""
    if not entries:
        return []
    parsed = json.loads("[" + ",".join(data for _code, data in entries) + "]")
    return [[RoundResult(code, round_no, StoredItems(items), Fraction(*total), Fraction(*top), basis,
                         {k: Fraction(*v) for k, v in ties.items()}, None, None,
                         tuple(Line(c, f) for c, f in notes), assessed, False,
                         {k: CheckResult(k, passed) for k, passed in checks.items()})
             for round_no, total, top, basis, ties, items, notes, assessed, checks in rounds]
            for (code, _data), rounds in zip(entries, parsed, strict=True)]


def load(*, scheme: Scheme, as_of: date, context: str) -> tuple[int | None, dict[int, tuple[str, str]]]:
    """The stored set's id (None: none yet) and unit id -> (digest, data)."""
    found = ScoreSet.objects.filter(scheme=scheme, as_of=as_of, context=context).values_list("pk", flat=True).first()
    if found is None:
        return None, {}
    rows = ScoreEntry.objects.filter(score_set_id=found).values_list("unit_id", "digest", "data")
    return found, {unit_id: (digest, data) for unit_id, digest, data in rows.iterator(chunk_size=5000)}


def store(*, scheme: Scheme, as_of: date, context: str, set_id: int | None,
          changed: Mapping[int, tuple[str, str]], gone: Sequence[int] = ()) -> None:
    """Write the changed units' entries (unit id -> (digest, data)) and drop those of units that
    left the scheme. Concurrent writers of the same entries write the same points: last one wins."""
    now = timezone.now()
    with transaction.atomic():
        if set_id is None:
            score_set, created = ScoreSet.objects.get_or_create(scheme=scheme, as_of=as_of, context=context,
                                                                defaults={"used_at": now})
            set_id = score_set.pk
            if created:
                _prune(scheme)
        else:
            ScoreSet.objects.filter(pk=set_id).update(used_at=now)
        if gone:
            ScoreEntry.objects.filter(score_set_id=set_id, unit_id__in=list(gone)).delete()
        if changed:
            ScoreEntry.objects.bulk_create(
                [ScoreEntry(score_set_id=set_id, unit_id=u, digest=d, data=x) for u, (d, x) in changed.items()],
                batch_size=2000, update_conflicts=True, unique_fields=["score_set", "unit_id"],
                update_fields=["digest", "data"],
            )


def _prune(scheme: Scheme) -> None:
    keep = list(ScoreSet.objects.filter(scheme=scheme).order_by("-used_at", "-pk").values_list("pk", flat=True)[:KEEP])
    old = ScoreSet.objects.filter(scheme=scheme).exclude(pk__in=keep)
    ScoreEntry.objects.filter(score_set__in=old).delete()
    old.delete()
