"""Real child processes on the test's database: `pts import` and small Django scripts.

SQLite: the in-memory test database is copied into a file (sqlite3's backup) that the children
open by PTS_SQLITE_PATH; the test then reads only through children. PostgreSQL: the children open
the test database itself through DATABASE_URL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
HEADER = "เลขที่เอกสาร,ประเภทเอกสาร,วันที่ผ่านรายการ,รหัสหน่วยเบิกจ่าย,รหัสแหล่งของเงิน,จำนวนเงิน\n"


def gfmis_csv(path: Path, units: list[str], numbers: range) -> Path:
    """A GFMIS file: document `n` for every n of `numbers`, PO and disbursements over the year."""
    out = [HEADER]
    for n in numbers:
        kind = "PO" if n % 4 == 0 else "เบิกจ่าย"
        day = f"{1 + n % 28:02d}/{(n % 12) + 1:02d}/{2565 if n % 12 >= 9 else 2566}"
        out.append(f"{n:08d},{kind},{day},{units[n % len(units)]},{('6611210', '6611320')[n % 2]},{10 + n % 900}.{n % 100:02d}\n")
    path.write_text("".join(out), encoding="utf-8")
    return path


def database_env(tmp_path: Path) -> dict[str, str]:
    """The environment a child needs to open the test's database (SQLite: copied to a file now)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(PYTHONPATH=str(ROOT), DJANGO_SETTINGS_MODULE="pts.settings", PTS_MEDIA_ROOT=str(tmp_path / "media"))
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        env["DATABASE_URL"] = (f"postgresql://{quote(s['USER'] or '')}:{quote(s['PASSWORD'] or '')}@{s['HOST'] or 'localhost'}"
                               f":{s['PORT'] or 5432}/{s['NAME']}")
    else:
        import sqlite3

        target = tmp_path / "db.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(target) as out:
            connection.connection.backup(out)
        out.close()
        env["PTS_SQLITE_PATH"] = str(target)
    return env


def start_import(env: dict[str, str], path: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "pts.cli", "import", "gfmis", str(path), "--fiscal-year", "2566",
                             "--progress", *extra], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def script(env: dict[str, str], body: str, timeout: float = 60) -> dict:
    """Run `body` (Python, Django set up; it sets `out`, a JSON-able dict) in a fresh process."""
    code = "import django, json\ndjango.setup()\nout = {}\n" + textwrap.dedent(body) + "\nprint('RESULT ' + json.dumps(out))\n"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")), None)
    assert line is not None, done.stderr[-3000:]
    return json.loads(line[7:])


LEDGER = """
from datetime import date
from pts.budget import rollup
from pts.budget.models import FiscalYear, Movement
from pts.budget.queries import figures_by_unit_category
fy = FiscalYear.objects.get(be_year=2566)
figures = figures_by_unit_category(fiscal_year=fy, as_of=date(2023, 9, 30))
out["figures"] = sorted([k[0], k[1], f.disbursed, f.committed_total] for k, f in figures.items())
out["visible"] = Movement.objects.count()
out["all_rows"] = Movement.with_pending.count()
out["differences"] = rollup.differences()[1]
"""
