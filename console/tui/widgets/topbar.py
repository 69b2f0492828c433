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
        key = (self._clock(), getattr(self.app, "banner", ""), self.app.theme)
        if key != getattr(self, "_shown", None):
            self._shown = key
            self.refresh()

    def _clock(self) -> str:
        """The time with its zone; a demo's shifted clock says so."""
        clock = self.app.clock
        shifted = "demo clock " if getattr(clock, "offset", None) else ""
        return shifted + local_time(clock.now(), zone=True)

    def render(self) -> Text:
        app = self.app
        left = f" INCIDENT CONSOLE · {self.title or self.screen.TITLE}"
        banner = getattr(app, "banner", "")
        org = app.service.org.meta.get("name", "org")
        clock = self._clock()
        # the most that fits: banner (DEMO, sync state) and org, then the banner, then its
        # first words (DEMO stays on screen at any width), then the clock
        short = banner.split(" (")[0]
        choices = [" · ".join(x for x in (banner, org, clock) if x) + " "]
        choices += [f"{banner} · {clock} ", f"{short} · {clock} "] if banner else []
        right = next((c for c in choices if len(left) + len(c) + 1 <= self.size.width), f"{clock} ")
        gap = max(1, self.size.width - len(left) - len(right))
        # the banner carries the sync state, which may quote a server
        return Text(printable(left + " " * gap + right), no_wrap=True, overflow="ellipsis")
