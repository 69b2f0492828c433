"""Escalation inside the TUI: with the console open and nobody pressing a key, a due
step is paged through the real channel and the room shows it notified."""

from __future__ import annotations

import time

from screens import screen_text as _text

from console.tui.app import ConsoleApp
from console.tui.screens.room import RoomScreen


async def _until(pilot, condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.05)


async def test_the_open_console_pages_a_due_step_without_a_key_press(world):
    inc = world.service.declare("Orders DB primary down", "SEV1", ["data"], ["orders-db"])
    app = ConsoleApp(world.service, world.clock, persist_theme=False, escalation=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        await _until(pilot, lambda: isinstance(app.screen, RoomScreen))
        # SEV1+0 pages platform_lead (kenji.sato) and sre_lead (hana.kobayashi) through PagerDuty.
        await _until(pilot, lambda: len(world.receivers["pagerduty"].bodies()) >= 2)
        await _until(
            pilot,
            lambda: (
                next(s for s in world.service.view(inc.id)["escalation"] if s["key"] == "SEV1+0")[
                    "state"
                ]
                == "notified"
            ),
        )
        step = next(s for s in world.service.view(inc.id)["escalation"] if s["key"] == "SEV1+0")
        assert step["notified_by"] == "escalation-bot"
        await _until(pilot, lambda: "NOTIFIED" in _text(app))
        assert {b["payload"]["severity"] for b in world.receivers["pagerduty"].bodies()} == {
            "critical"
        }
        assert app.escalation_runner is not None
    assert app.escalation_runner is None  # stopped with the app


async def test_a_console_that_syncs_leaves_paging_to_the_server(world):
    world.store.set_setting("sync.remote", "http://127.0.0.1:9")
    world.service.declare("Orders DB primary down", "SEV1", ["data"], ["orders-db"])
    app = ConsoleApp(world.service, world.clock, persist_theme=False, escalation=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()  # the start-up worker has decided
        assert app.escalation_runner is None
        assert app.paging_mode == "automated by the sync server"
    assert world.receivers["pagerduty"].bodies() == []


async def test_a_failing_channel_is_shown_on_the_board_and_in_the_room(world):
    world.receivers["webhook"].mode = "fail"
    world.service.declare("Orders DB primary down", "SEV1", ["data"], ["orders-db"])
    runner = world.runner()
    for minute in (0, 1, 2, 3, 4):  # the webhook answers 503 every time
        world.at(minute)
        runner.run_once()
    app = ConsoleApp(world.service, world.clock, persist_theme=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await _until(pilot, lambda: "channel hook failing" in _text(app))
        board = _text(app)
        assert "HTTP 503" in board
        await pilot.press("enter")
        await _until(pilot, lambda: isinstance(app.screen, RoomScreen))
        await pilot.pause()
        room = _text(app)
        assert (
            "Paging:" in room and "delivered" in room and "failed (retry" in room
        )  # per target (TUI helper)
        assert "channel hook failing" in room
