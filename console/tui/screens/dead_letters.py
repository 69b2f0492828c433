"""Sync dead letters: the events the server refused, or sent broken, with why.
`r` puts the refused ones back in the outbox once the cause is fixed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from console.model.text import printable
from console.tui.screens.prompts import MODAL_CSS

if TYPE_CHECKING:
    from textual import getters

    from console.tui.app import ConsoleApp


class DeadLettersScreen(ModalScreen[None]):
    if TYPE_CHECKING:
        app = getters.app(ConsoleApp)

    HELP = "Sync dead letters: what the server refused and why."
    DEFAULT_CSS = (
        MODAL_CSS.format(name="DeadLettersScreen")
        + """
    DeadLettersScreen > Vertical { width: 110; }
    DeadLettersScreen VerticalScroll { height: auto; max-height: 24; }
    """
    )
    BINDINGS = [
        Binding("escape,q", "close", "Close", tooltip="close the list"),
        Binding(
            "r",
            "retry",
            "Retry",
            tooltip="put the refused events back in the outbox (after fixing the cause)",
        ),
    ]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Sync dead letters", classes="title")
            with VerticalScroll():
                yield Static(id="rows")
            yield Static("r retries the refused events · escape closes", classes="hint")

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        rows = self.app.service.dead_letters()
        if not rows:
            self.query_one("#rows", Static).update(
                "No dead letters: every event reached the server."
            )
            return
        table = Table(box=None, expand=True, pad_edge=False)
        for col in ("when", "incident", "kind", "way", "reason", "event"):
            table.add_column(col, overflow="fold")
        for r in rows:
            cells = (
                (r["at"] or "")[:19],
                r["incident_id"] or "—",
                r["kind"] or "—",
                r["direction"],
                r["reason"],
                (r["event_id"] or "—")[:13],
            )
            # A server's words: Text, so neither markup nor a control char is acted on.
            table.add_row(*(Text(printable(str(c))) for c in cells))
        self.query_one("#rows", Static).update(table)

    def action_retry(self) -> None:
        count = self.app.service.retry_dead_letters()
        sync = getattr(self.app, "sync", None)
        if sync is not None and count:
            sync.nudge()  # push them now, not at the next poll
        self.app.notify(
            f"{count} event(s) back in the outbox; the next sync pushes them", timeout=5
        )
        self.reload()

    def action_close(self) -> None:
        self.dismiss(None)
