"""Text made safe to show: control and escape characters become visible stand-ins.

Titles, notes, actors, names and whatever a sync peer sent may carry terminal escape
sequences, C0/C1 controls or bidi overrides. Shown raw they clear the screen, retitle
the terminal, plant hyperlinks, overwrite a line or reorder what is read. These
functions are for display only: stored text and `--json` output keep the original.

Conventions: a C0 control or DEL becomes its Unicode control picture (ESC → ␛,
BEL → ␇, CR → ␍); a C1 control, bidi control, line/paragraph separator or lone
surrogate becomes a `\\u009b`-style escape; a tab becomes a space; a newline stays
only where the caller allows several lines, otherwise it becomes ␤. Everything else
(accents, CJK, emoji and their joiners) passes through unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

NEWLINE_SYMBOL = "\u2424"  # ␤

# Unicode's Bidi_Control characters: embeddings, overrides, isolates and marks.
BIDI_CONTROLS = frozenset([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])


@cache  # built when first needed: most text has nothing to translate
def _table(multiline: bool) -> dict[int, str]:
    table: dict[int, str] = {c: chr(0x2400 + c) for c in range(0x20)}  # control pictures
    table[0x7F] = "\u2421"  # ␡
    table[ord("\t")] = " "
    if multiline:
        del table[ord("\n")]
    else:
        table[ord("\n")] = NEWLINE_SYMBOL
    others = [*range(0x80, 0xA0), *BIDI_CONTROLS, 0x2028, 0x2029, *range(0xD800, 0xE000)]
    table.update({c: f"\\u{c:04x}" for c in others})
    return table


def printable(text: str, multiline: bool = False) -> str:
    """`text` with every control, escape and bidi character made visible.

    Idempotent, and the identity on text without such characters. With
    multiline=True a newline (or CR LF) is kept as a line break."""
    if not text:
        return text
    # The tables change only characters str.isprintable() refuses (controls, format
    # and separator characters, surrogates), so text without any is already printable.
    if text.isprintable() or (multiline and all(line.isprintable() for line in text.split("\n"))):
        return text
    text = text.replace("\r\n", "\n")
    return text.translate(_table(multiline))


# Characters that can give Markdown structure (table cells, HTML, links) to inline text.
_MARKDOWN = str.maketrans({ch: "\\" + ch for ch in "\\|[]<>"})


def markdown_inline(text: str) -> str:
    """Text for one line of Markdown (a table cell, a heading, a list item): printable,
    on one line, and unable to open a cell, a link or an HTML tag."""
    return printable(text).translate(_MARKDOWN)


def map_strings(value: Any, fn: Callable[[str], str]) -> Any:
    """`value` (dicts, lists, tuples of JSON-like data) with `fn` applied to every
    string it holds; keys and other values are left as they are."""
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, dict):
        return {k: map_strings(v, fn) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(map_strings(v, fn) for v in value)
    return value
