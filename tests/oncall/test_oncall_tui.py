"""The on-call screen from the board (o) and the palette, gaps marked, "I'll take this
shift" (t); the room's responsibility panel says until when and who is next."""

from __future__ import annotations

import os
import time

import pytest
from okit import utc
from screens import Toasts

from console import zone
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


@pytest.fixture(autouse=True)
def new_york(utc_local_zone):
    """The console's local zone is neither the schedules' (Tokyo, Dublin) nor UTC: every
    time on screen is New York's (EST, and EDT from 8 March 2026)."""
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    zone.use_utc(False)
    yield
    zone.use_utc(False)


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
        # the Tokyo shift ends at 19:00 JST, shown in the console's zone
        assert rows["sre-core"][:4] == ["SRE", "Ryo Fukuda", "05:00 EST", "Aoife Byrne"]
        assert rows["payments"][1] == "Aoi Matsumoto"
        # Down to SRE and take it: the pager is Hana's until the Tokyo shift would end.
        while app.screen.query_one("DataTable").cursor_row != list(service.org.teams).index(
            "sre-core"
        ):
            await pilot.press("j")
        toasts = Toasts(app)
        await pilot.press("t")
        await pilot.pause()
        assert "You hold the SRE pager until 05:00 EST" in toasts.messages
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


def _on_call_line(app) -> str:
    from console.tui.widgets.responsibility import ResponsibilityPanel

    return " ".join(app.screen.query_one(ResponsibilityPanel)._text(58).plain.split())


async def test_the_room_says_until_when_and_who_is_next_in_the_console_zone(service):
    inc = service.declare("Card payments failing", "SEV2", services=["payment-api"])
    app = ConsoleApp(service, service.clock)
    async with app.run_test(size=SIZE) as pilot:
        app.open_incident(inc.id)
        await pilot.pause()
        # the weekly hand-off is Monday 10:00 JST: 01:00 UTC, 21:00 the evening before in
        # New York (daylight saving time by then), never the schedule's zone
        assert (
            "on call now Aoi Matsumoto until 2026-03-08 21:00 EDT, then Haruto Inoue"
            in _on_call_line(app)
        )


async def test_the_room_says_until_when_in_utc_when_asked(service):
    zone.use_utc(True)  # what --utc or the "utc" setting does
    service.clock.advance(
        minutes=72 * 60
    )  # Thursday: the hand-off is within the week, its day named
    inc = service.declare("Card payments failing", "SEV2", services=["payment-api"])
    app = ConsoleApp(service, service.clock)
    async with app.run_test(size=SIZE) as pilot:
        app.open_incident(inc.id)
        await pilot.pause()
        assert "on call now Aoi Matsumoto until Mon 01:00 UTC, then Haruto Inoue" in _on_call_line(
            app
        )
        await pilot.press("escape", "o")
        await pilot.pause()
        assert isinstance(app.screen, OnCallScreen)
        assert _cells(app.screen)["payments"][2] == "Mon 01:00 UTC"


async def test_an_open_room_follows_a_hand_off(service):
    """At 10:00 UTC (19:00 in Tokyo) SRE's pager passes from Ryo Fukuda to Aoife Byrne:
    the room, left open across it, names and would page the new holder."""
    from console.tui.widgets.checklist import Checklist

    inc = service.declare("Card payments failing", "SEV2", services=["payment-api"])
    app = ConsoleApp(service, service.clock)
    async with app.run_test(size=SIZE) as pilot:
        app.open_incident(inc.id)
        await pilot.pause()
        steps = app.screen.query_one(Checklist)
        assert "sre_support         Ryo Fukuda (SRE)" in steps.render_text(118).plain
        service.clock.advance(minutes=11)
        app.screen.redraw()  # what the room's one-second timer does
        await pilot.pause()
        assert "sre_support         Aoife Byrne (SRE)" in steps.render_text(118).plain
        assert "Ryo Fukuda" not in steps.render_text(118).plain
