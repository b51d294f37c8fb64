"""Line numbers for TOML key paths.

tomllib reports the line of a syntax error but knows nothing of lines once parsed, so a rule
set's semantic errors ("criteria[2].parts[1].max must be a number") could not say where to look.
This scanner walks the (already valid) text once and records the line where every key, table,
array-of-tables element and array element starts. Paths use str keys and int array indices,
exactly as they appear in the dict tomllib returns.
"""

from __future__ import annotations

KeyPath = tuple[str | int, ...]

_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def key_lines(text: str) -> dict[KeyPath, int]:
    """Key path -> 1-based line number for every key, table and array element in `text`."""
    return _Scanner(text).run()


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> int | None:
    """The line of `path`, or of its nearest recorded ancestor (an inline value has none)."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None


def format_path(path: KeyPath) -> str:
    """("criteria", 1, "max") -> "criteria[2].max": array positions count from 1, as people do."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            shown = part if part and set(part) <= _BARE else f'"{part}"'
            out += f".{shown}" if out else shown
    return out


class _Scanner:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.line = 1
        self.lines: dict[KeyPath, int] = {}
        self.arrays: dict[KeyPath, int] = {}  # array-of-tables path -> index of its last element

    def run(self) -> dict[KeyPath, int]:
        table: KeyPath = ()
        while True:
            self._skip(newlines=True)
            if self.i >= len(self.s):
                return self.lines
            line = self.line
            if self.s.startswith("[[", self.i):
                self.i += 2
                keys = self._key()
                full = self._resolve(keys[:-1]) + (keys[-1],)
                index = self.arrays.get(full, -1) + 1
                self.arrays[full] = index
                table = full + (index,)
                self.lines.setdefault(full, line)
                self.lines[table] = line
                self._to_line_end()
            elif self.s[self.i] == "[":
                self.i += 1
                table = self._resolve(self._key())
                self.lines.setdefault(table, line)
                self._to_line_end()
            else:
                path = table + self._key()
                self._skip()
                self.i += 1  # the "="
                self._skip()
                self._record(path, line)
                self._value(path)

    def _record(self, path: KeyPath, line: int) -> None:
        # dotted keys create their parents implicitly; they start on the same line
        for n in range(1, len(path) + 1):
            self.lines.setdefault(path[:n], line)
        self.lines[path] = line

    def _resolve(self, keys: KeyPath) -> KeyPath:
        path: KeyPath = ()
        for key in keys:
            path += (key,)
            if path in self.arrays:
                path += (self.arrays[path],)
        return path

    def _skip(self, newlines: bool = False) -> None:
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c in " \t\r":
                self.i += 1
            elif c == "\n" and newlines:
                self.i += 1
                self.line += 1
            elif c == "#":
                while self.i < len(s) and s[self.i] != "\n":
                    self.i += 1
            else:
                return

    def _to_line_end(self) -> None:
        while self.i < len(self.s) and self.s[self.i] != "\n":
            self.i += 1

    def _key(self) -> KeyPath:
        parts: list[str] = []
        while True:
            self._skip()
            c = self.s[self.i]
            if c in "\"'":
                start = self.i
                self._string()
                parts.append(self.s[start + 1 : self.i - 1])
            else:
                start = self.i
                while self.i < len(self.s) and self.s[self.i] in _BARE:
                    self.i += 1
                parts.append(self.s[start : self.i])
            self._skip()
            if self.i < len(self.s) and self.s[self.i] == ".":
                self.i += 1
                continue
            while self.i < len(self.s) and self.s[self.i] == "]":
                self.i += 1
            return tuple(parts)

    def _string(self) -> None:
        s = self.s
        quote = s[self.i]
        if s.startswith(quote * 3, self.i):
            self.i += 3
            end = quote * 3
            while not s.startswith(end, self.i):
                if s[self.i] == "\\" and quote == '"':
                    self.i += 1
                if s[self.i] == "\n":
                    self.line += 1
                self.i += 1
            self.i += 3
            while self.i < len(s) and s[self.i] == quote:  # up to two quotes may end the content
                self.i += 1
            return
        self.i += 1
        while s[self.i] != quote:
            if s[self.i] == "\\" and quote == '"':
                self.i += 1
            self.i += 1
        self.i += 1

    def _value(self, path: KeyPath) -> None:
        s = self.s
        c = s[self.i]
        if c in "\"'":
            self._string()
        elif c == "[":
            self.i += 1
            index = 0
            while True:
                self._skip(newlines=True)
                if s[self.i] == "]":
                    self.i += 1
                    return
                self._record(path + (index,), self.line)
                self._value(path + (index,))
                self._skip(newlines=True)
                if s[self.i] == ",":
                    self.i += 1
                    index += 1
        elif c == "{":
            self.i += 1
            while True:
                self._skip()
                if s[self.i] == "}":
                    self.i += 1
                    return
                sub = path + self._key()
                self._skip()
                self.i += 1  # the "="
                self._skip()
                self._record(sub, self.line)
                self._value(sub)
                self._skip()
                if s[self.i] == ",":
                    self.i += 1
        else:
            while self.i < len(s) and s[self.i] not in ",]}\n#":
                self.i += 1
