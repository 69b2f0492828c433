"""Small keyboard modals: pick one of a few, or type a line. The action they run
goes through the service; a refusal (InputError) is shown inline and the modal
stays open, so nothing typed is lost."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from console.model.errors import InputError
from console.model.text import printable


def plain(text: str) -> Text:
    """Shown as written: never parsed as markup, controls made visible."""
    return Text(printable(text))


# Dialogs sit at the bottom over a dimmed screen, so what is under them (the room's
# header and countdowns) stays in sight while they are open.
MODAL_CSS = """
{name} {{ align: center bottom; background: $background 45%; }}
{name} > Vertical {{
    width: 84; max-width: 95%; height: auto; max-height: 90%;
    border: thick $accent; background: $surface; padding: 0 1;
}}
{name} .title {{ text-style: bold; color: $accent; width: 1fr; margin-bottom: 1; }}
{name} .hint {{ color: $text-muted; margin-top: 1; }}
{name} .error {{ color: $error; text-style: bold; height: auto; }}
{name} OptionList {{ height: auto; max-height: 14; border: none; }}
"""


class KeyOptionList(OptionList):
    """An OptionList that also moves with j/k."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]


class ChoiceModal(ModalScreen[str | None]):
    """Pick one value: arrows or j/k then enter, or its number; escape cancels. With
    more than nine, digits build the number (1 then 3 picks the 13th; 1 alone waits for
    a second digit or enter)."""

    DEFAULT_CSS = MODAL_CSS.format(name="ChoiceModal")
    BINDINGS = [
        Binding("escape,q", "cancel", "Cancel"),
        *(Binding(str(i), f"digit({i})", "Pick by number", show=False) for i in range(10)),
    ]

    def __init__(
        self,
        title: str,
        options: Sequence[tuple[str, str]],
        current: str | None = None,
        hint: str | None = None,
    ):
        super().__init__()
        self.title_text = title
        self.options = list(options)
        self.current = current
        self.hint = hint or (
            f"enter picks · 1-{len(self.options)} picks by number · escape cancels"
        )
        self._typed = ""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.title_text), classes="title")
            yield KeyOptionList(
                *[
                    Option(
                        plain(f"{i}  {label}" + ("   (current)" if value == self.current else "")),
                        id=value,
                    )
                    for i, (value, label) in enumerate(self.options, start=1)
                ]
            )
            yield Static(self.hint, classes="hint")

    def on_mount(self) -> None:
        lst = self.query_one(OptionList)
        values = [v for v, _ in self.options]
        if self.current in values:
            lst.highlighted = values.index(self.current)
        lst.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_pick(self, number: int) -> None:
        if 1 <= number <= len(self.options):
            self.dismiss(self.options[number - 1][0])

    def action_digit(self, digit: int) -> None:
        count = len(self.options)
        typed = self._typed + str(digit)
        if not 1 <= int(typed) <= count:
            typed = str(digit)  # a fresh number
            if not 1 <= digit <= count:
                self._typed = ""
                return
        number = int(typed)
        if number * 10 > count:  # no longer number starts with these digits: pick it
            self._typed = ""
            self.action_pick(number)
            return
        self._typed = typed  # 1 of 13 may become 10-13: show it, wait for more or enter
        self.query_one(OptionList).highlighted = number - 1

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextModal(ModalScreen[str | None]):
    """Type one line; enter runs `apply(text)` (through the service). A refusal is
    shown under the field and the text stays."""

    DEFAULT_CSS = MODAL_CSS.format(name="TextModal")
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        apply: Callable[[str], object],
        placeholder: str = "",
        hint: str = "enter saves · escape cancels",
        suggestions: Sequence[str] = (),
        value: str = "",
    ):
        super().__init__()
        self.title_text = title
        self.apply = apply
        self.placeholder = placeholder
        self.hint = hint
        self.suggestions = list(suggestions)
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.title_text), classes="title")
            yield Input(
                value=self.value,
                placeholder=self.placeholder,
                id="text",
                suggester=SuggestFromList(self.suggestions, case_sensitive=False)
                if self.suggestions
                else None,
            )
            yield Static("", classes="error", id="error")
            yield Static(self.hint, classes="hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            self.apply(event.value)
        except InputError as exc:
            self.query_one("#error", Static).update(plain(str(exc)))
            return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class HandoffModal(ModalScreen[str | None]):
    """Offer a role to someone (or give a vacant role): pick the role, type the person."""

    DEFAULT_CSS = (
        MODAL_CSS.format(name="HandoffModal")
        + """
    HandoffModal #person { margin-top: 1; }
    """
    )
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        roles: Sequence[tuple[str, str]],
        people: Sequence[str],
        apply: Callable[[str, str], object],
        hint: str,
    ):
        super().__init__()
        self.title_text = title
        self.roles = list(roles)
        self.people = list(people)
        self.apply = apply
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.title_text), classes="title")
            yield KeyOptionList(
                *[Option(plain(label), id=value) for value, label in self.roles], id="role"
            )
            yield Input(
                placeholder="person (id from the org, or any name)",
                id="person",
                suggester=SuggestFromList(self.people, case_sensitive=False),
            )
            yield Static("", classes="error", id="error")
            yield Static(self.hint, classes="hint")

    def on_mount(self) -> None:
        self.query_one("#role", OptionList).highlighted = 0
        self.query_one("#role", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#person", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        lst = self.query_one("#role", OptionList)
        role = self.roles[lst.highlighted or 0][0]
        try:
            self.apply(role, event.value)
        except InputError as exc:
            self.query_one("#error", Static).update(plain(str(exc)))
            return
        self.dismiss(role)

    def action_cancel(self) -> None:
        self.dismiss(None)
