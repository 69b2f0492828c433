"""Find the line of a key in TOML text, so every problem can say file:line.

tomllib gives values without positions; this scanner walks the text once and
remembers where each table, array-of-tables entry and key starts.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+|\"[^\"]*\")\s*=")


class LineIndex:
    def __init__(self, text: str):
        self.lines: dict[tuple, int] = {}
        counts: dict[str, int] = {}
        path: tuple = ()
        for number, raw in enumerate(text.splitlines(), start=1):
            header = _HEADER.match(raw)
            if header:
                name = tuple(p.strip().strip('"') for p in header.group(2).split("."))
                if header.group(1) == "[[":
                    key = ".".join(name)
                    index = counts.get(key, 0)
                    counts[key] = index + 1
                    path = (*name, index)
                else:
                    path = name
                self.lines.setdefault(path, number)
                continue
            key = _KEY.match(raw)
            if key:
                self.lines.setdefault((*path, key.group(1).strip('"')), number)

    def line(self, *path) -> int:
        """The line of the longest known prefix of `path` (1 if nothing matches)."""
        for end in range(len(path), 0, -1):
            found = self.lines.get(tuple(path[:end]))
            if found:
                return found
        return 1
