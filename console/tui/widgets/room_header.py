"""The room's header: id, title, severity, status, live elapsed time, roles and
pending handoffs."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from console.model.org import INCIDENT_ROLES
from console.model.text import printable
from console.tui.format import age, local_time, sev_label
from console.tui.style import palette

ROLE_LABELS = {
    "commander": "IC",
    "communications": "comms",
    "operations": "ops",
    "scribe": "scribe",
}


class RoomHeader(Widget):
    DEFAULT_CSS = """
    RoomHeader { height: 4; background: $panel; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, **kw):
        super().__init__(**kw)
        self.inc = None
        self.meaning = ""
        self.now = None
        self._text = Text("")

    def show(self, inc, meaning: str, now) -> None:
        """Redraw only when what it says changes: a tick, a note or a second that does
        not move the elapsed time costs no repaint."""
        self.inc, self.meaning, self.now = inc, meaning, now
        text = self._build()
        if text != self._text:
            self._text = text
            self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._text = self._build()  # a theme changes the colours the text carries

    def render(self) -> Text:
        return self._text

    def _build(self) -> Text:
        inc = self.inc
        if inc is None:
            return Text("")
        pal = palette(self.app)
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append(f"{inc.id}  ", pal.bold)
        out.append(
            f" {sev_label(inc.severity, pal.markers)} ", pal.severity(inc.severity) + pal.bold
        )
        out.append("  ")
        out.append(printable(inc.status.upper()), pal.done if not inc.open else pal.bold)
        if inc.drill:
            out.append(f"  [DRILL {inc.drill}]", pal.due)
        out.append(f"   {printable(inc.title)}", pal.bold)
        out.append("\n")
        since = (self.now - inc.declared_at).total_seconds() if self.now and inc.declared_at else 0
        if inc.open:
            out.append(f"elapsed {age(since)}", pal.bold)  # as the board says it
        else:
            out.append(
                f"resolved {local_time(inc.resolved_at, zone=True)} after "
                f"{age((inc.resolved_at - inc.declared_at).total_seconds())}",
                pal.done,
            )
        out.append(
            f" · declared {local_time(inc.declared_at, zone=True)} by {printable(inc.declared_by or '')}",
            pal.muted,
        )
        out.append(f" · {printable(self.meaning)}", pal.muted)
        out.append("\n")
        out.append(
            printable(
                f"layers {', '.join(inc.layers) or '—'} · services {', '.join(inc.services) or '—'}"
                f" · detection {inc.detection or '—'}"
            ),
            pal.muted,
        )
        out.append("\n")
        for role in INCIDENT_ROLES:
            out.append(f"{ROLE_LABELS[role]} ", pal.muted)
            out.append(printable(inc.roles.get(role) or "—"), pal.bold)
            pending = inc.handoffs.get(role)
            if pending:
                out.append(f" ⇄ {printable(pending['to'])}? ", pal.due)
            out.append("   ")
        if inc.handoffs:
            out.append("(pending handoff: the person named accepts with c)", pal.due)
        return out
