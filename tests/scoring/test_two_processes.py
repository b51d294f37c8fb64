"""Two OS processes on one database: one writes a payment, the other's next league shows it.

Nothing about the league lives in a process: the reader is a long-lived process that has already
scored the scheme (the case a process cache would get wrong), the writer another process. Runs on
a throw-away SQLite file, and on a throw-away PostgreSQL database when the suite runs there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def database(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PTS_SQLITE_PATH")}
    env["DJANGO_SETTINGS_MODULE"] = "pts.settings"
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        import psycopg

        url = os.environ["DATABASE_URL"]
        name = f"pts_two_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
        yield env
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    else:
        env["PTS_SQLITE_PATH"] = str(tmp_path / "two.sqlite3")
        yield env


def worker(env, *args):
    done = subprocess.run([sys.executable, "-m", "tests.scoring.league_worker", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_a_payment_written_by_one_process_shows_in_the_other_processes_next_league(database):
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=database, check=True, timeout=300)
    worker(database, "setup")
    reader = subprocess.Popen([sys.executable, "-m", "tests.scoring.league_worker", "serve"], cwd=ROOT, env=database,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def league():
            reader.stdin.write("league\n")
            reader.stdin.flush()
            line = reader.stdout.readline()
            assert line, reader.stderr.read()[-3000:]
            return json.loads(line)

        before = league()
        assert league() == before
        worker(database, "pay", "AG-B", str(1_900_000_00), "2022-11-15")  # 95 % of B's money, by November
        after = league()
        assert after != before
        assert after == json.loads(worker(database, "fresh"))  # equal to a recomputation from nothing
        assert after["AG-A/1"] == before["AG-A/1"]
    finally:
        reader.stdin.close()
        reader.wait(timeout=60)
