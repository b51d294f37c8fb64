"""`pts ledger-check`: recompute every derived figure from the raw movements and report any
difference (exit 1), so an operator can prove the shared figures are what the ledger says.

1. The ledger's monthly sums and unit stamps (`pts.budget.rollup`), recomputed with one grouped
   query each and compared row by row.
2. The stored scores (`pts.scoring.snapshots`): each stored entry whose inputs are still current
   is compared with the unit scored afresh by the engine (entries of changed inputs are not
   differences: they are scored again when next read). `--no-scores` skips this part.

3. Amounts beyond the ceiling (`pts.core.money.max_amount_satang`) in any amount column: rows
   written before the ceiling existed, or above a ceiling lowered since. Each is listed; they are
   kept as they are (the ledger is append-only) and count as differences.

`--repair` rebuilds the ledger's sums from the movements and drops every stored score (they are
scored again on demand), after reporting what differed.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

MAX_SHOWN = 100


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-scores", action="store_true", help="check the ledger's sums only")
    parser.add_argument("--repair", action="store_true",
                        help="after reporting, rebuild the sums from the movements and drop the stored scores")


def score_differences(limit: int = MAX_SHOWN) -> tuple[list[str], int]:
    """Messages for stored score entries that differ from a fresh scoring (the first `limit`), and
    how many there are."""
    from pts.scoring import queries, rulesets, snapshots
    from pts.scoring.engine import score_unit
    from pts.scoring.models import ScoreSet

    found: list[str] = []
    count = 0
    for score_set in ScoreSet.objects.select_related("scheme__fiscal_year").order_by("pk"):
        scheme = score_set.scheme
        rules = rulesets.rules_for(scheme)
        context = snapshots.context_digest(scheme=scheme, rules_digest=rulesets.rules_digest(rulesets.rule_set_ref(scheme)),
                                           rules_id=rules.id)
        if context != score_set.context:
            continue  # another rule set file, mapping or code: never read again, pruned in time
        units = queries.scheme_units(scheme)
        months = queries.months_until(scheme, rules, score_set.as_of)
        digests = queries._digests(scheme, rules, score_set.as_of, units, months)
        entries = {e.unit_id: e for e in score_set.entries.all()}
        current = [u for u in units if u.pk in entries and entries[u.pk].digest == digests[u.pk]]
        for data in queries.build_inputs(scheme=scheme, as_of=score_set.as_of, rules=rules, units=current):
            unit = next(u for u in current if u.code == data.code)
            fresh = snapshots.encode(score_unit(rules, data, explain=False))
            if fresh != entries[unit.pk].data:
                count += 1
                if len(found) < limit:
                    found.append(f"คะแนนที่เก็บไว้ของ {unit.code} ในเกณฑ์ {scheme.code} ณ {score_set.as_of.isoformat()} "
                                 f"ไม่ตรงกับการคำนวณใหม่ / stored scores of {unit.code} in {scheme.code} as of "
                                 f"{score_set.as_of.isoformat()} differ from a fresh scoring")
    return found, count


def amounts_beyond_ceiling(limit: int = MAX_SHOWN) -> tuple[list[str], int]:
    """Messages for stored amounts beyond the ceiling (the first `limit`), and how many there are:
    every model field validated by `validate_amount`."""
    from django.apps import apps
    from django.db.models import Q

    from pts.core.constraints import validate_amount
    from pts.core.money import format_baht, max_amount_satang

    ceiling = max_amount_satang()
    found: list[str] = []
    count = 0
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if validate_amount not in field.validators:
                continue
            beyond = Q(**{f"{field.attname}__gt": ceiling}) | Q(**{f"{field.attname}__lt": -ceiling})
            rows = model._base_manager.filter(beyond).order_by("pk").values_list("pk", field.attname)
            count += rows.count()
            for pk, value in rows[: max(0, limit - len(found))]:
                found.append(f"{model._meta.db_table} #{pk} {field.column}: {format_baht(value)} บาท "
                             f"เกินจำนวนเงินสูงสุด {format_baht(ceiling)} บาท / {format_baht(value)} baht is beyond "
                             f"the maximum amount of {format_baht(ceiling)} baht")
    return found, count


def run(args: Any) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pts.settings")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.db.migrations.executor import MigrationExecutor

    from pts.budget import rollup
    from pts.scoring.models import ScoreSet

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        print("pts ledger-check: ฐานข้อมูลยังไม่ได้ปรับโครงสร้างล่าสุด ให้รัน `pts manage migrate` ก่อน / "
              "the database is not migrated: run `pts manage migrate` first", file=sys.stderr)
        return 2
    differences, count = rollup.differences(MAX_SHOWN)
    for d in differences:
        print(f"{d.table} {'/'.join(str(k) for k in d.key)}: เก็บไว้ / stored {d.stored}, "
              f"คำนวณใหม่ / recomputed {d.recomputed}")
    beyond, beyond_count = amounts_beyond_ceiling(MAX_SHOWN)
    for message in beyond:
        print(message)
    count += beyond_count
    scores_count = 0
    if not args.no_scores:
        messages, scores_count = score_differences(MAX_SHOWN)
        for message in messages:
            print(message)
    total = count + scores_count
    if total > MAX_SHOWN:
        print(f"... และอีก {total - MAX_SHOWN} รายการ / and {total - MAX_SHOWN} more")
    if args.repair:
        with transaction.atomic():
            rollup.rebuild()
            ScoreSet.objects.all().delete()
        print("สร้างยอดรวมใหม่จากรายการเคลื่อนไหวแล้ว ลบคะแนนที่เก็บไว้ / "
              "sums rebuilt from the movements; stored scores dropped")
    if total:
        print(f"พบความแตกต่าง {total} รายการ / {total} difference(s) found", file=sys.stderr)
        return 1
    print("ยอดรวมและคะแนนที่เก็บไว้ตรงกับรายการเคลื่อนไหว / the derived figures match the movements")
    return 0
