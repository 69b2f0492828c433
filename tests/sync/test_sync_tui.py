"""The TUI hook: background sync starts with a remote, shows its state in the top
bar, and a change made on another console reaches the open board."""

from __future__ import annotations

import time

from console.store import sync_state as state

TOKEN = "test-token-0123456789abcdef"


async def wait_until(pilot, predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not reached")


async def test_remote_changes_reach_the_board_and_the_top_bar_shows_sync(
    server, consoles, monkeypatch
):
    from console.tui.app import ConsoleApp
    from console.tui.widgets.board_table import BoardTable

    monkeypatch.setenv("INCIDENT_CONSOLE_TOKEN", TOKEN)
    tui, other = consoles("tui", "ana"), consoles("other", "ben")
    state.set_remote(tui.store, server.url)
    app = ConsoleApp(tui.service, tui.clock, persist_theme=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.sync is not None)  # starts after the first frame
        await wait_until(pilot, lambda: "synced" in app.banner)
        other.service.declare("Edge 503s everywhere", "SEV1", layers=["edge"])
        other.sync(server.url)

        def on_board():
            return [r["id"] for r in app.screen.query_one(BoardTable).visible_rows()]

        await wait_until(pilot, lambda: on_board() == ["INC-1"])
        tui.service.note("INC-1", "seen from the war room TUI")  # a local commit is pushed
        await wait_until(pilot, lambda: len(server.rows()) == 2)
        await wait_until(pilot, lambda: "outbox" not in app.banner and "synced" in app.banner)
    assert app.sync is None  # stopped with the app


async def test_local_only_starts_nothing(consoles):
    from console.tui.app import ConsoleApp

    tui = consoles("tui")
    app = ConsoleApp(tui.service, tui.clock, persist_theme=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.sync is None and app.banner == ""


async def test_a_new_console_shows_the_open_incidents_then_the_whole_history(
    server, consoles, monkeypatch
):
    from console.tui.app import ConsoleApp
    from console.tui.widgets.board_table import BoardTable

    monkeypatch.setenv("INCIDENT_CONSOLE_TOKEN", TOKEN)
    other = consoles("other", "ben")
    for i in range(12):
        other.service.resolve(other.service.declare(f"old {i}", "SEV3", layers=["edge"]).id, "ok")
    live = other.service.declare("Edge 503s everywhere", "SEV1", layers=["edge"]).id
    other.sync(server.url)
    tui = consoles("tui", "ana")
    state.set_remote(tui.store, server.url)
    app = ConsoleApp(tui.service, tui.clock, persist_theme=False)
    async with app.run_test(size=(120, 40)) as pilot:

        def on_board():
            return [r["id"] for r in app.screen.query_one(BoardTable).visible_rows()]

        await wait_until(pilot, lambda: on_board() == [live])
        await wait_until(pilot, lambda: "synced" in app.banner and "history" not in app.banner)
        await pilot.press("r")  # resolved shown: the history is all there
        await wait_until(pilot, lambda: len(on_board()) == 13)
    assert tui.event_ids() == other.event_ids()
    assert state.summary(tui.store.conn)["join"]["history_complete"]
