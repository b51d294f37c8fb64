"""The layouts an import reads: one module each, registered by code (`pts import LAYOUT ...`)."""

from __future__ import annotations

import importlib

from pts.imports.layouts.base import Layout

MODULES = {
    "units": "pts.imports.layouts.units",
    "snapshot": "pts.imports.layouts.snapshot",
    "cgd": "pts.imports.layouts.cgd",
    "gfmis": "pts.imports.layouts.gfmis",
    "bureau": "pts.imports.layouts.bureau",
    "pts": "pts.imports.layouts.pts",
}


def get(code: str) -> Layout:
    """The layout of `code` (a KeyError for an unknown one)."""
    module = importlib.import_module(MODULES[code])
    layout: Layout = module.LAYOUT
    return layout


def available() -> list[str]:
    """The layouts whose module exists (all six once every one has landed)."""
    found = []
    for code, module in MODULES.items():
        try:
            importlib.import_module(module)
        except ModuleNotFoundError:
            continue
        found.append(code)
    return found
