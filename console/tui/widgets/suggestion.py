"""The predictive-escalation suggestion shown in the incident room. Kept apart
from the metrics screen so the room does not import the plotting library."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from console.model.text import printable

if TYPE_CHECKING:
    from textual import getters

    from console.tui.app import ConsoleApp


class SuggestionPanel(Static):
    """For the incident room: the team history says will most likely resolve this
    incident, and how to accept it (IncidentService.accept_suggestion). Mount it with
    SuggestionPanel(incident_id) and bind a key to its `accept()`."""

    if TYPE_CHECKING:
        app = getters.app(ConsoleApp)

    DEFAULT_CSS = """
    SuggestionPanel { height: auto; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, incident_id: str, hint: str = "", **kw):
        super().__init__("", **kw)
        self.incident_id = incident_id
        self.hint = hint  # the key that accepts, in the screen that binds it
        self.suggestion: dict | None = None

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        try:
            self.suggestion = self.app.service.suggest_for(self.incident_id)
        except Exception:  # noqa: BLE001 - a suggestion is optional; never break the room
            self.suggestion = None
        self.display = bool(
            self.suggestion and self.suggestion.get("team")
        )  # no line when nothing to say
        self.update(self.text())

    def text(self) -> Text:
        s = self.suggestion
        out = Text()
        if not s or not s["team"]:
            return out
        out.append("Suggested: ", "bold")
        out.append(printable(f"{s['team_name']} (on call {s['on_call_name'] or '—'})"))
        out.append(printable(f" — {s['why']}"))
        if s["differs_from_matrix"]:
            out.append(printable(f"; the matrix says {s['matrix_team_name']}"), "bold")
        if self.hint:
            out.append(f"  ({self.hint})", "italic")
        return out

    def accept(self):
        """Accept: the team's on-call takes the operations role (or is offered it)."""
        inc = self.app.service.accept_suggestion(self.incident_id)
        self.reload()
        return inc
