"""The console app: screens over one IncidentService and one injected Clock.

Commits through this app's service reach the screens as a message (service.subscribe ->
IncidentChanged). Commits by any other connection (another process, the runner's or sync's
own Store) are noticed by a once-a-second `PRAGMA data_version` check and become the same
message. A 1 s timer per visible screen moves the countdowns.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterable

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen

from console import config
from console.model.text import printable
from console.tui.board_source import BoardSource
from console.tui.collector import RestingCollector
from console.tui.pacing import HistoryPacer
from console.tui.palette import ConsoleCommands
from console.tui.screens.board import BoardScreen
from console.tui.textual_fixes import release_styles_caches
from console.tui.themes import (
    DEFAULT_THEME,
    NO_COLOR_THEME,
    TEXT_MARKERS,
    VARIABLE_DEFAULTS,
    load_themes,
)

release_styles_caches()  # before any widget draws: see the module


class IncidentChanged(Message):
    """An incident's events changed (a local command or a pulled remote event)."""

    def __init__(self, incident_id: str):
        super().__init__()
        self.incident_id = incident_id


class IncidentsChanged(Message):
    """Several incidents changed at once (a pulled page, another process's commits)."""

    def __init__(self, incident_ids: tuple[str, ...]):
        super().__init__()
        self.incident_ids = incident_ids


class WakeRunner(Message):
    """A local commit: the escalation runner should look again."""


class SyncStatusChanged(Message):
    """Background sync state (connected/offline/error, outbox, last sync)."""

    def __init__(self, status):
        super().__init__()
        self.status = status


