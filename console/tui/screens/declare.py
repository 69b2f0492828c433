"""Declare an incident: title, severity (with the model's meaning of each), affected
layers and services (completed from the org's catalogue), detection source.
Hints appear as you type; enter declares (the service decides) and opens the room."""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from console.model.errors import InputError
from console.model.org import SEVERITIES
from console.model.responsibility import responsible_team, scope_of
from console.model.text import printable
from console.tui.format import sev_label
from console.tui.style import palette

if TYPE_CHECKING:
    from textual import getters

    from console.tui.app import ConsoleApp


def tokens(text: str) -> list[str]:
    return [t.strip() for t in text.replace(" ", ",").split(",") if t.strip()]


class ListSuggester(Suggester):
    """Completes the last comma-separated word from a catalogue."""

    def __init__(self, words: list[str]):
        super().__init__(use_cache=False, case_sensitive=False)
        self.words = sorted(words)

    async def get_suggestion(self, value: str) -> str | None:
        head, sep, last = value.rpartition(",")
        last_stripped = last.lstrip()
        if not last_stripped:
            return None
        for word in self.words:
            if (
                word.lower().startswith(last_stripped.lower())
                and word.lower() != last_stripped.lower()
            ):
                pad = last[: len(last) - len(last_stripped)]
                return f"{head}{sep}{pad}{word}"
        return None


class SeverityPicker(Widget, can_focus=True):
    """SEV1..SEV5 with the model's meaning; j/k or arrows or 1-5 choose. Nothing is
    chosen at first: the commander picks the severity, the form never guesses it."""

    DEFAULT_CSS = """
    SeverityPicker { height: auto; padding: 0 0; text-wrap: nowrap; text-overflow: ellipsis; }
    SeverityPicker:focus { background-tint: $foreground 5%; }
    """
    BINDINGS = [
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("up,k", "move(-1)", "Up", show=False),
        *(Binding(str(i), f"choose({i})", "Choose SEV by number", show=False) for i in range(1, 6)),
    ]

    value = reactive("")

    def __init__(self, meanings: dict[str, str], **kw):
        super().__init__(**kw)
        self.meanings = meanings

    def render(self) -> Text:
        pal = palette(self.app)
        out = Text(no_wrap=True, overflow="ellipsis")
        for sev in SEVERITIES:
            chosen = sev == self.value
            out.append("(•) " if chosen else "( ) ", pal.bold if chosen else pal.muted)
            out.append(
                f"{sev_label(sev, pal.markers):<10}",
                pal.severity(sev) + (pal.bold if chosen else pal.muted),
            )
            out.append(self.meanings.get(sev, ""), None if chosen else pal.muted)
            if chosen and self.has_focus:
                out.stylize(pal.cursor, len(out) - len(self.meanings.get(sev, "")) - 14, len(out))
            out.append("\n")
        out.rstrip()
        return out

    class Changed(Message):
        pass

    def watch_value(self) -> None:
        self.refresh()
        self.post_message(self.Changed())

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_move(self, delta: int) -> None:
        if self.value not in SEVERITIES:  # first move: down starts at SEV1, up at SEV5
            self.value = SEVERITIES[0 if delta > 0 else -1]
            return
        i = SEVERITIES.index(self.value)
        self.value = SEVERITIES[max(0, min(len(SEVERITIES) - 1, i + delta))]

    def action_choose(self, number: int) -> None:
        self.value = f"SEV{number}"


