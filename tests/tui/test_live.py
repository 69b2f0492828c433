"""Live across processes: a second process (the real CLI) writes to the database, and the
open board and room show it within about a second, with nobody pressing a key."""

from __future__ import annotations

import asyncio
import sys
import time

from tuikit import make_app, open_service, settle, wait_for

from console.model.paging.decide import BOT
from console.tui.screens.board import BoardScreen
from console.tui.screens.matrix import MatrixScreen
from console.tui.screens.room import RoomScreen
from console.tui.widgets.checklist import Checklist
from console.tui.widgets.timeline import Timeline

WITHIN = 1.6  # one watch tick (1 s), the reload and a frame, with room for a busy machine


async def cli(db_path, *args: str) -> None:
    """The real command line, in its own process, while the app's loop keeps running."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "console",
        "--db",
        str(db_path),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()


async def seen_within(pilot, condition) -> float:
    start = time.monotonic()
    await wait_for(pilot, condition, timeout=WITHIN)
    return time.monotonic() - start


def board_ids(app) -> list[str]:
    board = app.screen_stack[0]
    table = board.table
    return [table.row_at(i)["id"] for i in range(table.count) if table.row_at(i)]


async def test_a_note_and_a_tick_from_another_process_reach_the_open_room(service, db_path):
    inc = service.declare("Payments DB failover", "SEV1", ["data"])
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_incident(inc.id)
        await settle(pilot)
        room = app.screen
        assert isinstance(room, RoomScreen)

        await cli(db_path, "--as", "bob", "note", inc.id, "replica lag back under 1 s")
        await seen_within(
            pilot, lambda: [n.text for n in room.inc.notes] == ["replica lag back under 1 s"]
        )
        assert "replica lag back under 1 s" in str(room.query_one(Timeline).entries[-1])

        await cli(db_path, "--as", "bob", "tick", inc.id, "SEV1+0")
        checklist = room.query_one(Checklist)
        await seen_within(
            pilot, lambda: next(s for s in checklist.steps if s.key == "SEV1+0").state == "notified"
        )


async def test_a_declaration_from_another_process_reaches_the_open_board(service, db_path):
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        assert board_ids(app) == []
        await cli(db_path, "declare", "--title", "Checkout 502s", "--severity", "SEV2")
        await seen_within(pilot, lambda: board_ids(app) == ["INC-1"])


async def test_a_hidden_board_catches_up_when_it_comes_back(service, db_path):
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, MatrixScreen)
        await cli(db_path, "declare", "--title", "Search slow", "--severity", "SEV3")
        await pilot.pause(1.2)  # a watch tick passes while the board is hidden
        await pilot.press("escape")
        await seen_within(pilot, lambda: board_ids(app) == ["INC-1"])


class CountingRunner:
    """Stands in for the escalation runner: counts the wake-ups."""

    config = None

    def __init__(self, *args, **kw):
        self.wakes = 0

    def start(self):
        return self

    def wake(self) -> None:
        self.wakes += 1

    def stop(self) -> None:
        pass


async def test_commits_by_others_wake_the_runner_and_its_own_do_not(service, db_path, org, clock):
    runners: list[CountingRunner] = []

    def factory(*args, **kw):
        runners.append(CountingRunner())
        return runners[-1]

    inc = service.declare("Payments DB failover", "SEV1", ["data"])
    app = make_app(service, escalation=True, runner_factory=factory)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.escalation_runner is not None)
        runner = runners[0]
        bot = open_service(db_path, org, clock, actor=BOT)  # a runner's own connection
        try:
            bot.note(inc.id, "page delivered")
            seen = len(bot.get(inc.id).notes)
            await wait_for(pilot, lambda: len(service.get(inc.id).notes) == seen)
            await pilot.pause(1.2)
        finally:
            bot.store.close()
        assert runner.wakes == 0
        await cli(db_path, "--as", "bob", "tick", inc.id, "SEV1+0")
        await wait_for(pilot, lambda: runner.wakes == 1, timeout=WITHIN)
