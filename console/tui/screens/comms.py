"""The room's keys for everyone not at the keyboard: `U` composes a stakeholder update
(drafted from the incident; edit, see who it goes to, send), `D` records a decision,
`Q` asks leadership for one. Each goes through the communications desk, which writes
through the service."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static, TextArea

from console.comms.desk import CommsDesk, Draft
from console.model.clock import iso
from console.model.errors import InputError
from console.model.text import printable
from console.tui.screens.prompts import MODAL_CSS, TextModal, plain


class UpdateComposer(ModalScreen[bool]):
    """The draft in an editor, with who it goes to and when the next one is due."""

    DEFAULT_CSS = (
        MODAL_CSS.format(name="UpdateComposer")
        + """
    UpdateComposer > Vertical { width: 100; }
    UpdateComposer TextArea { height: 14; }
    UpdateComposer .to { color: $text-muted; }
    """
    )
    BINDINGS = [
        Binding("ctrl+s", "send", "Send", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, draft: Draft, send: Callable[[str], object]):
        super().__init__()
        self.draft = draft
        self.send = send

    def compose(self) -> ComposeResult:
        d = self.draft
        with Vertical():
            yield Label(plain(f"Stakeholder update for {d.incident_id}"), classes="title")
            yield TextArea(printable(d.text, multiline=True), id="update-text", soft_wrap=True)
            to = ", ".join(d.channels) or "no stakeholder channel: the timeline only"
            roles = ", ".join(d.roles) or "—"
            nxt = iso(d.next_due_at)[11:16] + " UTC" if d.next_due_at else "no cadence"
            yield Static(
                Text(
                    printable(
                        f"to: {to}\nleadership told: {roles}\nnext update due: {nxt}",
                        multiline=True,
                    )
                ),
                classes="to",
            )
            yield Static("", classes="error", id="update-error")
            yield Label("edit the text · ctrl+s sends · escape cancels", classes="hint")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_send(self) -> None:
        text = self.query_one(TextArea).text
        try:
            self.send(text)
        except InputError as exc:
            self.query_one("#update-error", Static).update(plain(str(exc)))
            return
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class DecisionModal(ModalScreen[bool]):
    """What was decided, who decided, the options considered (one per field, `;` apart)."""

    DEFAULT_CSS = (
        MODAL_CSS.format(name="DecisionModal")
        + """
    DecisionModal Input { margin-bottom: 1; }
    """
    )
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        record: Callable[[str, str, list[str]], object],
        by: str,
        asked: str | None = None,
    ):
        super().__init__()
        self.title_text = title
        self.record = record
        self.by = by
        self.asked = asked

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.title_text), classes="title")
            if self.asked:
                yield Static(plain(f"asked: {self.asked}"))
            yield Input(placeholder="what was decided", id="decision-text")
            yield Input(value=self.by, placeholder="who decided", id="decision-by")
            yield Input(placeholder="options considered, separated by ;", id="decision-options")
            yield Static("", classes="error", id="decision-error")
            yield Label("tab moves · enter records · escape cancels", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = self.query_one("#decision-text", Input).value
        by = self.query_one("#decision-by", Input).value
        options = self.query_one("#decision-options", Input).value.split(";")
        try:
            self.record(text, by, [o for o in options if o.strip()])
        except InputError as exc:
            self.query_one("#decision-error", Static).update(plain(str(exc)))
            return
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class CommsActions:
    """Mixed into the room: needs `service`, `incident_id`, `app`, `_command`."""

    incident_id: str

    def _desk(self) -> CommsDesk:
        return CommsDesk(self.service)  # type: ignore[attr-defined]

    def action_update(self) -> None:
        try:
            draft = self._desk().draft(self.incident_id)
        except InputError as exc:
            self.app.notify(printable(str(exc)), markup=False, severity="error")  # type: ignore[attr-defined]
            return

        def send(text: str) -> None:
            self._command(self._desk().post, self.incident_id, text)  # type: ignore[attr-defined]
            self.app.escalation_due()  # type: ignore[attr-defined]  # send now, not at the next pass

        self.app.push_screen(UpdateComposer(draft, send))  # type: ignore[attr-defined]

    def action_decide(self) -> None:
        desk = self._desk()
        inc = self.service.get(self.incident_id)  # type: ignore[attr-defined]
        pending = desk.state(inc).pending

        def record(text: str, by: str, options: list[str]) -> None:
            self._command(desk.decide, self.incident_id, text, by, options)  # type: ignore[attr-defined]

        self.app.push_screen(  # type: ignore[attr-defined]
            DecisionModal(
                f"Decision for {self.incident_id}",
                record,
                self.service.actor,  # type: ignore[attr-defined]
                pending[-1].question if pending else None,
            )
        )

    def action_request_decision(self) -> None:
        desk = self._desk()
        self.app.push_screen(  # type: ignore[attr-defined]
            TextModal(
                f"Ask leadership to decide ({self.incident_id})",
                lambda text: self._command(desk.request_decision, self.incident_id, text),  # type: ignore[attr-defined]
                placeholder="the question leadership must decide",
                hint="enter asks · the room shows it pending until D records the decision",
            )
        )
