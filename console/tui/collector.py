"""The cyclic collector's full passes, moved to when the keyboard rests.

A full pass walks every object that has lived a while; on its own schedule it falls on a
key press now and then (dialogs, messages and redraws leave cycles behind at every key),
and on a long incident that press stalls. So when input has rested for a moment and
something has been promoted since the last look, everything is collected at once (the
frozen objects too: nothing dead is kept) and what survives is frozen again. The passes
the collector still makes while someone types then only walk what the keys made since.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

RESTING_SECONDS = 1.0


class RestingCollector:
    def __init__(self, now: Callable[[], float] = time.monotonic):
        self._now = now
        self._last_input = now()
        self._typed = False  # input since the last full pass

    def input(self) -> None:
        """A key (or the mouse): someone is at the console."""
        self._last_input = self._now()
        self._typed = True

    def rested(self) -> bool:
        """Called now and then (a timer): a full pass and a freeze if input has rested and
        anything reached the oldest generation since. Whether it collected."""
        if self._now() - self._last_input < RESTING_SECONDS:
            return False
        if not self._typed and gc.get_count()[2] == 0:
            return False
        self.collect()
        return True

    def collect(self) -> None:
        """A full pass now, over the frozen objects too, and freeze what survives (after a
        screen that holds much, such as a long incident's room, has drawn)."""
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self._typed = False
