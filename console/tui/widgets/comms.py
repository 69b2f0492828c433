"""Everyone not at the keyboard, in the room: the next stakeholder update counting down,
at SEV1 whether leadership has been reached and whether a decision asked of it is still
pending, and the decision log (newest first)."""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from console.comms.desk import CommsDesk
from console.model.incident import Incident
from console.model.text import printable
from console.model.updates import due_text, leadership_reached
from console.tui.format import countdown, local_time
from console.tui.style import palette

SHOWN = 4  # decisions in the room; export and the postmortem carry them all


class CommsPanel(Static):
    DEFAULT_CSS = """
    CommsPanel {
        height: auto; max-height: 9; padding: 0 1;
        border: round $foreground 30%; border-title-color: $text-muted;
    }
    """

    def on_mount(self) -> None:
        self.border_title = "Updates & decisions  (U update · D decide · Q ask leadership)"
        self.inc: Incident | None = None
        self.desk: CommsDesk | None = None
        self._shown: Text | None = None

    def show(self, desk: CommsDesk, inc: Incident, now: datetime) -> None:
        self.desk, self.inc = desk, inc
        self.tick(now)

    def tick(self, now: datetime) -> None:
        inc, desk = self.inc, self.desk
        if inc is None or desk is None:
            return
        pal = palette(self.app)
        state = desk.state(inc)
        due = desk.next_due(inc)
        text = Text()
        if inc.open:
            text.append(due_text(due, now), pal.overdue if due and due <= now else pal.bold)
        else:
            text.append("resolved: a last update is still welcome (U)")
        last = state.last_update
        if last is not None:
            text.append(
                f"  · last sent {local_time(last.at, zone=True)} by {printable(last.actor)}"
                f" to {', '.join(last.channels) or 'the timeline only'}"
            )
        if inc.severity == "SEV1" and inc.open:
            reached, words = leadership_reached(
                desk.service.org, desk.service.plan(inc, now), inc.severity
            )
            text.append("\n")
            text.append(("✓ " if reached else "⚠ ") + words, pal.done if reached else pal.due)
        for ask in state.pending:
            text.append("\n")
            text.append(
                printable(
                    f"⚠ decision pending {countdown((now - ask.at).total_seconds())} "
                    f"(asked by {ask.actor} of {', '.join(ask.of) or 'leadership'}): {ask.question}"
                ),
                pal.due,
            )
        for d in reversed(state.decisions[-SHOWN:]):
            text.append("\n")
            line = f"◆ {local_time(d.at, zone=True)} {d.by}: {d.text}"
            if d.options:
                line += f"  (considered: {'; '.join(d.options)})"
            text.append(printable(line))
        if text != self._shown:  # the same words again (a note, a tick) cost no layout
            # A countdown's next second keeps the panel's height: a repaint, not a layout
            # of the whole room, each second and on the key press that meets it.
            before = self._fits(self._shown) if self._shown is not None else None
            same_height = before is not None and before == self._fits(text)
            self._shown = text
            self.update(text, layout=not same_height)

    def _fits(self, text: Text) -> int | None:
        """Its number of lines when none of them wraps at the panel's width; else None."""
        width = self.content_region.width
        lines = text.plain.split("\n")
        if width <= 0 or any(cell_len(line) > width for line in lines):
            return None
        return len(lines)
