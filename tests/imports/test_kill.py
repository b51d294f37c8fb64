"""An import SIGKILLed in the middle of its commit leaves no half import: nothing of it is visible,
the derived sums equal a recomputation, and the recovery path removes its rows.

A real child process (`python -m pts.cli import gfmis FILE --progress`) on a file database (or the
PostgreSQL test database) is killed while it is inside the commit's transaction: the sums are
already added there. SQLite has no lock another process could hold to stop a writer half way
through a transaction, so the child is told to pause there (PTS_BULK_COMMIT_PAUSE_SECONDS, tests
only) and says so on stderr; the test kills it on that line.
"""

from __future__ import annotations

import signal
import time

import pytest

from pts.budget.bulk import PAUSE_ENV
from tests.imports import procs

pytestmark = pytest.mark.django_db(transaction=True)

LINES = 1_000


def test_an_import_killed_inside_its_commit_leaves_nothing_visible_and_is_recovered(world, tmp_path):
    env = procs.database_env(tmp_path)
    path = procs.gfmis_csv(tmp_path / "g.csv", [world.unit_a.code, world.unit_b.code], range(1, LINES + 1))
    before = procs.script(env, procs.LEDGER)
    assert before["differences"] == 0

    child = procs.start_import({**env, PAUSE_ENV: "120"}, path)
    phases: list[str] = []
    deadline = time.monotonic() + 25
    assert child.stderr is not None
    for line in child.stderr:
        phases.append(line.strip())
        if "pausing inside the commit" in line:
            break
        assert time.monotonic() < deadline, phases
    assert any("committing" in p for p in phases), phases  # the commit phase had begun ...
    assert phases[-1].endswith("pausing inside the commit"), phases  # ... and its transaction holds the sums
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=10) == -signal.SIGKILL

    after = procs.script(env, procs.LEDGER + """
from pts.budget.models import BatchState, LedgerBatch
from pts.imports.models import ImportBatch
batch = ImportBatch.objects.get()
out["import_state"] = batch.state
out["ledger_state"] = batch.ledger_batch.state
out["committed"] = LedgerBatch.objects.filter(state=BatchState.COMMITTED).count()
""")
    assert after["committed"] == 0 and after["ledger_state"] == "pending"
    assert after["import_state"] == "committing"  # the job record says where it died
    assert after["visible"] == before["visible"]  # not one movement of the batch shows
    assert after["all_rows"] == before["all_rows"] + LINES  # its rows are there, pending
    assert after["figures"] == before["figures"]
    assert after["differences"] == 0  # `pts ledger-check`: the sums equal a recomputation

    recovered = procs.script(env, """
from pts.budget import bulk
from pts.imports.models import ImportBatch
batch = ImportBatch.objects.get()
out["removed"] = bulk.abandon(batch.ledger_batch)
batch.ledger_batch.refresh_from_db()
out["ledger_state"] = batch.ledger_batch.state
""" + procs.LEDGER)
    assert recovered["removed"] == LINES and recovered["ledger_state"] == "abandoned"
    assert recovered["all_rows"] == before["all_rows"] and recovered["visible"] == before["visible"]
    assert recovered["figures"] == before["figures"] and recovered["differences"] == 0

    # and the same file then imports whole
    again = procs.start_import(env, path)
    _out, err = again.communicate(timeout=60)
    assert again.returncode == 0, err
    final = procs.script(env, procs.LEDGER)
    assert final["visible"] == before["visible"] + LINES and final["differences"] == 0
