"""Helpers every suite's Pilot tests share: a service on a real file, the console app
without touching the user's theme, settling (a unique module name: tests run in one
process)."""

from __future__ import annotations

from pathlib import Path

from screens import Toasts, screen_text  # noqa: F401 - shared with other suites

from console.service import IncidentService
from console.store import Store


def open_service(path: Path, org, clock, actor: str = "commander") -> IncidentService:
    return IncidentService(Store(path), org, clock, actor)


def make_app(service, **kw):
    from console.tui.app import ConsoleApp

    kw.setdefault("persist_theme", False)
    return ConsoleApp(service, service.clock, **kw)


async def settle(pilot) -> None:
    """Let board pages (read on a worker thread) arrive and the screen redraw."""
    from textual.worker import WorkerState

    app = pilot.app
    await pilot.pause()
    for _ in range(5):
        if not any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers):
            break
        await app.workers.wait_for_complete()
        await pilot.pause()


async def wait_for(pilot, condition, timeout: float = 5.0) -> None:
    """Pause until condition() holds (the palette searches in the background)."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.05)


async def paste(pilot, text: str) -> None:
    """Type a line the fast way a terminal delivers it: one bracketed paste into
    the focused field (Pilot's per-key idle wait makes long typing slow)."""
    from textual import events

    focused = pilot.app.focused
    assert focused is not None, "nothing focused to paste into"
    focused.post_message(events.Paste(text))
    await pilot.pause()
