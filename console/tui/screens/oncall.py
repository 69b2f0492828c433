"""Who is on call for every team: now, until when, and who is next, gaps marked; `t`
takes the selected team's current shift ("I'll take this shift")."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from console.model.errors import InputError
from console.model.folds.oncall import is_oncall
from console.model.text import printable
from console.tui.format import hand_off_time
from console.tui.screens.live import LiveScreen
from console.tui.style import palette
from console.tui.widgets.keybar import KeyBar
from console.tui.widgets.topbar import TopBar

COLUMNS = ("team", "on call now", "until", "then", "from")


class OnCallScreen(LiveScreen):
    TITLE = "On call"
    HELP = "Who holds each team's pager now, until when, and who is next; gaps marked."

    DEFAULT_CSS = """
    OnCallScreen DataTable { height: 1fr; }
    OnCallScreen #oncall-status { height: 1; padding: 0 1; }
    """

    BINDINGS = [
        Binding("escape,q", "back", "Back"),
        Binding(
            "t",
            "take",
            "Take shift",
            tooltip="I'll take this shift: you hold the selected team's pager until it ends",
        ),
        Binding("j", "cursor(1)", "Down", show=False),
        Binding("k", "cursor(-1)", "Up", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield TopBar()
        yield DataTable(cursor_type="row", zebra_stripes=False)
        yield Static("", id="oncall-status")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for name in COLUMNS:
            table.add_column(name, key=name)
        self.reload_data()
        table.focus()
        self.start_clock(self._tick, "oncall-clock")
        self._minute = self.app.service.now().replace(second=0, microsecond=0)

    def _tick(self) -> None:
        self.query_one(TopBar).tick()
        minute = self.app.service.now().replace(second=0, microsecond=0)
        if minute != self._minute:  # a hand-off happens on a minute
            self._minute = minute
            self.reload_data()

    def incident_changed(self, incident_id: str) -> None:
        if is_oncall(incident_id):
            self.changed()

    def reload_data(self) -> None:
        service = self.app.service
        org, now = service.org, service.now()
        pal = palette(self.app)
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        gaps = 0
        for team_id, shift in service.on_call_now(now).items():
            data = shift.to_dict(org)
            gap = shift.person is None
            gaps += gap
            who = Text("GAP — nobody", pal.overdue) if gap else Text(printable(data["person_name"]))
            until = hand_off_time(shift.until, now) if shift.until else "—"
            if shift.stale:
                until += " (calendar stale)"
            then = data["next_name"] or ("—" if shift.until is None else "nobody")
            table.add_row(
                Text(printable(org.teams[team_id].name)),
                who,
                Text(until, pal.overdue if shift.stale else ""),
                Text(printable(then)),
                Text(shift.source, pal.muted),
                key=team_id,
            )
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))
        status = f"{gaps} team(s) with nobody on call" if gaps else "every team has someone"
        self.query_one("#oncall-status", Static).update(
            Text(f"{status} · t takes the selected team's shift (as {service.actor})", pal.muted)
        )

    def action_cursor(self, delta: int) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=table.cursor_row + delta)

    def action_take(self) -> None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return
        team = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        try:
            ev = self.app.service.take_shift(team)
        except InputError as exc:
            self.app.notify(printable(str(exc)), severity="error", timeout=6)
            return
        name = self.app.service.org.teams[team].name
        until = hand_off_time(ev.body["ends_at"], self.app.service.now())
        self.app.notify(f"You hold the {name} pager until {until}", timeout=5)
        self.reload_data()

    def action_back(self) -> None:
        self.app.pop_screen()
