"""`pts import-jobs`: for cron or a systemd timer. Takes over the imports whose worker went silent
(PTS_IMPORT_STALE_SECONDS), runs every import waiting to be read, written or undone, in this process,
and expires the previews nobody confirmed (PTS_IMPORT_PREVIEW_HOURS). Prints what it did."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # no options


def run(args: argparse.Namespace) -> int:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pts.settings")
    django.setup()
    from pts.imports import jobs

    done = jobs.run_waiting()
    print(f"รับช่วงต่อ / recovered {done['recovered']}, ทำแล้ว / run {done['run']}, "
          f"หมดอายุ / expired {done['expired']}")
    return 0
