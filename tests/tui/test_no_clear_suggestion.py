"""The room offers a team only when history gives a clear one: with a spread history
there is no suggestion line, and `y` accepts nothing."""

from __future__ import annotations

from tuikit import make_app, settle

from console.tui.screens.room import RoomScreen
from console.tui.widgets.suggestion import SuggestionPanel


async def test_no_suggestion_line_and_y_accepts_nothing(service, clock):
    for n, cause in enumerate(["checkout-api", "payment-api", "orders-db", "search-api", "cdn"]):
        clock.advance(minutes=600)
        inc = service.declare(f"Checkout trouble {n}", "SEV3", services=["checkout-api"])
        clock.advance(minutes=30)
        service.resolve(inc.id, cause_service=cause)
    inc = service.declare("Checkout again", "SEV2", services=["checkout-api"])
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_incident(inc.id)
        await settle(pilot)
        room = app.screen
        assert isinstance(room, RoomScreen)
        panel = room.query_one(SuggestionPanel)
        assert panel.suggestion is not None and panel.suggestion["team"] is None
        assert panel.display is False
        await pilot.press("y")
        await settle(pilot)
        assert service.get(inc.id).roles.get("operations") is None
