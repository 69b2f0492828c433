"""The escalation checklist: each step, its targets resolved to people, and a live
countdown (`due_at - now` at every redraw; never a decremented counter)."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region
from textual.reactive import reactive
from textual.widget import Widget

from console.model.escalation import PlannedStep
from console.model.text import printable
from console.tui.format import local_time, sev_label, step_when, truncate
from console.tui.style import palette
from console.tui.wrap import wrap

BOX = {
    "pending": "[ ]",
    "due": "[ ]",
    "overdue": "[!]",
    "notified": "[✓]",
    "acknowledged": "[✓]",
    "waived": "[~]",
    "cancelled": "[-]",
    "skipped": "[-]",
}


def _when(step: PlannedStep, now: datetime) -> str:
    """The countdown column: time to due, or when it was done."""
    state = step.state
    if state == "notified":
        return f"notified {local_time(step.ticks.notified_at, zone=True)}"
    if state == "acknowledged":
        return f"ack'd {local_time(step.ticks.acknowledged_at, zone=True)}"
    if state == "waived":
        return f"waived {local_time(step.ticks.waived_at, zone=True)}"
    return step_when(state, step.seconds_to_due(now))


def _row_key(step: PlannedStep, now: datetime) -> tuple:
    """What a step's lines show (its contacts apart)."""
    return (
        step.key,
        step.severity,
        step.offset_minutes,
        step.state,
        step.open,
        step.derived,
        _when(step, now),
    )


class Checklist(Widget, can_focus=True):
    DEFAULT_CSS = """
    Checklist { height: auto; padding: 0 0; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    BINDINGS = [
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("up,k", "move(-1)", "Up", show=False),
    ]

    cursor = reactive(0, always_update=True)

    def __init__(self, **kw):
        super().__init__(**kw)
        self.steps: list[PlannedStep] = []
        self.contacts: dict[str, list[dict]] = {}
        self.now: datetime | None = None
        self._step_lines: list[tuple[int, int]] = []  # (first line, line count) per step
        self._shown: tuple | None = None  # what the last set_steps drew

    def set_steps(
        self, steps: list[PlannedStep], contacts: dict[str, list[dict]], now: datetime
    ) -> None:
        keys_before = [s.key for s in self.steps]
        selected = self.selected.key if self.selected else None
        self.steps, self.contacts, self.now = steps, contacts, now
        shown = (tuple(_row_key(s, now) for s in steps), dict(contacts), palette(self.app))
        if [s.key for s in steps] != keys_before:
            keys = [s.key for s in steps]
            if selected in keys:
                self.cursor = keys.index(selected)
            else:  # a new plan: start at the first step that still asks something
                self.cursor = next((i for i, s in enumerate(steps) if s.open), 0)
            self.refresh(layout=True)
        elif shown != self._shown:  # a note, or a second no countdown shows, costs no repaint
            self.refresh()
        self._shown = shown

    @property
    def selected(self) -> PlannedStep | None:
        if 0 <= self.cursor < len(self.steps):
            return self.steps[self.cursor]
        return None

    def action_move(self, delta: int) -> None:
        if self.steps:
            self.cursor = max(0, min(len(self.steps) - 1, self.cursor + delta))

    def watch_cursor(self) -> None:
        self.refresh()
        if self._step_lines and 0 <= self.cursor < len(self._step_lines):
            first, count = self._step_lines[self.cursor]
            self.scroll_visible_region(Region(0, first, self.size.width, count))

    def scroll_visible_region(self, region: Region) -> None:
        parent = self.parent
        if parent is not None and hasattr(parent, "scroll_to_region"):
            parent.scroll_to_region(region.translate(self.virtual_region.offset), animate=False)

    def get_content_height(self, container, viewport, width: int) -> int:
        return max(1, len(self.render_text(width).plain.splitlines()))

    def render(self) -> Text:
        return self.render_text(self.size.width)

    def render_text(self, width: int) -> Text:
        pal = palette(self.app)
        out = Text(no_wrap=True, overflow="ellipsis")
        if not self.steps or self.now is None:
            out.append("no escalation steps in this incident's policy", pal.muted)
            self._step_lines = []
            return out
        lines: list[tuple[int, int]] = []
        line_no = 0
        selected = self.cursor if self.has_focus else -1
        for i, step in enumerate(self.steps):
            start = line_no
            when = _when(step, self.now)
            state = step.state
            state_style = {
                "overdue": pal.overdue,
                "due": pal.due,
                "notified": pal.done,
                "acknowledged": pal.done,
                "waived": pal.muted,
                "cancelled": pal.muted,
                "skipped": pal.muted,
            }.get(state)
            head = Text(no_wrap=True)
            head.append("▶ " if i == self.cursor else "  ", pal.bold)
            head.append(BOX[state] + " ", state_style or pal.bold)
            head.append(f"{step.key:<9}", pal.severity(step.severity) + pal.bold)
            head.append(f"{sev_label(step.severity, pal.markers):<10}", pal.severity(step.severity))
            head.append(f"+{step.offset_minutes:<3}min  ", pal.muted)
            # a long zone name widens the column rather than touching the state
            head.append(f"{when:<22}" if len(when) < 22 else f"{when} ", state_style or pal.bold)
            head.append(f"{state.upper():<13}", state_style or pal.muted)
            if step.derived:
                head.append("derived", pal.muted)
            if i == selected:
                head.stylize(pal.cursor)
            out.append_text(head)
            out.append("\n")
            line_no += 1
            for target in self.contacts.get(step.key, []):
                people = [
                    (c.get("person_name") or "(nobody)")
                    + (f" ({c['team_name']})" if c.get("team_name") else "")
                    for c in target["contacts"]
                ] or ["(nobody)"]
                # Who to call is never cut: a name that does not fit goes on the next line.
                items = [
                    (p + ("," if k < len(people) - 1 else ""), None) for k, p in enumerate(people)
                ]
                lead = f"      {target['role']:<20}"
                indent = len(lead) if width - len(lead) >= 24 else 8
                for j, parts in enumerate(wrap(items, width - len(lead), width - indent)):
                    text = (lead if j == 0 else " " * indent) + "".join(t for t, _ in parts)
                    out.append(
                        truncate(printable(text), max(10, width)),
                        pal.muted if not step.open else None,
                    )
                    out.append("\n")
                    line_no += 1
            lines.append((start, line_no - start))
        out.rstrip()
        self._step_lines = lines
        return out

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_click(self, event) -> None:
        for i, (first, count) in enumerate(self._step_lines):
            if first <= event.y < first + count:
                self.cursor = i
                return
