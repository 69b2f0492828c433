"""Find the line of a key in TOML text, so every problem can say file:line.

tomllib gives values without positions; this scanner walks the text once and
remembers where each table, array-of-tables entry and key starts. A value may
span lines (multi-line strings, arrays): those lines are skipped, so text inside
them that looks like a key or a header is not taken for one.
"""

from __future__ import annotations

import re

_PART = r"(?:[A-Za-z0-9_\-]+|\"(?:[^\"\\]|\\.)*\"|'[^']*')"
_DOTTED = rf"{_PART}(?:\s*\.\s*{_PART})*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(rf"^\s*({_DOTTED})\s*=")
_SPLIT = re.compile(rf"\s*({_PART})\s*(?:\.|$)")


def _names(dotted: str) -> tuple[str, ...]:
    return tuple(p[1:-1] if p[0] in "\"'" else p for p in _SPLIT.findall(dotted))


class _Value:
    """Where a value left off at the end of a line: inside a multi-line string
    (its closing quotes) and how many brackets/braces are still open."""

    def __init__(self):
        self.quote = ""
        self.depth = 0

    @property
    def open(self) -> bool:
        return bool(self.quote) or self.depth > 0

    def scan(self, line: str, i: int = 0) -> None:
        n = len(line)
        while i < n:
            if self.quote:
                if self.quote == '"""' and line[i] == "\\":
                    i += 2
                    continue
                if line.startswith(self.quote, i):
                    # Up to two quotes may end the content right before the closing three.
                    run = len(line[i:]) - len(line[i:].lstrip(self.quote[0]))
                    i += min(run, 5)
                    self.quote = ""
                    continue
                i += 1
                continue
            c = line[i]
            if c == "#":
                return
            if line.startswith('"""', i) or line.startswith("'''", i):
                self.quote = line[i : i + 3]
                i += 3
            elif c == '"':
                i = _end_of_basic(line, i + 1)
            elif c == "'":
                end = line.find("'", i + 1)
                i = n if end < 0 else end + 1
            else:
                if c in "[{":
                    self.depth += 1
                elif c in "]}":
                    self.depth = max(0, self.depth - 1)
                i += 1


def _end_of_basic(line: str, i: int) -> int:
    while i < len(line):
        if line[i] == "\\":
            i += 2
        elif line[i] == '"':
            return i + 1
        else:
            i += 1
    return len(line)


class LineIndex:
    def __init__(self, text: str):
        self.lines: dict[tuple, int] = {}
        counts: dict[str, int] = {}
        path: tuple = ()
        value = _Value()
        for number, raw in enumerate(text.splitlines(), start=1):
            if value.open:  # still inside the previous key's value
                value.scan(raw)
                continue
            header = _HEADER.match(raw)
            if header:
                name = _names(header.group(2))
                if header.group(1) == "[[":
                    key = ".".join(name)
                    index = counts.get(key, 0)
                    counts[key] = index + 1
                    path = (*name, index)
                else:
                    path = name
                self.lines.setdefault(path, number)
                continue
            assignment = _KEY.match(raw)
            if assignment:
                names = _names(assignment.group(1))
                for end in range(1, len(names) + 1):  # a.b = 1 also places table a
                    self.lines.setdefault((*path, *names[:end]), number)
                value.scan(raw, assignment.end())
            else:
                value.scan(raw)

    def line(self, *path) -> int:
        """The line of the longest known prefix of `path` (1 if nothing matches)."""
        for end in range(len(path), 0, -1):
            found = self.lines.get(tuple(path[:end]))
            if found:
                return found
        return 1
