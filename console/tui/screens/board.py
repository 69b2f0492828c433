"""Home: the board of incidents, most severe and most overdue first."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, Static

from console.alerts.views import waiting_count
from console.model.text import printable
from console.tui.board_source import BoardQuery
from console.tui.screens.live import LiveScreen
from console.tui.style import palette
from console.tui.widgets.board_table import BoardTable, header_text, sev_width
from console.tui.widgets.keybar import KeyBar
from console.tui.widgets.paging import failing_text
from console.tui.widgets.topbar import TopBar
from console.tui.widgets.updates_line import UpdatesLine


class BoardHeader(Static):
    DEFAULT_CSS = """
    BoardHeader { height: 1; background: $panel; color: $text-muted; text-style: bold; padding: 0 0; }
    """

    def render(self):
        return header_text(self.size.width, sev_width(palette(self.app).markers))


FILTER_PLACEHOLDER = "filter: id, title, severity, status, layer, service, commander"


class BoardScreen(LiveScreen):
    TITLE = "Board"
    _shown = False  # back on view once already (see back_on_view)
    _updates_due = False  # the updates line has been asked for (see on_board_table_loaded)
    HELP = "Open incidents, most severe and most overdue first. Enter opens the incident room."

    DEFAULT_CSS = """
    BoardScreen #filter-row { height: auto; display: none; }
    BoardScreen #filter-row.shown { display: block; }
    BoardScreen #filter { border: tall $accent; }
    BoardScreen #status.failing { color: $error; text-style: bold; }
    BoardScreen #status { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    """

    BINDINGS = [
        Binding("n", "declare", "Declare", tooltip="declare a new incident"),
        Binding(
            "slash",
            "filter",
            "Filter",
            tooltip="filter as you type (id, title, severity, status, layer, service, commander)",
        ),
        Binding("r", "toggle_resolved", "Resolved", tooltip="show or hide resolved incidents"),
        Binding("m", "matrix", "Matrix", tooltip="the matrix explorer: the whole org model"),
        Binding(
            "o", "oncall", "On call", show=False, tooltip="who is on call now and next, every team"
        ),
        Binding(
            "D",
            "dead_letters",
            "Dead letters",
            show=False,
            tooltip="sync dead letters: events the server refused, and why (r retries)",
        ),
        Binding(
            "A",
            "waiting_alerts",
            "Alerts",
            show=False,
            tooltip="alerts waiting for an incident: monitoring sent them, nobody declared",
        ),
        Binding("escape", "clear_filter", "Clear filter", show=False, tooltip="clear the filter"),
        Binding("q", "app.quit", "Quit", show=False, tooltip="quit the console"),
    ]

    def __init__(self):
        super().__init__(id="board")
        self.include_resolved = False

    def compose(self) -> ComposeResult:
        app = self.app
        yield TopBar(id="topbar")
        # The filter box is mounted when first asked for (`/`): an Input, and its CSS,
        # cost the board's first frame a tenth of what it adds to a bare app.
        yield Horizontal(id="filter-row")
        yield BoardHeader()
        yield BoardTable(
            app.board_source, app.clock, app.service.org.overdue_after_seconds, id="table"
        )
        yield UpdatesLine(id="updates")
        yield Static("", id="status")
        yield KeyBar()

    @property
    def table(self) -> BoardTable:
        return self.query_one(BoardTable)

    def on_mount(self) -> None:
        self.table.set_query(BoardQuery())
        self.table.focus()
        self.start_clock(self.redraw, "board-countdowns")
        self.redraw()
        # The first page is usually read inline: its count goes in the first frame too,
        # instead of a frame later (the table's Loaded message).
        self._status()
        # the reader thread's own Store opens once the first frame is out
        self.set_timer(0.3, self.app.board_source.prewarm)

    # ------------------------------------------------------------ live updates
    def redraw(self) -> None:
        """Once a second: countdowns and ages move; nothing is fetched."""
        self.query_one(TopBar).tick()
        self.table.refresh()
        self.query_one(UpdatesLine).tick(self.app.clock.now())

    def incident_changed(self, incident_id: str) -> None:
        self.changed()

    def reload_data(self) -> None:
        self.table.reload()
        self._updates()
        self._status()  # a runner pass may have found a channel failing (small reads)

    def back_on_view(self) -> None:
        if not self._shown:
            # The board's start (its first resume): on_mount has drawn it, and the
            # status and updates lines follow the table's load.
            self._shown = True
            return
        self._updates()
        self._status()  # dead letters retried, a channel failing: seen on the way back
        self.redraw()

    def on_board_table_loaded(self, message: BoardTable.Loaded) -> None:
        self._status()
        if not self._updates_due:
            # The updates line (hidden unless an update is owed; it reads every open
            # incident's comms) follows the frame that shows the board and its count.
            self._updates_due = True
            self.call_after_refresh(self._updates)

    def _updates(self) -> None:
        """Which open incidents owe a stakeholder update: it reads every open incident's
        comms, on the board's reader thread (the newest read wins)."""
        self._updates_asked += 1
        self.run_worker(
            self._load_updates(self._updates_asked), group="updates", exit_on_error=False
        )

    _updates_asked = 0

    async def _load_updates(self, asked: int) -> None:
        now = self.app.clock.now()
        try:
            due = await self.app.board_source.due_updates(now)
        except Exception as exc:  # noqa: BLE001 - the board stays up; the line says it is stale
            self.app.notify(
                printable(f"stakeholder updates not read: {exc}"), markup=False, severity="warning"
            )
            return
        if asked == self._updates_asked:
            self.query_one(UpdatesLine).show(due, now)

    def _status(self) -> None:
        t = self.table
        if not t.loaded_once:
            return  # Loaded calls again with the count
        what = "incident" if self.include_resolved else "open incident"
        parts = [f"{t.count:,} {what}{'' if t.count == 1 else 's'}"]
        if t.query_.text:
            parts.append(f"filter “{t.query_.text}”")
        parts.append("resolved shown (r hides)" if self.include_resolved else "r shows resolved")
        alerts = waiting_count(self.app.service)
        if alerts:
            parts.append(f"{alerts} alert group{'' if alerts == 1 else 's'} waiting (A lists)")
        dead = self.app.service.dead_letter_count()
        if dead:
            parts.append(f"{dead} sync dead letter{'' if dead == 1 else 's'} (D lists)")
        failing = failing_text(self.app.service.failing_channels())
        if failing:
            parts.append(failing)
        status = self.query_one("#status", Static)
        status.set_class(bool(failing), "failing")
        status.update(Text(printable(" · ".join(parts))))  # a typed filter or a server's error

    # ------------------------------------------------------------ actions
    def on_board_table_open(self, message: BoardTable.Open) -> None:
        self.app.open_incident(message.incident_id)

    def action_declare(self) -> None:
        self.app.action_declare()

    def action_matrix(self) -> None:
        self.app.action_matrix()

    def action_oncall(self) -> None:
        self.app.action_oncall()

    def action_dead_letters(self) -> None:
        from console.tui.screens.dead_letters import DeadLettersScreen

        self.app.push_screen(DeadLettersScreen())

    def action_waiting_alerts(self) -> None:
        from console.tui.screens.alerts import WaitingAlertsScreen

        self.app.push_screen(WaitingAlertsScreen())

    def action_toggle_resolved(self) -> None:
        self.include_resolved = not self.include_resolved
        self.table.set_query(BoardQuery(self.include_resolved, self.table.query_.text))
        self._status()

    async def action_filter(self) -> None:
        row = self.query_one("#filter-row")
        if not row.children:
            await row.mount(Input(placeholder=FILTER_PLACEHOLDER, id="filter"))
        row.add_class("shown")
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        for box in self.query("#filter").results(Input):  # none until `/` is first pressed
            if box.value:
                box.value = ""
        self.query_one("#filter-row").remove_class("shown")
        self.table.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.table.set_query(BoardQuery(self.include_resolved, event.value.strip()))
            self._status()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            if not event.value.strip():
                self.query_one("#filter-row").remove_class("shown")
            self.table.focus()
