"""Drill mode for the console UI: the console app itself (board, declare, room,
matrix, help — unchanged), plus an unmistakable DRILL banner on every screen, the
simulated clock's controls, the injects feed, direct pages, and the scorecard.

The hook into the console app is additive: DrillApp subclasses ConsoleApp and hands it
the drill's service (every declaration tagged) and simulated clock. Nothing in the
console app knows about drills; nothing here re-implements a rule.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Footer, Label, Static

from console.drills import report
from console.drills.session import DrillSession
from console.model.clock import t_text
from console.model.drill.scenario import reflow
from console.model.errors import InputError
from console.model.text import printable
from console.tui.app import ConsoleApp, IncidentChanged
from console.tui.screens.prompts import MODAL_CSS, ChoiceModal, plain
from console.tui.screens.room import export_path

if TYPE_CHECKING:
    from pathlib import Path

    from textual import getters
    from textual.timer import Timer

TICK_SECONDS = 0.25  # how often the simulated clock is moved (real time)


class DrillBanner(Widget):
    """Two lines no one can mistake for a real incident: DRILL, the simulated clock
    and its state, the keys; then the latest thing that arrived."""

    DEFAULT_CSS = """
    DrillBanner { dock: top; height: 2; background: $warning; color: black; text-style: bold; }
    """

    def render(self) -> Text:
        s: DrillSession | None = getattr(self.app, "drill", None)
        if s is None:
            return Text("")
        if s.ended:
            state = f"■ ENDED ({s.ended[1]})"
        elif s.paused:
            state = "⏸ PAUSED"
        elif self.app.screen.is_modal:
            state = "⏸ held while the dialog is open"
        else:
            state = "▶ running"
        line1 = Text(no_wrap=True, overflow="ellipsis")
        line1.append(" ▌DRILL▐ NOT A REAL INCIDENT ", "bold reverse")
        line1.append(printable(f"  {s.scenario.name} · {t_text(s.elapsed)} · ×{s.speed} · {state}"))
        keys = (
            "S scorecard · ctrl+q quit"
            if s.ended
            else "P pause · +/- speed · p page · i injects · E end"
        )
        line1.append(f"   {keys}")
        latest = s.feed[-1] if s.feed else None
        line2 = Text(
            printable(f" {t_text(latest['t'])} {latest['text']}")
            if latest
            else " waiting for the first alert",
            no_wrap=True,
            overflow="ellipsis",
        )
        for line in (line1, line2):
            line.truncate(max(1, self.size.width), overflow="ellipsis", pad=True)
        return Text("\n").join([line1, line2])


class BriefingScreen(ModalScreen[None]):
    """Before the clock starts: what the commander is told, and the opening alert."""

    if TYPE_CHECKING:
        app = getters.app(lambda: DrillApp)

    DEFAULT_CSS = (
        MODAL_CSS.format(name="BriefingScreen")
        + """
    BriefingScreen #body { height: auto; max-height: 24; }
    """
    )
    BINDINGS = [Binding("enter,escape,space", "start", "Start the drill")]

    def compose(self) -> ComposeResult:
        s: DrillSession = self.app.drill
        with Vertical():
            yield Label(plain(f"DRILL · {s.scenario.title}"), classes="title")
            with VerticalScroll(id="body"):  # scenario files are anyone's text
                yield Static(Text(printable(reflow(s.scenario.briefing), multiline=True)))
                yield Static(
                    Text(
                        printable(
                            f"\nOpening alert ({s.scenario.alert.source or 'monitoring'}):\n",
                            multiline=True,
                        ),
                        style="bold",
                    )
                )
                yield Static(Text(printable(s.scenario.alert.text, multiline=True)))
                yield Static(
                    f"\nSimulated clock ×{s.speed}; T+00:00 = {s.t0:%Y-%m-%d %H:%M} UTC. "
                    "Pages go to a drill sink, never to a real channel."
                )
            yield Static(
                "enter starts the clock · declare with n on the board · "
                "P pause · +/- speed · p page a team · i injects · E end",
                classes="hint",
            )

    def action_start(self) -> None:
        self.dismiss(None)


class FeedScreen(ModalScreen[None]):
    """Everything that has arrived so far, oldest first."""

    if TYPE_CHECKING:
        app = getters.app(lambda: DrillApp)

    DEFAULT_CSS = (
        MODAL_CSS.format(name="FeedScreen") + "FeedScreen #feed { height: auto; max-height: 26; }"
    )
    BINDINGS = [Binding("escape,q,i", "close", "Close")]

    def compose(self) -> ComposeResult:
        s: DrillSession = self.app.drill
        table = Table.grid(padding=(0, 1))
        table.add_column(no_wrap=True)
        table.add_column()
        for item in s.feed:
            table.add_row(t_text(item["t"]), plain(item["text"]))
        with Vertical():
            yield Label(
                plain(f"Drill injects so far ({len(s.feed)}) · {s.scenario.title}"), classes="title"
            )
            with VerticalScroll(id="feed"):
                yield Static(table)
            yield Static("escape closes", classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)


class ScorecardScreen(Screen):
    """The end of a drill: each figure against the answer key, the rules and the
    maturity thresholds; e writes it as Markdown."""

    TITLE = "Drill scorecard"
    HELP = "The drill's figures against the model; e exports Markdown."
    DEFAULT_CSS = """
    ScorecardScreen #card { padding: 0 1; }
    ScorecardScreen #headline { text-style: bold; padding: 0 1; height: auto; }
    """
    BINDINGS = [
        Binding("e", "export", "Export", tooltip="write the scorecard as Markdown and say where"),
        Binding(
            "escape,q",
            "back",
            "Back",
            tooltip="look around the drill incident (S shows this again)",
        ),
    ]

    def __init__(self, card: dict):
        super().__init__(id="drill-scorecard")
        self.card = card
        self.exported_to: Path | None = None

    def compose(self) -> ComposeResult:
        card = self.card
        yield Static(plain(report.headline(card)), id="headline")
        table = Table(expand=True, show_edge=False)
        table.add_column("", width=1, no_wrap=True)
        table.add_column("measure", ratio=2)
        table.add_column("this run", ratio=2)
        table.add_column("target", ratio=3)
        for measure, value, target, verdict in report.rows(card):
            style = "green" if verdict == "✔" else "bold red" if verdict == "✘" else ""
            table.add_row(Text(verdict, style=style), plain(measure), plain(value), plain(target))
        with VerticalScroll(id="card"):
            yield Static(table)
            yield Static(Text(printable(report.details(card), multiline=True)))
        yield Footer()

    def action_export(self) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        try:
            path = export_path(f"drill-{self.card['scenario']}-{stamp}")
            path.write_text(report.markdown(self.card), "utf-8")
        except OSError as exc:
            self.app.notify(printable(f"export failed: {exc}"), markup=False, severity="error")
            return
        self.exported_to = path
        self.app.notify(
            printable(f"written to {path}"), markup=False, title="Scorecard exported", timeout=10
        )

    def action_back(self) -> None:
        self.app.pop_screen()


class DrillApp(ConsoleApp):
    """The console in drill mode. Hook: a subclass of ConsoleApp — it adds bindings,
    a banner on each screen, and a timer that moves the drill's simulated clock."""

    TITLE = "Incident Console — DRILL"
    BINDINGS = [
        *ConsoleApp.BINDINGS,  # so the help screen's "Everywhere" still lists them
        Binding(
            "P,f9", "drill_pause", "Pause", tooltip="drill: pause or resume the simulated clock"
        ),
        Binding(
            "plus,f8",
            "drill_faster",
            "Faster",
            show=False,
            tooltip="drill: faster simulated clock (up to 60x)",
        ),
        Binding(
            "minus,f7",
            "drill_slower",
            "Slower",
            show=False,
            tooltip="drill: slower simulated clock",
        ),
        Binding(
            "p", "drill_page", "Page", tooltip="drill: page a team directly (to the drill sink)"
        ),
        Binding(
            "i",
            "drill_feed",
            "Injects",
            show=False,
            tooltip="drill: everything that has arrived so far",
        ),
        Binding("E,f10", "drill_end", "End drill", tooltip="drill: end now and show the scorecard"),
        Binding("S", "drill_scorecard", "Scorecard", tooltip="drill: show the scorecard again"),
    ]
    # what the drill's keys do while it runs; once it has ended only the scorecard is left
    RUNNING_ACTIONS = frozenset(
        ("drill_pause", "drill_faster", "drill_slower", "drill_page", "drill_end")
    )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        drill = getattr(self, "drill", None)
        ended = bool(drill and drill.ended)
        if action in self.RUNNING_ACTIONS and ended:
            return False  # not offered, and the key does nothing
        if action == "drill_scorecard" and not ended:
            return False
        return super().check_action(action, parameters)

    def __init__(
        self,
        session: DrillSession,
        *,
        theme: str | None = None,
        tick_seconds: float | None = TICK_SECONDS,
        briefing: bool = True,
        **app_kw,
    ):
        super().__init__(
            session.service,
            session.clock,
            theme=theme,
            banner=f"DRILL {session.scenario.name}",
            **app_kw,
        )
        self.drill = session
        self.tick_seconds = tick_seconds
        self.show_briefing = briefing
        self._last_tick = time.monotonic()
        self._seen_events = -1
        self._scorecard_shown = False
        self.clock_timer: Timer | None = None  # the real-time timer moving the simulated clock

    # ------------------------------------------------------------ lifecycle
    def on_mount(self) -> None:
        super().on_mount()
        self.screen_change_signal.subscribe(self, self._add_banner)
        self.call_after_refresh(self._add_banner, self.screen)
        self.drill.subscribe(self._drill_changed)
        if self.show_briefing:
            self.drill.paused = True
            self.push_screen(BriefingScreen(), lambda _: self._start_clock())
        if self.tick_seconds:
            self.clock_timer = self.set_interval(self.tick_seconds, self._tick, name="drill-clock")

    def _start_sync(self) -> None:
        """Hook override: a drill never syncs — its events stay on this machine."""

    def _start_clock(self) -> None:
        self.drill.paused = False
        self._last_tick = time.monotonic()
        self._drill_changed()

    def _add_banner(self, screen: Screen) -> None:
        for shown in self.screen_stack:  # a dialog opening or closing holds or frees the clock
            for banner in shown.query(DrillBanner):
                banner.refresh()
        if isinstance(screen, ModalScreen) or screen.query(DrillBanner):
            return
        screen.mount(DrillBanner())

    def _tick(self) -> None:
        now = time.monotonic()
        real, self._last_tick = min(now - self._last_tick, 1.0), now
        self.advance(real)

    def advance(self, real_seconds: float) -> None:
        """Move the simulated clock by real time × speed (the timer calls this). A dialog
        open holds it: at 60× a note typed would otherwise cost the commander minutes."""
        if self.drill.ended or self.drill.paused or self.screen.is_modal:
            return
        try:
            self.drill.advance(real_seconds)
        except InputError as exc:
            self.notify(printable(str(exc)), markup=False, title="Drill", severity="error")

    def _drill_changed(self) -> None:
        """The drill moved: banners, the screen's countdowns, and the incident when
        the escalation engine wrote to it (its commits do not pass through our service)."""
        s = self.drill
        for screen in self.screen_stack:
            for banner in screen.query(DrillBanner):
                banner.refresh()
        if s.incident_id:
            count = s.incident().event_count
            if count != self._seen_events:
                self._seen_events = count
                self.post_message(IncidentChanged(s.incident_id))
        redraw = getattr(self.screen, "redraw", None)
        if callable(redraw) and not self.screen.is_modal:
            redraw()
        if s.ended and not self._scorecard_shown:
            self._scorecard_shown = True
            self.call_later(self.action_drill_scorecard)

    # ------------------------------------------------------------ actions
    def action_drill_pause(self) -> None:
        if self.drill.ended:
            return
        paused = self.drill.toggle_pause()
        self._last_tick = time.monotonic()
        self.notify(
            "simulated clock paused" if paused else f"simulated clock running ×{self.drill.speed}",
            title="Drill",
            timeout=2,
        )

    def action_drill_faster(self) -> None:
        self.notify(f"simulated clock ×{self.drill.faster()}", title="Drill", timeout=2)

    def action_drill_slower(self) -> None:
        self.notify(f"simulated clock ×{self.drill.slower()}", title="Drill", timeout=2)

    def action_drill_feed(self) -> None:
        if not isinstance(self.screen, FeedScreen):
            self.push_screen(FeedScreen())

    def action_drill_page(self) -> None:
        s = self.drill
        if not s.incident_id:
            self.notify(
                "declare the incident first (n on the board); pages go to an incident",
                title="Drill",
                severity="warning",
            )
            return
        org = s.org
        options = []
        for team in org.teams.values():
            person = s.on_call(team.id)
            on_call = org.person_name(person) if person else "nobody (a gap in the schedule)"
            options.append((team.id, f"{team.name} ({team.type}) — on call {on_call}"))

        def chosen(team: str | None) -> None:
            if not team:
                return
            try:
                s.page_team(team)
            except InputError as exc:
                self.notify(printable(str(exc)), markup=False, title="Not paged", severity="error")
                return
            self.notify(
                printable(f"{org.teams[team].name} paged (drill sink)"),
                markup=False,
                title="Drill",
                timeout=4,
            )

        self.push_screen(
            ChoiceModal(
                "Page a team directly (drill sink; the matrix may disagree)",
                options,
                hint=f"enter pages · 1-{len(options)} by number (two digits from 10) "
                "· escape cancels",
            ),
            chosen,
        )

    def action_drill_end(self) -> None:
        if not self.drill.ended:
            self.drill.finish("ended by the commander")
        else:
            self.action_drill_scorecard()

    def action_drill_scorecard(self) -> None:
        card = self.drill.scorecard
        if card is None:
            self.notify("the drill is still running (E ends it)", title="Drill", severity="warning")
            return
        if not isinstance(self.screen, ScorecardScreen):
            self.push_screen(ScorecardScreen(card))


def run_drill_app(session: DrillSession, theme: str | None = None) -> None:
    DrillApp(session, theme=theme).run()
