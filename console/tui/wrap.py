"""Wrapping styled words into lines without ever cutting one: a phone number or a
handle is the one thing a commander must read whole, so it moves to the next line
(and only a word longer than a whole line is folded, never dropped)."""

from __future__ import annotations

from collections.abc import Sequence

Part = tuple[str, object]  # (text, style)


def words(*parts: Part) -> list[Part]:
    """Each part split at spaces; every word keeps its part's style."""
    return [(w, style) for text, style in parts for w in (text or "").split()]


def wrap(items: Sequence[Part], first: int, rest: int) -> list[list[Part]]:
    """Pack words into lines of `first` columns, then `rest` columns; words on a
    line are separated by one space (an unstyled part). A word that does not fit
    a short first line starts on the next one (the first line may stay empty)."""
    lines: list[list[Part]] = [[]]
    used = 0

    def room() -> int:
        return max(1, first if len(lines) == 1 else rest)

    for word, style in items:
        if (used and used + 1 + len(word) > room()) or (
            len(lines) == 1 and not used and len(word) > room() and first < rest
        ):
            lines.append([])
            used = 0
        if used:
            lines[-1].append((" ", None))
            used += 1
        while not used and len(word) > room():  # longer than a whole line: fold
            lines[-1].append((word[: room()], style))
            word = word[room() :]
            lines.append([])
        if word:
            lines[-1].append((word, style))
            used += len(word)
    while len(lines) > 1 and not lines[-1]:
        lines.pop()
    return lines
