"""A dialog that closed leaves nothing behind: what its widgets drew is freed with them
(Textual kept the last 1,024 widgets' drawn lines alive, and the collector's full passes
walked them on key presses)."""

from __future__ import annotations

import gc

from textual.strip import Strip
from tuikit import make_app, settle

from console.tui.screens.prompts import TextModal
from console.tui.screens.room import RoomScreen


def live_strips() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, Strip))


async def test_closed_dialogs_free_what_they_drew(service):
    inc = service.declare("Payments DB failover", "SEV1", layers=["data"])
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_incident(inc.id)
        await settle(pilot)

        async def note_dialog_opened_and_closed() -> None:
            await pilot.press("n")
            await settle(pilot)
            assert isinstance(app.screen, TextModal)
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, RoomScreen)

        for _ in range(3):  # whatever is drawn once and kept (caches of the room itself)
            await note_dialog_opened_and_closed()
        before = live_strips()
        for _ in range(20):
            await note_dialog_opened_and_closed()
        # one dialog's lines at most (the last one's may await the next frame)
        assert live_strips() - before < 40
