"""The incident's timeline: every event with local time and actor, newest last.

A Line-API widget: entries are wrapped once into lines (new entries append their
lines, nothing else is redone) and only the lines on screen are drawn, so a long
incident costs the same per key press as a short one. It follows the newest line
unless you have scrolled up.
"""

from __future__ import annotations

import re
import textwrap

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from console.model.text import printable
from console.tui.format import local_time
from console.tui.style import palette

GLYPH = {
    "note_added": "✎",
    "declared": "◆",
    "severity_set": "▲",
    "status_set": "●",
    "resolved": "✔",
    "step_ticked": "✓",
    "step_unticked": "↺",
    "step_waived": "⊘",
    "handoff_offered": "⇄",
    "handoff_accepted": "⇄",
    "role_assigned": "☺",
    "service_added": "+",
    "reopened": "↻",
}
ACTOR_WIDTH = 14
_SEVERITY_CHANGE = re.compile(r"SEV(\d)\D+SEV(\d)")


def glyph(kind: str, text: str) -> str:
    """The mark of a timeline row; a severity change points the way it went (a lower
    number is more severe: SEV1 above SEV3)."""
    if kind == "severity_set":
        m = _SEVERITY_CHANGE.search(text)
        if m and int(m.group(2)) > int(m.group(1)):
            return "▼"
    return GLYPH.get(kind, "·")


class Timeline(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    Timeline {
        height: 1fr; width: 1fr; padding: 0 1; overflow-x: hidden;
        border: round $foreground 30%; border-title-color: $text-muted;
        scrollbar-size-vertical: 1;
    }
    Timeline:focus { border: round $accent; border-title-color: $accent; }
    """
    BINDINGS = [
        Binding("j,down", "scroll_down", "Down", show=False),
        Binding("k,up", "scroll_up", "Up", show=False),
    ]

    def __init__(self, **kw):
        super().__init__(**kw)
        self.entries: list = []
        self._lines: list[list[Segment]] = []
        self._wrapped = 0  # how many entries are in _lines
        self._width = 0
        self._theme_key = None

    _base: object = None

    def _base_style(self):
        """The widget's own colours, looked up once per style change (computing
        rich_style walks every ancestor; render_line runs for every line)."""
        if self._base is None:
            self._base = self.rich_style
        return self._base

    def notify_style_update(self) -> None:
        self._base = None
        super().notify_style_update()

    @property
    def text(self) -> str:
        """Everything on the timeline as plain text (tests, export checks)."""
        return "\n".join("".join(seg.text for seg in line) for line in self._lines)

    def show(self, entries: list) -> None:
        grew = len(entries) > len(self.entries)
        same_prefix = all(  # a row's text may grow (a page's deliveries join its line)
            a.event_id == b.event_id and a.text == b.text
            for a, b in zip(self.entries, entries, strict=False)
        )
        self.entries = list(entries)
        if not same_prefix or len(entries) < self._wrapped:
            self._lines, self._wrapped = [], 0
        self._extend()
        if grew:
            self.anchor()

    def _extend(self) -> None:
        width = self.scrollable_content_region.width or 0
        if width <= 0:
            return
        key = (self.app.theme, id(getattr(self.app, "theme_variables", None)))
        if width != self._width or key != self._theme_key:
            self._width, self._theme_key = width, key
            self._lines, self._wrapped = [], 0
        pal = palette(self.app)
        for entry in self.entries[self._wrapped :]:
            self._lines.extend(self._wrap(entry, width, pal))
        self._wrapped = len(self.entries)
        if not self.entries:
            self._lines = [[Segment("no events yet", pal.muted)]]
        self._set_virtual_height(width, len(self._lines))
        self.refresh()

    def _set_virtual_height(self, width: int, height: int) -> None:
        """Growing by a line must not cost a layout of the whole screen: unless the
        scrollbar appears or goes, update the scroll range in place."""
        size = Size(width, height)
        old = self.virtual_size
        viewport = self.scrollable_content_region.height
        if (
            old.width == width
            and (old.height > viewport) == (height > viewport)
            and self.is_mounted
        ):
            self.set_reactive(ScrollView.virtual_size, size)
            self._scroll_update(size)
        else:
            self.virtual_size = size

    def _wrap(self, entry, width: int, pal) -> list[list[Segment]]:
        actor = printable(entry.actor)  # actors and texts may come from any console
        actor = actor if len(actor) <= ACTOR_WIDTH else actor[: ACTOR_WIDTH - 1] + "…"
        prefix = [
            Segment(f"{local_time(entry.at)}  ", pal.muted),
            Segment(f"{glyph(entry.kind, entry.text)}  "),
            Segment(f"{actor:<{ACTOR_WIDTH}}  ", pal.muted),
        ]
        indent = sum(len(s.text) for s in prefix)
        room = max(10, width - indent)
        text = printable(entry.text)
        chunks = textwrap.wrap(text, room, break_long_words=True, break_on_hyphens=False) or [""]
        style = pal.bold if entry.kind == "note_added" else Style()
        lines = [[*prefix, Segment(chunks[0], style)]]
        lines += [[Segment(" " * indent), Segment(chunk, style)] for chunk in chunks[1:]]
        return lines

    def on_resize(self) -> None:
        self._extend()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = int(self.scroll_offset.y) + y
        if self._width != width or self._theme_key != (
            self.app.theme,
            id(getattr(self.app, "theme_variables", None)),
        ):
            self.call_later(self._extend)
        if index >= len(self._lines):
            return Strip.blank(width, self._base_style())
        strip = Strip(self._lines[index])
        return (
            strip.apply_style(self._base_style())
            .extend_cell_length(width, self._base_style())
            .crop(0, width)
        )
