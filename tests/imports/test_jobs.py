"""Imports as background jobs: a real thread claims the batch and runs it; a silent job is taken over."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from pts.budget.models import BatchState, Movement
from pts.cli import main
from pts.imports import jobs, pipeline
from pts.imports.models import ImportBatch, State
from pts.organisations.permissions import SYSTEM

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "เลขที่เอกสาร,ประเภทเอกสาร,วันที่ผ่านรายการ,รหัสหน่วยเบิกจ่าย,รหัสแหล่งของเงิน,จำนวนเงิน\n"


@pytest.fixture(autouse=True)
def background(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PTS_IMPORT_BACKGROUND = True


def _start(world, n=3, name="g.csv"):
    text = HEADER + "".join(f"D{i},PO,15/11/2565,{world.unit_a.code},6611320,{i + 1}00\n" for i in range(n))
    return pipeline.start(actor=SYSTEM, layout="gfmis", source=io.BytesIO(text.encode()), file_name=name,
                          fiscal_year=2566)


def _run(batch):
    thread = jobs.launch(batch)
    assert thread is not None
    thread.join(30)
    assert not thread.is_alive()
    batch.refresh_from_db()
    return batch


def test_a_thread_reads_commits_and_undoes_a_batch(world):
    batch = _run(_start(world))
    assert batch.state == State.PREVIEWED and batch.lines == 3
    assert batch.worker == pipeline.worker_name()
    pipeline.confirm(batch, SYSTEM)
    batch = _run(batch)
    assert batch.state == State.COMMITTED
    assert Movement.objects.filter(batch=batch.ledger_batch_id).count() == 3
    pipeline.request_undo(batch, SYSTEM)
    batch = _run(batch)
    assert batch.state == State.UNDONE
    assert sum(Movement.objects.filter(batch__in=[batch.ledger_batch_id, batch.undo_batch_id])
               .values_list("amount", flat=True)) == 0


def test_a_step_is_claimed_once(world):
    batch = _start(world)
    assert jobs.claim(batch, State.QUEUED)
    other = ImportBatch.objects.get(pk=batch.pk)
    assert other.state == State.READING
    assert not jobs.claim(ImportBatch.objects.get(pk=batch.pk), State.QUEUED)
    assert jobs.launch(other) is None  # reading: nothing waits


def test_an_unexpected_fault_ends_failed_with_a_plain_message(world, caplog):
    batch = _start(world)
    (pipeline.media_dir() / batch.stored_file).unlink()  # the stored file is gone: read() cannot open it
    batch = _run(batch)
    assert batch.state == State.FAILED
    assert "Traceback" not in batch.failure and "ระบบขัดข้อง" in batch.failure
    assert "Traceback" in caplog.text or any(r.exc_info for r in caplog.records)


def _silent(batch, state, **extra):
    old = timezone.now() - timedelta(hours=1)
    ImportBatch.objects.filter(pk=batch.pk).update(state=state, heartbeat_at=old, worker="gone:1", **extra)
    return ImportBatch.objects.get(pk=batch.pk)


def test_a_silent_reading_job_is_read_again(world):
    batch = _silent(_start(world), State.READING)
    assert jobs.recover() == 1
    batch.refresh_from_db()
    assert batch.state == State.PREVIEWED and batch.lines == 3


def test_a_job_with_a_fresh_heartbeat_is_left_alone(world):
    batch = _start(world)
    ImportBatch.objects.filter(pk=batch.pk).update(state=State.READING, heartbeat_at=timezone.now())
    assert jobs.recover() == 0
    assert ImportBatch.objects.get(pk=batch.pk).state == State.READING


def test_a_silent_commit_is_committed_once(world):
    batch = _start(world)
    pipeline.read(batch)
    batch = _silent(batch, State.COMMITTING)
    assert jobs.recover() == 1
    batch.refresh_from_db()
    assert batch.state == State.COMMITTED
    assert Movement.objects.filter(batch=batch.ledger_batch_id).count() == 3
    # the ledger batch committed but the worker died before its own row said so: only marked committed
    ImportBatch.objects.filter(pk=batch.pk).update(state=State.COMMITTING, heartbeat_at=timezone.now() - timedelta(hours=1))
    assert jobs.recover() == 1
    batch.refresh_from_db()
    assert batch.state == State.COMMITTED and batch.ledger_batch.state == BatchState.COMMITTED
    assert Movement.objects.filter(batch=batch.ledger_batch_id).count() == 3


def test_a_silent_undo_is_undone_again(world):
    batch = _start(world)
    pipeline.read(batch)
    pipeline.commit(batch)
    pipeline.request_undo(batch, SYSTEM)
    batch = _silent(batch, State.UNDOING, phase="undoing")
    assert jobs.recover() == 1
    batch.refresh_from_db()
    assert batch.state == State.UNDONE


def test_the_command_runs_waiting_jobs_and_expires_old_previews(world, capsys):
    waiting = _start(world, name="a.csv")
    old = _start(world, n=2, name="b.csv")
    pipeline.read(old)
    ImportBatch.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert main(["import-jobs"]) == 0
    assert "run 1" in capsys.readouterr().out
    assert ImportBatch.objects.get(pk=waiting.pk).state == State.PREVIEWED
    assert ImportBatch.objects.get(pk=old.pk).state == State.EXPIRED
