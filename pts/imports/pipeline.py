"""One import pipeline for the web, the CLI and every layout: read, map, validate, preview, commit, undo.

    start()   store the upload (SHA-256, size cap), refuse a file already imported, queue the batch;
    read()    open the file safely (`pts.core.tabular`), match its columns (known header spellings or
              a saved mapping), validate every row, and write the lines into a pending ledger batch
              (or stage the rows) while counting totals per unit, category and kind: the preview;
    commit()  one short transaction: the ledger batch becomes visible, the audit row is written;
    undo()    the reverse of every line, committed the same way, audited.

Errors name the sheet, row, column (as the file spells it) and value, in Thai and English; the first
`PTS_IMPORT_ERROR_KEEP` are stored (`BatchIssue`), all are counted. Once a row is wrong no more lines
are written, but every row is still checked so the preview lists what to fix. A refused, cancelled
or expired batch leaves nothing behind: its pending lines are removed.

Long steps run as a job (`pts.imports.jobs`): the state, the progress and a heartbeat live in the
batch's row, so any worker can show progress and take over a job whose worker died.
"""

from __future__ import annotations

import hashlib
import os
import socket
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pts.audit.actions import audit_record
from pts.budget import bulk
from pts.budget.models import BatchState, FiscalYear, LedgerBatch, Movement
from pts.budget.years import find_fiscal_year
from pts.core.csvread import clip
from pts.core.fiscal import english_date, thai_date
from pts.core.tabular import HEADER_FIRST, TabularRefused, open_tabular
from pts.core.thai import bilingual
from pts.imports import layouts
from pts.imports.layouts.base import Context, Layout, RowError, Units
from pts.imports.models import BatchIssue, BatchTotal, ImportBatch, ImportMapping, StagedRow, State
from pts.imports.models import Layout as LayoutCode
from pts.organisations import permissions, scope
from pts.organisations.models import Membership, Org, User
from pts.organisations.permissions import Actor
from pts.schemes.models import Scheme

DEDUPE_CHUNK = 5_000
STAGE_CHUNK = 2_000
PROGRESS_EVERY = 0.5  # seconds between two progress writes


class ImportRefused(ValidationError):
    """The import cannot start or go on; the message is bilingual."""

    def __init__(self, th: str, en: str) -> None:
        super().__init__(bilingual(th, en))
        self.text = bilingual(th, en)

    @classmethod
    def text_of(cls, message: str) -> ImportRefused:
        """From a message already bilingual."""
        th, en = _languages(message)
        return cls(th, en)


def _error(th: str, en: str) -> ImportRefused:
    return ImportRefused(th, en)


def media_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:80]


# -- who may import what -----------------------------------------------------------------------

def home_org(actor: Actor, scheme: Scheme | None) -> Org:
    """The organisation an import belongs to: the importer's own (the highest they may write), or
    the scheme's coordinating organisation for an administrator or the system."""
    if isinstance(actor, User) and not actor.is_superuser:
        paths = list(Membership.objects.filter(user=actor, role__in=scope.WRITE_ROLES)
                     .select_related("org").order_by("org__depth", "org__code"))
        if paths:
            return paths[0].org
    if scheme is not None:
        return scheme.coordinator_org
    top = Org.objects.filter(parent__isnull=True).order_by("code").first()
    if top is None:
        raise _error("ยังไม่มีหน่วยงานในระบบ", "there are no organisations yet")
    return top


def unit_index(actor: Actor) -> Units:
    """The units the actor may write, by code, and the codes of the others (for a clear error)."""
    everything = dict(Org.objects.values_list("code", "id"))
    if isinstance(actor, permissions.SystemActor) or (isinstance(actor, User) and actor.is_superuser):
        writable = {o.code: o for o in Org.objects.all()}
    else:
        writable = {o.code: o for o in scope.editable(actor, Org.objects.all())}
    return Units(writable=writable, others=set(everything) - set(writable))


def may_see(actor: Actor, batch: ImportBatch) -> bool:
    return isinstance(actor, permissions.SystemActor) or scope.visible(actor, ImportBatch.objects.filter(
        pk=batch.pk)).exists() or (isinstance(actor, User) and batch.uploaded_by_id == actor.pk)


