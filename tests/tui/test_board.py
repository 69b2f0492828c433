"""The board: order, live countdowns, resolved toggle, filter, paging over many
incidents, and refresh on commits (a message, not a poll)."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from tuikit import Toasts, make_app, open_service, paste, screen_text, settle, wait_for

from console.tui.screens.board import BoardScreen
from console.tui.widgets.board_table import BoardTable

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.bigdb import make_big_db  # noqa: E402


def board_lines(app) -> list[str]:
    lines = screen_text(app).splitlines()
    return [line for line in lines if "INC-" in line and not line.lstrip().startswith("Updates:")]


async def test_board_orders_and_counts_down(demo_service, clock):
    app = make_app(demo_service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        lines = board_lines(app)
        assert [line.split()[0] for line in lines] == ["INC-69", "INC-70", "INC-71", "INC-72"]
        assert "SEV1" in lines[0] and "SEV1+15 in 12:00" in lines[0]
        assert "4 open incidents" in screen_text(app)
        clock.advance(minutes=13)
        app.screen.redraw()  # what the 1 s timer does
        await pilot.pause()
        first = board_lines(app)[0]
        assert "SEV1+15 OVERDUE +01:00" in first
        assert first.lstrip().startswith("!")  # the overdue marker is a glyph, not only colour


async def test_resolved_toggle_and_filter(demo_service):
    app = make_app(demo_service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert "72 incidents" in screen_text(app)
        assert any("resolved" in line for line in board_lines(app))
        await pilot.press("slash")
        await paste(pilot, "payments")
        await settle(pilot)
        lines = board_lines(app)
        assert lines and all("Payments" in line or "payment" in line.lower() for line in lines)
        count = app.screen.query_one(BoardTable).count
        assert count == demo_service.board_count(include_resolved=True, text="payments")
        await pilot.press("escape")  # clears the filter
        await settle(pilot)
        assert "72 incidents" in screen_text(app)
        await pilot.press("r")
        await settle(pilot)
        assert "4 open incidents" in screen_text(app)


async def test_pages_through_many_incidents(tmp_path, org, clock):
    path = tmp_path / "big.db"
    make_big_db(path, incidents=2500, open_count=30, now=clock.now(), org=org)
    service = open_service(path, org, clock)
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(BoardTable)
        assert table.count == 30
        await pilot.press("r")
        await settle(pilot)
        assert table.count == 2500
        assert len(table._pages) <= 2  # only what is on screen was read
        await pilot.press("G")
        await settle(pilot)
        assert table.cursor == 2499
        rows = table.visible_rows()
        assert rows and rows[-1]["id"] == table.selected["id"]
        expected = service.board(include_resolved=True, limit=1, offset=2499)[0]["id"]
        assert table.selected["id"] == expected
        assert expected in screen_text(app)
        await pilot.press("g")
        await settle(pilot)
        assert table.cursor == 0 and table.scroll_offset.y == 0
    service.store.close()


async def test_commit_elsewhere_reaches_the_board(service):
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert not board_lines(app)
        service.declare(
            "Search is slow", "SEV3", [], ["search-api"]
        )  # e.g. a drill or a pulled event
        await settle(pilot)
        assert "INC-1" in screen_text(app) and "Search is slow" in screen_text(app)


async def test_enter_opens_and_escape_returns(demo_service):
    app = make_app(demo_service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "enter")
        await settle(pilot)
        assert app.screen.id == "room-INC-70"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        await pilot.press("q")
    assert app.return_code == 0


async def test_many_open_incidents_load_off_the_event_loop(tmp_path, org, clock, monkeypatch):
    from console.tui import board_source

    monkeypatch.setattr(board_source, "INLINE_MAX_ROWS", 10)  # 30 open is "too many" here
    path = tmp_path / "big.db"
    make_big_db(path, incidents=300, open_count=30, now=clock.now(), org=org)
    service = open_service(path, org, clock)
    source = board_source.BoardSource(service)
    reads = []
    real = source._read
    source._read = lambda *a: reads.append(a) or real(*a)
    app = make_app(service, board_source=source)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(BoardTable)
        assert table.count == 30 and reads  # read on the reader thread
        assert len(board_lines(app)) >= 30
    service.store.close()


async def test_the_mouse_works_too(demo_service):
    app = make_app(demo_service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(BoardTable)
        await pilot.click(BoardTable, offset=(5, 1))
        assert table.cursor == 1
        await pilot.click(BoardTable, offset=(5, 1), times=2)
        await settle(pilot)
        assert app.screen.id == "room-INC-70"


async def test_typing_a_filter_skips_reads_it_has_outrun(demo_service):
    import threading

    from console.tui.board_source import BoardSource

    source = BoardSource(demo_service, threaded=True)
    gate, ran = threading.Event(), []
    real = source._read_with

    def slow(svc, query, offset, limit):
        gate.wait(5)  # the reader is busy while the user keeps typing
        ran.append(query.text)
        return real(svc, query, offset, limit)

    source._read_with = slow
    app = make_app(demo_service, board_source=source)
    gate.set()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        gate.clear()
        await pilot.press("slash")
        for ch in "pay":
            await paste(pilot, ch)
        gate.set()
        await settle(pilot)
        # one intermediate read was in progress; the other, queued behind it and outrun
        # by "pay", was skipped (normally "pa")
        assert ran[0] == "" and ran[-1] == "pay" and len(ran) == 3
        assert app.screen.query_one(BoardTable).query_.text == "pay"


async def test_dead_letters_are_listed_with_their_reason_and_r_retries(service):
    from console.store import sync_state as state
    from console.tui.screens.dead_letters import DeadLettersScreen

    inc = service.declare("Checkout down", "SEV2", ["service"], ["checkout-api"])
    ev = service.events(inc.id)[0]
    with service.store.transaction() as conn:
        state.add_dead_letter(
            conn,
            ev.to_dict(),
            "push",
            "idempotency mismatch: same id, different body",
            "2026-11-28T03:00:00Z",
        )
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "1 sync dead letter (D lists)" in screen_text(app)
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(app.screen, DeadLettersScreen)
        text = screen_text(app)
        assert "idempotency mismatch" in text and inc.id in text and "declared" in text
        assert "2026-11-28 03:00:00 UTC" in text  # when, in the zone the console shows
        await pilot.press("r")
        await pilot.pause()
        assert state.dead_letter_count(service.store.conn) == 0
        assert "No dead letters" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DeadLettersScreen)
        assert "dead letter" not in screen_text(app)


async def test_escape_before_any_filter_and_the_filter_box_on_first_use(demo_service):
    """The filter box is mounted on the first `/`: escape before it changes nothing, and
    the box then filters and clears as ever."""
    app = make_app(demo_service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert "4 open incidents" in screen_text(app)
        assert app.focused is app.screen.query_one(BoardTable)
        await pilot.press("slash")
        await paste(pilot, "payments")
        await settle(pilot)
        assert "filter “payments”" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert "filter “payments”" not in screen_text(app)
        assert "4 open incidents" in screen_text(app)
        await pilot.press("slash")
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "filter"


async def test_the_updates_line_names_who_owes_an_update_and_counts_down(service, clock):
    sev1 = service.declare("Checkout down", "SEV1", layers=["service"]).id
    service.declare("Slow search", "SEV4", layers=["service"])  # no cadence at SEV4
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)

        def updates() -> str:
            return next(
                (ln.strip() for ln in screen_text(app).splitlines() if "Updates:" in ln), ""
            )

        await wait_for(pilot, lambda: updates() == f"Updates: {sev1} next update due in 30:00")
        clock.advance(minutes=31)
        await wait_for(pilot, lambda: updates() == f"Updates: {sev1} update OVERDUE by 01:00")


async def test_a_failed_read_of_the_updates_line_is_said_and_the_board_stays(
    demo_service, monkeypatch
):
    app = make_app(demo_service)
    toasts = Toasts(app)

    async def broken(now):
        raise sqlite3.OperationalError("disk I/O error")

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(app.board_source, "due_updates", broken)
        app.screen.reload_data()
        await wait_for(pilot, lambda: toasts.messages)
        assert toasts.messages == ["stakeholder updates not read: disk I/O error"]
        assert app.is_running and len(board_lines(app)) == 4
