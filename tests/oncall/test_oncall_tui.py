"""The on-call screen from the board (o) and the palette, gaps marked, "I'll take this
shift" (t); the room's responsibility panel says until when and who is next."""

from __future__ import annotations

import pytest
from okit import utc

from console.model.clock import ManualClock
from console.model.org import load_org
from console.service import IncidentService
from console.store import Store
from console.tui.app import ConsoleApp
from console.tui.screens.oncall import OnCallScreen

SIZE = (120, 40)


@pytest.fixture
def service(tmp_path):
    store = Store(tmp_path / "c.db")
    svc = IncidentService(store, load_org(), ManualClock(utc(2026, 3, 2, 9, 50)), "hana.kobayashi")
    yield svc
    store.close()


def _cells(screen: OnCallScreen) -> dict[str, list[str]]:
    from textual.widgets import DataTable

    table = screen.query_one(DataTable)
    return {str(key.value): [str(c) for c in table.get_row(key)] for key in table.rows}


async def test_the_board_opens_on_call_and_t_takes_the_selected_shift(service):
    app = ConsoleApp(service, service.clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, OnCallScreen)
        rows = _cells(app.screen)
        assert rows["sre-core"][:4] == ["SRE", "Ryo Fukuda", "19:00 JST", "Aoife Byrne"]
        assert rows["payments"][1] == "Aoi Matsumoto"
        # Down to SRE and take it: the pager is Hana's until the Tokyo shift would end.
        while app.screen.query_one("DataTable").cursor_row != list(service.org.teams).index(
            "sre-core"
        ):
            await pilot.press("j")
        await pilot.press("t")
        await pilot.pause()
        rows = _cells(app.screen)
        assert rows["sre-core"][1] == "Hana Kobayashi" and rows["sre-core"][4] == "override"
        assert service.on_call("sre-core").until == utc(2026, 3, 2, 10, 0)
        await pilot.press("escape")
        assert not isinstance(app.screen, OnCallScreen)


async def test_the_palette_opens_on_call(service):
    app = ConsoleApp(service, service.clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        for ch in "On call":
            await pilot.press("space" if ch == " " else ch)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, OnCallScreen)


async def test_the_room_says_until_when_and_who_is_next(service):
    inc = service.declare("Card payments failing", "SEV2", services=["payment-api"])
    app = ConsoleApp(service, service.clock)
    async with app.run_test(size=SIZE) as pilot:
        app.open_incident(inc.id)
        await pilot.pause()
        from console.tui.widgets.responsibility import ResponsibilityPanel

        text = app.screen.query_one(ResponsibilityPanel)._text(58).plain
        assert (
            "on call now Aoi Matsumoto until 2026-03-09 10:00 JST, then Haruto Inoue"
            in " ".join(text.split())
        )
