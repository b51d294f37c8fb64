"""Benchmark scoring and ranking a scheme of 10,000 units from the database (target < 1 s).

    .venv/bin/python bench/bench_score_db.py [--units 10000] [--baseline-units 200] [--db FILE]
    pg_virtualenv bash -c 'DATABASE_URL=postgresql://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/postgres \
        .venv/bin/python bench/bench_score_db.py --postgres'

Builds a throw-away database (migrate, then bulk_create): one province, N agencies in one scheme,
12 months x 5 categories of movements per unit (an allocation per category, a disbursement per
category and month, a commitment per category). Then, each in a fresh OS process (nothing warm):
1. `pts.scoring.queries.score_scheme(explain=())`, what the league page calls: the first scoring
   ever (nothing stored yet), then a new process reading what the first stored, then a third
   process writes one more disbursement for 1 % of the units and a new process scores again —
   checked equal to every unit scored afresh by the engine;
2. the peak memory of a process that served the league as of 6 dates; an explained score card
   through the view, 4 requests at a time;
3. the write cost of the shared sums: one disbursement through the action and a bulk insert of
   100,000 movements, with the rollup trigger and without it (dropped for the measurement);
4. baseline: a straightforward per-unit loop — per unit and month `pts.budget.queries.unit_figures`
   (one query each), then `score_unit` — on a subset of units, scaled linearly to N, then ranked.
Prints figures and ratios; not a unit test.
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


def setup(db_path: Path | None, migrate: bool = False) -> None:
    if db_path is not None:
        os.environ["PTS_SQLITE_PATH"] = str(db_path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pts.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if migrate:
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


def child(mode: str, as_of: date, n: int) -> None:
    """One measurement in this fresh process (nothing warm): prints one JSON line."""
    import json
    import resource

    from pts.schemes.models import Scheme
    from pts.scoring import queries

    scheme = Scheme.objects.get(code="bench")
    out: dict[str, object] = {}
    if mode == "league":
        t, results = timed(queries.score_scheme, scheme=scheme, as_of=as_of, explain=())
        out["seconds"] = t
        out["rows"] = len(results)
        out["totals"] = [[r.unit, r.round, str(r.total), r.size_group, r.award] for r in results]
        if n:  # compare with every unit scored afresh by the engine
            fresh = queries.score_scheme(scheme=scheme, as_of=as_of, explain=None)
            out["equal_to_fresh"] = out["totals"] == [[r.unit, r.round, str(r.total), r.size_group, r.award]
                                                      for r in fresh]
    elif mode == "write":
        out["changed"] = record_disbursements(scheme, n, as_of)
    elif mode == "memory":
        rss = []
        for day in range(n):
            queries.score_scheme(scheme=scheme, as_of=date(2023, 9, 30 - day), explain=())
            rss.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
        out["rss_mb"] = rss
    elif mode == "card":
        out.update(card_latency(scheme, as_of, n))
    print("RESULT " + json.dumps(out))


def card_latency(scheme, as_of: date, n: int) -> dict[str, object]:  # noqa: ANN001
    """p50 of one unit's explained score card, through the view, 4 requests at a time."""
    import statistics
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from pts.organisations.models import User

    user = User.objects.get(username="bench")
    unit = scheme.units.order_by("code")[len(scheme.units.all()) // 2]
    url = reverse("scoring:card", args=[scheme.code, unit.pk]) + f"?as_of={as_of.isoformat()}"

    def one(_i: int) -> float:
        client = Client()
        client.force_login(user)
        start = time.perf_counter()
        response = client.get(url, HTTP_HOST="localhost")
        took = time.perf_counter() - start
        assert response.status_code == 200, response.status_code
        connection.close()
        return took

    one(0)
    with ThreadPoolExecutor(4) as pool:
        times = list(pool.map(one, range(n)))
    return {"card_p50": statistics.median(times), "card_max": max(times), "requests": n}


def spawn(args: argparse.Namespace, mode: str, n: int = 0) -> dict:  # noqa: ANN001
    import json
    import subprocess

    cmd = [sys.executable, __file__, "--child", mode, "--as-of", args.as_of, "--n", str(n)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy(), check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"child {mode} failed:\n{done.stderr[-4000:]}")
    return json.loads(line[7:])


def write_costs(scheme, n_actions: int, n_bulk: int) -> dict[str, float]:  # noqa: ANN001
    """One disbursement through the action, and a bulk insert, with and without the rollup trigger."""
    import statistics

    from django.db import connection, transaction

    from pts.budget import rollup
    from pts.budget.actions import allocation_record, disbursement_record
    from pts.budget.models import Movement, MovementKind
    from pts.organisations.models import User

    actor = User.objects.get(username="bench")
    units = list(scheme.units.order_by("code")[:n_actions])
    out: dict[str, float] = {}
    for unit in units:  # money to pay from, whatever the build paid already
        allocation_record(actor=actor, fiscal_year=scheme.fiscal_year, unit=unit, category="operating",
                          amount=1_000_000_000_00, effective_date=date(2023, 9, 28))

    def actions() -> float:
        start = time.perf_counter()
        for unit in units:
            disbursement_record(actor=actor, fiscal_year=scheme.fiscal_year, unit=unit, category="operating",
                                amount=1_00, effective_date=date(2023, 9, 29))
        return (time.perf_counter() - start) / len(units)

    def bulk() -> float:
        rows = [Movement(fiscal_year=scheme.fiscal_year, unit_id=units[i % len(units)].pk, category="operating",
                         kind=MovementKind.DISBURSEMENT, amount=1, effective_date=date(2023, 9, 1 + i % 28),
                         actor=actor) for i in range(n_bulk)]
        start = time.perf_counter()
        with transaction.atomic():
            Movement.objects.bulk_create(rows, batch_size=5000)
        return time.perf_counter() - start

    # The actions alternate, three times each, before any bulk rows land on the same units (a balance
    # check reads the unit's movements, so measuring one side after the bulk insert would not be fair).
    bare, kept = [], []
    for _ in range(3):
        rollup.run(rollup.drop_sql(connection.vendor))
        bare.append(actions())
        rollup.run(rollup.trigger_sql(connection.vendor))
        kept.append(actions())
    out["action_bare"], out["action_kept"] = statistics.median(bare), statistics.median(kept)
    rollup.run(rollup.drop_sql(connection.vendor))
    out["bulk_bare"] = bulk()
    rollup.run(rollup.trigger_sql(connection.vendor))
    out["bulk_kept"] = bulk()
    with transaction.atomic():
        rollup.rebuild()  # the bare rows were written without the trigger
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--baseline-units", type=int, default=200)
    parser.add_argument("--rules", default="province-pts-template")
    parser.add_argument("--as-of", default="2023-09-30")
    parser.add_argument("--db", type=Path, help="SQLite: keep the built database in this file and reuse it")
    parser.add_argument("--postgres", action="store_true",
                        help="use the empty PostgreSQL database DATABASE_URL names (e.g. under pg_virtualenv)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    as_of = date.fromisoformat(args.as_of)
    if args.child:
        setup(None)
        child(args.child, as_of, args.n)
        return
    with tempfile.TemporaryDirectory() as tmp:
        db = None if args.postgres else (args.db or Path(tmp) / "bench.sqlite3")
        reuse = db is not None and db.exists()
        setup(db, migrate=True)
        from pts.schemes.models import Scheme

        if reuse:
            spent, scheme = 0.0, Scheme.objects.get(code="bench")
        else:
            spent, scheme = timed(build, args.units, args.rules)
        from django.db import connection

        from pts.budget.models import Movement
        from pts.scoring import queries
        from pts.scoring.engine.ranking import rank
        from pts.scoring.models import ScoreSet

        vendor = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
        print(f"built {args.units:,} units, {Movement.objects.count():,} movements in {spent:.1f} s "
              f"({vendor}, rule set {args.rules}, as of {as_of})")
        ScoreSet.objects.all().delete()
        connection.close()
        # each figure below is a fresh OS process: nothing of the scheme is warm in it
        first = spawn(args, "league")
        cold = spawn(args, "league")
        wrote = spawn(args, "write", max(1, args.units // 100))
        after = spawn(args, "league", 1)
        moved = sum(a != b for a, b in zip(cold["totals"], after["totals"], strict=True))
        memory = spawn(args, "memory", 6)
        card = spawn(args, "card", 40)
        print(f"first scoring ever (nothing stored), fresh process: {first['seconds']:6.3f} s "
              f"for {first['rows']:,} unit-rounds")
        print(f"fresh process, scores stored by another:            {cold['seconds']:6.3f} s")
        print(f"fresh process after {wrote['changed']} disbursements by another process: {after['seconds']:6.3f} s "
              f"({moved} totals moved; equal to a recomputation from nothing: {after['equal_to_fresh']})")
        print(f"peak RSS of a process that served the league as of 6 dates: {memory['rss_mb']} MB")
        print(f"explained score card, 4 concurrent requests: p50 {card['card_p50'] * 1000:.0f} ms, "
              f"max {card['card_max'] * 1000:.0f} ms over {card['requests']} requests")

        costs = write_costs(scheme, 50, 100_000)
        print(f"one disbursement through the action: {costs['action_kept'] * 1000:.1f} ms with the sums kept, "
              f"{costs['action_bare'] * 1000:.1f} ms without the trigger "
              f"(ratio {costs['action_kept'] / costs['action_bare']:.2f})")
        print(f"bulk insert of 100,000 movements: {costs['bulk_kept']:.2f} s with the sums kept, "
              f"{costs['bulk_bare']:.2f} s bare (ratio {costs['bulk_kept'] / costs['bulk_bare']:.2f}; target <= 3)")

        rules = queries.rules_for(scheme)
        units = list(scheme.units.order_by("code")[: args.baseline_units])
        rules.cache.clear()
        t_base, base_results = timed(baseline, scheme, rules, units, as_of)
        t_rank = timed(rank, rules, base_results)[0] if (rules.size_groups or rules.awards) else 0.0
        scaled = (t_base + t_rank) * args.units / len(units)
        print(f"baseline per-unit loop: {t_base:.3f} s for {len(units)} units -> {scaled:.1f} s scaled to "
              f"{args.units:,} units")
        print(f"ratio baseline / fresh process with stored scores: {scaled / cold['seconds']:.0f}x; "
              f"baseline / after changes: {scaled / after['seconds']:.0f}x")
        print(f"target < 1 s: fresh process {'met' if cold['seconds'] < 1 else 'NOT met'} ({cold['seconds']:.3f} s); "
              f"after changes {'met' if after['seconds'] < 1 else 'NOT met'} ({after['seconds']:.3f} s)")


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
