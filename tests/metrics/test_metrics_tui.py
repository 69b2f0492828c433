"""Pilot tests: the metrics screen (maturity card, charts, figures) opened from the
board with M, and the room's suggestion panel accepting a suggestion."""

from __future__ import annotations

import re

import pytest
from screens import screen_text as _text
from textual.app import App, ComposeResult
from textual_plotext import PlotextPlot
from tuikit import make_app, settle

from console.tui.screens.metrics import MetricsScreen
from console.tui.widgets.suggestion import SuggestionPanel

pytestmark = pytest.mark.usefixtures("utc_local_zone")


async def test_metrics_screen_from_the_board(fixed):
    svc, _, _ = fixed
    app = make_app(svc)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("M")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MetricsScreen)
        text = _text(app)
        assert "Maturity level 1" in text and "Basic Distribution" in text
        assert "5 real incidents, 4 resolved; 1 drills left out" in text
        assert "mis-escalation rate" in text and "25.0%" in text
        assert "To reach level 2 (Controlled Distribution)" in text
        assert "Target: level 3 (Optimised Distribution): 2 levels to go" in text
        assert "Next: practice step 2" in text  # mis-escalation: build the matrix
        # mean, median and p90 each in a column of its own
        assert re.search(r"overall\s+\d+\s+14\.6\s+10\.0\s+27\.6\s", text), text
        # the charts got data: four weeks would be a line; one week is a point
        trend = screen.query_one("#mttr-trend", PlotextPlot)
        assert "Weekly MTTR" in trend.plt.build()
        bars = screen.query_one("#mis-layer", PlotextPlot).plt.build()
        assert "Mis-escalations per cause layer" in bars and "data" in bars
        await pilot.press("p")  # last 12 weeks before the clock (a day after the history)
        await settle(pilot)
        assert "last 12 weeks" in _text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, MetricsScreen)


class RoomLike(App):
    """What the room does with the panel: show it, bind a key to accept()."""

    BINDINGS = [("g", "accept", "Accept suggestion")]

    def __init__(self, service, incident_id):
        super().__init__()
        self.service = service
        self.incident_id = incident_id

    def compose(self) -> ComposeResult:
        yield SuggestionPanel(self.incident_id, id="suggestion")

    def action_accept(self) -> None:
        self.query_one(SuggestionPanel).accept()


async def test_suggestion_panel_shows_and_accepts(make_service):
    svc, clock = make_service()
    for n in range(3):  # three checkout-api incidents caused by orders-db
        clock.advance(minutes=300)
        inc = svc.declare(f"Checkout {n}", "SEV3", services=["checkout-api"]).id
        svc.tick(inc, "SEV3+0", ack=True)
        svc.add_service(inc, "orders-db")
        clock.advance(minutes=30)
        svc.resolve(inc)
    live = svc.declare("Checkout again", "SEV2", services=["checkout-api"]).id
    app = RoomLike(svc, live)
    async with app.run_test(size=(160, 10)) as pilot:
        await pilot.pause()
        text = _text(app)
        assert "Suggested: Data Platform (on call Rina Fujita)" in text
        assert "the matrix says Checkout" in text
        await pilot.press("g")
        await pilot.pause()
    assert svc.get(live).roles["operations"] == "rina.fujita"
