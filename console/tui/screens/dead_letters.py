"""Sync dead letters: the events the server refused, or sent broken, with why.
`r` puts the refused ones back in the outbox once the cause is fixed."""

from __future__ import annotations

from textual.binding import Binding

from console.tui.format import local_time
from console.tui.screens.modal_list import ModalList, list_css


class DeadLettersScreen(ModalList):
    HELP = "Sync dead letters: what the server refused and why."
    DEFAULT_CSS = list_css("DeadLettersScreen", 110)
    BINDINGS = [
        ModalList.CLOSE,
        Binding(
            "r",
            "retry",
            "Retry",
            tooltip="put the refused events back in the outbox (after fixing the cause)",
        ),
    ]
    TITLE_TEXT = "Sync dead letters"
    HINT = "r retries the refused events · escape closes"
    EMPTY = "No dead letters: every event reached the server."
    COLUMNS = ("when", "incident", "kind", "way", "reason", "event")

    def rows(self) -> list[dict]:
        return self.app.service.dead_letters()

    def cells(self, r: dict) -> tuple:
        return (
            local_time(r["at"], with_date=True, zone=True),
            r["incident_id"] or "—",
            r["kind"] or "—",
            r["direction"],
            r["reason"],
            (r["event_id"] or "—")[:13],
        )

    def action_retry(self) -> None:
        count = self.app.service.retry_dead_letters()
        sync = getattr(self.app, "sync", None)
        if sync is not None and count:
            sync.nudge()  # push them now, not at the next poll
        self.app.notify(
            f"{count} event(s) back in the outbox; the next sync pushes them", timeout=5
        )
        self.reload()
