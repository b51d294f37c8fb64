"""`pts`: the console command that fronts every batch job.

Each sub-command lives in its app as a module with `add_arguments(parser)` and
`run(args) -> int`; it is imported only when called, so `pts score` does not pay for Django.
`pts manage ...` runs any Django management command (migrate, load_demo, ...).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import NoReturn

from pts.core.cli import UsageError

# name -> (module, one-line help). Extend, never rename: scripts depend on these.
COMMANDS: dict[str, tuple[str, str]] = {
    "score": ("pts.scoring.cli", "score units against a rule set from a CSV file"),
    "plan": ("pts.procurement.cli", "print a procurement milestone plan on the Thai working-day calendar"),
    "ledger-check": ("pts.scoring.checks", "recompute the ledger's sums and the stored scores from the movements"),
    "import": ("pts.imports.cli", "import a file (units, snapshot, cgd, gfmis, bureau, pts) into PTS"),
    "import-undo": ("pts.imports.undo_cli", "undo a committed import"),
    "import-jobs": ("pts.imports.jobs_cli", "run waiting imports, take over stalled ones, expire old previews"),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: ข้อผิดพลาด / error: {message}\n")


def build_parser(names: list[str] | None = None) -> argparse.ArgumentParser:
    parser = _Parser(prog="pts", description="PTS batch jobs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (module, help_text) in COMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        if names is None or name in names:
            importlib.import_module(module).add_arguments(sp)
    sub.add_parser("manage", help="run a Django management command (migrate, load_demo, ...)", add_help=False)
    return parser


def _stdout_to_devnull() -> None:
    """Point stdout at /dev/null so that the interpreter's last flush has nowhere to fail."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "manage":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pts.settings")
        from django.core.management import execute_from_command_line

        execute_from_command_line(["pts manage", *argv[1:]])
        return 0
    wanted = [argv[0]] if argv and argv[0] in COMMANDS else None
    parser = build_parser(wanted)
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    module = importlib.import_module(COMMANDS[args.command][0])
    try:
        status = int(module.run(args))
        sys.stdout.flush()  # here, not at exit, so that a closed pipe is caught below
        return status
    except BrokenPipeError:  # `pts plan ... | head`: the reader has all it wants
        _stdout_to_devnull()
        return 0
    except UsageError as exc:
        print(f"pts {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