def may_manage(actor: Actor, batch: ImportBatch) -> bool:
    """Confirm, cancel or undo: the uploader, a coordinator of the batch's organisation, an administrator."""
    if isinstance(actor, permissions.SystemActor):
        return True
    if not isinstance(actor, User) or not actor.is_active:
        return False
    return actor.is_superuser or batch.uploaded_by_id == actor.pk or scope.can_coordinate_unit(actor, batch.org)


# -- start ---------------------------------------------------------------------------------------

def _store(source: BinaryIO, limit: int) -> tuple[str, str, int]:
    """Copy the upload under MEDIA_ROOT/imports, hashing it; refuse it past `limit` bytes while copying."""
    name = f"{uuid.uuid4().hex}.upload"
    target = media_dir() / name
    digest = hashlib.sha256()
    size = 0
    try:
        with open(target, "wb") as out:
            while chunk := source.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise _error(f"ไฟล์ใหญ่เกิน {limit:,} ไบต์", f"the file is larger than {limit:,} bytes")
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return name, digest.hexdigest(), size


def start(*, actor: Actor, layout: str, source: BinaryIO, file_name: str, fiscal_year: FiscalYear | int,
          scheme: Scheme | None = None, mapping: ImportMapping | None = None, columns: dict[str, str] | None = None,
          sheet: str = "", dry_run: bool = False, replace: bool = False) -> ImportBatch:
    """A queued batch for the uploaded `source` (read by `read`). Refuses an unknown layout, a closed
    year, a file over the size cap, and a file already imported (unless `replace`)."""
    if layout not in layouts.MODULES:
        raise _error(f"ไม่รู้จักรูปแบบไฟล์ '{layout}'", f"unknown layout '{layout}'")
    spec = layouts.get(layout)
    fy = find_fiscal_year(fiscal_year, for_write=True)
    user = (permissions.require_coordinator(actor) if spec.coordinator_only else permissions.require_edit(actor))
    if mapping is not None and mapping.layout != layout:
        raise _error(f"การจับคู่คอลัมน์ '{mapping.name}' เป็นของไฟล์อีกแบบ", f"the mapping '{mapping.name}' is for another layout")
    stored, sha, size = _store(source, settings.PTS_IMPORT_MAX_BYTES)
    try:
        earlier = ImportBatch.objects.filter(fiscal_year=fy, layout=layout, sha256=sha, state=State.COMMITTED).first()
        if earlier is not None and not replace:
            when = timezone.localtime(earlier.committed_at or earlier.uploaded_at).date()
            raise _error(
                f"ไฟล์นี้นำเข้าแล้วเมื่อ {thai_date(when)} (ครั้งที่ {earlier.pk}, {earlier.file_name}): ไม่นำเข้าซ้ำ "
                "หากต้องการแทนที่ ให้เลือก 'แทนที่การนำเข้าครั้งก่อน' (คำสั่ง: --replace)",
                f"this file was already imported on {english_date(when)} (import {earlier.pk}, {earlier.file_name}): "
                "it is not imported twice; choose 'replace the earlier import' (command line: --replace)")
        now = timezone.now()
        batch = ImportBatch.objects.create(
            layout=layout, fiscal_year=fy, scheme=scheme, org=home_org(actor, scheme), file_name=file_name[:255],
            sha256=sha, size=size, stored_file=stored, sheet=sheet[:100], mapping=mapping,
            columns=dict(columns or (mapping.columns if mapping else {})), dry_run=dry_run,
            replaces=earlier if replace else None, uploaded_by=user, uploaded_at=now,
            expires_at=now + timedelta(hours=settings.PTS_IMPORT_PREVIEW_HOURS))
    except BaseException:
        (media_dir() / stored).unlink(missing_ok=True)
        raise
    return batch


# -- progress --------------------------------------------------------------------------------------

