"""`pts import-undo BATCH [--as USERNAME]`: see `pts.imports.cli`."""

from pts.imports.cli import add_undo_arguments as add_arguments
from pts.imports.cli import run_undo as run

__all__ = ["add_arguments", "run"]
