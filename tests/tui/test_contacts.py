"""The on-call contact is the one number a commander needs: never cut, at any width."""

from __future__ import annotations

import pytest
from tuikit import make_app, settle

from console.tui.screens.room import RoomScreen
from console.tui.widgets.checklist import Checklist
from console.tui.widgets.responsibility import ResponsibilityPanel
from console.tui.wrap import words, wrap


def _lines(lines) -> list[str]:
    return ["".join(text for text, _ in line) for line in lines]


def test_wrap_moves_a_word_that_does_not_fit_and_never_cuts_it():
    contact = words(("Rina Fujita", None), ("@rina.fujita +81-90-1111-0008", "muted"))
    assert _lines(wrap(contact, 60, 60)) == ["Rina Fujita @rina.fujita +81-90-1111-0008"]
    assert _lines(wrap(contact, 22, 40)) == ["Rina Fujita", "@rina.fujita +81-90-1111-0008"]
    # no room at all on the first line: it stays empty, everything goes below
    assert _lines(wrap(contact, 3, 26)) == ["", "Rina Fujita @rina.fujita", "+81-90-1111-0008"]
    # only a word longer than a whole line is folded, and nothing is lost
    assert _lines(wrap(words(("0123456789", None)), 4, 4)) == ["0123", "4567", "89"]
    assert [style for _, style in wrap(contact, 60, 60)[0] if _ != " "] == [
        None,
        None,
        "muted",
        "muted",
    ]


def _contacts(service, inc) -> list[str]:
    """Every on-call contact the responsibility view names for the incident."""
    view = service.responsibility(service.get(inc.id))
    found = [view["responsible_team"]["contact"]]
    for domain in view["domains"]:
        found += [domain[k]["contact"] for k in ("first", "second", "final")]
    return [c for c in found if c]


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 50)])
async def test_every_contact_is_whole_in_the_room(service, size):
    inc = service.declare("Orders DB primary down", "SEV1", ["data", "edge"], ["orders-db"])
    app = make_app(service)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        app.open_incident(inc.id)
        await settle(pilot)
        room = app.screen
        assert isinstance(room, RoomScreen)
        panel = room.query_one(ResponsibilityPanel)
        shown = panel.render().plain
        width = panel.size.width
        with_contacts = [line for line in shown.splitlines() if "@" in line or "+81" in line]
        assert with_contacts and all(len(line) <= width for line in with_contacts)
        contacts = _contacts(service, inc)
        assert contacts
        for contact in contacts:
            for part in contact.split():
                assert any(part in line.split() for line in shown.splitlines()), part

        checklist = room.query_one(Checklist)
        listed = checklist.render().plain
        assert "…" not in listed
        for name in ("Sora Ito (Engineering & Business Leadership)", "Ren Kato"):
            assert name in listed
