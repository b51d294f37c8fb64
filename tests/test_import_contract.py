"""The import contract (pyproject.toml, [tool.importlinter]) holds on the tree, and breaks on an
import that runs the wrong way: it is run on a copy of pts with one bad line added."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "pyproject.toml"


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` with the project's contract on the `pts` found first in `cwd`."""
    command = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([str(command), "--config", str(CONFIG), "--no-cache", "--no-logo"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def copy_with(tmp_path: Path, module: str, line: str) -> Path:
    """A copy of the package's Python files, with `line` added at the end of `module` (a path under pts/)."""
    shutil.copytree(ROOT / "pts", tmp_path / "pts",
                    ignore=lambda _dir, names: [n for n in names if n == "__pycache__" or ("." in n and not n.endswith(".py"))])
    target = tmp_path / "pts" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    return tmp_path


def test_the_tree_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("module", "line", "contract", "names"), [
    ("core/money.py", "from pts.web import views", "Each layer of pts imports only the layers below it",
     "pts.core.money -> pts.web.views"),
    ("budget/queries.py", "from pts.schemes.models import Scheme", "Each layer of pts imports only the layers below it",
     "pts.budget.queries -> pts.schemes.models"),
    ("scoring/engine/rules.py", "import django", "The scoring engine and `pts score` are pure Python",
     "pts.scoring.engine.rules -> django"),
    ("procurement/sheet.py", "from pts.procurement import actions", "no two modules import each other",
     "No cycles are allowed in pts.procurement. It could be made acyclic by removing 1 dependency: - .sheet -> .actions"),
])
def test_an_import_the_wrong_way_breaks_the_contract_that_forbids_it(tmp_path, module, line, contract, names):
    result = lint_imports(copy_with(tmp_path, module, line))
    report = " ".join((result.stdout + result.stderr).split())  # the report wraps long lines
    assert result.returncode == 1, report
    assert contract in report and "BROKEN" in report
    assert names in report
