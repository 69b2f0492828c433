"""What the board and the room share: a 1 s clock that pauses while the screen is hidden
(under a modal it still shows, so it keeps moving), and data that reloads on a commit
only while on view — else once, when the screen comes back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.screen import Screen

if TYPE_CHECKING:
    from textual import getters

    from console.tui.app import ConsoleApp


class LiveScreen(Screen):
    if TYPE_CHECKING:
        app = getters.app(ConsoleApp)

    _timer = None
    _dirty = False
    _burst: bool | None = None  # inside incidents_changed: did any of them concern us?

    def start_clock(self, redraw, name: str) -> None:
        self._timer = self.set_interval(1.0, redraw, name=name)

    def changed(self) -> None:
        """Something this screen shows was committed (locally, by sync or by a runner)."""
        if self._burst is not None:
            self._burst = True
            return
        if self.app.shows(self):
            self.reload_data()
        else:
            self._dirty = True

    def incidents_changed(self, incident_ids: tuple[str, ...]) -> None:
        """A burst of commits (a pulled page of history, another process's pass): each
        screen's own incident_changed decides whether it cares, and it reloads once."""
        self._burst = False
        try:
            for incident_id in incident_ids:
                getattr(self, "incident_changed", lambda _i: None)(incident_id)
        finally:
            hit, self._burst = self._burst, None
        if hit:
            self.changed()

    def reload_data(self) -> None:  # pragma: no cover - each screen says what it reloads
        raise NotImplementedError

    def back_on_view(self) -> None:
        """Called on every return to view, after any pending reload."""

    def on_screen_suspend(self) -> None:
        if self._timer and not self.app.screen.is_modal:
            self._timer.pause()

    def on_screen_resume(self) -> None:
        if self._timer:
            self._timer.resume()
        if self._dirty:
            self._dirty = False
            self.reload_data()
        self.back_on_view()
