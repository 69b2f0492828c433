"""The incident's timeline: every event with local time and actor, newest last."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from console.tui.format import local_time
from console.tui.style import palette

GLYPH = {"note_added": "✎", "declared": "◆", "severity_set": "▲", "status_set": "●", "resolved": "✔",
         "step_ticked": "✓", "step_unticked": "↺", "handoff_offered": "⇄", "handoff_accepted": "⇄",
         "role_assigned": "☺", "service_added": "+", "reopened": "↻"}


class Timeline(Static):
    DEFAULT_CSS = """
    Timeline { height: auto; padding: 0 1; }
    """

    def __init__(self, **kw):
        super().__init__("", **kw)
        self.entries: list = []

    def show(self, entries: list) -> None:
        self.entries = entries
        self.update(self.build())

    def on_mount(self) -> None:
        self.watch(self.app, "theme", lambda _: self.entries and self.update(self.build()), init=False)

    def build(self):
        pal = palette(self.app)
        if not self.entries:
            return Text("no events yet", style=pal.muted)
        table = Table(box=None, show_header=False, pad_edge=False, expand=True)
        table.add_column(no_wrap=True, style=pal.muted)
        table.add_column(no_wrap=True)
        table.add_column(no_wrap=True, max_width=16, overflow="ellipsis")
        table.add_column(ratio=1)
        for e in self.entries:
            text = Text(e.text, style=pal.bold if e.kind == "note_added" else "")
            table.add_row(local_time(e.at), GLYPH.get(e.kind, "·"), e.actor, text)
        return table
