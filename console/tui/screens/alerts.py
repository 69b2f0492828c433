"""Alerts waiting for an incident: groups monitoring sent that neither declared nor
found an open incident on their service. Declaring on that service gathers them at
their next re-send."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from console.alerts.views import waiting
from console.model.text import printable
from console.tui.screens.prompts import MODAL_CSS

if TYPE_CHECKING:
    from textual import getters

    from console.tui.app import ConsoleApp


class WaitingAlertsScreen(ModalScreen[None]):
    if TYPE_CHECKING:
        app = getters.app(ConsoleApp)

    HELP = "Alerts waiting for an incident (unassigned): not severe enough to declare, no open incident on their service."
    DEFAULT_CSS = (
        MODAL_CSS.format(name="WaitingAlertsScreen")
        + """
    WaitingAlertsScreen > Vertical { width: 120; }
    WaitingAlertsScreen VerticalScroll { height: auto; max-height: 24; }
    """
    )
    BINDINGS = [Binding("escape,q", "close", "Close", tooltip="close the list")]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Alerts waiting for an incident", classes="title")
            with VerticalScroll():
                yield Static(id="rows")
            yield Static(
                "declaring an incident on the service gathers them at their next re-send · "
                "escape closes",
                classes="hint",
            )

    def on_mount(self) -> None:
        rows = waiting(self.app.service)
        if not rows:
            self.query_one("#rows", Static).update("No alert is waiting for an incident.")
            return
        table = Table(box=None, expand=True, pad_edge=False)
        for col in ("firing", "alert", "service", "severity", "source", "summary", "updated"):
            table.add_column(col, overflow="fold")
        for g in rows:
            cells = (
                f"{g['firing']}/{g['total']}",
                g["name"] or g["group_key"],
                g["service"] or "unrouted",
                g["severity"] or "—",
                g["source"],
                g["summary"],
                (g["updated_at"] or "")[:19],
            )
            table.add_row(*(Text(printable(str(c))) for c in cells))
        self.query_one("#rows", Static).update(table)

    def action_close(self) -> None:
        self.dismiss(None)
