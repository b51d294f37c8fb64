"""`pts score`: score units from a CSV file against a rule set. A stable contract: scripts use it.

    pts score --rules RULESET --input FILE [--evidence FILE] [--format json|table] [--as-of DATE]

RULESET  a shipped id (doh-kpi23-2566, province-pts-template) or a path to a .toml file.
FILE     CSV, UTF-8 (BOM or not) or cp874, header unit,month,category,allocated,disbursed
         (optional committed, fund); one row per unit x month x category; month 2022-10, ต.ค. 65,
         ต.ค.-65 or ตุลาคม 2565; category personnel|operating|capital|subsidy|other or its Thai
         name; amounts in baht, allocation as of the month end, disbursed cumulative. fund: a
         7-digit GFMIS source-of-funds code that gives the category; rows of one unit, month and
         category from different codes are summed.
--evidence  CSV unit,item,posted[,month]: a checklist item of the rule set posted on a date;
         `month` (required for monthly items) is the month the minutes or report are about.

--as-of  the scoring date: a month (2023-01, ม.ค. 66) or a day (2023-01-15, 15/01/2566); default
         the last month in the file. Figures of later months and evidence posted later are left
         out; a later month reads "not reached yet"; a round not ended by then is provisional.

Output: one result per unit and round (units in file order), for the rounds that have started by
the as-of month. json: an array of {"unit", "round", "items": {criterion id: points},
"total", "max", "explanations": {criterion id: [{"code", ...facts, "th": sentence}]}} plus
"size_group", "award", "notes" when the rule set ranks units, "template": true for a template,
"provisional": true for a round not ended by the as-of date and "not_assessed": true for a unit
with no assessable money in a round (rule-set option no_money = "not_assessed");
numbers are exact scores rounded to 4 decimals at this edge. --lang en gives "en" sentences.
Money facts are satang (integers, as text above 2^53 - 1) each followed by "<fact>_baht", a
decimal string ("449950.00"). table: criteria, rounds and headings in the --lang language, points
to 4 decimals.
A missing month of a unit counts as a miss; a category a unit reports in some months must be in
all of its months (one row per unit x month x category).
Bad input: the errors (line, column, value, Thai / English; the first 100, then "and N more") on
stderr, exit status 2, nothing on stdout. Disbursed above allocated is a warning (stderr), not an
error: the score is still computed. A file over WHOLE_FILE_BYTES is streamed, not held in memory.
Large files are read and scored in one forked process per CPU (--jobs); the output is the same.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import sys
import unicodedata
from contextlib import ExitStack
from dataclasses import replace
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, BinaryIO

from pts.core.csvread import issue_count
from pts.core.fiscal import FiscalError, Month, parse_date, parse_month
from pts.core.thai import bilingual
from pts.scoring.engine import (
    Explainer,
    RoundResult,
    RuleSet,
    RuleSetError,
    load_ruleset,
    score_units,
)
from pts.scoring.engine.csvinput import InputError, Issue, decode, read_evidence, read_figures, split_by_unit
from pts.scoring.engine.explain import points
from pts.scoring.engine.inputs import Evidence, UnitData
from pts.scoring.engine.jsonout import encode_results

PARALLEL_FROM_CHARS = 3_000_000  # about 60,000 rows: below that a second process costs more than it saves
# Above this a file is not held in memory but streamed through the careful reader, one process:
# its text may take four bytes a character, and junk of any size must fit in bounded memory.
WHOLE_FILE_BYTES = 40_000_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", required=True, metavar="RULESET",
                        help="shipped rule-set id (e.g. doh-kpi23-2566) or path to a .toml file")  # fmt: skip
    parser.add_argument("--input", required=True, metavar="FILE",
                        help="CSV unit,month,category,allocated,disbursed[,committed][,fund] (UTF-8 or cp874)")  # fmt: skip
    parser.add_argument("--evidence", metavar="FILE", help="CSV unit,item,posted[,month] of governance evidence")
    parser.add_argument("--format", choices=("json", "table"), default="table", help="output format (default table)")
    parser.add_argument("--lang", choices=("th", "en"), default="th",
                        help="language of the explanation text (default th; json key 'th' or 'en')")  # fmt: skip
    parser.add_argument("--explain", action="store_true", help="table: print every score's explanation under it")
    parser.add_argument("--as-of", metavar="DATE", dest="as_of",
                        help="scoring date: a month (2023-01) or a day (2023-01-15); default the file's last month")  # fmt: skip
    parser.add_argument("--jobs", type=int, default=0, metavar="N",
                        help="json: processes to use (default: one per CPU for a file of 60,000 rows or more)")  # fmt: skip


def _read(path: str, what: str, *, whole: bool = True) -> bytes | BinaryIO | None:
    """The file's bytes, or an open binary stream when it is big (or `whole` is False)."""
    try:
        if whole and Path(path).stat().st_size <= WHOLE_FILE_BYTES:
            return Path(path).read_bytes()
        return open(path, "rb")  # noqa: SIM115 - the caller closes it
    except OSError as exc:
        print(bilingual(f"อ่านไฟล์{what}ไม่ได้: {path} ({exc.strerror})", f"cannot read {path} ({exc.strerror})"),
              file=sys.stderr)  # fmt: skip
        return None


