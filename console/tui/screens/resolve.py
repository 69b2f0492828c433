"""Resolving an incident records what the metrics need to judge it: the summary, the
cause service (with completion), the resolving team (pre-filled from the matrix) and
whether it was prevented or a near miss. A refusal is shown inline; nothing typed is
lost."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Checkbox, Input, Label, Static

from console.model.errors import InputError
from console.tui.screens.prompts import MODAL_CSS, plain

Apply = Callable[[str, str | None, str | None, bool], object]


class ResolveModal(ModalScreen[bool]):
    DEFAULT_CSS = (
        MODAL_CSS.format(name="ResolveModal")
        + """
    ResolveModal .field { color: $text-muted; margin-top: 1; }
    ResolveModal Checkbox { margin-top: 1; }
    """
    )
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        apply: Apply,
        services: Sequence[str],
        teams: Sequence[str],
        cause: str | None = None,
        team: str | None = None,
        hint: str = "tab moves · space ticks the box · enter resolves · escape cancels",
    ):
        super().__init__()
        self.title_text = title
        self.apply = apply
        self.services = list(services)
        self.teams = list(teams)
        self.cause = cause or ""
        self.team = team or ""
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.title_text), classes="title")
            yield Input(placeholder="summary (optional): what fixed it", id="summary")
            yield Label("Cause service (→ accepts a completion)", classes="field")
            yield Input(
                value=self.cause,
                placeholder="the service at fault, if known",
                id="cause",
                suggester=SuggestFromList(self.services, case_sensitive=False),
            )
            yield Label("Resolving team (the matrix's owner of the cause)", classes="field")
            yield Input(
                value=self.team,
                placeholder="the team that fixed it",
                id="team",
                suggester=SuggestFromList(self.teams, case_sensitive=False),
            )
            yield Checkbox("Prevented before users felt it / a near miss", id="prevented")
            yield Static("", classes="error", id="error")
            yield Static(self.hint, classes="hint")

    def on_mount(self) -> None:
        self.query_one("#summary", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def submit(self) -> None:
        def text(field: str) -> str:
            return self.query_one(f"#{field}", Input).value.strip()

        try:
            self.apply(
                text("summary"),
                text("cause") or None,
                text("team") or None,
                self.query_one("#prevented", Checkbox).value,
            )
        except InputError as exc:
            self.query_one("#error", Static).update(plain(str(exc)))
            return
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
