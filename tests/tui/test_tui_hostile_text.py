"""Hostile text on screen: Textual markup in a title, a note, a filter or a name is shown
as typed and never run; escape and control characters arrive as visible stand-ins."""

from __future__ import annotations

import re

from tuikit import make_app, settle

from console.tui.screens.board import BoardScreen
from console.tui.screens.prompts import ChoiceModal
from console.tui.screens.room import RoomScreen
from console.tui.widgets.board_table import BoardTable
from console.tui.widgets.room_header import RoomHeader
from console.tui.widgets.timeline import Timeline

MARKUP = "[@click=app.quit]x[/]"
TITLE = f"{MARKUP} \x1b[2J\x1b]0;pwned\x07\u009b31m\u202eevil"
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def lines_of(widget) -> list[str]:
    return [widget.render_line(y).text for y in range(widget.size.height)]


async def test_board_and_room_show_markup_as_text(service):
    inc = service.declare(TITLE, "SEV2", ["data"], [], "")
    service.note(inc.id, f"note {MARKUP}\x1b]8;;http://evil\x1b\\")
    app = make_app(service)
    async with app.run_test(size=(200, 40)) as pilot:
        await settle(pilot)
        board = [line for line in lines_of(app.screen.query_one(BoardTable)) if inc.id in line]
        assert board and MARKUP in board[0] and "␛[2J" in board[0]
        assert not RAW.findall(board[0])

        await pilot.press("enter")
        await settle(pilot)
        room = app.screen
        assert isinstance(room, RoomScreen)
        header = room.query_one(RoomHeader)
        first = header.render().plain.splitlines()[0]
        assert MARKUP in first and "\\u009b31m" in first and not RAW.findall(first)
        timeline = room.query_one(Timeline).text
        assert f"note {MARKUP}␛]8;;http://evil␛\\" in timeline
        assert not RAW.findall(timeline)

        # Clicking the would-be link and pressing keys leaves the console running.
        x = 1 + first.index(MARKUP) + len("[@click=app.quit]")  # on the "x"
        await pilot.click(RoomHeader, offset=(x, 0))
        await pilot.press("j", "k", "tab")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, RoomScreen)


async def test_filter_and_choices_show_markup_as_text(service):
    inc = service.declare("Payments down", "SEV2", ["data"], [], "")
    for role in ("communications", "scribe"):
        service.handoff(inc.id, role, f"{MARKUP}\u202e")
    app = make_app(service)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"[b]x")
        await settle(pilot)
        status = app.screen.query_one("#status").visual.plain
        assert "filter “[b]x”" in status

        await pilot.press("escape")
        app.open_incident(inc.id)
        await settle(pilot)
        await pilot.press("c")  # two handoffs pending, neither ours: pick one
        await settle(pilot)
        assert isinstance(app.screen, ChoiceModal)
        from textual.widgets import OptionList

        shown = "\n".join(lines_of(app.screen.query_one(OptionList)))
        assert f"offered to {MARKUP}\\u202e" in shown
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, BoardScreen)
