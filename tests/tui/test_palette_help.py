"""ctrl+p offers every action, open INC-…, and themes; ? lists every binding."""

from __future__ import annotations

from tuikit import make_app, paste, screen_text, settle, wait_for

from console.tui.screens.help import HelpScreen, key_sections
from console.tui.screens.room import RoomScreen


async def test_palette_opens_incident_by_number(demo_service):
    app = make_app(demo_service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await paste(pilot, "open INC-12")  # a resolved one, not on the board
        await wait_for(pilot, lambda: "open INC-12 ·" in screen_text(app))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RoomScreen) and app.screen.incident_id == "INC-12"
        assert "RESOLVED" in screen_text(app)


async def test_palette_runs_room_actions_and_themes(demo_service):
    app = make_app(demo_service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await paste(pilot, "Theme: Projector")
        await wait_for(pilot, lambda: "Theme: Projector (light)" in screen_text(app))
        await pilot.press("enter")
        await settle(pilot)
        assert app.theme == "projector"
        await pilot.press("ctrl+p")
        await paste(pilot, "Incident room: Note")
        await wait_for(pilot, lambda: "Incident room: Note" in screen_text(app))
        await pilot.press("enter")
        await settle(pilot)
        await paste(pilot, "from the palette")
        await pilot.press("enter")
        await settle(pilot)
        assert "from the palette" in [n.text for n in demo_service.get("INC-69").notes]


async def test_help_lists_every_binding_of_every_screen(demo_service):
    app = make_app(demo_service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        sections = {
            name: dict((what, keys) for keys, what in rows) for name, _, rows in key_sections(app)
        }
        from console.tui.screens.board import BoardScreen
        from console.tui.screens.room import RoomScreen as Room

        for cls, name in ((BoardScreen, "Board"), (Room, "Incident room")):
            for b in cls.BINDINGS:
                assert (b.tooltip or b.description or b.action) in sections[name]
        room = sections["Incident room"]
        assert room["mark the selected escalation step notified"] == "space"
        assert room["resolve the incident (with an optional summary)"] == "shift+r"
        assert any(keys == "ctrl+t" for keys in sections["Everywhere"].values())
        text = screen_text(app)
        assert "Incident room" in text and "Board" in text
        await pilot.press("q")
        await settle(pilot)
        assert not isinstance(app.screen, HelpScreen)


async def test_new_keys_are_in_help_and_the_palette(demo_service):
    """y (accept the suggestion) in the room, D (dead letters) on the board, r in the list."""
    app = make_app(demo_service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        sections = {
            name: dict((what, keys) for keys, what in rows) for name, _, rows in key_sections(app)
        }
        room = sections["Incident room"]
        assert [k for w, k in room.items() if w.startswith("accept the suggested team")] == ["y"]
        assert [k for w, k in sections["Board"].items() if w.startswith("sync dead letters")] == [
            "shift+d"
        ]
        dead = sections["Sync dead letters (D on the board)"]
        assert [k for w, k in dead.items() if w.startswith("put the refused events back")] == ["r"]
        await pilot.press("ctrl+p")
        await paste(pilot, "Board: Dead letters")
        await wait_for(pilot, lambda: "Board: Dead letters" in screen_text(app))
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RoomScreen)
        await pilot.press("ctrl+p")
        await paste(pilot, "Incident room: Suggestion")
        await wait_for(pilot, lambda: "Incident room: Suggestion" in screen_text(app))
