"""Leaving asks when it matters: open incidents in a console that pages (paging stops
with it), or changes not yet synced with the war room. One question; the quit key
again, y or enter leave; n or escape stay. `confirm_quit: false` in the user
settings turns the question off."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from console import config
from console.tui.screens.prompts import MODAL_CSS, plain

SETTING = "confirm_quit"


def quit_reasons(app) -> list[str]:
    """Why quitting now would hurt; empty when it would not (or the user opted out)."""
    if config.user_settings().get(SETTING) is False:
        return []
    reasons = []
    service = app.service
    if getattr(app, "escalation_runner", None) is not None:
        open_count = service.board_count()
        if open_count:
            s = "" if open_count == 1 else "s"
            reasons.append(
                f"{open_count} open incident{s}: this console pages their escalation, "
                "and paging stops when it quits"
            )
    unsynced = service.unsynced_count()
    if unsynced:
        s = "" if unsynced == 1 else "s"
        reasons.append(f"{unsynced} change{s} not yet synced with the war room")
    return reasons


class QuitModal(ModalScreen[bool]):
    DEFAULT_CSS = MODAL_CSS.format(name="QuitModal")
    BINDINGS = [
        Binding("y,enter", "leave", "Quit"),
        Binding("n,escape", "stay", "Stay"),
    ]

    def __init__(self, reasons: list[str]):
        super().__init__()
        self.reasons = reasons

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Quit the console?", classes="title")
            for reason in self.reasons:
                yield Static(plain(f"• {reason}"))
            yield Static(
                plain(
                    "y or enter quits · n or escape stays · "
                    f'"{SETTING}": false in {config.user_settings_path()} stops this question'
                ),
                classes="hint",
            )

    def action_leave(self) -> None:
        self.dismiss(True)

    def action_stay(self) -> None:
        self.dismiss(False)
