"""What automated escalation is doing, for the board and the room (issue 5): a channel
that keeps failing is shown, never dropped silently."""

from __future__ import annotations

from collections import Counter

from rich.text import Text
from textual.widgets import Static


def failing_channels(conn) -> list[dict]:
    from console.notify.status import failing_channels as failing  # small; imported on first use
    return failing(conn)


def failing_text(conn) -> str:
    """'⚠ channel hook failing (3×: connection refused)' for each failing channel, or ''."""
    parts = []
    for ch in failing_channels(conn):
        why = (ch.get("last_error") or "").splitlines()[0][:60] if ch.get("last_error") else "error"
        waiting = f", {ch['pending']} waiting" if ch.get("pending") else ""
        parts.append(f"⚠ channel {ch['channel']} failing ({ch['consecutive_failures']}×: {why}{waiting})")
    return " · ".join(parts)


class PagingLine(Static):
    """One line under the room header: pages of this incident by state, failing channels.
    Hidden while there is nothing to say."""

    DEFAULT_CSS = """
    PagingLine { height: auto; padding: 0 1; }
    PagingLine.failing { color: $error; text-style: bold; }
    """

    def show_for(self, conn, incident_id: str) -> None:
        from console.notify.status import incident_paging
        rows = [r for r in incident_paging(conn, incident_id) if r["kind"] == "page"] or \
            incident_paging(conn, incident_id)
        counts = Counter(r["state"] for r in rows)
        failing = failing_text(conn)
        text = Text()
        if counts:
            text.append("Paging: ", "bold")
            text.append(" · ".join(f"{n} {state}" for state, n in sorted(counts.items())))
        if failing:
            if text:
                text.append("   ")
            text.append(failing)
        self.set_class(bool(failing), "failing")
        self.display = bool(text)
        self.update(text)
