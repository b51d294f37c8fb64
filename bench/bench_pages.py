"""Benchmark the list pages of a 10,000-unit scheme through the Django test client (target < 1 s each).

    .venv/bin/python bench/bench_pages.py [--agencies 100] [--per-agency 100] [--db FILE]

Builds a throw-away SQLite database (migrate, then bulk_create): one province, A agencies, and
P disbursing units under each (A x P units, all in one provincial scheme with its twelve reporting
periods), 5 categories x (an allocation, a commitment, 12 monthly disbursements) of movements per
unit, and a coordinator of the province. Then times, logged in as a superuser (and as the
coordinator where their scope matters), each page as the server renders it:
1. the budget overview (the province's agencies with subtree totals), a drill-down into one agency,
   a search by Thai name, page 2 of the drill-down;
2. the league table (first scoring ever, then with the scores stored), its page 2, a search;
3. the organisations tree, a scheme's page, the reporting board;
4. baselines in the same run: the overview drawing every organisation at once (what the page did
   before drill-down), and the league, tree and board with the page size lifted to every unit.
Prints each time, the rows drawn, and the ratio to its baseline; not a unit test.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATEGORIES = ("personnel", "operating", "capital", "subsidy", "other")
AS_OF = "2023-07-31"


def setup(db_path: Path) -> None:
    os.environ["PTS_SQLITE_PATH"] = str(db_path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pts.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(n_agencies: int, per_agency: int) -> None:
    """The province, its agencies and units, the scheme, the movements; statistics refreshed after."""
    from django.db import transaction

    from pts.budget.models import FiscalYear, Movement, MovementKind
    from pts.core.db import refresh_statistics
    from pts.core.fiscal import fiscal_months
    from pts.organisations.actions import role_grant
    from pts.organisations.models import Org, OrgKind, Role, User
    from pts.organisations.permissions import SYSTEM
    from pts.schemes.actions import scheme_create

    rng = random.Random(2566)
    with transaction.atomic():
        admin = User.objects.create(username="bench", is_superuser=True, is_staff=True)
        coordinator = User.objects.create(username="bench-coordinator")
        fy = FiscalYear.objects.create(be_year=2566)
        province = Org.objects.create(code="PROV", name_th="จังหวัดทดสอบ", name_en="Test province",
                                      kind=OrgKind.PROVINCE, path="", depth=0)
        Org.objects.filter(pk=province.pk).update(path=f"/{province.pk}/")
        role_grant(actor=SYSTEM, user=coordinator, org=Org.objects.get(pk=province.pk), role=Role.COORDINATOR)
        next_id = province.pk + 1
        agencies, units = [], []
        for a in range(n_agencies):
            agency_id, next_id = next_id, next_id + 1
            agency_path = f"/{province.pk}/{agency_id}/"
            agencies.append(Org(pk=agency_id, code=f"A{a:03d}", name_th=f"ส่วนราชการ {a}", name_en=f"Agency {a}",
                                kind=OrgKind.AGENCY, parent_id=province.pk, path=agency_path, depth=1))
            for u in range(per_agency):
                unit_id, next_id = next_id, next_id + 1
                n = a * per_agency + u
                units.append(Org(pk=unit_id, code=f"{n:010d}", name_th=f"หน่วยเบิกจ่าย {n}",
                                 name_en=f"Disbursing unit {n}", kind=OrgKind.DISBURSING_UNIT, parent_id=agency_id,
                                 path=f"{agency_path}{unit_id}/", depth=2))
        Org.objects.bulk_create(agencies + units, batch_size=2000)
        scheme_create(actor=admin, code="bench", name="ทดสอบ", kind="province", fiscal_year=fy,
                      coordinator_org=Org.objects.get(pk=province.pk), units=units,
                      rule_set="province-pts-template", deadline_month_offset=1)
        months = fiscal_months(2566)
        rows: list[Movement] = []
        for unit in units:
            scale = rng.choice((1, 5, 30, 120))
            for category in CATEGORIES:
                allocated = rng.randint(100_000, 1_000_000) * scale * 100
                rows.append(Movement(fiscal_year=fy, unit_id=unit.pk, category=category, kind=MovementKind.ALLOCATION,
                                     amount=allocated, effective_date=date(2022, 10, 1), actor=admin))
                rows.append(Movement(fiscal_year=fy, unit_id=unit.pk, category=category, kind=MovementKind.COMMITMENT,
                                     amount=allocated // 10, effective_date=date(2022, 11, 5), actor=admin,
                                     commitment_type="po"))
                paid = 0
                for m in months:
                    step = min(allocated * rng.randint(4, 11) // 100, allocated - paid)
                    if step <= 0:
                        continue
                    paid += step
                    rows.append(Movement(fiscal_year=fy, unit_id=unit.pk, category=category,
                                         kind=MovementKind.DISBURSEMENT, amount=step, effective_date=m.day(12),
                                         actor=admin))
            if len(rows) > 50_000:
                Movement.objects.bulk_create(rows, batch_size=5000)
                rows = []
        Movement.objects.bulk_create(rows, batch_size=5000)
    refresh_statistics(["organisations_org", "budget_movement", "budget_ledgermonth", "schemes_scheme_units"])


def timed_get(client, url: str, repeat: int = 3) -> tuple[float, float, int]:  # noqa: ANN001
    """The first and the median seconds of `repeat` GETs, and the rows drawn (table rows, list items)."""
    times, html = [], ""
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url, HTTP_HOST="localhost")
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
        html = response.content.decode()
    table = re.search(r"<tbody>(.*?)</tbody>", html.split('id="results"', 1)[-1], re.S)
    rows = len(re.findall(r"<tr[ >]", table.group(1))) if table else 0
    rows += len(re.findall(r'<li><span class="code">', html))  # an organisation's page lists its units
    return times[0], statistics.median(times), rows


def timed(fn) -> float:  # noqa: ANN001
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def old_overview(request, be_year: int):  # noqa: ANN001, ANN201
    """The overview as it was before drill-down: every visible organisation, indented, on one page."""
    from django.shortcuts import render

    from pts.budget import queries
    from pts.budget.models import FiscalYear
    from pts.budget.views import _as_of, _row
    from pts.organisations import scope
    from pts.organisations.models import Org

    fy = FiscalYear.objects.get(be_year=be_year)
    as_of, _error = _as_of(request, fy)
    visible = scope.visible(request.user, Org.objects.all())
    orgs = list(visible.order_by("path"))
    rolled = queries.rollup(queries.figures_by_unit_category(fiscal_year=fy, as_of=as_of, units=visible), orgs)
    top = min((org.depth for org in orgs), default=0)
    rows = [_row(org, queries.total(rolled[org.pk]), indent=f"{(org.depth - top) * 1.5:.1f}") for org in orgs]
    return render(request, "bench/old_overview.html", {"fy": fy, "rows": rows, "as_of_iso": as_of.isoformat()})


OLD_OVERVIEW = """{% load i18n %}<table><tbody>{% for row in rows %}<tr>
<td style="padding-left: {{ row.indent }}em"><a href="{% url 'budget:unit_ledger' unit_id=row.label.pk be_year=fy.be_year %}?as_of={{ as_of_iso }}">{{ row.label.code }} {{ row.label.name }}</a></td>
<td class="num">{{ row.f.current_allocation|baht }}</td><td class="num">{{ row.f.committed_outstanding|baht }}</td>
<td class="num">{{ row.f.disbursed|baht }}</td><td class="num">{{ row.f.remaining|baht }}</td>
<td class="num">{{ row.disbursement_rate|percent }}</td><td class="num">{{ row.spending_rate|percent }}</td></tr>
{% endfor %}</tbody></table>"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=100)
    parser.add_argument("--per-agency", type=int, default=100)
    parser.add_argument("--db", type=Path, help="keep the built database in this file and reuse it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "bench.sqlite3"
        reuse = db.exists()
        setup(db)
        start = time.perf_counter()
        if not reuse:
            build(args.agencies, args.per_agency)
        built = time.perf_counter() - start
        run(built, reuse)


def run(built: float, reused: bool) -> None:
    from django.test import Client, override_settings
    from django.urls import reverse

    from pts.budget.models import Movement
    from pts.organisations.models import Org, User
    from pts.reporting.models import ReportingPeriod
    from pts.schemes.models import Scheme
    from pts.scoring.models import ScoreSet
    from pts.scoring.queries import score_scheme
    from pts.ui import paging

    scheme = Scheme.objects.get(code="bench")
    n_units = scheme.units.count()
    print(f"{'reused' if reused else 'built'} {n_units:,} units in one scheme, {Org.objects.count():,} organisations, "
          f"{Movement.objects.count():,} movements{'' if reused else f' in {built:.0f} s'} (SQLite)")
    admin, coordinator = User.objects.get(username="bench"), User.objects.get(username="bench-coordinator")
    client = Client()
    client.force_login(admin)
    agency = Org.objects.get(code="A042")
    target = Org.objects.filter(parent=agency).order_by("code")[57]
    overview = reverse("budget:overview", kwargs={"be_year": 2566})
    league = reverse("scoring:league", kwargs={"scheme": "bench"})
    period = ReportingPeriod.objects.filter(scheme=scheme).order_by("month")[9]
    q = f"as_of={AS_OF}"
    results: list[tuple[str, float, float]] = []

    def measure(label: str, url: str, who=client, repeat: int = 3) -> float:  # noqa: ANN001
        first, median, rows = timed_get(who, url, repeat)
        results.append((label, first, median))
        also = f"  (first {first * 1000:.0f} ms)" if repeat > 1 and first > 1.5 * median else ""
        print(f"  {label:<58} {median * 1000:7.0f} ms  {rows:6,} rows{also}", flush=True)
        return median

    ScoreSet.objects.all().delete()  # the league's first request scores everything afresh
    print("pages (median of 3 requests in this process, superuser unless said):")
    t_overview = measure("budget overview: the province's agencies", f"{overview}?{q}")
    t_drill = measure("budget overview: drill-down into one agency", f"{overview}?{q}&org={agency.pk}")
    measure("budget overview: the drill-down's page 2", f"{overview}?{q}&org={agency.pk}&page=2")
    measure("budget overview: search by Thai name", f"{overview}?{q}&q={target.name_th}")
    measure("budget overview: search by code, from the top", f"{overview}?{q}&q={target.code}")
    coordinator_client = Client()
    coordinator_client.force_login(coordinator)
    measure("budget overview: the province, as the coordinator", f"{overview}?{q}", coordinator_client)
    measure("budget overview: drill-down, as the coordinator", f"{overview}?{q}&org={agency.pk}", coordinator_client)
    measure("budget overview: mid-month, the province", f"{overview}?as_of=2023-07-15")
    t_first = measure("league: first scoring ever (nothing stored)", f"{league}?{q}", repeat=1)
    t_league = measure("league: page 1, scores stored", f"{league}?{q}")
    measure("league: page 2", f"{league}?{q}&page=2")
    measure("league: search by Thai name", f"{league}?{q}&q={target.name_th}")
    measure("league: page 1, as the coordinator", f"{league}?{q}", coordinator_client)
    scheme_obj = Scheme.objects.get(code="bench")
    scoring = statistics.median(timed(lambda: score_scheme(scheme=scheme_obj, as_of=date.fromisoformat(AS_OF),
                                                           explain=())) for _ in range(3))
    print(f"  {'  of which score_scheme() alone, scores stored':<58} {scoring * 1000:7.0f} ms")
    t_tree = measure("organisations tree: the first page", reverse("organisations:tree"))
    measure("organisations tree: page 3", reverse("organisations:tree") + "?page=3")
    measure("organisations tree: search by code", reverse("organisations:tree") + f"?q={target.code}")
    measure("organisation page: an agency and its units", reverse("organisations:detail", args=[agency.pk]))
    t_board = measure("reporting board of a period", reverse("reporting:period_status", args=[period.pk]))
    measure("reporting board: not reported, page 2", reverse("reporting:period_status", args=[period.pk])
            + "?show=missing&page=2")
    t_scheme = measure("scheme page (its units)", reverse("schemes:detail", args=["bench"]))
    n_paged = len(results)

    print("baselines in the same run (everything on one page, as before paging):")
    locmem = {"bench/old_overview.html": OLD_OVERVIEW}
    from django.conf import settings

    options = {**settings.TEMPLATES[0]["OPTIONS"]}
    options["loaders"] = [("django.template.loaders.locmem.Loader", locmem),
                          "django.template.loaders.app_directories.Loader"]
    with override_settings(TEMPLATES=[{**settings.TEMPLATES[0], "APP_DIRS": False, "OPTIONS": options}]):
        from django.test import RequestFactory

        factory = RequestFactory()
        request = factory.get(f"{overview}?{q}", HTTP_HOST="localhost")
        request.user = admin
        times = []
        for _ in range(3):
            start = time.perf_counter()
            response = old_overview(request, 2566)
            times.append(time.perf_counter() - start)
        rows = response.content.decode().count("<tr>")
        b_overview = statistics.median(times)
        print(f"  {'budget overview drawing every organisation':<58} {b_overview * 1000:7.0f} ms  {rows:6,} rows")
    everything = 1_000_000
    old_size = paging.PER_PAGE
    paging.PER_PAGE = everything
    try:
        b_league = measure("league with every unit on one page", f"{league}?{q}", repeat=1)
        b_tree = measure("organisations tree with every organisation", reverse("organisations:tree"), repeat=1)
        b_board = measure("reporting board with every unit", reverse("reporting:period_status", args=[period.pk]),
                          repeat=1)
        b_scheme = measure("scheme page with every unit", reverse("schemes:detail", args=["bench"]), repeat=1)
    finally:
        paging.PER_PAGE = old_size

    print("ratios (baseline / paged):")
    for label, paged, base in (("budget overview", t_overview, b_overview), ("drill-down", t_drill, b_overview),
                               ("league", t_league, b_league), ("organisations tree", t_tree, b_tree),
                               ("reporting board", t_board, b_board), ("scheme page", t_scheme, b_scheme)):
        print(f"  {label:<20} {base / paged:5.1f}x  ({base * 1000:.0f} ms -> {paged * 1000:.0f} ms)")
    slow = [label for label, _first, median in results[:n_paged] if median >= 1]
    cold = [f"{label} {first:.2f} s" for label, first, _median in results[:n_paged] if first >= 1]
    print(f"league first scoring ever: {t_first:.2f} s (scoring speed, not the page: see bench_score_db.py)")
    print("target < 1 s per list page (median): " + ("met" if not slow else "NOT met: " + ", ".join(slow)))
    print("first requests over 1 s: " + (", ".join(cold) if cold else "none"))


if __name__ == "__main__":
    main()
