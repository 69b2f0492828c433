"""The incident's timeline: every event with local time and actor, newest last.

A Line-API widget: entries are wrapped once into lines (new entries append their
lines, nothing else is redone) and only the lines on screen are drawn, so a long
incident costs the same per key press as a short one. It follows the newest line
unless you have scrolled up.

A wrapped line is kept as a tuple of strings, its segments made only when it is drawn:
the cyclic collector stops tracking such tuples, so the tens of thousands of lines of a
long incident are not walked by each of its full passes (a key press that stalls).
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
PLAIN = Style()
# the style of a line's text: "note" (bold), "muted", anything else plain
Line = tuple[str, str, str, str, str]  # time, mark, actor, text, style; a wrap: indent, "", "", …
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
        self._lines: list[Line] = []
        self._wrapped = 0  # how many entries are in _lines
        self._width = 0

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
        return "\n".join("".join(line[:4]) for line in self._lines)

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
        if width != self._width:
            self._width = width
            self._lines, self._wrapped = [], 0
        for entry in self.entries[self._wrapped :]:
            self._lines.extend(self._wrap(entry, width))
        self._wrapped = len(self.entries)
        if not self.entries:
            self._lines = [("", "", "", "no events yet", "muted")]
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

    def _wrap(self, entry, width: int) -> list[Line]:
        actor = printable(entry.actor)  # actors and texts may come from any console
        actor = actor if len(actor) <= ACTOR_WIDTH else actor[: ACTOR_WIDTH - 1] + "…"
        stamp = f"{local_time(entry.at)}  "
        mark = f"{glyph(entry.kind, entry.text)}  "
        who = f"{actor:<{ACTOR_WIDTH}}  "
        indent = len(stamp) + len(mark) + len(who)
        room = max(10, width - indent)
        text = printable(entry.text)
        chunks = textwrap.wrap(text, room, break_long_words=True, break_on_hyphens=False) or [""]
        style = "note" if entry.kind == "note_added" else ""
        lines = [(stamp, mark, who, chunks[0], style)]
        lines += [(" " * indent, "", "", chunk, style) for chunk in chunks[1:]]
        return lines

    @staticmethod
    def _segments(line: Line, pal) -> list[Segment]:
        stamp, mark, who, text, style = line
        text_style = pal.bold if style == "note" else pal.muted if style == "muted" else PLAIN
        if not mark:  # a wrapped line's continuation (or the empty timeline)
            return [Segment(stamp), Segment(text, text_style)]
        return [
            Segment(stamp, pal.muted),
            Segment(mark),
            Segment(who, pal.muted),
            Segment(text, text_style),
        ]

    def on_resize(self) -> None:
        self._extend()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = int(self.scroll_offset.y) + y
        if self._width != width:
            self.call_later(self._extend)
        if index >= len(self._lines):
            return Strip.blank(width, self._base_style())
        strip = Strip(self._segments(self._lines[index], palette(self.app)))
        return (
            strip.apply_style(self._base_style())
            .extend_cell_length(width, self._base_style())
            .crop(0, width)
        )
