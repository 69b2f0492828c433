"""Screen reloads while a joining console's history arrives.

The sync worker commits a page of history several times a second for minutes, and each
commit would reload the screens on view (the board re-queries, re-reads the open
incidents' comms, redraws every line): key presses then wait behind reloads nobody needs
that often. While the history arrives, bursts of changed incidents are held and handed
on at most once every `every` seconds — the first at once, so the open incidents a join
brings show without delay — and what is held goes out the moment the history is in.
Outside a history (a live war room, another process's commits) nothing is held.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

HISTORY_RELOAD_EVERY = 1.0  # seconds between screen reloads while a history arrives


class HistoryPacer:
    """`deliver(ids)` hands a burst on to the screens; `later(seconds, callback)` starts
    a one-shot timer on the UI's loop and returns something with `stop()`."""

    def __init__(
        self,
        deliver: Callable[[tuple[str, ...]], None],
        later: Callable[[float, Callable[[], None]], Any],
        every: float = HISTORY_RELOAD_EVERY,
    ):
        self.deliver = deliver
        self.later = later
        self.every = every
        self.arriving = False
        self.released = 0  # bursts handed on while a history arrived (tests read it)
        self._held: dict[str, None] = {}  # ordered set: first changed first
        self._timer: Any = None
        self._last: float | None = None

    @property
    def held(self) -> tuple[str, ...]:
        """Changed incidents waiting for the next release."""
        return tuple(self._held)

    def changed(self, incident_ids: tuple[str, ...]) -> None:
        if not self.arriving:
            self.deliver(incident_ids)
            return
        self._held.update(dict.fromkeys(incident_ids))
        if self._timer is not None:
            return  # a release is already due: it takes these along
        wait = 0.0 if self._last is None else self._last + self.every - time.monotonic()
        if wait > 0:
            self._timer = self.later(wait, self._release)
        else:
            self._release()

    def history(self, arriving: bool) -> None:
        """The sync status says whether a history is arriving; its end releases at once."""
        was, self.arriving = self.arriving, arriving
        if was and not arriving:
            if self._timer is not None:
                self._timer.stop()
            self._release()

    def _release(self) -> None:
        self._timer = None
        held, self._held = tuple(self._held), {}
        if not held:
            return
        self._last = time.monotonic()
        if self.arriving:
            self.released += 1
        self.deliver(held)