class Progress:
    """Writes the batch's phase, count and heartbeat, at most every PROGRESS_EVERY seconds."""

    def __init__(self, batch: ImportBatch, phase: str, total: int = 0,
                 echo: Callable[[str, int, int], None] | None = None) -> None:
        self.batch, self.phase, self.total, self.echo = batch, phase, total, echo
        self.last = 0.0
        self.set(0, force=True)

    def set(self, done: int, *, force: bool = False) -> None:
        clock = timezone.now().timestamp()
        if not force and clock - self.last < PROGRESS_EVERY:
            return
        self.last = clock
        ImportBatch.objects.filter(pk=self.batch.pk).update(phase=self.phase, done=done, total=self.total,
                                                             heartbeat_at=timezone.now())
        if self.echo is not None:
            self.echo(self.phase, done, self.total)


# -- read ------------------------------------------------------------------------------------------

class Issues:
    """Errors as found: the first `keep` stored, all counted."""

    def __init__(self, batch: ImportBatch, sheet: str) -> None:
        self.batch, self.sheet = batch, sheet
        self.keep = settings.PTS_IMPORT_ERROR_KEEP
        self.kept: list[BatchIssue] = []
        self.count = 0

    def add(self, row: int | None, column: str, value: Any, message: str, *, warning: bool = False) -> None:
        if not warning:
            self.count += 1
        if len(self.kept) < self.keep:
            th, en = _languages(message)
            self.kept.append(BatchIssue(batch=self.batch, sheet=self.sheet[:100], row=row, column=str(column)[:120],
                                        value=clip("" if value is None else str(value))[:200], message_th=th,
                                        message_en=en, warning=warning))

    def save(self) -> None:
        BatchIssue.objects.filter(batch=self.batch).delete()
        BatchIssue.objects.bulk_create(self.kept, batch_size=1000)


def _languages(message: str) -> tuple[str, str]:
    th = getattr(message, "th", None)
    en = getattr(message, "en", None)
    if th is not None and en is not None:
        return str(th), str(en)
    text = str(message)
    if " / " in text:
        left, right = text.split(" / ", 1)
        return left, right
    return text, text


def acting(user: User) -> Actor:
    """Who a stored batch acts as: its uploader, or the system when the system started it."""
    return permissions.SYSTEM if user.username == permissions.SYSTEM_USERNAME else user


def _context(batch: ImportBatch, layout: Layout) -> Context:
    actor = acting(batch.uploaded_by)
    return Context(actor=actor, fiscal_year=batch.fiscal_year, batch=batch, scheme=batch.scheme,
                   units=unit_index(actor))


