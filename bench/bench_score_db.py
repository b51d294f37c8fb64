"""Benchmark scoring and ranking a scheme of 10,000 units from the database (target < 1 s).

    .venv/bin/python bench/bench_score_db.py [--units 10000] [--baseline-units 200] [--rules province-pts-template] [--db FILE]

Builds a throw-away SQLite database in a temporary directory (migrate, then bulk_create): one
province, N agencies in one scheme, 12 months x 5 categories of movements per unit (an allocation
per category, a disbursement per category and month, a commitment per category). Then, in one run:
1. `pts.scoring.queries.score_scheme(explain=())` — what the league table calls: ledger, evidence and
   procurement reads + scoring + size groups and awards — cold (nothing kept in this process),
   warm (nothing changed), and warm after one more disbursement for 1 % of the units; the last is
   checked equal to a recomputation from nothing;
2. baseline: a straightforward per-unit loop — per unit and month `pts.budget.queries.unit_figures`
   (one query each), then `score_unit` — on a subset of units, scaled linearly to N, then ranked.
Prints figures; not a unit test.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATEGORIES = ("personnel", "operating", "capital", "subsidy", "other")


def setup(db_path: Path) -> None:
    os.environ["PTS_SQLITE_PATH"] = str(db_path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pts.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(n_units: int, rule_set: str) -> object:
    from django.db import transaction

    from pts.budget.models import FiscalYear, Movement, MovementKind
    from pts.core.fiscal import fiscal_months
    from pts.organisations.models import Org, OrgKind, User
    from pts.schemes.models import Scheme

    rng = random.Random(2566)
    with transaction.atomic():
        actor = User.objects.create(username="bench", is_superuser=True)
        fy = FiscalYear.objects.create(be_year=2566)
        province = Org.objects.create(code="PROV", name_th="จังหวัด", kind=OrgKind.PROVINCE, path="", depth=0)
        Org.objects.filter(pk=province.pk).update(path=f"/{province.pk}/")
        first = province.pk + 1
        Org.objects.bulk_create(
            [Org(pk=first + i, code=f"U{i:05d}", name_th=f"หน่วยงาน {i}", kind=OrgKind.AGENCY, parent_id=province.pk,
                 path=f"/{province.pk}/{first + i}/", depth=1) for i in range(n_units)], batch_size=2000)
        scheme = Scheme.objects.create(code="bench", name="bench", kind="province", fiscal_year=fy,
                                       coordinator_org_id=province.pk, rule_set=rule_set, deadline_month_offset=1)
        Through = Scheme.units.through
        Through.objects.bulk_create([Through(scheme_id=scheme.pk, org_id=first + i) for i in range(n_units)],
                                    batch_size=5000)
        months = fiscal_months(2566)
        rows: list[Movement] = []
        for i in range(n_units):
            unit_id = first + i
            scale = rng.choice((1, 5, 30, 120))  # spreads units over the size groups
            for category in CATEGORIES:
                if category == "capital" and rng.random() < 0.2:
                    continue  # some units have no capital money: the absent-series policy applies
                allocated = rng.randint(100_000, 1_000_000) * scale * 100
                rows.append(Movement(fiscal_year=fy, unit_id=unit_id, category=category, kind=MovementKind.ALLOCATION,
                                     amount=allocated, effective_date=date(2022, 10, 1), actor=actor))
                rows.append(Movement(fiscal_year=fy, unit_id=unit_id, category=category, kind=MovementKind.COMMITMENT,
                                     amount=allocated // 10, effective_date=date(2022, 11, 5), actor=actor,
                                     commitment_type="po"))
                paid = 0
                for m in months:
                    step = allocated * rng.randint(4, 11) // 100
                    step = min(step, allocated - paid)
                    if step <= 0:
                        continue
                    paid += step
                    rows.append(Movement(fiscal_year=fy, unit_id=unit_id, category=category,
                                         kind=MovementKind.DISBURSEMENT, amount=step, effective_date=m.day(12),
                                         actor=actor))
            if len(rows) > 50_000:
                Movement.objects.bulk_create(rows, batch_size=5000)
                rows = []
        Movement.objects.bulk_create(rows, batch_size=5000)
    return scheme


def timed(fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def baseline(scheme, rules, units, as_of: date):  # noqa: ANN001, ANN201
    """Per unit: one unit_figures query per month (evidence, procurement and deductions as the
    scheme reads them), then score that unit alone."""
    from dataclasses import replace

    from pts.budget.queries import unit_figures
    from pts.scoring.engine import Figures, score_unit
    from pts.scoring.queries import build_inputs, months_until

    months = months_until(scheme, rules, as_of)
    results = []
    for unit in units:
        data = {}
        for m in months:
            by_cat = unit_figures(fiscal_year=scheme.fiscal_year, unit=unit, as_of=scheme.as_of(m),
                                  include_subtree=False)
            data[m] = {c: Figures(f.current_allocation, f.disbursed, f.committed_outstanding)
                       for c, f in by_cat.items() if c != "total"}
        others = build_inputs(scheme=scheme, as_of=as_of, rules=rules, units=[unit])[0]
        results.extend(score_unit(rules, replace(others, months=data)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--baseline-units", type=int, default=200)
    parser.add_argument("--rules", default="province-pts-template")
    parser.add_argument("--as-of", default="2023-09-30")
    parser.add_argument("--db", type=Path, help="keep the built database in this file and reuse it next time")
    args = parser.parse_args()
    as_of = date.fromisoformat(args.as_of)
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "bench.sqlite3"
        reuse = db.exists()
        setup(db)
        if reuse:
            from pts.schemes.models import Scheme

            spent, scheme = 0.0, Scheme.objects.get(code="bench")
        else:
            spent, scheme = timed(build, args.units, args.rules)
        from django.conf import settings
        from django.db import connection, reset_queries

        from pts.budget.models import Movement
        from pts.scoring import ledger, queries
        from pts.scoring.engine import score_units
        from pts.scoring.engine.ranking import rank

        print(f"built {args.units:,} units, {Movement.objects.count():,} movements in {spent:.1f} s "
              f"(SQLite, rule set {args.rules}, as of {as_of})")
        rules = queries.rules_for(scheme)
        first = list(scheme.units.order_by("code")[:5])
        queries.build_inputs(scheme=scheme, as_of=as_of, rules=rules, units=first)  # imports, rule-set cache

        # 1. cold: nothing summed or scored in this process yet (a fresh server process)
        ledger.forget()
        queries.forget()
        settings.DEBUG = True
        reset_queries()
        t_cold, results = timed(queries.score_scheme, scheme=scheme, as_of=as_of, rules=rules, explain=())
        n_queries = len(connection.queries)
        settings.DEBUG = False
        # 2. warm: the league table opened again, nothing changed
        t_warm, again = timed(queries.score_scheme, scheme=scheme, as_of=as_of, rules=rules, explain=())
        # 3. after a batch of work: one more disbursement for 1 % of the units
        changed = record_disbursements(scheme, max(1, args.units // 100), as_of)
        t_after, after = timed(queries.score_scheme, scheme=scheme, as_of=as_of, rules=rules, explain=())
        # the same scores recomputed from nothing: what the kept sums and results must equal
        ledger.forget()
        queries.forget()
        t_full, fresh = timed(queries.score_scheme, scheme=scheme, as_of=as_of, rules=rules, explain=())
        same = [(r.unit, r.round, r.total, r.size_group, r.award) for r in after] == [
            (r.unit, r.round, r.total, r.size_group, r.award) for r in fresh]
        moved = sum(a.total != b.total for a, b in zip(results, after, strict=True))
        t_inputs, inputs = timed(queries.build_inputs, scheme=scheme, as_of=as_of, rules=rules)
        rules.cache.clear()
        t_engine, _ = timed(score_units, rules, inputs, explain=False)
        awarded = sum(r.award is not None for r in results)
        print(f"cold   score_scheme + ranking, nothing kept yet:       {t_cold:6.3f} s for {len(results):,} unit-rounds "
              f"({n_queries} queries; {awarded} awards)")
        print(f"warm   opened again, nothing changed:                  {t_warm:6.3f} s")
        print(f"warm   after {changed} new disbursements ({changed} units):  {t_after:6.3f} s  "
              f"({moved} totals moved; equal to a recomputation from nothing: {same})")
        print(f"       parts when nothing is kept: inputs {t_inputs:.3f} s (kept sums), engine + ranking {t_engine:.3f} s; "
              f"from nothing again {t_full:.3f} s")

        units = list(scheme.units.order_by("code")[: args.baseline_units])
        rules.cache.clear()
        t_base, base_results = timed(baseline, scheme, rules, units, as_of)
        if rules.size_groups or rules.awards:
            t_rank, _ = timed(rank, rules, base_results)
        else:
            t_rank = 0.0
        scaled = t_base * args.units / len(units) + t_rank * args.units / len(units)
        mine = {(r.unit, r.round): r.total for r in after}
        agree = all(mine[(r.unit, r.round)] == r.total for r in base_results)
        print(f"baseline per-unit loop: {t_base:.3f} s for {len(units)} units -> {scaled:.1f} s scaled to "
              f"{args.units:,} units (totals agree: {agree})")
        print(f"ratio baseline / warm after changes: {scaled / t_after:.0f}x; baseline / cold: {scaled / t_cold:.0f}x")
        print(f"target < 1 s: warm after changes {'met' if t_after < 1 else 'NOT met'} ({t_after:.3f} s); "
              f"cold {'met' if t_cold < 1 else 'NOT met'} ({t_cold:.3f} s)")


def record_disbursements(scheme, n: int, as_of: date) -> int:  # noqa: ANN001
    """One more disbursement (operating) for `n` units spread over the scheme, committed at once."""
    from pts.budget.models import Movement, MovementKind
    from pts.organisations.models import User

    actor = User.objects.get(username="bench")
    ids = list(scheme.units.order_by("code").values_list("pk", flat=True))
    step = max(1, len(ids) // n)
    Movement.objects.bulk_create([
        Movement(fiscal_year=scheme.fiscal_year, unit_id=pk, category="operating", kind=MovementKind.DISBURSEMENT,
                 amount=1_000_00, effective_date=as_of.replace(day=1), actor=actor) for pk in ids[::step][:n]])
    return len(ids[::step][:n])


if __name__ == "__main__":
    main()
