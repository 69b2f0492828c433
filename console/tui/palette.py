"""ctrl+p: every action of the screen you are on, every global action, "open
INC-…" for any incident (open ones listed, any other by its number), and themes."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content
from textual.markup import escape

from console.model.errors import InputError
from console.model.text import printable

if TYPE_CHECKING:
    from console.tui.app import ConsoleApp

# (what the palette lists, what it runs, the help line under it)
Command = tuple[str, Callable[[], object], str]


def highlight(matcher: Matcher, text: str) -> Content:
    """Matcher.highlight, without reading `text` as markup: an incident title
    like `[@click=app.quit]` is shown, never run."""
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    if score:
        for offset in offsets:
            if not text[offset].isspace():
                content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class ConsoleCommands(Provider):
    @property
    def console_app(self) -> ConsoleApp:
        # Provider.app is typed App[object]; this provider is only ever one of ConsoleApp.COMMANDS.
        return cast("ConsoleApp", self.app)

    def _commands(self) -> list[Command]:
        app = self.console_app
        screen = self.screen
        out: list[Command] = [
            ("Declare incident", app.action_declare, "open the declare form"),
            ("Board", app.action_board, "back to the board of open incidents"),
            ("Matrix explorer", app.action_matrix, "the whole org model and model check"),
            ("On call", app.action_oncall, "who is on call now and next for every team"),
            ("Help: every key", app.action_help, "every binding of every screen"),
            ("Theme: next", app.action_cycle_theme, "cycle through the themes (ctrl+t)"),
        ]
        for ct in app.console_themes.values():
            out.append(
                (
                    f"Theme: {ct.label}",
                    partial(app.set_console_theme, ct.name),
                    f"switch to {ct.name}",
                )
            )
        screen_name = getattr(screen, "TITLE", "Screen")
        for binding in type(screen).BINDINGS:
            if not isinstance(binding, Binding):
                continue  # (the console's screens declare Binding objects only)
            action = binding.action
            if action.startswith(("pick(", "scroll(", "app.")) or action in (
                "back",
                "top",
                "bottom",
            ):
                continue
            label = f"{screen_name}: {binding.description or action}"
            if label not in (c[0] for c in out):
                out.append((label, partial(screen.run_action, action), f"key {binding.key}"))
        out.append(("Quit", app.action_quit, "leave the console (ctrl+q)"))
        return out

    def _incidents(self, query: str) -> list[Command]:
        app = self.console_app
        out: list[Command] = []
        try:
            rows = app.service.board(limit=50)
        except Exception:  # noqa: BLE001 - the palette must never break on a read
            rows = []
        seen = set()
        for row in rows:
            seen.add(row["id"])
            out.append(
                (
                    printable(f"open {row['id']} · {row['severity']} · {row['title']}"),
                    partial(app.open_incident, row["id"]),
                    printable(f"{row['status']} · {row['layers'] or '—'}"),
                )
            )
        number = re.search(r"\d+", query or "")
        if number:
            try:
                incident_id = app.service.resolve_id(number.group(0))
            except InputError:
                incident_id = None
            if incident_id and incident_id not in seen:
                inc = app.service.get(incident_id)  # one incident's events: a key lookup
                out.insert(
                    0,
                    (
                        printable(f"open {inc.id} · {inc.severity} · {inc.title}"),
                        partial(app.open_incident, inc.id),
                        printable(inc.status),
                    ),
                )
        return out

    async def discover(self) -> Hits:
        for name, callback, help_text in [*self._commands(), *self._incidents("")[:20]]:
            yield DiscoveryHit(Content(name), callback, text=name, help=escape(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in [*self._commands(), *self._incidents(query)]:
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score, highlight(matcher, name), callback, text=name, help=escape(help_text)
                )