class DeclareScreen(ModalScreen[str | None]):
    if TYPE_CHECKING:
        app = getters.app(ConsoleApp)

    TITLE = "Declare"
    HELP = "Declare an incident. Tab moves between fields; enter declares and opens the room."

    DEFAULT_CSS = """
    DeclareScreen { align: center middle; background: $background 60%; }
    DeclareScreen > Vertical {
        width: 110; max-width: 98%; height: auto; max-height: 98%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    DeclareScreen .title { text-style: bold; color: $accent; margin-bottom: 1; }
    DeclareScreen Grid { grid-size: 2; grid-columns: 12 1fr; height: auto; grid-gutter: 1 1; }
    DeclareScreen Grid > Label { text-style: bold; }
    DeclareScreen Input { background: $boost; }
    DeclareScreen Input:focus { background: $primary 20%; }
    DeclareScreen #notes { margin-top: 1; height: auto; }
    DeclareScreen .note { color: $text-muted; height: auto; }
    DeclareScreen .bad { color: $error; }
    DeclareScreen #preview { margin-top: 1; height: auto; }
    DeclareScreen #error { color: $error; text-style: bold; height: auto; }
    DeclareScreen .hint { color: $text-muted; margin-top: 1; }
    DeclareScreen.-short Grid { grid-gutter: 0 1; }
    DeclareScreen.-short .title, DeclareScreen.-short .hint { margin: 0; }
    DeclareScreen.-short #notes, DeclareScreen.-short #preview { margin-top: 0; }
    """
    # On a short terminal (24 rows) the form loses its blank lines, so the error and
    # the hint stay on screen.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "declare", "Declare", priority=False),
    ]

    def __init__(self):
        super().__init__()
        self._error = ""

    @property
    def service(self):
        return self.app.service

    def compose(self) -> ComposeResult:
        org = self.service.org
        meanings = {s: org.severities[s].meaning for s in SEVERITIES if s in org.severities}
        layer_ids = list(org.layers)
        with Vertical():
            yield Label("Declare an incident", classes="title")
            with Grid():
                yield Label("Title")
                yield Input(placeholder="what is broken, in a few words", id="title", compact=True)
                yield Label("Severity")
                yield SeverityPicker(meanings, id="severity")
                yield Label("Layers")
                yield Input(
                    placeholder=f"comma-separated: {', '.join(layer_ids)}",
                    id="layers",
                    compact=True,
                    suggester=ListSuggester(layer_ids),
                )
                yield Label("Services")
                yield Input(
                    placeholder="comma-separated, completed from the catalogue (→ accepts)",
                    id="services",
                    compact=True,
                    suggester=ListSuggester(list(org.services)),
                )
                yield Label("Detection")
                yield Input(
                    placeholder="how it was detected (alert, customer report, …)",
                    id="detection",
                    compact=True,
                )
            yield Static("", id="notes")
            yield Static("", id="preview")
            yield Static("", id="error")
            yield Static(
                "enter declares and opens the room (taking a completion on show) · tab next "
                "field · → accepts a completion · escape cancels",
                classes="hint",
            )

    def on_mount(self) -> None:
        self.query_one("#title", Input).focus()
        self._update_hints()

    # ------------------------------------------------------------ hints
    def _values(self) -> tuple[str, str, list[str], list[str], str]:
        q = self.query_one
        return (
            q("#title", Input).value,
            q(SeverityPicker).value,
            tokens(q("#layers", Input).value),
            tokens(q("#services", Input).value),
            q("#detection", Input).value,
        )

    def _update_hints(self) -> None:
        org = self.service.org
        _, severity, layers, services, _ = self._values()
        layer_note = []
        for layer in layers:
            if layer in org.layers:
                lay = org.layers[layer]
                layer_note.append(
                    f"{layer}: {lay.name} — detect: {lay.detection}; recover: {lay.recovery}"
                )
            else:
                close = difflib.get_close_matches(layer, list(org.layers), n=1)
                layer_note.append(
                    f"✗ unknown layer {layer!r}"
                    + (
                        f" — did you mean {close[0]}?"
                        if close
                        else f" (expected {', '.join(org.layers)})"
                    )
                )
        svc_note = []
        for s in services:
            if s in org.services:
                svc = org.services[s]
                owner = org.teams.get(svc.owner)
                svc_note.append(
                    f"{s}: {svc.layer} layer, {org.domains[svc.domain].name if svc.domain in org.domains else svc.domain}, "
                    f"owned by {owner.name if owner else svc.owner}"
                )
            else:
                close = difflib.get_close_matches(s, list(org.services), n=2)
                svc_note.append(
                    f"✗ unknown service {s!r}"
                    + (f" — did you mean {', '.join(close)}?" if close else "")
                )
        pal = palette(self.app)
        notes = Text()
        for line in layer_note + svc_note:
            if line.startswith("✗") and self._error:
                continue  # the error line below says it: once is enough
            notes.append(line + "\n", pal.overdue if line.startswith("✗") else pal.muted)
        notes.rstrip()
        self.query_one("#notes", Static).update(notes)
        known_layers = [x for x in layers if x in org.layers]
        known_services = [x for x in services if x in org.services]
        preview = Text()
        if known_layers or known_services:
            # A read of the pure model (no rule re-implemented): who would own this.
            scope = scope_of(org, known_layers, known_services)
            team = responsible_team(org, scope)
            preview.append("→ ", "bold")
            preview.append(
                f"{severity}: {org.severities[severity].meaning}\n"
                if severity in org.severities
                else "severity not chosen yet (1-5)\n"
            )
            preview.append("  domains ", "dim")
            preview.append(", ".join(org.domains[d].name for d in scope.domains) or "—")
            preview.append("  · responsible ", "dim")
            preview.append(f"{team.name} ({team.type})" if team else "—", "bold")
            rules = org.policy().get(severity, [])
            if rules:
                first = rules[0]
                preview.append("  · first page ", "dim")
                preview.append(f"+{first['offset_minutes']} min: {', '.join(first['targets'])}")
        self.query_one("#preview", Static).update(preview)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._show_error("")
        self._update_hints()

    def _show_error(self, text: str) -> None:
        self._error = text
        self.query_one("#error", Static).update(Text(printable(f"✗ {text}")) if text else "")

    def on_severity_picker_changed(self) -> None:
        if self.is_mounted:
            self._update_hints()

    # ------------------------------------------------------------ declaring
    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter takes the completion on show (typing `dat` with `data` shown declares
        `data`), as → would, then declares."""
        event.stop()
        if event.input.cursor_at_end:
            event.input.action_cursor_right()
        self.action_declare()

    def _problem(self) -> tuple[str, str] | None:
        """The first thing that stops the declaration, in this form's words, and the
        field to fix; None when the service may decide."""
        org = self.service.org
        title, severity, layers, services, _ = self._values()
        if not title.strip():
            return "give it a title: what is broken, in a few words", "#title"
        if severity not in SEVERITIES:
            return "choose a severity: 1-5, or j/k on the severity line", "#severity"
        for layer in layers:
            if layer not in org.layers:
                close = difflib.get_close_matches(layer, list(org.layers), n=1)
                hint = f"did you mean {close[0]}?" if close else f"one of {', '.join(org.layers)}"
                return f"unknown layer {layer!r}: {hint}", "#layers"
        for svc in services:
            if svc not in org.services:
                close = difflib.get_close_matches(svc, list(org.services), n=2)
                hint = f": did you mean {', '.join(close)}?" if close else " (→ completes)"
                return f"unknown service {svc!r}{hint}", "#services"
        return None

    def action_declare(self) -> None:
        problem = self._problem()
        if problem:
            text, field = problem
            self.query_one(field).focus()
            self._show_error(text)
            self._update_hints()
            return
        title, severity, layers, services, detection = self._values()
        try:
            inc = self.service.declare(title, severity, layers, services, detection)
        except InputError as exc:
            self._show_error(tui_words(str(exc)))
            self._update_hints()
            return
        self.dismiss(inc.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


def tui_words(message: str) -> str:
    """A service message without its pointers to command-line verbs."""
    return re.sub(r"\s*\((?:see |run )?`incident-console[^)]*\)", "", message).strip()
