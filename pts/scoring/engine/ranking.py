"""Size groups and award tiers across units, per round.

A unit's group is the first whose `above` its allocation exceeds. An award tier needs a total of
at least `min_total`; a tier with `best_per_group = n` also needs a rank of n or better in the
unit's group, ranked by total then the tie-breakers. Units equal on every key share a rank
(1, 2, 2, 4), so a tie is never broken by the unit's code.
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

from pts.scoring.engine.explain import Line, exact
from pts.scoring.engine.results import RoundResult
from pts.scoring.engine.rules import Award, RuleSet


def size_group(rules: RuleSet, basis: int) -> str | None:
    for group in rules.size_groups:
        if group.above is None or basis > group.above:
            return group.id
    return None


def _key(result: RoundResult, award: Award) -> tuple[Fraction, ...]:
    return (result.total, *(result.tie_values[b] for b in award.tie_breakers))


def _ranks(results: list[RoundResult], award: Award) -> dict[int, int]:
    """Competition ranks (1, 2, 2, 4) by descending key; keyed by position in `results`."""
    order = sorted(range(len(results)), key=lambda i: _key(results[i], award), reverse=True)
    ranks: dict[int, int] = {}
    previous: tuple[Fraction, ...] | None = None
    rank = 0
    for position, i in enumerate(order, start=1):
        key = _key(results[i], award)
        if key != previous:
            rank, previous = position, key
        ranks[i] = rank
    return ranks


def rank(rules: RuleSet, results: list[RoundResult]) -> list[RoundResult]:
    groups = {id(r): size_group(rules, r.size_basis) if rules.size_groups and r.assessed else None for r in results}
    awarded: dict[int, tuple[Award, int | None]] = {}
    for award in rules.awards:  # ascending by min_total: a later tier replaces an earlier one
        cohorts: dict[tuple[int, str | None], list[RoundResult]] = defaultdict(list)
        for r in results:
            if r.assessed and r.total >= award.min_total:
                cohorts[(r.round, groups[id(r)])].append(r)
        for cohort in cohorts.values():
            ranks = _ranks(cohort, award) if award.best_per_group else {}
            for i, r in enumerate(cohort):
                place = ranks.get(i)
                if award.best_per_group is None or (place is not None and place <= award.best_per_group):
                    awarded[id(r)] = (award, place)
    out = []
    for r in results:
        notes: list[Line] = []
        group = groups[id(r)]
        if group is not None:
            notes.append(Line("size_group", {"group": group, "allocated": r.size_basis}))
        award_id = None
        if id(r) in awarded:
            award, place = awarded[id(r)]
            award_id = award.id
            notes.append(Line("award", {
                "award": award.id, "total": exact(r.total), "min_total": exact(award.min_total), "rank": place,
            }))  # fmt: skip
        # built directly rather than by dataclasses.replace: a 10,000-unit league builds 10,000 of them
        out.append(RoundResult(r.unit, r.round, r.items, r.total, r.max, r.size_basis, r.tie_values, group,
                               award_id, tuple(notes), r.assessed, r.provisional, r.checks))
    return out
