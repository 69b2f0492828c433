"""The board's line for stakeholder updates: which open incidents owe one, soonest
first, each counting down ("next update due in mm:ss"); hidden when none has a cadence."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widget import Widget

from console.tui.style import palette

SHOWN = 4


class UpdatesLine(Widget):
    """Drawn from `due` and `now`: its countdowns move every second by a redraw of this
    one line, not by new content (which would lay the whole screen out again)."""

    DEFAULT_CSS = """
    UpdatesLine { height: 1; padding: 0 1; display: none; }
    UpdatesLine.shown { display: block; }
    """

    due: list[dict] = []
    now: datetime | None = None

    def show(self, due: list[dict], now: datetime) -> None:
        """`due`: CommsDesk.due_updates, read off the event loop."""
        self.due = due
        self.set_class(bool(self.due), "shown")
        self.tick(now)

    def tick(self, now: datetime) -> None:
        self.now = now
        if self.due:
            self.refresh()

    def render(self) -> Text:
        now = self.now
        if not self.due or now is None:
            return Text("")
        # here: the line is filled after the board's first frame, and only then needs it
        from console.model.updates import due_text

        pal = palette(self.app)
        text = Text("Updates: ", pal.bold, no_wrap=True, overflow="ellipsis")
        for i, d in enumerate(self.due[:SHOWN]):
            if i:
                text.append(" · ")
            late = d["due_at"] <= now
            text.append(f"{d['id']} ", pal.bold)
            text.append(due_text(d["due_at"], now), pal.overdue if late else None)
        if len(self.due) > SHOWN:
            text.append(f" · {len(self.due) - SHOWN} more")
        return text
