"""The one way a test waits for something another thread or process does: poll a
condition until a deadline, then fail saying what was awaited."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(condition: Callable[[], object], timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g} s for {what or condition!r}")
        time.sleep(0.02)
