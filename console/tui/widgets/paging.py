"""What automated escalation is doing, for the board and the room: a channel
that keeps failing is shown, never dropped silently."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from console.model.text import printable
from console.tui.format import local_time


def failing_text(failing: list[dict]) -> str:
    """'⚠ channel hook failing (3×: connection refused)' for each failing channel, or ''."""
    parts = []
    for ch in failing:
        why = (ch.get("last_error") or "").splitlines()[0][:60] if ch.get("last_error") else "error"
        waiting = f", {ch['pending']} waiting" if ch.get("pending") else ""
        parts.append(
            f"⚠ channel {ch['channel']} failing ({ch['consecutive_failures']}×: {why}{waiting})"
        )
    return printable(" · ".join(parts))  # a channel's error is whatever its server said


def target_states(rows: list[dict]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Outbox rows of one incident → [(step, [(target, state)])], in paging order. A target
    paged on several channels is 'delivered' once any delivered; 'failed (retry HH:MM:SS)'
    while every attempt so far failed; 'queued' before the first attempt."""
    by_step: dict[str, dict[str, list[dict]]] = {}
    for r in sorted(rows, key=lambda r: r["created_at"] or ""):
        if r["kind"] == "trigger":
            by_step.setdefault(r["step"] or "?", {}).setdefault(r["target"], []).append(r)
    out = []
    for step, targets in by_step.items():
        states = []
        for target, trows in targets.items():
            got = {r["state"] for r in trows}
            if "delivered" in got:
                state = "delivered"
            elif "queued" in got:
                retrying = [r for r in trows if r["state"] == "queued" and r["attempts"]]
                state = (
                    f"failed (retry {local_time(min(r['next_attempt_at'] for r in retrying), zone=True)})"
                    if retrying
                    else "queued"
                )
            else:
                state = "abandoned"
            states.append((target, state))
        out.append((step, states))
    return out


class PagingLine(Static):
    """One line under the room header: who pages (this console, the server, nobody), per
    target the state of its page, and any failing channel."""

    DEFAULT_CSS = """
    PagingLine { height: auto; padding: 0 1; color: $text-muted; }
    PagingLine.failing { color: $error; text-style: bold; }
    """

    _rows: list[dict] = []
    _failing = ""
    _shown: Text | None = None

    def show_for(self, service, incident_id: str) -> None:
        """Re-read (after a commit or a runner pass): two small indexed reads."""
        self._rows = service.incident_pages(incident_id)
        self._failing = failing_text(service.failing_channels())
        self.refresh_mode()

    def refresh_mode(self) -> None:
        text = Text()
        text.append("Paging: ", "bold")
        steps = target_states(self._rows)
        if steps:
            text.append(
                printable(
                    "   ".join(
                        f"{step} " + ", ".join(f"{target} {state}" for target, state in states)
                        for step, states in steps
                    )
                )
            )
        else:
            mode = getattr(self.app, "paging_mode", "") or "nothing paged"
            text.append(
                printable(
                    f"{mode} — page by hand, space marks a step notified"
                    if mode.lower().startswith("off")
                    else f"{mode} — nothing paged yet"
                )
            )
        if self._failing:
            text.append("\n")
            text.append(self._failing)
        self.set_class(bool(self._failing), "failing")
        if text != self._shown:  # the same words again (a note, a tick) cost no layout
            self._shown = text
            self.update(text)
