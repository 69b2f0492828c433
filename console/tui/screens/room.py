"""The incident room: where the commander lives during an incident.

Every key here calls the service; the screen redraws from what the service says
(a commit arrives as an IncidentChanged message, and a 1 s timer moves countdowns).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll

from console import config
from console.model.errors import ConsoleError, InputError
from console.model.folds.oncall import is_oncall
from console.model.org import INCIDENT_ROLES, SEVERITIES, STATUSES
from console.model.text import printable
from console.tui.screens.comms import CommsActions
from console.tui.screens.live import LiveScreen
from console.tui.screens.prompts import ChoiceModal, HandoffModal, TextModal
from console.tui.widgets.alerts import AlertsPanel
from console.tui.widgets.checklist import Checklist
from console.tui.widgets.comms import CommsPanel
from console.tui.widgets.keybar import KeyBar
from console.tui.widgets.paging import PagingLine
from console.tui.widgets.responsibility import ResponsibilityPanel
from console.tui.widgets.room_header import RoomHeader
from console.tui.widgets.suggestion import SuggestionPanel
from console.tui.widgets.timeline import Timeline
from console.tui.widgets.topbar import TopBar
from console.zone import label as zone_label

if TYPE_CHECKING:
    from console.model.incident import Incident
    from console.service import IncidentService


class Pane(VerticalScroll):
    """A titled scrolling pane that also scrolls with j/k when focused."""

    DEFAULT_CSS = """
    Pane { border: round $foreground 30%; border-title-color: $text-muted; height: 1fr; }
    Pane:focus-within { border: round $accent; border-title-color: $accent; }
    """
    BINDINGS = [
        Binding("j", "scroll_down", "Down", show=False),
        Binding("k", "scroll_up", "Up", show=False),
    ]


class RoomScreen(CommsActions, LiveScreen):
    TITLE = "Incident room"
    HELP = "One incident: escalation checklist, responsibility, timeline."

    # Below 100 columns the room is one column that scrolls: checklist, then
    # timeline, then responsibility, each at its full height and the full width.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    KEYBAR_KEEP = ("back", "resolve", "export")  # never hidden on a narrow key bar

    DEFAULT_CSS = """
    RoomScreen #body { height: 1fr; overflow-y: hidden; }
    RoomScreen #checklist-pane {
        height: auto; max-height: 45vh; min-height: 6;
        border: round $accent; border-title-color: $accent;
    }
    RoomScreen #lower { height: 1fr; }
    RoomScreen #responsibility-pane { dock: left; width: 62; }
    RoomScreen.-narrow #body { overflow-y: auto; scrollbar-size-vertical: 1; }
    RoomScreen.-narrow #checklist-pane { max-height: 1000; }
    RoomScreen.-narrow #lower { layout: vertical; height: auto; }
    RoomScreen.-narrow #timeline { height: auto; min-height: 5; max-height: 24; }
    RoomScreen.-narrow #responsibility-pane { dock: none; width: 1fr; height: auto; }
    """

    BINDINGS = [
        Binding("escape,q", "back", "Back", tooltip="back to where you came from"),
        Binding("space", "tick", "Notified", tooltip="mark the selected escalation step notified"),
        Binding("a", "ack", "Ack'd", tooltip="mark the selected step acknowledged (they answered)"),
        Binding(
            "x", "untick", "Untick", show=False, tooltip="clear the marks of the selected step"
        ),
        Binding(
            "w",
            "waive",
            "Waive",
            show=False,
            tooltip="waive the selected open step: it need not be done (asks why)",
        ),
        Binding("n", "note", "Note", tooltip="add a note to the timeline"),
        Binding(
            "s", "severity", "Severity", tooltip="change the severity (re-plans the escalation)"
        ),
        Binding("u", "status", "Status", tooltip="set the status (investigating … monitoring)"),
        Binding(
            "h", "handoff", "Handoff", tooltip="offer a role (IC, comms, ops, scribe) to someone"
        ),
        Binding("c", "accept", "Accept", tooltip="accept a handoff offered to you"),
        Binding("o", "assign", "Assign", show=False, tooltip="give a vacant role to someone"),
        Binding(
            "R", "resolve", "Resolve", tooltip="resolve the incident (with an optional summary)"
        ),
        Binding(
            "e", "export", "Export", tooltip="write the Markdown incident document and say where"
        ),
        Binding("m", "matrix", "Matrix", show=False, tooltip="the matrix explorer"),
        Binding(
            "U", "update", "Update", show=False, tooltip="compose a stakeholder update and send it"
        ),
        Binding("D", "decide", "Decide", show=False, tooltip="record a decision"),
        Binding(
            "Q",
            "request_decision",
            "Ask",
            show=False,
            tooltip="ask leadership for a decision (pending until one is recorded)",
        ),
        Binding(
            "y",
            "accept_suggestion",
            "Suggestion",
            show=False,
            tooltip="accept the suggested team: its on-call takes (or is offered) the operations role",
        ),
    ]

    def __init__(self, incident_id: str):
        super().__init__(id=f"room-{incident_id}")
        self.incident_id = incident_id
        self.inc: Incident | None = None
        self.responsibility: dict | None = None
        self._contacts: dict[str, list[dict]] = {}
        self._announced: set[str] | None = None
        self._scope: tuple | None = None
        self._hand_off: datetime | None = None  # the next moment someone's shift ends

    @property
    def service(self) -> IncidentService:
        return self.app.service

    def compose(self) -> ComposeResult:
        yield TopBar(title=f"Incident room {self.incident_id}")
        yield RoomHeader(id="header")
        with VerticalScroll(id="body", can_focus=False):
            yield PagingLine(id="paging")
            yield SuggestionPanel(self.incident_id, hint="y accepts", id="suggestion")
            yield AlertsPanel(id="alerts")
            yield CommsPanel(id="comms")
            with VerticalScroll(id="checklist-pane") as pane:
                pane.border_title = "Escalation  (space notified · a ack'd · x untick)"
                pane.can_focus = False
                yield Checklist(id="checklist")
            with Horizontal(id="lower"):
                timeline = Timeline(id="timeline")
                timeline.border_title = f"Timeline  ({zone_label()} · n adds a note)"
                yield timeline
                with Pane(id="responsibility-pane") as rp:  # docked left when wide
                    rp.border_title = "Responsibility"
                    yield ResponsibilityPanel(id="responsibility")
        yield KeyBar()

    def on_mount(self) -> None:
        self.reload()
        self.query_one(Checklist).focus()
        self.start_clock(self.redraw, "room-countdowns")
        # What the room holds (a long incident's timeline) lives as long as it is open:
        # once drawn, frozen out of the full passes that may fall on its key presses.
        collector = getattr(self.app, "collector", None)
        if collector is not None:
            self.call_after_refresh(collector.collect)

    # ------------------------------------------------------------ data
    def reload(self) -> None:
        """Re-read the incident (after a commit). Responsibility and contacts depend
        on scope and severity, not on time, so they are computed here, once."""
        inc = self.service.get(self.incident_id)
        if self.inc is not None and (inc.last_hlc, inc.event_count) == (
            self.inc.last_hlc,
            self.inc.event_count,
        ):
            return  # already shown (our own command reloaded before its message came)
        self.inc = inc
        self._read_on_call()
        self.query_one(Timeline).show(self.inc.timeline)
        self.query_one(PagingLine).show_for(self.service, self.incident_id)
        self.query_one(AlertsPanel).show(inc)
        self.query_one(CommsPanel).show(self._desk(), inc, self.app.clock.now())
        scope = (tuple(inc.services), tuple(inc.layers))
        if (
            scope != self._scope
        ):  # history's suggestion depends on the scope only (~ms on 100k rows)
            if self._scope is not None:
                self.query_one(SuggestionPanel).reload()
            self._scope = scope
        self._suggestion_hint()
        self.redraw()

    def _read_on_call(self) -> None:
        """Who responds and whom each step pages: whoever is on call now. Asked again
        after each commit and when the next shift hand-off of any team comes."""
        assert self.inc is not None
        now = self.service.now()
        self.responsibility = self.service.responsibility(self.inc, now)
        self._contacts = {}
        self.query_one(ResponsibilityPanel).show(self.responsibility, now)
        ends = [s.until for s in self.service.on_call_now(now).values() if s.until]
        self._hand_off = min(ends, default=None)

    def _suggestion_accepted(self) -> bool:
        """The suggested on-call already holds operations (or has it offered): y is done."""
        s = self.query_one(SuggestionPanel).suggestion
        person = s.get("on_call") if s else None
        inc = self.inc
        return bool(
            person
            and inc
            and (
                inc.roles.get("operations") == person
                or (inc.handoffs.get("operations") or {}).get("to") == person
            )
        )

    def _suggestion_hint(self) -> None:
        panel = self.query_one(SuggestionPanel)
        hint = "accepted" if self._suggestion_accepted() else "y accepts"
        if panel.hint != hint:
            panel.hint = hint
            panel.update(panel.text())

    def redraw(self) -> None:
        """Countdowns: plan against the injected clock now; announce steps that fell due."""
        if self.inc is None:
            return
        if self._hand_off is not None and self.service.now() >= self._hand_off:
            self._read_on_call()  # a shift ended: the next person responds and is paged
            self.query_one(SuggestionPanel).reload()
            self._suggestion_hint()
        now = self.app.clock.now()
        steps = self.service.plan(self.inc, now)
        for step in steps:
            if step.key not in self._contacts:
                self._contacts[step.key] = self.service.step_contacts(self.inc, step)
        self.query_one(Checklist).set_steps(steps, self._contacts, now)
        meaning = self.responsibility["severity_meaning"] if self.responsibility else ""
        self.query_one(RoomHeader).show(self.inc, meaning, now)
        self.query_one(CommsPanel).tick(now)
        self.query_one(TopBar).tick()
        self._announce(steps)

    def _announce(self, steps) -> None:
        falling = {s.key for s in steps if s.state in ("due", "overdue")}
        if self._announced is None:  # what was already due when the room opened is not news
            self._announced = falling
            return
        fresh = [s for s in steps if s.key in falling - self._announced]
        self._announced |= falling
        if fresh:
            self.app.escalation_due()  # page now, not at the runner's next pass
        for step in fresh:
            who = ", ".join(step.targets)
            self.app.notify(
                printable(f"{self.incident_id}: step {step.key} is due — notify {who}"),
                markup=False,
                title="Escalation due",
                severity="warning",
                timeout=8,
            )
            self.app.bell()

    def incident_changed(self, incident_id: str) -> None:
        if incident_id == self.incident_id or is_oncall(incident_id):
            self.changed()  # an override changes whom the room shows

    def reload_data(self) -> None:
        self.reload()

    def back_on_view(self) -> None:
        self.redraw()

    # ------------------------------------------------------------ actions
    def _command(self, fn, *args, **kw):
        """Run a service command and show its result in this same frame (the commit's
        IncidentChanged message, which follows, then finds nothing new)."""
        result = fn(*args, **kw)
        self.reload()
        return result

    def _do(self, fn, *args, **kw) -> bool:
        try:
            self._command(fn, *args, **kw)
        except InputError as exc:
            self.app.notify(
                printable(str(exc)), markup=False, title="Not done", severity="error", timeout=6
            )
            return False
        except ConsoleError as exc:
            self.app.notify(
                printable(str(exc)), markup=False, title="Failed", severity="error", timeout=10
            )
            return False
        return True

    def _step(self):
        step = self.query_one(Checklist).selected
        if step is None:
            self.app.notify("no step selected", severity="warning")
        return step

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_tick(self) -> None:
        step = self._step()
        if step:
            self._do(self.service.tick, self.incident_id, step.key)

    def action_ack(self) -> None:
        step = self._step()
        if step and self._do(self.service.tick, self.incident_id, step.key, ack=True):
            checklist = self.query_one(Checklist)  # done with it: on to the next open step
            following = [
                i for i, s in enumerate(checklist.steps) if s.open and i > checklist.cursor
            ]
            if following:
                checklist.cursor = following[0]

    def action_untick(self) -> None:
        step = self._step()
        if step:
            self._do(self.service.untick, self.incident_id, step.key)

    def action_waive(self) -> None:
        step = self._step()
        if step is None:
            return
        if not step.open:
            self.app.notify(f"{step.key} is {step.state}; only an open step can be waived")
            return
        key = step.key
        self.app.push_screen(
            TextModal(
                f"Waive {key} of {self.incident_id}",
                lambda text: self._command(self.service.waive, self.incident_id, key, text),
                placeholder="why it need not be done (on the timeline)",
                hint="enter waives · escape cancels",
            )
        )

    def action_note(self) -> None:
        self.app.push_screen(
            TextModal(
                f"Note for {self.incident_id}",
                lambda text: self._command(self.service.note, self.incident_id, text),
                placeholder="what happened, what you decided, what you are waiting for",
            )
        )

    def action_severity(self) -> None:
        org = self.service.org
        options = [
            (s, f"{s}  {org.severities[s].meaning}") for s in SEVERITIES if s in org.severities
        ]

        def chosen(value: str | None) -> None:
            if value:
                self._do(self.service.set_severity, self.incident_id, value)

        self.app.push_screen(
            ChoiceModal(
                f"Severity of {self.incident_id} (re-plans escalation)",
                options,
                self.inc.severity if self.inc else None,
            ),
            chosen,
        )

    def action_status(self) -> None:
        options = [(s, s) for s in STATUSES if s != "resolved"]

        def chosen(value: str | None) -> None:
            if value:
                self._do(self.service.set_status, self.incident_id, value)

        self.app.push_screen(
            ChoiceModal(
                f"Status of {self.incident_id} (R resolves)",
                options,
                self.inc.status if self.inc else None,
            ),
            chosen,
        )

    def _roles(self) -> list[tuple[str, str]]:
        roles = self.inc.roles if self.inc else {}
        return [(r, f"{r:<15} {roles.get(r) or '— vacant'}") for r in INCIDENT_ROLES]

    def _people(self) -> list[str]:
        return sorted(self.service.org.people)

    def action_handoff(self) -> None:
        self.app.push_screen(
            HandoffModal(
                f"Hand off a role of {self.incident_id}",
                self._roles(),
                self._people(),
                lambda role, person: self._command(
                    self.service.handoff, self.incident_id, role, person
                ),
                "pick the role (enter), type who takes it, enter offers it · they accept with c · escape cancels",
            )
        )

    def action_assign(self) -> None:
        self.app.push_screen(
            HandoffModal(
                f"Assign a vacant role of {self.incident_id}",
                self._roles(),
                self._people(),
                lambda role, person: self._command(
                    self.service.assign, self.incident_id, role, person
                ),
                "pick the role (enter), type who holds it, enter assigns · escape cancels",
            )
        )

    def action_accept(self) -> None:
        pending = sorted((self.inc.handoffs if self.inc else {}).items())
        mine = [role for role, offer in pending if offer["to"] == self.service.actor]
        if len(mine) == 1 or (not mine and len(pending) == 1):
            self._accept_as((mine or [pending[0][0]])[0])
        elif not pending:
            self.app.notify(f"{self.incident_id}: no pending handoff", severity="warning")
        else:
            options = [
                (role, f"{role} (offered to {offer['to']}; accept as them)")
                for role, offer in pending
            ]

            def accept(role: str | None) -> None:
                if role:
                    self._accept_as(role)

            self.app.push_screen(ChoiceModal("Accept which handoff?", options), accept)

    def _accept_as(self, role: str) -> None:
        """Accept a handoff; one offered to someone else is accepted in their name, at
        this shared terminal, only after an explicit yes."""
        offer = (self.inc.handoffs if self.inc else {}).get(role)
        me = self.service.actor
        if offer is None or offer["to"] == me:
            self._do(self.service.accept, self.incident_id, role)
            return
        holder = offer["to"]

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._do(self.service.accept, self.incident_id, role, as_holder=holder)

        from console.tui.screens.confirm import ConfirmModal

        self.app.push_screen(
            ConfirmModal(
                f"Accept {role} of {self.incident_id} as {holder}?",
                [
                    f"Only with {holder} here at this terminal, taking {role} now.",
                    f"Recorded as accepted by {holder}, confirmed at this console by {me}.",
                ],
                hint=f"y accepts as {holder} · n cancels (from their own console: c there)",
            ),
            confirmed,
        )

    def action_resolve(self) -> None:
        try:
            warnings = self.service.resolve_warnings(self.incident_id)
        except InputError as exc:
            self.app.notify(str(exc), title="Not done", severity="error", markup=False)
            return
        hint = (
            "tab moves · space ticks the box · enter resolves · escape cancels"
            " (r in the board shows resolved incidents)"
        )
        if warnings:  # said before, not after: the commander may tick or wait first
            hint = "\n".join(f"⚠ {escape(printable(w))}" for w in warnings) + "\n" + hint
        from console.tui.screens.resolve import ResolveModal

        org = self.service.org
        defaults = self.service.resolve_defaults(self.incident_id)

        def resolve(summary: str, cause: str | None, team: str | None, prevented: bool):
            return self._command(
                self.service.resolve,
                self.incident_id,
                summary,
                cause_service=cause,
                resolved_by_team=team,
                prevented=prevented,
            )

        self.app.push_screen(
            ResolveModal(
                f"Resolve {self.incident_id}",
                resolve,
                services=sorted(org.services),
                teams=sorted(org.teams),
                cause=defaults["cause_service"],
                team=defaults["resolved_by_team"],
                hint=hint,
            )
        )

    def action_export(self) -> None:
        from console.export import markdown

        try:
            view = self.service.view(self.incident_id)
            # over, it is the postmortem draft `export` writes; open, the living document
            analysis = None if view["open"] else self.service.postmortem(view["id"])
            text = markdown(view, analysis)
            path = export_path(self.incident_id)
            path.write_text(text, "utf-8")
        except (InputError, OSError) as exc:
            self.app.notify(printable(f"export failed: {exc}"), markup=False, severity="error")
            return
        self.app.notify(
            printable(f"written to {path}"),
            markup=False,
            title=f"{self.incident_id} exported",
            timeout=10,
        )

    def action_accept_suggestion(self) -> None:
        panel = self.query_one(SuggestionPanel)
        if not panel.suggestion or not panel.suggestion.get("team"):
            self.app.notify(
                "no suggestion: not enough history for this service or layer", timeout=4
            )
            return
        if self._suggestion_accepted():
            self.app.notify(
                printable(f"already accepted: {panel.suggestion['team_name']} has operations"),
                markup=False,
                timeout=4,
            )
            return
        try:
            panel.accept()
        except (InputError, ConsoleError) as exc:
            self.app.notify(printable(str(exc)), markup=False, severity="error")
            return
        self.reload()
        self.app.notify(
            printable(f"{panel.suggestion['team_name']} takes operations"),
            markup=False,
            title="Suggestion accepted",
            timeout=5,
        )

    def action_matrix(self) -> None:
        self.app.action_matrix()


def export_path(incident_id: str) -> Path:
    """The current directory if we may write there, else the data directory."""
    name = f"{incident_id}.md"
    cwd = Path.cwd()
    try:
        probe = cwd / f".{name}.probe"
        probe.write_text("", "utf-8")
        probe.unlink()
        return cwd / name
    except OSError:
        folder = config.data_dir() / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name
