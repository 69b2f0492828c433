"""Yes or no before something done in someone else's name: y or enter confirms,
n or escape cancels. The question says exactly what will be recorded."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from console.tui.screens.prompts import MODAL_CSS, plain


class ConfirmModal(ModalScreen[bool]):
    DEFAULT_CSS = MODAL_CSS.format(name="ConfirmModal")
    BINDINGS = [
        Binding("y,enter", "confirm", "Confirm"),
        Binding("n,escape", "cancel", "Cancel"),
    ]

    def __init__(self, title: str, lines: Sequence[str], hint: str = "y confirms · n cancels"):
        super().__init__()
        self.title_text = title
        self.lines = list(lines)
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.title_text), classes="title")
            for line in self.lines:
                yield Static(plain(line))
            yield Static(plain(self.hint), classes="hint")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
