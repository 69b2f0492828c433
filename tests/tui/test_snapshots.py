"""What each screen looks like in each theme, at 80x24 and 120x40, on a fixed clock.

Regenerate after a deliberate change: pytest tests/tui/test_snapshots.py --snapshot-update
(then look at the SVGs under __snapshots__ before committing them)."""

from __future__ import annotations

import pytest
from textual.widgets import Input
from tuikit import make_app, paste

THEMES = ["war-room", "projector", "high-contrast"]
SIZE = (120, 40)
SIZES = {"80x24": (80, 24), "120x40": (120, 40)}


async def _settle(pilot):
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _no_blink(app):
    for box in app.screen.query(Input):
        box.cursor_blink = False


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("theme", THEMES)
def test_board(snap_compare, demo_service, theme, size):
    assert snap_compare(
        make_app(demo_service, theme=theme), terminal_size=SIZES[size], run_before=_settle
    )


def _room_incident(demo_service, clock):
    inc = demo_service.declare(
        "Orders DB primary unreachable", "SEV1", ["data"], ["orders-db"], "replication lag alert"
    )
    clock.advance(minutes=16)
    demo_service.tick(inc.id, "SEV1+0")
    demo_service.note(inc.id, "Promoting the replica in ap-northeast-1b")
    demo_service.handoff(inc.id, "communications", "mei.suzuki")
    clock.advance(minutes=1, seconds=7)
    return inc


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("theme", THEMES)
def test_room(snap_compare, demo_service, clock, theme, size):
    inc = _room_incident(demo_service, clock)

    async def run_before(pilot):
        await _settle(pilot)
        pilot.app.open_incident(inc.id)
        await _settle(pilot)

    assert snap_compare(
        make_app(demo_service, theme=theme), terminal_size=SIZES[size], run_before=run_before
    )


@pytest.mark.parametrize("theme", THEMES)
def test_room_narrow_responsibility(snap_compare, demo_service, clock, theme):
    """At 80 columns the room is one column: tab to the responsibility pane and the
    body scrolls to it, the on-call contact whole."""
    inc = _room_incident(demo_service, clock)

    async def run_before(pilot):
        await _settle(pilot)
        pilot.app.open_incident(inc.id)
        await _settle(pilot)
        pilot.app.screen.query_one("#responsibility-pane").focus()
        await _settle(pilot)

    assert snap_compare(
        make_app(demo_service, theme=theme), terminal_size=SIZES["80x24"], run_before=run_before
    )


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("theme", THEMES)
def test_metrics(snap_compare, demo_service, theme, size):
    async def run_before(pilot):
        await _settle(pilot)
        await pilot.press("M")
        await _settle(pilot)

    assert snap_compare(
        make_app(demo_service, theme=theme), terminal_size=SIZES[size], run_before=run_before
    )


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("theme", THEMES)
def test_declare(snap_compare, demo_service, theme, size):
    async def run_before(pilot):
        await _settle(pilot)
        await pilot.press("n")
        await paste(pilot, "Checkout returns 500")
        await pilot.press("tab", "2", "tab")
        await paste(pilot, "service, dta")
        await pilot.press("tab")
        await paste(pilot, "checkout-api, pay")
        _no_blink(pilot.app)
        await _settle(pilot)

    assert snap_compare(
        make_app(demo_service, theme=theme), terminal_size=SIZES[size], run_before=run_before
    )


@pytest.mark.parametrize("theme", THEMES)
def test_matrix(snap_compare, demo_service, theme):
    assert snap_compare(
        make_app(demo_service, theme=theme), press=["m"], terminal_size=SIZE, run_before=_settle
    )


@pytest.mark.parametrize("theme", THEMES)
def test_help(snap_compare, demo_service, theme):
    assert snap_compare(
        make_app(demo_service, theme=theme),
        press=["question_mark"],
        terminal_size=SIZE,
        run_before=_settle,
    )
