"""Waiving an escalation step from the room: `w` asks why, the step stops asking, and
the reason is on the timeline."""

from __future__ import annotations

from textual.widgets import Static
from tuikit import make_app, paste, settle

from console.tui.screens.prompts import TextModal
from console.tui.screens.room import RoomScreen
from console.tui.widgets.checklist import Checklist


async def test_w_waives_the_selected_step_with_a_reason(service, clock):
    inc = service.declare("Payments DB failover", "SEV1", layers=["data"])
    clock.advance(minutes=16)  # SEV1+0 and SEV1+15 overdue
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_incident(inc.id)
        await settle(pilot)
        room = app.screen
        assert isinstance(room, RoomScreen)
        checklist = room.query_one(Checklist)
        assert checklist.selected is not None and checklist.selected.key == "SEV1+0"
        await pilot.press("w", "enter")  # no reason: refused inline, the modal stays
        await pilot.pause()
        assert isinstance(app.screen, TextModal)
        error = app.screen.query_one("#error", Static)
        assert "a reason is required" in str(error.content)
        await paste(pilot, "leads already on the bridge")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is room
        states = {s.key: s.state for s in checklist.steps}
        assert states["SEV1+0"] == "waived"
        assert states["SEV1+15"] == "overdue"
        step = next(s for s in service.view(inc.id)["escalation"] if s["key"] == "SEV1+0")
        assert step["waived_reason"] == "leads already on the bridge"
        assert step["waived_at"] == "2026-03-01T02:16:00.000Z"
        assert any(
            t.text == "step SEV1+0 waived: leads already on the bridge"
            for t in service.get(inc.id).timeline
        )
        # A step that no longer asks anything cannot be waived: nothing is written.
        checklist.cursor = [s.key for s in checklist.steps].index("SEV1+0")
        before = len(service.events(inc.id))
        await pilot.press("w")
        await pilot.pause()
        assert app.screen is room
        assert len(service.events(inc.id)) == before