def _set(batch: ImportBatch, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(batch, name, value)
    ImportBatch.objects.filter(pk=batch.pk).update(**fields)


def read(batch: ImportBatch, *, echo: Callable[[str, int, int], None] | None = None,
         dedupe: bool = True) -> ImportBatch:
    """Read and validate the stored file; the batch ends previewed, refused, or waiting for its
    columns to be matched (state MAPPING). `dedupe=False` keeps the lines an earlier import already
    wrote (a dry run that needs the whole file's figures: a report filled from it)."""
    layout = layouts.get(batch.layout)
    _discard_lines(batch)
    ctx = _context(batch, layout)
    issues = Issues(batch, batch.sheet or batch.file_name)
    progress = Progress(batch, "reading", echo=echo)
    path = media_dir() / batch.stored_file
    try:
        table = open_tabular(path, file_name=batch.file_name, max_rows=settings.PTS_IMPORT_MAX_ROWS,
                             sheet=batch.sheet or None, prefer=layout.sheet_name or None,
                             header_row=None if layout.header_row is None else HEADER_FIRST,
                             merged_rows=layout.merged_header_rows)
    except TabularRefused as exc:
        for issue in exc.issues:
            issues.add(issue.line, issue.column, issue.value, issue.message)
        return _refused(batch, issues)
    issues.sheet = table.sheet_name
    rows: Iterator[tuple[int, list[Any]]] = iter(table.all_rows() if layout.header_row is None else table.rows())
    header = table.header
    if layout.header_row is None:
        try:
            # opened without a header: every row, the top ones included, goes to the layout
            _row, header, found = layout.locate_header(rows)
        except RowError as exc:
            for key, value, message in exc.problems:
                issues.add(None, key, value, message)
            return _refused(batch, issues)
        ctx.options.update(found)
    ctx.header = [str(h) for h in header]
    saved = batch.columns or None
    columns = layout.recognise(ctx.header, saved)
    if missing := layout.missing(columns):
        names = ", ".join(f.th for f in missing)
        names_en = ", ".join(f.en for f in missing)
        found_th = ", ".join(h for h in ctx.header if h.strip()) or "(ไม่มี)"
        issues.add(1, "", "", bilingual(
            f"ไม่พบคอลัมน์ {names} ในหัวตาราง (หัวตารางของไฟล์: {found_th}) ให้จับคู่คอลัมน์",
            f"the header has no column for {names_en} (the file's header: {found_th}): match the columns"))
        issues.save()
        _set(batch, state=State.MAPPING, error_count=issues.count, phase="", summary={"header": ctx.header[:200]})
        return batch
    ctx.columns = columns
    _set(batch, columns={k: ctx.header[i] for k, i in columns.items()})
    layout.begin(ctx)
    totals: dict[tuple[int, str, str], list[int]] = {}
    counters = {"rows": 0, "lines": 0, "skipped": 0}

    def outputs() -> Iterator[Any]:
        for line, cells in rows:
            counters["rows"] += 1
            if counters["rows"] % 1000 == 0:
                progress.set(counters["rows"])
            try:
                produced = list(layout.row(ctx, cells, line))
            except RowError as exc:
                for key, value, message in exc.problems:
                    issues.add(line, ctx.column_name(key) if key else "", value, message)
                continue
            if issues.count:
                continue  # keep checking, stop writing
            yield from produced
        for issue in table.log.kept:  # rows the reader skipped (more fields than the header, ...)
            issues.add(issue.line, issue.column, issue.value, issue.message)
        issues.count += table.log.count - len(table.log.kept)
        tail: Iterable[Any]
        try:
            tail = layout.end(ctx)
            if not layout.lazy_end:
                tail = list(tail)
        except RowError as exc:
            for key, value, message in exc.problems:
                issues.add(None, ctx.column_name(key) if key else "", value, message)
            tail = []
        for warning in ctx.state.get("warnings", ()):  # a layout's warnings: listed, not refusing the file
            issues.add(warning.get("row"), warning.get("column", ""), warning.get("value", ""),
                       bilingual(warning["th"], warning["en"]), warning=True)
        if not issues.count:
            yield from tail

    def counted(lines: Iterable[bulk.Line]) -> Iterator[bulk.Line]:
        for item in lines:
            key = (item.unit_id, item.category, item.kind)
            slot = totals.get(key)
            if slot is None:
                slot = totals[key] = [0, 0]
            slot[0] += 1
            slot[1] += item.amount
            counters["lines"] += 1
            yield item

    try:
        if layout.ledger:
            ledger_batch = bulk.open_batch(batch.fiscal_year, f"import {batch.pk}")
            _set(batch, ledger_batch=ledger_batch)
            lines: Iterable[bulk.Line] = outputs()
            if layout.dedupe and dedupe:
                lines = _without_imported(batch.fiscal_year, lines, counters)
            bulk.write(ledger_batch, counted(lines), actor_id=batch.uploaded_by_id)
        else:
            _stage(batch, outputs(), counters)
    except (OSError, TabularRefused) as exc:  # the file went bad half way (a truncated xlsx)
        problems = getattr(exc, "issues", None) or []
        for issue in problems:
            issues.add(issue.line, issue.column, issue.value, issue.message)
        if not problems:
            issues.add(None, "", "", bilingual(f"อ่านไฟล์ต่อไม่ได้: {exc}", f"the file cannot be read on: {exc}"))
    progress.set(counters["rows"], force=True)
    BatchTotal.objects.filter(batch=batch).delete()
    if issues.count:
        return _refused(batch, issues, rows=counters["rows"])
    BatchTotal.objects.bulk_create(
        [BatchTotal(batch=batch, unit_id=u, category=c, kind=k, lines=n, amount=a) for (u, c, k), (n, a) in totals.items()],
        batch_size=2000)
    issues.save()
    summary = {"categories": _by(totals, 1), "kinds": _by(totals, 2), "units": len({k[0] for k in totals}),
               **ctx.state.get("summary", {})}
    _set(batch, state=State.PREVIEWED, rows=counters["rows"], lines=counters["lines"], skipped=counters["skipped"],
         error_count=0, summary=summary, phase="", expires_at=timezone.now() + timedelta(
             hours=settings.PTS_IMPORT_PREVIEW_HOURS))
    return batch


def _by(totals: dict[tuple[int, str, str], list[int]], index: int) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for key, (n, amount) in totals.items():
        slot = out.setdefault(str(key[index]), [0, 0])
        slot[0] += n
        slot[1] += amount
    return out


def _refused(batch: ImportBatch, issues: Issues, *, rows: int = 0) -> ImportBatch:
    issues.save()
    _discard_lines(batch)
    _set(batch, state=State.REFUSED, error_count=issues.count, rows=rows, phase="")
    return batch


def _stage(batch: ImportBatch, outputs: Iterable[Any], counters: dict[str, int]) -> None:
    pending: list[StagedRow] = []
    for data in outputs:
        counters["lines"] += 1
        pending.append(StagedRow(batch=batch, line=int(data.pop("_line", counters["lines"])), data=data))
        if len(pending) >= STAGE_CHUNK:
            StagedRow.objects.bulk_create(pending)
            pending.clear()
    StagedRow.objects.bulk_create(pending)


def _without_imported(fiscal_year: FiscalYear, lines: Iterable[bulk.Line], counters: dict[str, int]) -> Iterator[bulk.Line]:
    """Leave out the lines an earlier, committed and not undone import already wrote (same unit, kind
    and document reference): a month's file repeating earlier months adds only what is new."""
    if not Movement.objects.filter(fiscal_year=fiscal_year, batch__isnull=False).exclude(document_ref="").exists():
        yield from lines  # nothing imported in the year yet: no query per chunk
        return
    buffer: list[bulk.Line] = []

    def flush() -> Iterator[bulk.Line]:
        refs = {line.document_ref for line in buffer if line.document_ref}
        known: set[tuple[str, str, int]] = set()
        if refs:
            known = set(Movement.objects.filter(fiscal_year=fiscal_year, batch__isnull=False, document_ref__in=refs,
                                                reverses__isnull=True, reversed_by__isnull=True)
                        .values_list("document_ref", "kind", "unit_id"))
        for line in buffer:
            if line.document_ref and (line.document_ref, line.kind, line.unit_id) in known:
                counters["skipped"] += 1
                continue
            yield line
        buffer.clear()

    for line in lines:
        buffer.append(line)
        if len(buffer) >= DEDUPE_CHUNK:
            yield from flush()
    yield from flush()


def _discard_lines(batch: ImportBatch) -> None:
    """Remove what an earlier read of the batch left: pending ledger lines, staged rows, totals."""
    if batch.ledger_batch_id is not None:
        ledger_batch = LedgerBatch.objects.get(pk=batch.ledger_batch_id)
        if ledger_batch.state != BatchState.COMMITTED:
            bulk.abandon(ledger_batch)
    StagedRow.objects.filter(batch=batch).delete()


# -- commit and undo --------------------------------------------------------------------------------

def confirm(batch: ImportBatch, actor: Actor) -> ImportBatch:
    """The importer accepts the preview: the batch is queued for writing (a job commits it)."""
    if not may_manage(actor, batch):
        raise _error("ยืนยันการนำเข้าของผู้อื่นไม่ได้", "only the importer or a coordinator may confirm this import")
    updated = ImportBatch.objects.filter(pk=batch.pk, state=State.PREVIEWED).update(state=State.CONFIRMED)
    batch.refresh_from_db()
    if not updated and batch.state not in (State.CONFIRMED, State.COMMITTING, State.COMMITTED):
        raise _error(f"ยืนยันไม่ได้: การนำเข้านี้อยู่ในสถานะ {batch.get_state_display()}",
                     f"cannot confirm: the import is {batch.get_state_display()}")
    return batch


def _audit_after(batch: ImportBatch) -> dict[str, Any]:
    return {"file_name": batch.file_name, "sha256": batch.sha256, "layout": batch.layout, "rows": batch.rows,
            "lines": batch.lines, "skipped": batch.skipped, "summary": batch.summary}


def commit(batch: ImportBatch, *, echo: Callable[[str, int, int], None] | None = None) -> ImportBatch:
    """Write a previewed (or confirmed) batch in one transaction. If the ledger changed meanwhile so
    that the preview no longer holds (another import of the same lines), the file is read again
    first and committed only if it is still without errors."""
    layout = layouts.get(batch.layout)
    for _attempt in range(3):
        if batch.state not in (State.PREVIEWED, State.CONFIRMED, State.COMMITTING):
            raise _error(f"นำเข้าไม่ได้: อยู่ในสถานะ {batch.get_state_display()}",
                         f"cannot commit: the import is {batch.get_state_display()}")
        _set(batch, state=State.COMMITTING)
        Progress(batch, "committing", total=batch.lines, echo=echo)
        ctx = _context(batch, layout)
        try:
            _commit_once(batch, layout, ctx)
        except bulk.BatchConflict:
            _set(batch, state=State.READING)
            read(batch, echo=echo)
            if batch.state != State.PREVIEWED:
                return batch
            continue
        return batch
    raise _error("นำเข้าไม่สำเร็จ: ข้อมูลในระบบเปลี่ยนระหว่างนำเข้าหลายครั้ง ลองอีกครั้ง",
                 "the import did not go through: the ledger kept changing under it; try again")


def _commit_once(batch: ImportBatch, layout: Layout, ctx: Context) -> None:
    old = batch.replaces
    undo_old: LedgerBatch | None = None
    if old is not None and old.state == State.COMMITTED and old.ledger_batch is not None:
        undo_old = old.undo_batch or bulk.reverse(old.ledger_batch, actor_id=batch.uploaded_by_id,
                                                 purpose=f"replaced by import {batch.pk}")
        if old.undo_batch_id is None:
            _set(old, undo_batch=undo_old)

    def finish(_ledger_batch: LedgerBatch | None = None) -> None:
        now = timezone.now()
        extra: dict[str, Any] = {}
        if not layout.ledger:
            extra = layout.commit(ctx)
        if old is not None:
            ImportBatch.objects.filter(pk=old.pk).update(state=State.UNDONE, undone_by=batch.uploaded_by,
                                                          undone_at=now)
        _set(batch, state=State.COMMITTED, committed_at=now, phase="", summary={**batch.summary, **extra})
        audit_record(actor=batch.uploaded_by, action="imports.commit", obj=batch, unit=batch.org,
                     fiscal_year=batch.fiscal_year.be_year, after=_audit_after(batch),
                     note=(f"แทนที่การนำเข้าครั้งที่ {old.pk}" if old is not None else batch.file_name[:200]),
                     reaches_down=True)
        StagedRow.objects.filter(batch=batch).delete()

    def check(ledger_batch: LedgerBatch) -> None:
        if layout.conflicts(ctx) or (layout.dedupe and bulk.committed_since(ledger_batch)
                                     and _overlaps(batch, ledger_batch)):
            raise bulk.BatchConflict(f"import {batch.pk}: the ledger changed since it was read")

    with transaction.atomic():
        if undo_old is not None:
            bulk.commit(undo_old)
        if layout.ledger:
            assert batch.ledger_batch is not None
            bulk.commit(batch.ledger_batch, check=check, then=finish)
        else:
            if layout.conflicts(ctx):
                raise bulk.BatchConflict(f"import {batch.pk}: the data changed since it was read")
            finish()
    _remove_file(batch)


def _overlaps(batch: ImportBatch, ledger_batch: LedgerBatch) -> bool:
    """Does another batch committed since this one was read hold one of its document lines?"""
    mine = bulk.rows_of(ledger_batch).exclude(document_ref="")
    return Movement.objects.filter(fiscal_year=batch.fiscal_year, batch__isnull=False,
                                   batch__commit_seq__gt=ledger_batch.basis, reverses__isnull=True,
                                   document_ref__in=mine.values("document_ref")).exists()


def _remove_file(batch: ImportBatch) -> None:
    if batch.stored_file:
        (media_dir() / batch.stored_file).unlink(missing_ok=True)


def request_undo(batch: ImportBatch, actor: Actor) -> ImportBatch:
    """Ask for a committed batch to be undone (a job does it)."""
    if not may_manage(actor, batch):
        raise _error("ยกเลิกการนำเข้าของผู้อื่นไม่ได้", "only the importer or a coordinator may undo this import")
    refusal = layouts.get(batch.layout).undo_refusal(batch) if batch.state == State.COMMITTED else None
    if refusal is not None:
        raise ImportRefused.text_of(refusal)
    user = permissions.recorded_user(actor)
    updated = ImportBatch.objects.filter(pk=batch.pk, state=State.COMMITTED).update(state=State.UNDOING,
                                                                                    undone_by=user)
    batch.refresh_from_db()
    if not updated and batch.state not in (State.UNDOING, State.UNDONE):
        raise _error(f"ยกเลิกไม่ได้: การนำเข้านี้อยู่ในสถานะ {batch.get_state_display()}",
                     f"cannot undo: the import is {batch.get_state_display()}")
    return batch


def undo(batch: ImportBatch, *, echo: Callable[[str, int, int], None] | None = None) -> ImportBatch:
    """Reverse every line of a batch being undone, in one transaction at the end; audited."""
    if batch.state != State.UNDOING:
        raise _error(f"ยกเลิกไม่ได้: การนำเข้านี้อยู่ในสถานะ {batch.get_state_display()}",
                     f"cannot undo: the import is {batch.get_state_display()}")
    layout = layouts.get(batch.layout)
    ctx = _context(batch, layout)
    actor = batch.undone_by or batch.uploaded_by
    progress = Progress(batch, "undoing", total=batch.lines, echo=echo)

    def finish(_ledger_batch: LedgerBatch | None = None) -> None:
        extra = {} if layout.ledger else layout.undo(ctx)
        _set(batch, state=State.UNDONE, undone_at=timezone.now(), phase="", summary={**batch.summary, **extra})
        audit_record(actor=actor, action="imports.undo", obj=batch, unit=batch.org,
                     fiscal_year=batch.fiscal_year.be_year, before=_audit_after(batch),
                     note=batch.file_name[:200], reaches_down=True)

    if layout.ledger:
        assert batch.ledger_batch is not None
        reversal = batch.undo_batch
        if reversal is None or reversal.state == BatchState.ABANDONED:
            reversal = bulk.reverse(batch.ledger_batch, actor_id=actor.pk, purpose=f"undo of import {batch.pk}",
                                    progress=progress.set)
            _set(batch, undo_batch=reversal)
        if reversal.state == BatchState.COMMITTED:  # a worker died after committing: only finish
            with transaction.atomic():
                finish()
        else:
            bulk.commit(reversal, then=finish)
    else:
        with transaction.atomic():
            finish()
    return batch


def cancel(batch: ImportBatch, actor: Actor) -> ImportBatch:
    """Drop a batch not committed: its pending lines, staged rows and stored file."""
    if not may_manage(actor, batch):
        raise _error("ยกเลิกการนำเข้าของผู้อื่นไม่ได้", "only the importer or a coordinator may cancel this import")
    if batch.state in (State.COMMITTED, State.COMMITTING, State.UNDOING, State.UNDONE):
        raise _error(f"ยกเลิกไม่ได้: การนำเข้านี้อยู่ในสถานะ {batch.get_state_display()}",
                     f"cannot cancel: the import is {batch.get_state_display()}")
    _discard_lines(batch)
    _remove_file(batch)
    _set(batch, state=State.CANCELLED, phase="")
    return batch


def expire(now: Any = None) -> int:
    """Cancel the previews nobody confirmed in time (PTS_IMPORT_PREVIEW_HOURS); return how many."""
    now = now or timezone.now()
    count = 0
    for batch in ImportBatch.objects.filter(state__in=[State.PREVIEWED, State.MAPPING, State.REFUSED],
                                            expires_at__lt=now):
        _discard_lines(batch)
        _remove_file(batch)
        _set(batch, state=State.EXPIRED)
        count += 1
    return count


def layout_choices() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in LayoutCode.choices if code in layouts.available()]