class ConsoleApp(App):
    TITLE = "Incident Console"
    HELP = "Keys that work on every screen."

    # A dialog dims what is under it but never hides it: the room's countdowns stay
    # readable while a note is typed.
    CSS = """
    Screen { background: $background; }
    ModalScreen { background: $background 45%; }
    Footer { background: $panel; }
    """

    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True, tooltip="quit the console from anywhere"),
        Binding("question_mark", "help", "Help", tooltip="this list of every key"),
        Binding(
            "ctrl+t",
            "cycle_theme",
            "Theme",
            tooltip="next theme (war room, projector, high contrast); remembered",
        ),
        Binding(
            "M", "metrics", "Metrics", tooltip="metrics & maturity: what the incident history says"
        ),
    ]

    COMMANDS = App.COMMANDS | {ConsoleCommands}

    def __init__(
        self,
        service,
        clock=None,
        *,
        theme: str | None = None,
        persist_theme: bool = True,
        banner: str = "",
        board_source: BoardSource | None = None,
        escalation: bool = False,
        runner_factory=None,
    ):
        super().__init__()
        self.escalation = escalation  # run the paging runner here (the CLI asks; tests opt in)
        # (db_path, org, clock, on_pass) -> an unstarted BackgroundRunner; tests inject one
        self.runner_factory = runner_factory
        # What the room's paging line says about who pages.
        self.paging_mode = "automated escalation starting" if escalation else "off in this console"
        self.service = service
        self.clock = clock or service.clock
        self.banner = banner
        self.persist_theme = persist_theme
        self.board_source = board_source or BoardSource(service)
        self.console_themes, self.theme_problems = load_themes(config.config_dir() / "themes")
        for ct in self.console_themes.values():
            self.register_theme(ct.theme)
        wanted = (
            theme
            or config.user_settings().get("theme")
            or (NO_COLOR_THEME if self.no_color else DEFAULT_THEME)
        )
        if wanted not in self.console_themes:
            if theme:
                self.theme_problems.append(f"unknown theme {wanted!r}; using {DEFAULT_THEME}")
            wanted = (
                DEFAULT_THEME
                if DEFAULT_THEME in self.console_themes
                else next(iter(self.console_themes))
            )
        self.theme = wanted
        self._unsubscribe = None
        # While a joining console's history arrives, screens reload about once a second.
        self.pacer = HistoryPacer(
            self._deliver_changes, lambda seconds, callback: self.set_timer(seconds, callback)
        )

    # ------------------------------------------------------------ lifecycle
    def get_default_screen(self) -> Screen:
        return BoardScreen()

    def on_mount(self) -> None:
        self._unsubscribe = self.service.subscribe(self._committed)
        self._watcher = self.service.watch()
        self.set_interval(1.0, self.poll_database, name="database-watch")
        # The board's first frame comes first: sync and the escalation runner (each
        # imports its own modules, on threads that would compete for the interpreter)
        # start once it is on screen.
        self.call_after_refresh(self._after_first_frame)
        for problem in self.theme_problems:
            self.notify(
                printable(problem),
                markup=False,
                title="Theme file skipped",
                severity="warning",
                timeout=12,
            )

    def _after_first_frame(self) -> None:
        # What start-up built lives as long as the app: keep it out of the cyclic GC's
        # full passes, which otherwise stall a key press now and then. (The CLI turns
        # the collector off while the console starts; tests run many apps in one
        # process: no freezing there.)
        if not self.is_headless:
            gc.freeze()
            self.collector = RestingCollector()
            self.set_interval(0.5, self.collector.rested, name="resting-collector")
        gc.enable()
        # Commits here are key presses: the WAL checkpoint runs on a thread instead.
        self._checkpoint = self.service.checkpoints_elsewhere()
        self.set_interval(2.0, self._start_checkpoint, name="wal-checkpoint")
        if not self._sync_stopped:
            self._start_sync()
        if self.escalation and not self._escalation_stopped:
            self._start_escalation()

    # The collector's full passes wait for the keyboard to rest (console/tui/collector.py);
    # headless (tests run many apps in one process) they keep their own schedule.
    collector: RestingCollector | None = None

    async def on_event(self, event: events.Event) -> None:
        if self.collector is not None and isinstance(event, events.InputEvent):
            self.collector.input()
        # A key (or click) is answered in Python on this thread: a history being pulled
        # stands aside until the answer is on screen rather than take half of the
        # interpreter from it.
        if (
            isinstance(event, events.Key | events.MouseDown | events.Paste)
            and not event.is_forwarded  # (a key bubbles back up here once handled)
            and self.sync
        ):
            self.sync.give_way()
            self.call_after_refresh(self.sync.carry_on)
        await super().on_event(event)

    def _start_checkpoint(self) -> None:
        if not any(w.group == "wal-checkpoint" and not w.is_finished for w in self.workers):
            self.run_worker(
                self._checkpoint, thread=True, group="wal-checkpoint", exit_on_error=False
            )

    def on_unmount(self) -> None:
        self._stop_sync()
        self._stop_escalation()
        if self._unsubscribe:
            self._unsubscribe()
            self._unsubscribe = None
        self.board_source.close()

    def shows(self, screen: Screen) -> bool:
        """Is `screen` on view: the top screen, or the one right under a modal?
        (Textual's Screen.is_current also counts any screen under an opaque one.)"""
        stack = self.screen_stack
        if stack and stack[-1] is screen:
            return True
        return len(stack) > 1 and stack[-1].is_modal and stack[-2] is screen

    def _committed(self, incident_id: str) -> None:
        # Called by the service after a commit, possibly from another thread:
        # post_message is thread-safe and turns it into a message on our loop.
        self.post_message(IncidentChanged(incident_id))
        if self.escalation_runner is not None:
            # A tick or severity change may page at once: the runner's pass starts once
            # the change is on screen, so it does not compete with drawing it.
            self.post_message(WakeRunner())

    def on_wake_runner(self, message: WakeRunner) -> None:
        self.call_after_refresh(self.escalation_due)

    def poll_database(self) -> None:
        """Once a second: did another connection commit events? Costs one pragma when not."""
        change = self._watcher.poll()
        if change is None:
            return
        self.post_message(IncidentsChanged(change.incidents))
        # Someone other than a runner ticked, declared or changed severity: page now. (A
        # runner's own events need no second pass; waking on them would loop.)
        if self.escalation_runner is not None:
            from console.model.paging.decide import BOT  # loaded with the runner already

            if change.actors - {BOT}:
                self.escalation_runner.wake()

    def on_incidents_changed(self, message: IncidentsChanged) -> None:
        self.pacer.changed(message.incident_ids)

    def _deliver_changes(self, incident_ids: tuple[str, ...]) -> None:
        for stack_screen in self.screen_stack:
            burst = getattr(stack_screen, "incidents_changed", None)
            if burst:
                burst(incident_ids)
                continue
            changed = getattr(stack_screen, "incident_changed", None)
            if changed:
                for incident_id in incident_ids:
                    changed(incident_id)

    def on_incident_changed(self, message: IncidentChanged) -> None:
        for stack_screen in self.screen_stack:
            changed = getattr(stack_screen, "incident_changed", None)
            if changed:
                changed(message.incident_id)

    # ------------------------------------------------------------ sync
    # When a remote is configured, console.sync.worker syncs in background threads
    # (own Store each); its state goes to the top bar via the banner, pulled changes arrive as
    # IncidentChanged. Local only (no remote): nothing starts.
    sync = None
    _sync_stopped = False

    def _start_sync(self) -> None:
        # Only when a remote is configured; the client (httpx) is imported on a
        # thread so a local-only start, and the event loop, never pay for it.
        self._base_banner = self.banner
        if self.service.sync_remote():
            if "console.sync.worker" in sys.modules:  # already loaded: nothing to wait for
                self._start_sync_now()
            else:
                self.run_worker(self._start_sync_worker(), group="sync-start", exit_on_error=False)

    async def _start_sync_worker(self) -> None:
        import asyncio
        import importlib

        await asyncio.get_running_loop().run_in_executor(
            None, importlib.import_module, "console.sync.worker"
        )
        self._start_sync_now()

    def _start_sync_now(self) -> None:
        from console.sync.worker import SyncStatus, start_for

        if self._sync_stopped:
            return

        def on_status(status: SyncStatus) -> None:
            self.post_message(SyncStatusChanged(status))

        def on_change(ids: list[str]) -> None:
            self.post_message(IncidentsChanged(tuple(ids)))

        self.sync = start_for(self.service, on_status=on_status, on_change=on_change)

    def _stop_sync(self) -> None:
        self._sync_stopped = True
        if self.sync is not None:
            self.sync.stop()
            self.sync = None

    def on_sync_status_changed(self, message: SyncStatusChanged) -> None:
        self.pacer.history(message.status.history is not None)
        self.banner = " · ".join(x for x in (self._base_banner, message.status.text()) if x)
        from console.tui.widgets.topbar import TopBar

        for stack_screen in self.screen_stack:
            for bar in stack_screen.query(TopBar):
                bar.refresh()

    # ------------------------------------------------------------ escalation: a
    # local-only console pages due steps itself through the org's [[channels]]. The runner owns
    # its own Store in its own thread; its passes reach the screens as IncidentChanged.
    escalation_runner = None
    _escalation_stopped = False

    def _start_escalation(self) -> None:
        self.run_worker(
            self._start_escalation_worker(), group="escalation-start", exit_on_error=False
        )

    async def _start_escalation_worker(self) -> None:
        import asyncio
        import importlib

        runner_module = await asyncio.get_running_loop().run_in_executor(
            None, importlib.import_module, "console.notify.runner"
        )
        if self._escalation_stopped:
            return
        service = self.service
        if not runner_module.local_runner_wanted(
            service
        ):  # a synced console leaves paging to `serve`
            self._set_paging_mode(
                "automated by the sync server"
                if service.setting("sync.remote")
                else "off (notify.local_runner = off)"
            )
            return
        factory = self.runner_factory or runner_module.BackgroundRunner
        try:
            runner = factory(
                service.path, self.service.org, self.clock, on_pass=self._escalation_pass
            )
        except Exception as exc:  # noqa: BLE001 - a broken [[channels]] must not stop the console
            self._set_paging_mode(f"OFF: {exc}")
            self.notify(
                printable(f"automated escalation is off: {exc}"),
                markup=False,
                title="Escalation",
                severity="error",
                timeout=15,
            )
            return
        channels = sorted(runner.config.channels) if getattr(runner, "config", None) else []
        self._set_paging_mode(
            f"automated via {', '.join(channels)}"
            if channels
            else "off: no [[channels]] in the org"
        )
        self.escalation_runner = runner.start()

    def _set_paging_mode(self, mode: str) -> None:
        from console.tui.widgets.paging import PagingLine

        self.paging_mode = mode
        for stack_screen in self.screen_stack:
            for line in stack_screen.query(PagingLine):
                line.refresh_mode()

    def escalation_due(self) -> None:
        """A step fell due on screen: page now rather than at the runner's next interval."""
        if self.escalation_runner is not None:
            self.escalation_runner.wake()

    def _escalation_pass(self, report) -> None:
        # Runner thread: post_message is thread-safe.
        for incident_id in report.touched():
            self.post_message(IncidentChanged(incident_id))

    def _stop_escalation(self) -> None:
        self._escalation_stopped = True
        if self.escalation_runner is not None:
            self.escalation_runner.stop()
            self.escalation_runner = None

    # ------------------------------------------------------------ themes
    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def severity_markers(self) -> dict[str, str]:
        """Glyphs before each SEV. Under NO_COLOR every theme uses the text markers."""
        ct = self.console_themes.get(self.theme)
        if self.no_color or ct is None or not ct.markers:
            return dict(TEXT_MARKERS)
        return dict(ct.markers)

    def set_console_theme(self, name: str) -> None:
        if name not in self.console_themes:
            self.notify(f"unknown theme {name!r}", severity="error")
            return
        self.theme = name
        if self.persist_theme:
            try:
                config.save_user_setting("theme", name)
            except OSError as exc:
                self.notify(printable(f"theme not saved: {exc}"), markup=False, severity="warning")
        self.notify(f"theme: {self.console_themes[name].label}", timeout=2)

    def action_cycle_theme(self) -> None:
        names = list(self.console_themes)
        i = names.index(self.theme) if self.theme in names else -1
        self.set_console_theme(names[(i + 1) % len(names)])

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # Textual's own theme picker lists its built-in themes too; ours lists ours.
        for command in super().get_system_commands(screen):
            if command.title != "Theme":
                yield command

    # ------------------------------------------------------------ leaving
    async def action_quit(self) -> None:
        """Asks first when quitting would stop paging or strand unsynced changes;
        the quit key pressed again while it asks leaves."""
        from console.tui.screens.quit import QuitModal, quit_reasons

        if isinstance(self.screen, QuitModal):
            self.exit()
            return
        reasons = quit_reasons(self)
        if not reasons:
            self.exit()
            return
        self.push_screen(QuitModal(reasons), lambda leave: self.exit() if leave else None)

    # ------------------------------------------------------------ navigation
    # Screens other than the board are imported when first opened: start-up only
    # pays for the board.
    def open_incident(self, incident_id: str) -> None:
        from console.tui.screens.room import RoomScreen

        screen = self.screen
        if isinstance(screen, RoomScreen) and screen.incident_id == incident_id:
            return
        self.push_screen(RoomScreen(incident_id))

    def action_declare(self) -> None:
        from console.tui.screens.declare import DeclareScreen

        def declared(incident_id: str | None) -> None:
            if incident_id:
                self.open_incident(incident_id)

        self.push_screen(DeclareScreen(), declared)

    def action_board(self) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()

    def action_matrix(self) -> None:
        from console.tui.screens.matrix import MatrixScreen

        if not isinstance(self.screen, MatrixScreen):
            self.push_screen(MatrixScreen())

    def action_oncall(self) -> None:
        from console.tui.screens.oncall import OnCallScreen

        if not isinstance(self.screen, OnCallScreen):
            self.push_screen(OnCallScreen())

    def action_metrics(self) -> None:
        # the metrics screen module is the only one that loads the plotting library
        from console.tui.screens.metrics import MetricsScreen

        if not isinstance(self.screen, MetricsScreen):
            self.push_screen(MetricsScreen())

    def action_help(self) -> None:
        from console.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())
