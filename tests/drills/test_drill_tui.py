"""A short drill played through the console UI at high speed (Pilot): briefing,
the DRILL banner on every screen, the clock's keys, declare with the keyboard, the
escalation engine paging into the drill sink, a direct page, mitigation, the
scorecard and its Markdown export."""

from __future__ import annotations

import time

import pytest
from drkit import session
from screens import screen_text

from console.tui.screens.drill import (
    BriefingScreen,
    DrillApp,
    DrillBanner,
    FeedScreen,
    ScorecardScreen,
)
from console.tui.screens.room import RoomScreen


async def paste(pilot, text: str) -> None:
    """Type a field's text as one bracketed paste (Pilot's per-key wait is slow)."""
    from textual import events

    pilot.app.focused.post_message(events.Paste(text))
    await pilot.pause()


async def until(pilot, condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.05)


async def test_a_short_drill_through_the_tui(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = session(tmp_path, "database-failover", speed=30)
    app = DrillApp(s, tick_seconds=0.05, persist_theme=False)
    async with app.run_test(size=(130, 42)) as pilot:
        await pilot.pause()
        assert (
            isinstance(app.screen, BriefingScreen) and s.paused
        )  # the clock waits for the briefing
        assert "Orders database failover stalls" in screen_text(app)
        await pilot.press("enter")

        # The real timer moves the simulated clock at 30x, then faster.
        await until(pilot, lambda: s.elapsed >= 15)
        await pilot.press("plus")
        assert s.speed == 60
        await pilot.press("P")  # pause: the clock stops
        frozen = s.elapsed
        await pilot.pause(0.2)
        assert s.elapsed == frozen and s.paused
        await pilot.press("P")
        app.clock_timer.stop()  # from here the test moves the clock itself, deterministically
        board = screen_text(app)
        assert "DRILL" in board and "NOT A REAL INCIDENT" in board and "database-failover" in board
        assert app.screen.query(DrillBanner)

        # Declare with the keyboard, on the real fault (the board's n, the declare form).
        await pilot.press("n")
        await pilot.pause()
        await paste(pilot, "DB stuck")
        await pilot.press("tab", "2", "tab")
        await paste(pilot, "data")
        await pilot.press("tab")
        await paste(pilot, "orders-db")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RoomScreen)
        assert s.incident_id == app.screen.incident_id
        assert s.service.view(s.incident_id)["drill"] == "database-failover"
        declared_at = s.elapsed
        room = screen_text(app)
        assert "NOT A REAL INCIDENT" in room and "[DRILL database-failover]" in room
        assert [(p.team, p.step) for p in s.sink.pages] == [("platform-data", "SEV2+0")]

        # Two real seconds at 60x: the on-call answered (simulated), the checklist says so.
        app.advance(2.0)
        await pilot.pause()
        assert s.elapsed == pytest.approx(declared_at + 120)  # float seconds
        await until(
            pilot, lambda: "ACKNOWLEDGED" in screen_text(app)
        )  # the room redraws on its next refresh

        # A direct page to SRE through the picker (11th team in the demo org).
        await pilot.press("p")
        await pilot.pause()
        sre = s.on_call("sre-core")  # the follow-the-sun shift at the drill clock's moment
        assert f"SRE (sre) — on call {s.org.person_name(sre)}" in screen_text(app)
        await pilot.press(*["j"] * 10, "enter")
        await pilot.pause()
        page = s.sink.pages[-1]
        assert (page.team, page.person, page.step) == ("sre-core", sre, None)

        await pilot.press("i")
        assert isinstance(app.screen, FeedScreen)
        assert "orders-db replication lag" in screen_text(app)
        await pilot.press("escape")

        # Run to T+17:00 and call mitigation with the status key.
        app.advance((17 * 60 - s.elapsed) / s.speed)
        await pilot.pause()
        await pilot.press("u", "4")
        await pilot.pause()
        assert s.service.get(s.incident_id).status == "monitoring"

        await pilot.press("E")
        await until(pilot, lambda: isinstance(app.screen, ScorecardScreen))
        text = screen_text(app)
        assert "DRILL database-failover · WON" in text and "■ ENDED" in text
        await pilot.press("e")
        await pilot.pause()
        exported = app.screen.exported_to
        assert exported is not None and exported.parent == tmp_path
        assert exported.read_text().startswith("# Drill scorecard: Orders database failover stalls")

    card = s.scorecard
    assert card["won"] and card["mis_escalation"]["count"] == 0
    assert card["end_reason"] == "ended by the commander"
    assert card["mitigation"]["seconds"] == 17 * 60


async def test_drill_app_never_starts_sync(tmp_path):
    from console.store import sync_state as state

    s = session(tmp_path, "cdn-outage")
    state.set_remote(s.store, "http://127.0.0.1:9/war-room")  # even if the file had a remote
    app = DrillApp(s, tick_seconds=None, briefing=False, persist_theme=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.sync is None and not [w for w in app.workers if w.group == "sync-start"]
        assert app.screen.query(DrillBanner)
