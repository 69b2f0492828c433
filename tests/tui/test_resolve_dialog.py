"""Resolving from the room records what the metrics judge: the cause service (with
completion), the resolving team (pre-filled from the matrix) and prevention."""

from __future__ import annotations

from textual.widgets import Checkbox, Input, Static
from tuikit import make_app, paste, settle

from console.tui.screens.resolve import ResolveModal
from console.tui.screens.room import RoomScreen


async def test_resolve_from_the_room_records_cause_team_and_prevention(service, clock):
    inc = service.declare("Checkout errors", "SEV2", services=["checkout-api"])
    clock.advance(minutes=3)
    service.tick(inc.id, "SEV2+0", ack=True)  # Checkout's on-call answered
    clock.advance(minutes=20)
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_incident(inc.id)
        await settle(pilot)
        assert isinstance(app.screen, RoomScreen)
        await pilot.press("R")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ResolveModal)
        # Pre-filled: the declared service, and the team the matrix makes its owner.
        assert modal.query_one("#cause", Input).value == "checkout-api"
        assert modal.query_one("#team", Input).value == "checkout"
        await paste(pilot, "rolled back the payment client")
        await pilot.press("tab", "ctrl+u", *"payment-a", "right")  # → accepts the completion
        assert modal.query_one("#cause", Input).value == "payment-api"
        await pilot.press("tab", "ctrl+u", *"nonesuch", "enter")  # refused inline
        await pilot.pause()
        assert app.screen is modal
        assert "unknown team 'nonesuch'" in str(modal.query_one("#error", Static).content)
        assert service.get(inc.id).open
        await pilot.press("ctrl+u", *"paym", "right")
        assert modal.query_one("#team", Input).value == "payments"
        await pilot.press("tab", "space")
        assert modal.query_one("#prevented", Checkbox).value is True
        await pilot.press("shift+tab", "enter")
        await settle(pilot)
        assert isinstance(app.screen, RoomScreen)

    done = service.get(inc.id)
    assert not done.open and done.prevented
    body = [e for e in service.events(inc.id) if e.kind == "resolved"][-1].body
    assert body["summary"] == "rolled back the payment client"
    assert (body["cause_service"], body["cause_layer"]) == ("payment-api", "service")
    assert (body["resolved_by_team"], body["prevented"]) == ("payments", True)

    metrics = service.analysis().metrics()
    overall = metrics["overall"]
    assert (overall["prevention"]["count"], overall["prevention"]["of"]) == (1, 1)
    assert [g["key"] for g in metrics["by_team"]] == ["payments"]
    # Checkout answered first, Payments resolved: mis-routed, and counted so.
    mis = overall["mis_escalation"]
    assert (mis["count"], mis["of"], mis["misrouted"]) == (1, 1, 1)
