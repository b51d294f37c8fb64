"""Writing a rule set back as TOML: the inverse of `tomllib.loads(text, parse_float=Decimal)`.

The app edits a rule set as the dict tomllib reads and stores the text written here, so an
exported rule set is the same file format a coordinator could have written by hand (comments
are not kept). Tables outside arrays of tables are written as `[headers]`; tables inside an
array of tables (a criterion's per-round `target`, `steps`) as inline tables.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def dumps(doc: dict[str, Any]) -> str:
    out: list[str] = []
    _table(out, doc, (), inline_below=False)
    return "\n".join(out).lstrip("\n") + "\n"


def _key(key: str) -> str:
    return key if _BARE.match(key) else json.dumps(key, ensure_ascii=False)


def _header(path: tuple[str, ...]) -> str:
    return ".".join(_key(k) for k in path)


def _is_array_of_tables(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _table(out: list[str], table: dict[str, Any], path: tuple[str, ...], *, inline_below: bool) -> None:
    """Plain keys first, then sub-tables, then arrays of tables (TOML needs that order)."""
    subtables = []
    arrays = []
    for key, value in table.items():
        if isinstance(value, dict) and not inline_below:
            subtables.append((key, value))
        elif _is_array_of_tables(value):
            arrays.append((key, value))
        else:
            out.append(f"{_key(key)} = {value_text(value)}")
    for key, value in subtables:
        if any(not isinstance(v, dict) or not v for v in value.values()) or not value:
            out.extend(["", f"[{_header(path + (key,))}]"])
        _table(out, value, path + (key,), inline_below=False)
    for key, elements in arrays:
        for element in elements:
            out.extend(["", f"[[{_header(path + (key,))}]]"])
            _table(out, element, path + (key,), inline_below=True)


def value_text(value: Any) -> str:
    """One TOML value: bool, int, exact decimal, string, array or inline table."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text if "." in text else text + ".0"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {value_text(v)}" for k, v in value.items()) + " }" if value else "{}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")
