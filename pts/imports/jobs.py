"""Imports as background jobs: a batch's next step runs in a thread, claimed in the database.

    launch(batch)   run the step the batch waits for (QUEUED -> read, CONFIRMED -> commit,
                    UNDOING -> undo): in a daemon thread when settings.PTS_IMPORT_BACKGROUND, else here;
    recover()       take over the jobs whose worker went silent (heartbeat older than
                    PTS_IMPORT_STALE_SECONDS) and run them again;
    run_waiting()   recover, then run every batch waiting for a step, here (`pts import-jobs`).

A step is claimed with one UPDATE (the expected state -> the working state, heartbeat, worker), so
two workers never run the same step: the one whose UPDATE changed no row leaves it. An unexpected
exception ends the batch FAILED with a message for the user (the traceback goes to the log only).
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from pts.budget.models import BatchState
from pts.core.thai import bilingual
from pts.imports import pipeline
from pts.imports.models import ImportBatch, State

log = logging.getLogger(__name__)

# the state a batch waits in -> the state its job works in
STEPS = {State.QUEUED: State.READING, State.CONFIRMED: State.COMMITTING, State.UNDOING: State.UNDOING}


def _stale_before() -> Any:
    return timezone.now() - timedelta(seconds=settings.PTS_IMPORT_STALE_SECONDS)


def claim(batch: ImportBatch, expected: str) -> bool:
    """Take the batch's next step with one UPDATE; False when another worker has it (or it moved on)."""
    working = STEPS[State(expected)]
    rows = ImportBatch.objects.filter(pk=batch.pk, state=expected)
    if expected == State.UNDOING:
        # undoing is waiting and working at once: free while no undo has started, or its worker went silent
        rows = rows.filter(~Q(phase="undoing") | Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=_stale_before()))
    now = timezone.now()
    me = pipeline.worker_name()
    updated = rows.update(state=working, heartbeat_at=now, worker=me)
    if updated:
        batch.state, batch.heartbeat_at, batch.worker = working, now, me
    return bool(updated)


def _run(batch: ImportBatch, working: str) -> None:
    """The claimed step; any unexpected error ends the batch FAILED (the message plain, the trace logged)."""
    try:
        if working == State.READING:
            pipeline.read(batch)
        elif working == State.COMMITTING:
            pipeline.commit(batch)
        else:
            pipeline.undo(batch)
    except pipeline.ImportRefused as exc:
        _fail(batch, exc.text)
    except Exception:
        log.exception("import %s: the %s step failed", batch.pk, working)
        _fail(batch, bilingual(
            "การนำเข้าหยุดเพราะระบบขัดข้อง ไม่มีข้อมูลใดถูกบันทึกครึ่ง ๆ กลาง ๆ ลองอัปโหลดอีกครั้ง หรือแจ้งผู้ดูแลระบบ",
            "the import stopped because of a fault in the system; nothing was half written; upload it again "
            "or tell the administrator"))


def _fail(batch: ImportBatch, message: str) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(state=State.FAILED, failure=str(message)[:2000], phase="")
    batch.state, batch.failure = State.FAILED, str(message)


def step(batch: ImportBatch) -> bool:
    """Claim and run the batch's waiting step here; False when there was nothing to claim."""
    expected = batch.state
    if expected not in STEPS:
        return False
    if not claim(batch, expected):
        return False
    _run(batch, batch.state)
    return True


def _in_thread(pk: int) -> None:
    try:
        batch = ImportBatch.objects.select_related("fiscal_year", "uploaded_by", "scheme").get(pk=pk)
        step(batch)
    except Exception:
        log.exception("import %s: the background job failed", pk)
    finally:
        connection.close()


def launch(batch: ImportBatch) -> threading.Thread | None:
    """Run the batch's next step: in a daemon thread (returned) or, without background jobs, here."""
    if batch.state not in STEPS:
        return None
    if not settings.PTS_IMPORT_BACKGROUND:
        step(batch)
        batch.refresh_from_db()
        return None
    thread = threading.Thread(target=_in_thread, args=(batch.pk,), name=f"import-{batch.pk}", daemon=True)
    thread.start()
    return thread


def _take_over(batch: ImportBatch) -> bool:
    """Claim a stale job (its heartbeat unchanged since we read it) for this worker."""
    now = timezone.now()
    me = pipeline.worker_name()
    updated = ImportBatch.objects.filter(pk=batch.pk, state=batch.state, heartbeat_at=batch.heartbeat_at).update(
        heartbeat_at=now, worker=me)
    if updated:
        batch.heartbeat_at, batch.worker = now, me
    return bool(updated)


def recover_one(batch: ImportBatch, *, background: bool | None = None) -> bool:
    """Take over `batch` if its job went silent, and run it again; True when it was taken over."""
    if batch.state not in (State.READING, State.COMMITTING, State.UNDOING):
        return False
    if batch.heartbeat_at is not None and batch.heartbeat_at >= _stale_before():
        return False
    if not _take_over(batch):
        return False
    log.warning("import %s: %s by %s went silent; taken over by %s", batch.pk, batch.state, batch.worker or "?",
                pipeline.worker_name())
    if batch.state == State.COMMITTING:
        ledger = batch.ledger_batch
        if ledger is not None and ledger.state == BatchState.COMMITTED:
            ImportBatch.objects.filter(pk=batch.pk).update(state=State.COMMITTED, phase="",
                                                           committed_at=batch.committed_at or timezone.now())
            return True
        ImportBatch.objects.filter(pk=batch.pk).update(state=State.CONFIRMED)
        batch.state = State.CONFIRMED
    elif batch.state == State.READING:
        ImportBatch.objects.filter(pk=batch.pk).update(state=State.QUEUED)
        batch.state = State.QUEUED
    else:  # UNDOING: the undo runs again (pipeline.undo copes with a reversal already written)
        ImportBatch.objects.filter(pk=batch.pk).update(phase="")
        batch.phase = ""
    if background if background is not None else settings.PTS_IMPORT_BACKGROUND:
        launch(batch)
    else:
        step(batch)
    return True


def recover(*, background: bool = False) -> int:
    """Take over every job whose worker went silent; how many."""
    stale = ImportBatch.objects.filter(state__in=[State.READING, State.COMMITTING, State.UNDOING]).filter(
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=_stale_before())).select_related(
        "fiscal_year", "uploaded_by", "scheme", "ledger_batch")
    return sum(recover_one(batch, background=background) for batch in stale)


def run_waiting() -> dict[str, int]:
    """`pts import-jobs`: recover silent jobs, run every waiting step here, expire old previews."""
    done = {"recovered": recover(background=False), "run": 0, "expired": 0}
    waiting = ImportBatch.objects.filter(state__in=[State.QUEUED, State.CONFIRMED, State.UNDOING]).select_related(
        "fiscal_year", "uploaded_by", "scheme").order_by("uploaded_at", "pk")
    for batch in waiting:
        if step(batch):
            done["run"] += 1
    done["expired"] = pipeline.expire()
    return done
