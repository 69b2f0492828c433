"""A handoff accepted at the terminal where it happens: `c` offers "accept as <new
holder>", asks for an explicit yes, and records it as accepted by them, confirmed here."""

from __future__ import annotations

import pytest
from tuikit import make_app, settle

from console.model.errors import InputError
from console.tui.screens.confirm import ConfirmModal
from console.tui.screens.room import RoomScreen


async def test_c_accepts_as_the_new_holder_after_a_yes(service):
    inc = service.declare("Payments DB failover", "SEV1", ["data"])
    service.handoff(inc.id, "communications", "mei.suzuki")
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_incident(inc.id)
        await settle(pilot)
        await pilot.press("c")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ConfirmModal)
        assert modal.title_text == f"Accept communications of {inc.id} as mei.suzuki?"
        assert any("confirmed at this console by commander" in line for line in modal.lines)
        await pilot.press("n")  # not here after all: nothing recorded
        await pilot.pause()
        assert isinstance(app.screen, RoomScreen)
        assert service.get(inc.id).handoffs["communications"]["to"] == "mei.suzuki"

        await pilot.press("c")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        now = service.get(inc.id)
        assert now.roles["communications"] == "mei.suzuki"
        assert "communications" not in now.handoffs
        last = service.events(inc.id)[-1]
        assert (last.kind, last.actor) == ("handoff_accepted", "mei.suzuki")
        assert last.body["confirmed_by"] == "commander"
        assert "confirmed at the console of commander" in str(app.screen.inc.timeline[-1])


def test_accept_as_names_the_person_offered(service):
    inc = service.declare("Payments DB failover", "SEV1", ["data"])
    service.handoff(inc.id, "communications", "mei.suzuki")
    with pytest.raises(InputError, match="offered to mei.suzuki, not bob"):
        service.accept(inc.id, "communications", as_holder="bob")
    with pytest.raises(InputError, match="only they can accept"):
        service.accept(inc.id, "communications")  # scripts still use --as
    service.accept(inc.id, "communications", as_holder="mei.suzuki")
    assert service.get(inc.id).roles["communications"] == "mei.suzuki"
