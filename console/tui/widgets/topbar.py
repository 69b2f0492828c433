"""One line across the top: where you are, which org, and the injected clock's time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widget import Widget

from console.model.text import printable
from console.tui.format import local_time

if TYPE_CHECKING:
    from textual import getters

    from console.tui.app import ConsoleApp


class TopBar(Widget):
    if TYPE_CHECKING:
        app = getters.app(ConsoleApp)

    DEFAULT_CSS = """
    TopBar { height: 1; background: $primary; color: $background; text-style: bold; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, title: str = "", **kw):
        super().__init__(**kw)
        self.title = title

    def tick(self) -> None:
        """Called by the screens' 1 s timers: redraw when the shown second changes."""
        key = (local_time(self.app.clock.now()), getattr(self.app, "banner", ""), self.app.theme)
        if key != getattr(self, "_shown", None):
            self._shown = key
            self.refresh()

    def render(self) -> Text:
        app = self.app
        left = f" INCIDENT CONSOLE · {self.title or self.screen.TITLE}"
        right = (
            f"{app.banner} · " if getattr(app, "banner", "") else ""
        ) + f"{app.service.org.meta.get('name', 'org')} · {local_time(app.clock.now())} "
        gap = max(1, self.size.width - len(left) - len(right))
        if len(left) + len(right) + 1 > self.size.width:
            right = f"{local_time(app.clock.now())} "
            gap = max(1, self.size.width - len(left) - len(right))
        # the banner carries the sync state, which may quote a server
        return Text(printable(left + " " * gap + right), no_wrap=True, overflow="ellipsis")