def _report(name: str, issues: list[Issue] | list[str], kind: str = "error") -> None:
    """A count, then one issue a line; rule-set issues already start with their file and line."""
    th, en = ("ข้อผิดพลาด", "error(s)") if kind == "error" else ("คำเตือน", "warning(s)")
    count = len(issues) if not issues or isinstance(issues[0], str) else issue_count(issues)  # type: ignore[arg-type]
    print(f"{name}: {th} {count:,} รายการ / {count:,} {en}", file=sys.stderr)
    for issue in issues:
        print(f"  {issue}" if isinstance(issue, str) else f"  {name}: {issue}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    # A batch run makes millions of acyclic objects; the cycle collector would rescan them all.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(args)
    except BrokenPipeError:  # `pts score ... | head`: the reader has all it wants
        try:  # point stdout at /dev/null so the interpreter's final flush does not complain
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 0
    finally:
        if enabled:
            gc.enable()


def _as_of(text: str | None, rules: RuleSet) -> tuple[Month, date | None] | str | None:
    """The --as-of month and day (None: a whole month), or an error message."""
    if not text:
        return None
    day: date | None = None
    try:
        month = parse_month(text)
    except FiscalError:
        try:
            day = parse_date(text)
        except (FiscalError, ValueError):
            return bilingual(f"--as-of: '{text}' ไม่ใช่เดือนหรือวันที่ (เช่น 2023-01, 2023-01-15, 15/01/2566)",
                             f"--as-of: '{text}' is not a month or a date (e.g. 2023-01, 2023-01-15, 15/01/2566)")  # fmt: skip
        month = Month.of(day)
    if month not in rules.months:
        return bilingual(f"--as-of: '{text}' อยู่นอกปีงบประมาณ {rules.fiscal_year} ของชุดเกณฑ์",
                         f"--as-of: '{text}' is outside the rule set's fiscal year {rules.fiscal_year}")  # fmt: skip
    return month, day


def as_of_units(units: list[UnitData], month: Month, day: date | None) -> list[UnitData]:
    """Units as they stood at `month` (and `day`): later figures and later evidence left out."""
    cutoff = day or month.last_day
    out = []
    for u in units:
        months = u.months if all(m <= month for m in u.months) else {m: v for m, v in u.months.items() if m <= month}
        evidence = u.evidence
        if any(e.posted > cutoff for e in evidence):
            evidence = tuple(e for e in evidence if e.posted <= cutoff)
        tags = u.tags
        if any(m > month for per in tags.values() for m in per):
            tags = {tag: {m: f for m, f in per.items() if m <= month} for tag, per in tags.items()}
        out.append(replace(u, months=months, evidence=evidence, tags=tags, through=month))
    return out


def mark_provisional(rules: RuleSet, results: list[RoundResult], month: Month, day: date | None) -> list[RoundResult]:
    """Results of rounds not ended by the as-of date, marked provisional."""
    ongoing = {r.id for r in rules.rounds if r.last > month or (day is not None and day < r.last.last_day)}
    if not ongoing:
        return results
    return [replace(r, provisional=True) if r.round in ongoing else r for r in results]


def _run(args: argparse.Namespace) -> int:
    try:
        rules = load_ruleset(args.rules)
    except RuleSetError as exc:
        _report(str(args.rules), exc.issues)
        return 2
    as_of = _as_of(getattr(args, "as_of", None), rules)
    if isinstance(as_of, str):
        print(as_of, file=sys.stderr)
        return 2
    with ExitStack() as opened:
        source = _read(args.input, "ข้อมูล")
        raw = _read(args.evidence, "หลักฐาน", whole=False) if args.evidence else b""
        for stream in (source, raw):
            if stream is not None and not isinstance(stream, bytes):
                opened.enter_context(stream)
        if source is None or raw is None:
            return 2
        text = _decoded(args.input, source) if isinstance(source, bytes) else source
        del source  # the text alone from here: the bytes would double what the file takes
        if text is None:
            return 2
        return _score(args, rules, text, raw, as_of)


def _decoded(path: str, data: bytes) -> str | None:
    try:
        return decode(data)
    except InputError as exc:
        _report(path, exc.issues)
        return None


def _score(args: argparse.Namespace, rules: RuleSet, source: str | BinaryIO, raw: bytes | BinaryIO,
           as_of: tuple[Month, date | None] | None) -> int:
    evidence: dict[str, list[Evidence]] | None = None
    if args.evidence:
        try:
            evidence = read_evidence(raw, rules)
        except InputError as exc:
            _report(args.evidence, exc.issues)
            return 2
    if rules.template:
        print(bilingual(f"ชุดเกณฑ์ {rules.id} เป็นแม่แบบ: ตัวเลขเป็นค่าตัวอย่างที่ต้องแก้ไข",
                        f"rule set {rules.id} is a TEMPLATE: its numbers are placeholders to edit"),
              file=sys.stderr)  # fmt: skip
    out = _Out()
    size = len(source) if isinstance(source, str) else 0  # a stream is scored in this process
    jobs = args.jobs or (min(os.cpu_count() or 1, 8) if size >= PARALLEL_FROM_CHARS else 1)
    parallel = args.format == "json" and jobs > 1 and "fork" in multiprocessing.get_all_start_methods()
    ranked = bool(rules.size_groups or rules.awards)
    if parallel and isinstance(source, str) and not ranked and write_json_in_parts(
        out, rules, source, evidence, args.lang, jobs, as_of
    ):
        return 0  # a file with anything to report falls through to the one-process reader below
    try:
        units, warnings = read_figures(source, rules)
    except InputError as exc:
        _report(args.input, exc.issues)
        return 2
    if evidence is not None:
        units = [replace(u, evidence=evidence.get(u.code, ())) for u in units]
    if warnings:
        _report(args.input, warnings, "warning")
    month, day = as_of or (max({m for u in units for m in u.months}, default=rules.months[0]), None)
    units = as_of_units(units, month, day)
    results = mark_provisional(rules, score_units(rules, units, rounds=_started(rules, month)), month, day)
    if parallel and ranked:
        write_json_encoded_in_parts(out, rules, results, args.lang, jobs)
    elif args.format == "json":
        write_json(out, rules, results, args.lang)
    else:
        write_table(out, rules, results, explain=args.explain, lang=args.lang,
                    names={u.code: u.name for u in units if u.name})
    out.flush()
    return 0


def _started(rules: RuleSet, last: Month) -> set[int]:
    """Rounds that have begun by the as-of month: later ones are not reported yet."""
    return {r.id for r in rules.rounds if r.first <= last}


class _Out:
    """UTF-8 to stdout whatever the locale; a plain text stream when stdout has no buffer."""

    def __init__(self) -> None:
        self.buffer = getattr(sys.stdout, "buffer", None)
        if self.buffer is not None:
            sys.stdout.flush()

    def write(self, text: str) -> None:
        if self.buffer is not None:
            self.buffer.write(text.encode("utf-8"))
        else:
            sys.stdout.write(text)

    def write_bytes(self, data: bytes) -> None:
        if self.buffer is not None:
            self.buffer.write(data)
        else:
            sys.stdout.write(data.decode("utf-8"))

    def flush(self) -> None:
        (self.buffer or sys.stdout).flush()

    def fileno(self) -> int | None:
        """The descriptor forked processes may write to, or None (a test's captured stream)."""
        try:
            return sys.stdout.fileno()
        except (AttributeError, OSError, ValueError):
            return None




def write_json(out: _Out, rules: RuleSet, results: list[RoundResult], lang: str = "th") -> None:
    out.write("[")
    for start in range(0, len(results), 1000):  # in slices: the whole text at once would double memory
        out.write(("\n" if start == 0 else ",\n") + encode_results(rules, results[start : start + 1000], lang))
    out.write("\n]\n")


# What forked workers read: set in the parent just before the fork, inherited by copy.
_SHARED: dict[str, Any] = {}


def _score_part(text: str, conn: Connection, fd: int | None) -> None:
    """In a forked process: read one part of the file, report what the parent must check, score it.

    1. read the part; anything to report (an error, a warning) sends None: the parent will read
       the whole file itself, so that messages carry the file's own line numbers;
    2. send the last month and the unit codes; receive the rounds that have started;
    3. encode every result; with a file descriptor, say "ready", wait for a turn and write the
       bytes to it directly (no copy through the parent), else send them.
    """
    rules, evidence, lang, as_of = _SHARED["rules"], _SHARED["evidence"], _SHARED["lang"], _SHARED["as_of"]
    try:
        units, warnings = read_figures(text, rules)
    except InputError:
        conn.send(None)
        return
    if warnings or not units:
        conn.send(None)
        return
    if evidence is not None:
        units = [replace(u, evidence=evidence.get(u.code, ())) for u in units]
    conn.send((max({m for u in units for m in u.months}), [u.code for u in units]))
    started, last = conn.recv()
    month, day = as_of or (last, None)
    units = as_of_units(units, month, day)
    results = mark_provisional(rules, score_units(rules, units, rounds=started), month, day)
    data = encode_results(rules, results, lang).encode("utf-8")
    if fd is None:
        conn.send_bytes(data)
        return
    conn.send("ready")
    separator = conn.recv()
    with open(fd, "wb", closefd=False) as stream:
        stream.write(separator + data)
    conn.send("written")


def write_json_in_parts(
    out: _Out, rules: RuleSet, text: str, evidence: dict[str, list[Evidence]] | None, lang: str, jobs: int,
    as_of: tuple[Month, date | None] | None = None,
) -> bool:
    """Read, score and encode the file in `jobs` forked processes, a part each; the same bytes as one.

    False (and nothing written) when the file cannot be cut by unit, a part has something to
    report, or a unit's rows are in two parts: the caller then does it all in one process.
    Nothing is written until every part is encoded; then each writes in turn.
    """
    parts = split_by_unit(text, jobs)
    if parts is None:
        return False
    fd = out.fileno()
    _SHARED.update(rules=rules, evidence=evidence, lang=lang, as_of=as_of)
    context = multiprocessing.get_context("fork")
    workers: list[tuple[Any, Connection]] = []
    done = False
    try:
        for part in parts:
            mine, theirs = context.Pipe()
            process = context.Process(target=_score_part, args=(part, theirs, fd), daemon=True)
            process.start()
            theirs.close()  # only the child holds it now: its death reads as EOF here
            workers.append((process, mine))
        replies = [conn.recv() for _, conn in workers]
        codes = [code for reply in replies if reply for code in reply[1]]
        if None in replies or len(set(codes)) != len(codes):
            return False
        last = max(reply[0] for reply in replies)
        started = _started(rules, as_of[0] if as_of else last)
        for _, conn in workers:
            conn.send((started, last))
        if fd is None:
            chunks = [conn.recv_bytes() for _, conn in workers]
        else:
            for _, conn in workers:
                conn.recv()  # "ready": every part is encoded before a byte is written
        done = True
    except (EOFError, OSError):
        return False  # a part died: one process does it all again
    finally:
        for process, conn in workers:
            if not done:
                conn.close()
                process.terminate()  # it may be waiting for a reply that will not come
                process.join()
        _SHARED.clear()
    out.write("[")
    out.flush()
    for n, (process, conn) in enumerate(workers):
        separator = b"\n" if n == 0 else b",\n"
        if fd is None:
            out.write_bytes(separator + chunks[n])
        else:
            conn.send(separator)
            try:
                conn.recv()  # "written": the next part may follow
            except EOFError:  # half the output is out: nothing to do but say so
                print(bilingual("เขียนผลลัพธ์ไม่สำเร็จ", "writing the results failed"), file=sys.stderr)
                raise SystemExit(1) from None
        conn.close()
        process.join()
    out.write("\n]\n")
    out.flush()
    return True


def _encode_part(start: int, stop: int, conn: Connection) -> None:
    """In a forked process: encode results[start:stop] and send the bytes."""
    rules, results, lang = _SHARED["rules"], _SHARED["results"], _SHARED["lang"]
    conn.send_bytes(encode_results(rules, results[start:stop], lang).encode("utf-8"))


def write_json_encoded_in_parts(out: _Out, rules: RuleSet, results: list[RoundResult], lang: str, jobs: int) -> None:
    """Encode the results in `jobs` forked processes (scores with awards are ranked together first)."""
    _SHARED.update(rules=rules, results=results, lang=lang)
    step = -(-len(results) // jobs)
    context = multiprocessing.get_context("fork")
    workers: list[tuple[Any, Connection]] = []
    chunks: list[bytes] | None = None
    try:
        for start in range(0, len(results), step):
            mine, theirs = context.Pipe(duplex=False)
            process = context.Process(target=_encode_part, args=(start, start + step, theirs), daemon=True)
            process.start()
            theirs.close()
            workers.append((process, mine))
        chunks = [conn.recv_bytes() for _, conn in workers]
    except (EOFError, OSError):
        chunks = None  # a part died: encode here instead
    finally:
        for process, conn in workers:
            conn.close()
            if chunks is None:
                process.terminate()
            process.join()
        _SHARED.clear()
    if chunks is None:
        write_json(out, rules, results, lang)
        return
    out.write("[")
    for n, chunk in enumerate(c for c in chunks if c):
        out.write_bytes((b"\n" if n == 0 else b",\n") + chunk)
    out.write("\n]\n")
    out.flush()


def _width(text: str) -> int:
    """Display width: Thai vowel and tone marks take no column."""
    return sum(0 if unicodedata.combining(ch) or unicodedata.category(ch) == "Mn" else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * (width - _width(text))
    return fill + text if right else text + fill


_HEADINGS: dict[str, dict[Any, str]] = {
    "th": {"unit": "หน่วยงาน", "round": "รอบ", "total": "รวม", "max": "เต็ม", "group": "กลุ่มขนาด", "award": "รางวัล",
           "provisional": " (ชั่วคราว)", "not_assessed": "ไม่ประเมิน", True: "ผ่าน", False: "ไม่ผ่าน"},
    "en": {"unit": "unit", "round": "round", "total": "total", "max": "max", "group": "size group", "award": "award",
           "provisional": " (provisional)", "not_assessed": "not assessed", True: "passed", False: "failed"},
}


def write_table(out: _Out, rules: RuleSet, results: list[RoundResult], *, explain: bool, lang: str,
                names: dict[str, str] | None = None) -> None:
    """A table in `lang`: criteria by their headings, rounds by their labels, units by code and name."""
    explainer = Explainer(rules)
    words = _HEADINGS[lang]
    ids = [c.id for c in rules.criteria]
    th = lang == "th"
    heads = [(c.heading.th if th else c.heading.en) or c.heading.th or c.heading.en or c.id for c in rules.criteria]
    rounds = {r.id: (r.label.th if th else r.label.en) or str(r.id) for r in rules.rounds}
    groups = {g.id: (g.label.th if th else g.label.en) or g.id for g in rules.size_groups}
    awards = {a.id: (a.label.th if th else a.label.en) or a.id for a in rules.awards}
    extra = ([words["group"]] if rules.size_groups else []) + ([words["award"]] if rules.awards else [])
    extra += [(c.heading.th if th else c.heading.en) or c.id for c in rules.checks]
    header = [words["unit"], words["round"], *heads, words["total"], words["max"], *extra]
    rows = []
    for r in results:
        unit = f"{r.unit} {names[r.unit]}" if names and names.get(r.unit) else r.unit
        label = rounds.get(r.round, str(r.round)) + (words["provisional"] if r.provisional else "")
        if r.assessed:
            cells = [unit, label, *(points(r.items[i].score) for i in ids), points(r.total), points(r.max)]
        else:
            cells = [unit, label, *("-" for _ in ids), words["not_assessed"], points(r.max)]
        cells += ([groups.get(r.size_group or "", "-")] if rules.size_groups else [])
        cells += ([awards.get(r.award or "", "-")] if rules.awards else [])
        cells += [words.get(r.checks[c.id].passed, "-") if c.id in r.checks else "-" for c in rules.checks]
        rows.append((r, cells))
    widths = [max([_width(h)] + [_width(c[k]) for _, c in rows]) for k, h in enumerate(header)]
    numeric = [2 <= k < 4 + len(ids) for k in range(len(header))]  # items, total, max
    # a rule set without a label in this language: the other one, never its id
    title = (rules.label.th if th else rules.label.en) or rules.label.en or rules.label.th
    if rules.template and "TEMPLATE" not in title.upper() and "แม่แบบ" not in title:
        title = "[แม่แบบ / TEMPLATE] " + title
    if rules.version:  # the id is in the JSON (`rule_set`), not on a screen
        title += f" (ฉบับ {rules.version})" if th else f" (version {rules.version})"
    out.write(f"{title}\n")
    out.write("  ".join(_pad(h, w, n) for h, w, n in zip(header, widths, numeric, strict=True)) + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for r, cells in rows:
        out.write("  ".join(_pad(c, w, n) for c, w, n in zip(cells, widths, numeric, strict=True)) + "\n")
        if explain:
            for c, head in zip(rules.criteria, heads, strict=True):
                for ln in r.items[c.id].lines:
                    out.write(f"    [{head}] {explainer.text(ln, lang)}\n")
            for c in rules.checks:
                for ln in r.checks[c.id].lines if c.id in r.checks else ():
                    out.write(f"    [{(c.heading.th if th else c.heading.en) or c.id}] {explainer.text(ln, lang)}\n")
            for ln in r.notes:
                out.write(f"    {explainer.text(ln, lang)}\n")
