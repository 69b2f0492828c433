"""Over the room: a dialog dims it but its countdowns stay in sight, and the matrix
explorer leaves the room's toasts behind."""

from __future__ import annotations

import html
import re

from tuikit import make_app, settle

from console.tui.screens.matrix import MatrixScreen
from console.tui.screens.prompts import TextModal
from console.tui.screens.room import RoomScreen


def _shown(app) -> str:
    """Everything on the terminal, dialogs and what is under them (a screenshot's text)."""
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


async def _room(pilot, incident_id: str) -> RoomScreen:
    await settle(pilot)
    pilot.app.open_incident(incident_id)
    await settle(pilot)
    assert isinstance(pilot.app.screen, RoomScreen)
    return pilot.app.screen


async def test_a_dialog_dims_the_room_but_its_countdowns_stay_in_sight(service, clock):
    inc = service.declare("Orders DB primary down", "SEV1", ["data"], ["orders-db"])
    service.tick(inc.id, "SEV1+0")
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await _room(pilot, inc.id)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, TextModal)
        shown = _shown(app)
        assert "Note for " in shown  # the dialog
        assert "SEV1+15" in shown and "in 15:00" in shown  # and the countdown under it
        clock.advance(seconds=5)
        app.screen_stack[-2].redraw()
        await settle(pilot)
        assert "in 14:55" in _shown(app)


async def test_the_matrix_explorer_leaves_the_rooms_toasts_behind(service):
    inc = service.declare("Orders DB primary down", "SEV1", ["data"])
    app = make_app(service)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await _room(pilot, inc.id)
        app.notify("step due", timeout=30)
        await settle(pilot)
        assert "step due" in _shown(app)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, MatrixScreen)
        assert "step due" not in _shown(app)
