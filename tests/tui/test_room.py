"""The incident room's keys, each through the service; refusals stay visible."""

from __future__ import annotations

from tuikit import Toasts, make_app, paste, screen_text, settle

from console.tui.screens.board import BoardScreen
from console.tui.screens.matrix import MatrixScreen
from console.tui.screens.prompts import TextModal
from console.tui.screens.room import RoomScreen
from console.tui.widgets.checklist import Checklist


async def open_room(pilot, app, service, **declare):
    args = {"title": "Payments DB failover", "severity": "SEV1", "layers": ["data"]} | declare
    inc = service.declare(**args)
    await settle(pilot)
    app.open_incident(inc.id)
    await settle(pilot)
    assert isinstance(app.screen, RoomScreen)
    return app.screen


async def test_note_and_inline_refusal(service):
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await open_room(pilot, app, service)
        await pilot.press("n", "enter")  # an empty note: refused inline, modal stays
        await pilot.pause()
        assert isinstance(app.screen, TextModal)
        assert "a note needs some text" in screen_text(app)
        await paste(pilot, "replica promoted")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RoomScreen)
        assert "replica promoted" in screen_text(app)
        assert [n.text for n in service.get("INC-1").notes] == ["replica promoted"]


async def test_severity_change_replans_live(service, clock):
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        room = await open_room(pilot, app, service, severity="SEV2")
        assert [s.key for s in room.query_one(Checklist).steps] == ["SEV2+0", "SEV2+15", "SEV2+60"]
        clock.advance(minutes=5)
        await pilot.press("s", "1")
        await settle(pilot)
        steps = {s.key: s.state for s in room.query_one(Checklist).steps}
        assert steps["SEV1+0"] in ("due", "pending")
        assert steps["SEV2+15"] == "cancelled"
        text = screen_text(app)
        assert "SEV1" in text and "severity SEV2 → SEV1" in text
        assert "in 15:00" in next(line for line in text.splitlines() if " SEV1+15 " in line)


async def test_status_handoff_accept_and_ack(service):
    app = make_app(service)
    toasts = Toasts(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await open_room(pilot, app, service)
        await pilot.press("u", "2")  # identified
        await settle(pilot)
        assert service.get("INC-1").status == "identified"
        # hand the scribe role (4th) to me, then accept it
        await pilot.press("h", "j", "j", "j", "enter")
        await paste(pilot, "commander")
        await pilot.press("enter")
        await settle(pilot)
        assert service.get("INC-1").handoffs["scribe"]["to"] == "commander"
        assert "⇄ commander?" in screen_text(app)
        await pilot.press("c")
        await settle(pilot)
        inc = service.get("INC-1")
        assert inc.roles["scribe"] == "commander" and not inc.handoffs
        await pilot.press("a")  # acknowledge the first step
        await settle(pilot)
        assert service.get("INC-1").acknowledged_at is not None
        checklist = app.screen.query_one(Checklist)
        assert (
            checklist.selected.key == "SEV1+15"
        )  # ack'd: the cursor moved on to the next open step
        await pilot.press("k", "a")  # the same step again: the service refuses, a toast says why
        await settle(pilot)
        assert any("already acknowledged" in m for m in toasts.messages)


async def test_export_writes_markdown_and_says_where(service, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app(service)
    toasts = Toasts(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await open_room(pilot, app, service)
        await pilot.press("e")
        await settle(pilot)
        out = tmp_path / "INC-1.md"
        assert out.read_text("utf-8").startswith("# INC-1: Payments DB failover")
        assert any(str(out) in m for m in toasts.messages)


async def test_step_falling_due_toasts_and_rings_once(service, clock):
    app = make_app(service)
    toasts = Toasts(app)
    rings = []
    app.bell = lambda: rings.append(1)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        room = await open_room(pilot, app, service)
        assert rings == []  # SEV1+0 was due when the room opened: not news
        clock.advance(minutes=14, seconds=59)
        room.redraw()
        assert rings == []
        clock.advance(seconds=2)
        room.redraw()
        room.redraw()
        clock.advance(minutes=2)  # due -> overdue is the same event, no second ring
        room.redraw()
        await pilot.pause()
        assert rings == [1]
        assert sum("SEV1+15 is due" in m for m in toasts.messages) == 1


async def test_timers_pause_when_hidden(service):
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        board = app.screen
        assert isinstance(board, BoardScreen)
        room = await open_room(pilot, app, service)
        assert not board._timer._active.is_set()  # the board is hidden under the room
        assert room._timer._active.is_set()
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, MatrixScreen)
        assert not room._timer._active.is_set()
        await pilot.press("n")  # not a matrix key; nothing happens
        await pilot.press("escape")
        await settle(pilot)
        assert room._timer._active.is_set()
        await pilot.press("n")  # a modal over the room: countdowns keep moving
        await pilot.pause()
        assert room._timer._active.is_set()
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert board._timer._active.is_set()


async def test_room_suggests_the_team_history_says_resolves_it_and_y_accepts(demo_service):
    # The demo history: every data-layer incident was resolved by Data Platform.
    inc = demo_service.declare("Orders DB primary unreachable", "SEV1", ["data"], ["orders-db"])
    app = make_app(demo_service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_incident(inc.id)
        await settle(pilot)
        assert isinstance(app.screen, RoomScreen)
        text = screen_text(app)
        assert "Suggested: Data Platform (on call Rina Fujita)" in text and "(y accepts)" in text
        await pilot.press("y")
        await settle(pilot)
        assert demo_service.view(inc.id)["roles"]["operations"] == "rina.fujita"
        assert "ops rina.fujita" in screen_text(app)
        assert "(accepted)" in screen_text(app) and "(y accepts)" not in screen_text(app)
        notes = len(demo_service.get(inc.id).notes)
        await pilot.press("y")  # once is enough: no second note
        await settle(pilot)
        assert len(demo_service.get(inc.id).notes) == notes
