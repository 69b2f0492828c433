"""Layout at 80 and 120 columns: board titles get the room they need, the room stacks
below 100 columns, the key bar keeps resolve and export, metrics show every figure."""

from __future__ import annotations

import re

import pytest
from tuikit import make_app, screen_text, settle, wait_for

from console.tui.screens.metrics import MetricsScreen
from console.tui.screens.room import RoomScreen
from console.tui.widgets.keybar import KeyBar
from console.tui.widgets.timeline import Timeline


def _row(app, incident_id: str) -> str:
    return next(line for line in screen_text(app).splitlines() if f"{incident_id} " in line)


@pytest.mark.parametrize(("size", "shown"), [((80, 24), 25), ((120, 40), 45)])
async def test_board_titles_get_the_room_they_need(demo_service, size, shown):
    title = demo_service.get("INC-69").title  # 43 characters
    app = make_app(demo_service)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        row = _row(app, "INC-69")
        assert title[: min(shown, len(title))] in row
        if size[0] >= 120:
            assert title in row  # whole, no ellipsis
            assert "investigating" in row


async def test_board_narrow_keeps_every_column_but_shortens_them(demo_service):
    app = make_app(demo_service)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        row = _row(app, "INC-69")
        assert re.search(r"INC-69\s+● SEV1\s+invest\s+\d\d:\d\d\s+SEV1\+15 in \d\d:\d\d", row)


def _keys(app) -> str:
    return app.screen.query_one(KeyBar).render().plain


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40)])
async def test_the_room_key_bar_never_hides_resolve_and_export(service, size):
    inc = service.declare("Orders DB primary down", "SEV1", ["data"], ["orders-db"])
    app = make_app(service)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        app.open_incident(inc.id)
        await settle(pilot)
        keys = _keys(app)
        assert "R Resolve" in keys and "e Export" in keys and "esc Back" in keys
        assert "…" not in keys
        assert len(keys) <= size[0]


async def test_below_100_columns_the_room_stacks_checklist_timeline_responsibility(
    demo_service,
):
    app = make_app(demo_service)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_incident("INC-69")
        await settle(pilot)
        room = app.screen
        assert isinstance(room, RoomScreen) and room.has_class("-narrow")
        checklist = room.query_one("#checklist-pane").region
        timeline = room.query_one(Timeline)
        responsibility = room.query_one("#responsibility-pane")
        assert timeline.size.width >= 70  # the whole width, not a 16-column strip
        assert responsibility.size.width >= 70
        assert checklist.y < timeline.region.y < responsibility.region.y
        assert "declared SEV1" in timeline.text
        # tab to the responsibility pane: the room scrolls to it, the contact whole
        responsibility.focus()
        # the scroll to the focused pane may still be moving after one settle
        await wait_for(pilot, lambda: "+81-90-1111-0008" in screen_text(app))


async def test_from_100_columns_responsibility_and_timeline_sit_side_by_side(demo_service):
    app = make_app(demo_service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_incident("INC-69")
        await settle(pilot)
        room = app.screen
        assert room.has_class("-wide")
        left = room.query_one("#responsibility-pane").region
        right = room.query_one(Timeline).region
        assert left.x < right.x and left.y == right.y


async def test_metrics_at_120_columns_show_mean_median_and_p90(demo_service):
    app = make_app(demo_service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("M")
        await settle(pilot)
        assert isinstance(app.screen, MetricsScreen)
        await app.workers.wait_for_complete()
        await settle(pilot)
        text = screen_text(app)
        head = [line for line in text.splitlines() if "mean" in line and "p90" in line]
        assert head and "med" in head[0]
        overall = next(line for line in text.splitlines() if line.strip().startswith("overall"))
        figures = overall.split()[1:]
        assert len(figures) == 9, overall  # n, 3 MTTA, 3 MTTR, mis-escalation, coordination
        assert "…" not in overall


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_demo_label_stays_on_the_room_and_metrics(demo_service, size):
    app = make_app(demo_service, banner="DEMO (throwaway copy)")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        app.open_incident("INC-69")
        await settle(pilot)
        assert "DEMO" in screen_text(app).splitlines()[0]
        await pilot.press("M")
        await settle(pilot)
        assert isinstance(app.screen, MetricsScreen)
        assert "DEMO" in screen_text(app).splitlines()[0]
