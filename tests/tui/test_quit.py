"""Quitting asks once when it matters: open incidents in a console that pages, or
changes not yet synced; otherwise, and for those who opted out, it just quits."""

from __future__ import annotations

from tuikit import make_app, settle, wait_for

from console import config
from console.store import sync_state as state
from console.tui.screens.board import BoardScreen
from console.tui.screens.quit import QuitModal


class QuietRunner:
    """Stands in for the escalation runner: this console pages."""

    config = None

    def __init__(self, *args, **kw):
        pass

    def start(self):
        return self

    def wake(self) -> None:
        pass

    def stop(self) -> None:
        pass


def paging_app(service):
    return make_app(service, escalation=True, runner_factory=QuietRunner)


async def test_q_on_the_board_asks_when_this_console_pages_open_incidents(service):
    service.declare("Payments DB failover", "SEV1", ["data"])
    app = paging_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.escalation_runner is not None)
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, QuitModal)
        assert any("paging stops" in r for r in app.screen.reasons)
        await pilot.press("escape")  # stay
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen) and app.is_running
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, QuitModal)
        await pilot.press("ctrl+q")  # the quit key again: leave, no second question
        await pilot.pause()
        assert not app.is_running


async def test_y_leaves_from_the_question(service):
    service.declare("Payments DB failover", "SEV1", ["data"])
    app = paging_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.escalation_runner is not None)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, QuitModal)
        await pilot.press("y")
        await pilot.pause()
        assert not app.is_running


async def test_no_question_without_open_incidents_or_paging(service):
    app = paging_app(service)  # pages, but nothing is open
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.escalation_runner is not None)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running
    service.declare("Payments DB failover", "SEV1", ["data"])
    app = make_app(service)  # open incidents, but this console does not page
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_unsynced_changes_ask_too(service):
    state.set_remote(service.store, "http://127.0.0.1:9")  # nothing listens: stays unsynced
    service.declare("Payments DB failover", "SEV1", ["data"])
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, QuitModal)
        assert any("not yet synced" in r for r in app.screen.reasons)
        await pilot.press("enter")
        await pilot.pause()
        assert not app.is_running


async def test_the_question_can_be_turned_off(service):
    config.save_user_setting("confirm_quit", False)
    service.declare("Payments DB failover", "SEV1", ["data"])
    app = paging_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.escalation_runner is not None)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running
