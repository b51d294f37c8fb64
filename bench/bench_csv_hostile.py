"""Benchmark `pts score` on hostile input: peak memory and exit status, whatever the size.

    .venv/bin/python bench/bench_csv_hostile.py [--junk-mb 50] [--line-mb 200] [--keep DIR]

Files, generated in a temporary directory:
1. junk: rows of five fields that are all wrong (no month, no amount, each value different),
   `--junk-mb` MB;
2. no newline: the header, then one line of `--line-mb` MB with no line break and no quote;
3. worst in memory: junk just under the size `pts score` still holds in memory
   (`WHOLE_FILE_BYTES`), with one character outside the Basic Multilingual Plane, so that
   Python stores its text at four bytes a character.
Each is scored by `python -m pts.cli score --rules doh-kpi23-2566` in a child process; its peak
RSS comes from os.wait4 (the child alone), its stderr is counted, not kept. The baseline, in the
same run and on the same file, is a child that only iterates the file's rows with the bare csv
module (`csv.reader(open(path, newline=""))`), the least any reader must do; the ratio printed is
pts score's peak RSS over the baseline's. Wall time on a shared machine includes waiting for a
CPU; the CPU seconds are the child's own. The bar: exit status 2 and peak RSS ≤ 300 MB each time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BAR_MB = 300
HEADER = b"unit,month,category,allocated,disbursed\n"
BARE_CSV = "import csv, sys\nfor _ in csv.reader(open(sys.argv[1], newline='', encoding='utf-8')): pass\n"


def junk(path: Path, size: int, *, astral: bool = False) -> None:
    """Rows whose every value differs from the last one's, so that nothing can be parsed once."""
    with path.open("wb") as f:
        f.write(HEADER)
        if astral:
            f.write("U\U0001f600,x,y,z,w\n".encode())
        written, n = len(HEADER), 0
        while written < size - 100:
            block = "".join(f"no unit {k},month {k},pocket {k % 101},{k}x,{k}.5.5\n" for k in range(n, n + 10_000))
            data = block.encode()[: size - written]
            f.write(data[: data.rfind(b"\n") + 1])
            written += len(data)
            n += 10_000


def no_newline(path: Path, size: int) -> None:
    block = b"x" * (1 << 20)
    with path.open("wb") as f:
        f.write(HEADER)
        for _ in range(size >> 20):
            f.write(block)


def run(argv: list[str]) -> tuple[int, float, float, float, int]:
    """Exit status, peak RSS in MB, wall seconds, CPU seconds, bytes written to stderr by a child process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=ROOT)  # noqa: S603
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0, os.SEEK_END)
        return child.returncode, usage.ru_maxrss / 1024, seconds, usage.ru_utime + usage.ru_stime, err.tell()


def main() -> int:
    from pts.scoring.cli import WHOLE_FILE_BYTES

    parser = argparse.ArgumentParser()
    parser.add_argument("--junk-mb", type=int, default=50)
    parser.add_argument("--line-mb", type=int, default=200)
    parser.add_argument("--keep", metavar="DIR", help="write the files here and keep them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(args.keep or tmp)
        where.mkdir(parents=True, exist_ok=True)
        cases = [
            (f"junk {args.junk_mb} MB", where / "junk.csv", lambda p: junk(p, args.junk_mb << 20)),
            (f"no newline {args.line_mb} MB", where / "no-newline.csv", lambda p: no_newline(p, args.line_mb << 20)),
            (f"worst in memory {WHOLE_FILE_BYTES / 1e6:.0f} MB", where / "astral.csv",
             lambda p: junk(p, WHOLE_FILE_BYTES - 1000, astral=True)),
        ]  # fmt: skip
        failed = 0
        print(f"{'file':<26} {'reader':<10} {'exit':>4} {'peak RSS':>10} {'wall':>8} {'CPU':>8} {'stderr':>10}  ratio")
        for name, path, make in cases:
            make(path)
            score = run([sys.executable, "-m", "pts.cli", "score", "--rules", "doh-kpi23-2566", "--input", str(path)])
            bare = run([sys.executable, "-c", BARE_CSV, str(path)])
            for label, (status, rss, seconds, cpu, err) in (("pts score", score), ("bare csv", bare)):
                ratio = f"{score[1] / bare[1]:.2f}" if label == "pts score" else ""
                print(f"{name:<26} {label:<10} {status:>4} {rss:>7.0f} MB {seconds:>6.1f} s {cpu:>6.1f} s {err:>8,} B  {ratio}")
            ok = score[0] == 2 and score[1] <= BAR_MB
            failed += not ok
            print(f"{'':<26} {'bar':<10} exit 2 and ≤ {BAR_MB} MB: {'met' if ok else 'NOT MET'}")
            if not args.keep:
                path.unlink()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
